import { useState, type FormEvent } from "react";
import { Link } from "wouter";
import { get, post, type Page } from "../lib/api";
import { CheckboxField, Empty, ErrorBox, fieldErrors, Loading, SelectField, StatusBadge, TextArea, useCursorPager, useLoad } from "../lib/components";
import { DataList } from "../lib/DataList";
import { nextOrderStatuses } from "../lib/forms";
import { useI18n } from "../lib/i18n";
import { useAuth } from "../lib/session";
import { ORDER_STATUSES, type Order, type OrderMessage, type OrderSummary } from "../lib/types";

export function OrdersPage() {
  const { t, dateTime, money } = useI18n();
  const pager = useCursorPager();
  const [draft, setDraft] = useState({ status: "", customer_id: "" });
  const [filters, setFilters] = useState(draft);
  const list = useLoad(
    (signal) => get<Page<OrderSummary>>("/admin/orders", { ...filters, limit: 50, cursor: pager.cursor }, signal),
    [filters, pager.cursor],
  );
  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Orders")}</h1>
        <p>{t("The customers' orders and their status.")}</p>
      </hgroup>
      <form className="filter-form" aria-label={t("Order filters")} onSubmit={(e: FormEvent) => { e.preventDefault(); pager.reset(); setFilters({ ...draft }); }}>
        <div className="grid">
          <SelectField
            label={t("Status")}
            name="status"
            value={draft.status}
            emptyLabel={t("Any")}
            options={ORDER_STATUSES.map((s) => ({ value: s, label: t(s) }))}
            onChange={(v) => setDraft((d) => ({ ...d, status: v }))}
          />
          <label>{t("Customer ID")}<input name="customer_id" value={draft.customer_id} onChange={(e) => setDraft((d) => ({ ...d, customer_id: e.target.value }))} /></label>
        </div>
        <button type="submit">{t("Filter")}</button>
      </form>
      <DataList
        list={list}
        columns={[t("ID"), t("Customer"), t("Total"), t("Payment"), t("Status"), t("Date"), t("Actions")]}
        row={(o) => (
          <tr key={o.id}>
            <td><Link href={`/orders/${o.id}`}>{o.id.slice(-8)}</Link></td>
            <td><Link href={`/customers/${o.customer_id}`}>{o.customer_id.slice(-8)}</Link></td>
            <td>{money(o.total, o.currency)}</td>
            <td>{o.payment_method}</td>
            <td><StatusBadge value={o.status} label={t(o.status)} /></td>
            <td>{dateTime(o.created_at)}</td>
            <td><Link href={`/orders/${o.id}`}>{t("View")}</Link></td>
          </tr>
        )}
        empty={t("No order found.")}
        pager={pager}
      />
    </section>
  );
}

function AddressBlock({ address }: { address: Record<string, unknown> | null }) {
  const { t } = useI18n();
  if (!address) return <p>—</p>;
  const text = (key: string) => (typeof address[key] === "string" ? (address[key] as string) : "");
  return (
    <address>
      {[text("company"), `${text("first_name")} ${text("last_name")}`.trim(), text("address1"), text("address2"), `${text("postcode")} ${text("city")}`.trim(), text("state"), text("country"), text("phone") && `${t("Phone")}: ${text("phone")}`]
        .filter(Boolean)
        .map((line, index) => (
          <span key={index}>{line}<br /></span>
        ))}
    </address>
  );
}

export function OrderDetailPage({ id }: { id: string }) {
  const { t, dateTime, money } = useI18n();
  const auth = useAuth();
  const order = useLoad((signal) => get<Order>(`/admin/orders/${encodeURIComponent(id)}`, undefined, signal), [id]);
  if (order.loading && !order.data) return <Loading />;
  if (order.error) return <ErrorBox error={order.error} />;
  const o = order.data;
  if (!o) return null;
  const cur = o.currency;
  return (
    <section>
      <nav aria-label={t("Breadcrumb")}><ul><li><Link href="/orders">{t("Orders")}</Link></li><li>{o.id.slice(-8)}</li></ul></nav>
      <hgroup className="page-title">
        <h1>{t("Order {id}", { id: o.id.slice(-8) })}</h1>
        <p>
          <StatusBadge value={o.status} label={t(o.status)} /> · {dateTime(o.created_at)} · {money(o.total, cur)} ·{" "}
          <Link href={`/customers/${o.customer_id}`}>{t("Customer")}</Link> · <Link href={`/carts/${o.cart_id}`}>{t("Cart")}</Link>
        </p>
      </hgroup>
      <div className="cards">
        <article>
          <h2>{t("Delivery address")}</h2>
          <AddressBlock address={o.delivery_address} />
        </article>
        <article>
          <h2>{t("Invoice address")}</h2>
          <AddressBlock address={o.invoice_address} />
        </article>
        <article>
          <h2>{t("Payment")}</h2>
          <dl>
            <dt>{t("Payment method")}</dt><dd>{o.payment_method}</dd>
            <dt>{t("Subtotal")}</dt><dd>{money(o.subtotal, cur)}</dd>
            <dt>{t("Discount")}</dt><dd>{money(o.discount, cur)}</dd>
            {o.voucher_code && <><dt>{t("Voucher")}</dt><dd><code>{o.voucher_code}</code> −{money(o.voucher_discount, cur)}</dd></>}
            <dt>{t("Total")}</dt><dd><strong>{money(o.total, cur)}</strong></dd>
          </dl>
        </article>
      </div>
      <article>
        <h2>{t("Products")}</h2>
        {o.lines.length === 0 ? <Empty>{t("No product.")}</Empty> : (
          <div className="overflow-auto">
            <table className="striped">
              <thead><tr><th scope="col">{t("Product")}</th><th scope="col">{t("Unit price")}</th><th scope="col">{t("Quantity")}</th><th scope="col">{t("Total")}</th></tr></thead>
              <tbody>
                {o.lines.map((line, index) => (
                  <tr key={index}>
                    <td>{String(line.product_name ?? line.product_id ?? "")}</td>
                    <td>{money(String(line.unit_price ?? ""), cur)}</td>
                    <td>{String(line.quantity ?? "")}</td>
                    <td>{money(String(line.total ?? ""), cur)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </article>
      <article aria-labelledby="history-h">
        <h2 id="history-h">{t("Status history")}</h2>
        <div className="overflow-auto">
          <table className="striped history">
            <thead><tr><th scope="col">{t("Date")}</th><th scope="col">{t("Status")}</th><th scope="col">{t("Note")}</th><th scope="col">{t("Customer notified")}</th></tr></thead>
            <tbody>
              {[...o.history].reverse().map((h, index) => (
                <tr key={index}>
                  <td>{dateTime(h.at)}</td>
                  <td><StatusBadge value={h.status} label={t(h.status)} /></td>
                  <td>{h.note ?? "—"}</td>
                  <td>{h.notified ? t("Yes") : t("No")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {auth.isAdmin && <StatusForm order={o} onChanged={order.setData} />}
      </article>
    </section>
  );
}

function StatusForm({ order, onChanged }: { order: Order; onChanged: (order: Order) => void }) {
  const { t } = useI18n();
  const choices = nextOrderStatuses(order.status);
  const [status, setStatus] = useState(choices[0] ?? "");
  const [note, setNote] = useState("");
  const [notify, setNotify] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const messages = useLoad((signal) => get<Page<OrderMessage>>("/admin/order-messages", { limit: 200 }, signal), []);
  const errors = fieldErrors(error);
  if (choices.length === 0) return <p className="muted">{t("This order's status is final.")}</p>;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      const updated = await post<Order>(`/admin/orders/${encodeURIComponent(order.id)}/status`, { status, note: note.trim() || undefined, notify });
      setNote("");
      setNotify(false);
      setDone(true);
      const next = nextOrderStatuses(updated.status);
      setStatus(next[0] ?? "");
      onChanged(updated);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} aria-label={t("Change the order's status")} className="status-form">
      <h3>{t("Change the order's status")}</h3>
      <ErrorBox error={error} shownFields={["status", "note", "notify"]} />
      <div className="grid">
        <SelectField
          label={t("New status")}
          name="status"
          value={status}
          options={choices.map((s) => ({ value: s, label: t(s) }))}
          onChange={setStatus}
          error={errors.status}
        />
        {messages.data && messages.data.items.length > 0 && (
          <SelectField
            label={t("Predefined message")}
            name="order_message"
            value=""
            emptyLabel={t("Choose a message…")}
            options={messages.data.items.map((m) => ({ value: m.id, label: m.name }))}
            onChange={(value) => {
              const found = messages.data?.items.find((m) => m.id === value);
              if (found) setNote(found.message);
            }}
          />
        )}
      </div>
      <TextArea label={t("Note")} name="note" value={note} onChange={setNote} maxLength={1000} error={errors.note} />
      <CheckboxField label={t("Notify the customer by e-mail")} name="notify" checked={notify} onChange={setNotify} error={errors.notify} />
      <button type="submit" aria-busy={busy || undefined} disabled={busy || !status}>{t("Update status")}</button>
      {done && <span role="status"> {t("Status updated.")}</span>}
    </form>
  );
}
