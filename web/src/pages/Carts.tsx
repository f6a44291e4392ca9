import { useState, type FormEvent } from "react";
import { Link, useLocation } from "wouter";
import { del, get, type Page } from "../lib/api";
import { ConfirmDialog, Empty, ErrorBox, Loading, StatusBadge, useCursorPager, useLoad } from "../lib/components";
import { DataList } from "../lib/DataList";
import { useI18n } from "../lib/i18n";
import { useAuth } from "../lib/session";
import type { Cart, CartSummary } from "../lib/types";

const STATUSES = ["", "open", "abandoned", "ordered"] as const;

export function CartsPage() {
  const { t, dateTime, money } = useI18n();
  const auth = useAuth();
  const pager = useCursorPager();
  const [status, setStatus] = useState<string>("");
  const [draft, setDraft] = useState({ customer_id: "", updated_from: "", updated_to: "" });
  const [filters, setFilters] = useState(draft);
  const [deleting, setDeleting] = useState<CartSummary | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const list = useLoad(
    (signal) => get<Page<CartSummary>>("/admin/carts", { status, ...filters, limit: 50, cursor: pager.cursor }, signal),
    [status, filters, pager.cursor],
  );

  async function remove() {
    if (!deleting) return;
    setBusy(true);
    setError(null);
    try {
      await del(`/admin/carts/${encodeURIComponent(deleting.id)}`);
      list.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setDeleting(null);
      setBusy(false);
    }
  }

  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Carts")}</h1>
        <p>{t("Open, abandoned and ordered shopping carts.")}</p>
      </hgroup>
      <nav aria-label={t("Cart status")} className="tabs">
        <ul>
          {STATUSES.map((s) => (
            <li key={s || "all"}>
              <button
                type="button"
                className={status === s ? "" : "secondary outline"}
                aria-pressed={status === s}
                onClick={() => { pager.reset(); setStatus(s); }}
              >
                {s ? t(s) : t("All")}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <form
        className="filter-form"
        aria-label={t("Cart filters")}
        onSubmit={(e: FormEvent) => { e.preventDefault(); pager.reset(); setFilters({ ...draft }); }}
      >
        <div className="grid">
          <label>{t("Customer ID")}<input name="customer_id" value={draft.customer_id} onChange={(e) => setDraft((d) => ({ ...d, customer_id: e.target.value }))} /></label>
          <label>{t("Updated from")}<input type="date" name="updated_from" value={draft.updated_from} onChange={(e) => setDraft((d) => ({ ...d, updated_from: e.target.value }))} /></label>
          <label>{t("Updated to")}<input type="date" name="updated_to" value={draft.updated_to} onChange={(e) => setDraft((d) => ({ ...d, updated_to: e.target.value }))} /></label>
        </div>
        <button type="submit">{t("Filter")}</button>
      </form>
      <ErrorBox error={error} />
      <DataList
        list={list}
        columns={[t("ID"), t("Customer"), t("Status"), t("Products"), t("Total"), t("Updated"), t("Order"), t("Actions")]}
        row={(c) => (
          <tr key={c.id}>
            <td><Link href={`/carts/${c.id}`}>{c.id.slice(-8)}</Link></td>
            <td>{c.customer_id ? <Link href={`/customers/${c.customer_id}`}>{c.customer_id.slice(-8)}</Link> : t("Guest")}</td>
            <td><StatusBadge value={c.status} label={t(c.status)} /></td>
            <td>{c.quantity}</td>
            <td>{money(c.total)}</td>
            <td>{dateTime(c.updated_at)}</td>
            <td>{c.order_id ? <Link href={`/orders/${c.order_id}`}>{c.order_id.slice(-8)}</Link> : "—"}</td>
            <td className="actions">
              <Link href={`/carts/${c.id}`}>{t("View")}</Link>
              {auth.isAdmin && c.status === "abandoned" && (
                <button type="button" className="small secondary outline danger" onClick={() => setDeleting(c)}>{t("Delete")}</button>
              )}
            </td>
          </tr>
        )}
        empty={t("No cart found.")}
        pager={pager}
      />
      <ConfirmDialog open={deleting !== null} title={t("Delete this abandoned cart?")} confirmLabel={t("Delete")} busy={busy} onConfirm={remove} onCancel={() => setDeleting(null)} />
    </section>
  );
}

export function CartDetailPage({ id }: { id: string }) {
  const { t, dateTime, money } = useI18n();
  const auth = useAuth();
  const [, navigate] = useLocation();
  const cart = useLoad((signal) => get<Cart>(`/admin/carts/${encodeURIComponent(id)}`, undefined, signal), [id]);
  const [deleting, setDeleting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (cart.loading && !cart.data) return <Loading />;
  if (cart.error) return <ErrorBox error={cart.error} />;
  const c = cart.data;
  if (!c) return null;
  const currency = c.totals.currency;

  async function remove() {
    try {
      await del(`/admin/carts/${encodeURIComponent(id)}`);
      navigate("/carts");
    } catch (caught) {
      setDeleting(false);
      setError(caught);
    }
  }

  return (
    <section>
      <nav aria-label={t("Breadcrumb")}><ul><li><Link href="/carts">{t("Carts")}</Link></li><li>{c.id.slice(-8)}</li></ul></nav>
      <hgroup className="page-title">
        <h1>{t("Cart {id}", { id: c.id.slice(-8) })}</h1>
        <p><StatusBadge value={c.status} label={t(c.status)} /> · {t("updated {date}", { date: dateTime(c.updated_at) })}</p>
      </hgroup>
      <ErrorBox error={error} />
      <div className="cards">
        <article>
          <h2>{t("Customer")}</h2>
          <dl>
            <dt>{t("Customer")}</dt>
            <dd>{c.customer_id ? <Link href={`/customers/${c.customer_id}`}>{c.customer_id.slice(-8)}</Link> : t("Guest")}</dd>
            <dt>{t("E-mail")}</dt><dd>{c.email ?? "—"}</dd>
            <dt>{t("Cart reminders")}</dt><dd>{c.cart_reminders ? t("Yes") : t("No")}</dd>
          </dl>
        </article>
        <article>
          <h2>{t("Dates")}</h2>
          <dl>
            <dt>{t("Created")}</dt><dd>{dateTime(c.created_at)}</dd>
            <dt>{t("Abandoned")}</dt><dd>{dateTime(c.abandoned_at)}</dd>
            <dt>{t("Reminded")}</dt><dd>{dateTime(c.reminded_at)}</dd>
            <dt>{t("Ordered")}</dt><dd>{dateTime(c.ordered_at)}</dd>
            {c.order_id && <><dt>{t("Order")}</dt><dd><Link href={`/orders/${c.order_id}`}>{c.order_id.slice(-8)}</Link></dd></>}
            {c.voucher_code && <><dt>{t("Voucher")}</dt><dd><code>{c.voucher_code}</code></dd></>}
          </dl>
        </article>
      </div>
      <article>
        <h2>{t("Products")}</h2>
        {c.lines.length === 0 ? <Empty>{t("The cart is empty.")}</Empty> : (
          <div className="overflow-auto">
            <table className="striped">
              <thead>
                <tr>
                  <th scope="col">{t("Product")}</th>
                  <th scope="col">{t("Unit price")}</th>
                  <th scope="col">{t("Quantity")}</th>
                  <th scope="col">{t("Discount")}</th>
                  <th scope="col">{t("Total")}</th>
                </tr>
              </thead>
              <tbody>
                {c.lines.map((line) => (
                  <tr key={line.product_id}>
                    <td>
                      {line.product_name}
                      {Object.keys(line.attributes).length > 0 && (
                        <small> ({Object.entries(line.attributes).map(([k, v]) => `${k}: ${v}`).join(", ")})</small>
                      )}
                    </td>
                    <td>{money(line.unit_price, currency)}</td>
                    <td>{line.quantity}</td>
                    <td>{money(line.discount, currency)}</td>
                    <td>{money(line.total, currency)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr><th scope="row" colSpan={4}>{t("Subtotal")}</th><td>{money(c.totals.subtotal, currency)}</td></tr>
                <tr><th scope="row" colSpan={4}>{t("Discount")}</th><td>{money(c.totals.discount, currency)}</td></tr>
                <tr><th scope="row" colSpan={4}>{t("Total")}</th><td><strong>{money(c.totals.total, currency)}</strong></td></tr>
              </tfoot>
            </table>
          </div>
        )}
      </article>
      {auth.isAdmin && c.status === "abandoned" && (
        <button type="button" className="secondary outline danger" onClick={() => setDeleting(true)}>{t("Delete")}</button>
      )}
      <ConfirmDialog open={deleting} title={t("Delete this abandoned cart?")} confirmLabel={t("Delete")} onConfirm={remove} onCancel={() => setDeleting(false)} />
    </section>
  );
}
