import { useEffect, useState } from "react";
import { Link, useLocation } from "wouter";
import { del, get, post, put } from "../lib/api";
import { ConfirmDialog, Empty, ErrorBox, Loading, StatusBadge, useLoad, YesNo } from "../lib/components";
import { useI18n } from "../lib/i18n";
import { useAuth } from "../lib/session";
import type { Page } from "../lib/api";
import { THREAD_STATUS_LABELS, type Customer, type CustomerView, type OrderSummary, type Title } from "../lib/types";
import { ageOf } from "./Customers";

export function CustomerViewPage({ id }: { id: string }) {
  const { t, date, dateTime, money } = useI18n();
  const auth = useAuth();
  const [, navigate] = useLocation();
  const view = useLoad((signal) => get<CustomerView>(`/admin/customers/${encodeURIComponent(id)}`, undefined, signal), [id]);
  const titles = useLoad((signal) => get<Page<Title>>("/admin/titles", undefined, signal), []);
  const [action, setAction] = useState<{ busy: boolean; error: unknown; done?: string }>({ busy: false, error: null });
  const [deleting, setDeleting] = useState(false);
  const [allowReregistration, setAllowReregistration] = useState(true);

  if (view.loading && !view.data) return <Loading />;
  if (view.error) return <ErrorBox error={view.error} />;
  if (!view.data) return null;
  const { profile, stats } = view.data;
  const title = titles.data?.items.find((x) => x.id === profile.title_id)?.name;
  const age = ageOf(profile.birthday);

  async function run(label: string, call: () => Promise<unknown>) {
    setAction({ busy: true, error: null });
    try {
      await call();
      setAction({ busy: false, error: null, done: label });
      view.reload();
    } catch (error) {
      setAction({ busy: false, error });
    }
  }

  async function remove() {
    setAction({ busy: true, error: null });
    try {
      await del(`/admin/customers/${encodeURIComponent(id)}`, { allow_reregistration: allowReregistration ? "true" : "false" });
      navigate("/customers");
    } catch (error) {
      setDeleting(false);
      setAction({ busy: false, error });
    }
  }

  return (
    <section className="customer-view">
      <nav aria-label={t("Breadcrumb")}>
        <ul>
          <li><Link href="/customers">{t("Customers")}</Link></li>
          <li>{profile.first_name} {profile.last_name}</li>
        </ul>
      </nav>
      <hgroup className="page-title">
        <h1>
          {title ? `${title} ` : ""}
          {profile.first_name} {profile.last_name}
        </h1>
        <p>
          {profile.email} · <StatusBadge value={profile.status} label={t(profile.status)} />
          {profile.is_guest && <> · <StatusBadge value="guest" label={t("Guest")} /></>}
        </p>
      </hgroup>
      {auth.isAdmin && (
        <div className="toolbar">
          <Link href={`/customers/${id}/edit`} role="button">{t("Edit")}</Link>
          {profile.status === "pending_approval" && (
            <button type="button" disabled={action.busy} onClick={() => run(t("Account approved."), () => post(`/admin/customers/${id}/approve`))}>
              {t("Approve")}
            </button>
          )}
          {profile.is_guest && (
            <button type="button" className="secondary" disabled={action.busy} onClick={() => run(t("The customer was mailed a link to set a password."), () => post(`/admin/customers/${id}/convert-guest`))}>
              {t("Turn into a customer account")}
            </button>
          )}
          <button type="button" className="secondary outline danger" onClick={() => setDeleting(true)}>
            {t("Delete")}
          </button>
        </div>
      )}
      {action.done && <p role="status">{action.done}</p>}
      <ErrorBox error={action.error} />

      <div className="cards">
        <article aria-labelledby="profile-h">
          <h2 id="profile-h">{t("Profile")}</h2>
          <dl>
            <dt>{t("Social title")}</dt><dd>{title ?? "—"}</dd>
            <dt>{t("Age")}</dt><dd>{age === null ? "—" : t("{age} years old (birth date: {date})", { age, date: date(profile.birthday) })}</dd>
            <dt>{t("Registration")}</dt><dd>{dateTime(profile.registered_at)}</dd>
            <dt>{t("Last visit")}</dt><dd>{dateTime(profile.last_visit_at)}</dd>
            <dt>{t("Language")}</dt><dd>{profile.language}</dd>
            <dt>{t("Newsletter")}</dt><dd><YesNo value={profile.newsletter} /></dd>
            <dt>{t("Partner offers (opt-in)")}</dt><dd><YesNo value={profile.optin} /></dd>
            <dt>{t("Enabled")}</dt><dd><YesNo value={profile.enabled} /></dd>
            {profile.company && <><dt>{t("Company")}</dt><dd>{profile.company}</dd></>}
            {profile.siret && <><dt>{t("SIRET")}</dt><dd>{profile.siret}</dd></>}
            {profile.ape && <><dt>{t("APE")}</dt><dd>{profile.ape}</dd></>}
            {profile.website && <><dt>{t("Website")}</dt><dd>{profile.website}</dd></>}
            {profile.outstanding_allowed && <><dt>{t("Allowed outstanding amount")}</dt><dd>{money(profile.outstanding_allowed)}</dd></>}
            {profile.max_payment_days != null && <><dt>{t("Maximum number of payment days")}</dt><dd>{profile.max_payment_days}</dd></>}
            {profile.risk_rating && <><dt>{t("Risk rating")}</dt><dd>{t(profile.risk_rating)}</dd></>}
          </dl>
        </article>
        <article aria-labelledby="stats-h">
          <h2 id="stats-h">{t("Statistics")}</h2>
          <dl>
            <dt>{t("Valid orders")}</dt><dd data-testid="orders-count">{stats.orders_count}</dd>
            <dt>{t("Total spent")}</dt><dd>{money(stats.total_spent)}</dd>
            <dt>{t("Last order")}</dt><dd>{dateTime(stats.last_order_at)}</dd>
          </dl>
        </article>
        <NoteEditor customer={profile} onSaved={view.reload} />
      </div>

      <article aria-labelledby="groups-h">
        <h2 id="groups-h">{t("Groups")}</h2>
        {view.data.groups.length === 0 ? <Empty>{t("No group.")}</Empty> : (
          <ul>
            {view.data.groups.map((g) => (
              <li key={g.id}>{g.name}{g.id === profile.default_group_id ? ` (${t("default")})` : ""}</li>
            ))}
          </ul>
        )}
      </article>

      <article aria-labelledby="orders-h">
        <h2 id="orders-h">{t("Orders")}</h2>
        <OrdersTable title={t("Valid orders")} orders={view.data.orders.valid} total={view.data.orders.valid_total} />
        <OrdersTable title={t("Invalid orders")} orders={view.data.orders.invalid} total={view.data.orders.invalid_total} />
      </article>

      <article aria-labelledby="carts-h">
        <h2 id="carts-h">{t("Carts")}</h2>
        {view.data.carts.length === 0 ? <Empty>{t("No cart.")}</Empty> : (
          <div className="overflow-auto">
            <table className="striped">
              <thead><tr><th scope="col">{t("ID")}</th><th scope="col">{t("Date")}</th><th scope="col">{t("Status")}</th><th scope="col">{t("Products")}</th><th scope="col">{t("Total")}</th></tr></thead>
              <tbody>
                {view.data.carts.map((c) => (
                  <tr key={c.id}>
                    <td><Link href={`/carts/${c.id}`}>{c.id.slice(-8)}</Link></td>
                    <td>{dateTime(c.updated_at)}</td>
                    <td><StatusBadge value={c.status} label={t(c.status)} /></td>
                    <td>{c.quantity}</td>
                    <td>{money(c.total)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </article>

      <article aria-labelledby="addresses-h">
        <header className="row-between">
          <h2 id="addresses-h">{t("Addresses")}</h2>
          {auth.isAdmin && <Link href={`/customers/${id}/addresses/new`}>{t("Add an address")}</Link>}
        </header>
        {view.data.addresses.length === 0 ? <Empty>{t("No address.")}</Empty> : (
          <div className="overflow-auto">
            <table className="striped">
              <thead><tr><th scope="col">{t("Alias")}</th><th scope="col">{t("Company")}</th><th scope="col">{t("Name")}</th><th scope="col">{t("Address")}</th><th scope="col">{t("Country")}</th><th scope="col">{t("Phone")}</th><th scope="col">{t("Actions")}</th></tr></thead>
              <tbody>
                {view.data.addresses.map((a) => (
                  <tr key={a.id}>
                    <td>{a.alias}</td>
                    <td>{a.company ?? "—"}</td>
                    <td>{a.first_name} {a.last_name}</td>
                    <td>{a.address1}{a.address2 ? `, ${a.address2}` : ""}, {a.postcode ?? ""} {a.city}</td>
                    <td>{a.country}</td>
                    <td>{a.phone ?? a.phone_mobile ?? "—"}</td>
                    <td><Link href={`/addresses/${a.id}`}>{auth.isAdmin ? t("Edit") : t("View")}</Link></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </article>

      <article aria-labelledby="threads-h">
        <h2 id="threads-h">{t("Messages")}</h2>
        {view.data.threads.length === 0 ? <Empty>{t("No message thread.")}</Empty> : (
          <ul data-testid="customer-threads">
            {view.data.threads.map((thread) => (
              <li key={thread.id}>
                <Link href={`/customer-service/threads/${thread.id}`}>{thread.subject || t("(no subject)")}</Link>{" "}
                — <StatusBadge value={thread.status} label={t(THREAD_STATUS_LABELS[thread.status] ?? thread.status)} /> · {dateTime(thread.last_message_at)}
                {thread.unread && <> · <strong>{t("Unread")}</strong></>}
              </li>
            ))}
          </ul>
        )}
      </article>

      <article aria-labelledby="connections-h">
        <h2 id="connections-h">{t("Last connections")}</h2>
        {view.data.last_connections.length === 0 ? <Empty>{t("No connection recorded.")}</Empty> : (
          <table className="striped">
            <thead><tr><th scope="col">{t("Date")}</th><th scope="col">{t("IP address")}</th></tr></thead>
            <tbody>
              {view.data.last_connections.map((c, index) => (
                <tr key={index}><td>{dateTime(c.at)}</td><td>{c.ip}</td></tr>
              ))}
            </tbody>
          </table>
        )}
      </article>

      <ConfirmDialog
        open={deleting}
        title={t("Delete this customer?")}
        confirmLabel={t("Delete")}
        busy={action.busy}
        onConfirm={remove}
        onCancel={() => setDeleting(false)}
      >
        <p>{t("How should people who registered with this e-mail be handled?")}</p>
        <fieldset>
          <label>
            <input type="radio" name="reregistration" checked={allowReregistration} onChange={() => setAllowReregistration(true)} />
            {t("Allow the customer to register again with the same e-mail address")}
          </label>
          <label>
            <input type="radio" name="reregistration" checked={!allowReregistration} onChange={() => setAllowReregistration(false)} />
            {t("Do not allow the customer to register again with the same e-mail address")}
          </label>
        </fieldset>
      </ConfirmDialog>
    </section>
  );
}

function OrdersTable({ title, orders, total }: { title: string; orders: OrderSummary[]; total: string }) {
  const { t, dateTime, money } = useI18n();
  return (
    <section>
      <h3>
        {title}: {orders.length} · {t("total {amount}", { amount: money(total) })}
      </h3>
      {orders.length === 0 ? <Empty>{t("No order.")}</Empty> : (
        <div className="overflow-auto">
          <table className="striped">
            <thead><tr><th scope="col">{t("ID")}</th><th scope="col">{t("Date")}</th><th scope="col">{t("Payment")}</th><th scope="col">{t("Status")}</th><th scope="col">{t("Total")}</th></tr></thead>
            <tbody>
              {orders.map((o) => (
                <tr key={o.id}>
                  <td><Link href={`/orders/${o.id}`}>{o.id.slice(-8)}</Link></td>
                  <td>{dateTime(o.created_at)}</td>
                  <td>{o.payment_method}</td>
                  <td><StatusBadge value={o.status} label={t(o.status)} /></td>
                  <td>{money(o.total, o.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The private note, edited in place (admins; support reads it). */
function NoteEditor({ customer, onSaved }: { customer: Customer; onSaved: () => void }) {
  const { t } = useI18n();
  const auth = useAuth();
  const [note, setNote] = useState(customer.note ?? "");
  const [state, setState] = useState<{ busy: boolean; error: unknown; saved: boolean }>({ busy: false, error: null, saved: false });
  useEffect(() => setNote(customer.note ?? ""), [customer.note]);
  const dirty = note !== (customer.note ?? "");

  async function save() {
    setState({ busy: true, error: null, saved: false });
    try {
      await put(`/admin/customers/${encodeURIComponent(customer.id)}/note`, { note });
      setState({ busy: false, error: null, saved: true });
      onSaved();
    } catch (error) {
      setState({ busy: false, error, saved: false });
    }
  }

  return (
    <article aria-labelledby="note-h" className="note">
      <h2 id="note-h">{t("Private note")}</h2>
      {auth.isAdmin ? (
        <form onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <label htmlFor="private-note" className="visually-hidden">{t("Private note")}</label>
          <textarea
            id="private-note"
            name="note"
            rows={4}
            maxLength={10000}
            value={note}
            placeholder={t("Add a note on this customer, seen only by employees.")}
            aria-invalid={state.error ? true : undefined}
            onChange={(e) => { setNote(e.target.value); setState((s) => ({ ...s, saved: false })); }}
          />
          <ErrorBox error={state.error} shownFields={[]} />
          <button type="submit" disabled={!dirty || state.busy} aria-busy={state.busy || undefined}>
            {t("Save note")}
          </button>
          {state.saved && <span role="status" className="saved"> {t("Note saved.")}</span>}
        </form>
      ) : (
        <p>{customer.note || t("No note.")}</p>
      )}
    </article>
  );
}
