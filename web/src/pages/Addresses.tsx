import { useEffect, useState, type FormEvent } from "react";
import { Link, useLocation } from "wouter";
import { del, get, patch, post, type Page } from "../lib/api";
import { ConfirmDialog, Empty, ErrorBox, fieldErrors, Loading, Pager, TextArea, TextField, useCursorPager, useLoad } from "../lib/components";
import {
  ADDRESS_FIELDS,
  addressFormFrom,
  addressPayload,
  formFieldErrors,
  requiredAddressFields,
  validateAddressForm,
  type AddressForm,
} from "../lib/forms";
import { useI18n } from "../lib/i18n";
import { useAuth } from "../lib/session";
import type { Address } from "../lib/types";

const FILTERS = ["customer_id", "last_name", "postcode", "city", "country"] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const EMPTY: Filters = { customer_id: "", last_name: "", postcode: "", city: "", country: "" };

export function AddressesPage() {
  const { t } = useI18n();
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const pager = useCursorPager();
  const list = useLoad(
    (signal) => get<Page<Address>>("/admin/addresses", { ...filters, limit: 50, cursor: pager.cursor }, signal),
    [filters, pager.cursor],
  );
  const labels: Record<keyof Filters, string> = {
    customer_id: t("Customer ID"),
    last_name: t("Last name"),
    postcode: t("Postcode"),
    city: t("City"),
    country: t("Country"),
  };
  function apply(event: FormEvent) {
    event.preventDefault();
    pager.reset();
    setFilters({ ...draft });
  }
  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Addresses")}</h1>
        <p>{t("Customers' addresses; add one from the customer's page.")}</p>
      </hgroup>
      <form onSubmit={apply} aria-label={t("Address filters")}>
        <div className="overflow-auto">
          <table className="striped list" aria-busy={list.loading || undefined}>
            <thead>
              <tr>
                <th scope="col">{t("Alias")}</th>
                <th scope="col">{t("Customer ID")}</th>
                <th scope="col">{t("First name")}</th>
                <th scope="col">{t("Last name")}</th>
                <th scope="col">{t("Address")}</th>
                <th scope="col">{t("Postcode")}</th>
                <th scope="col">{t("City")}</th>
                <th scope="col">{t("Country")}</th>
                <th scope="col">{t("Actions")}</th>
              </tr>
              <tr className="filters">
                <td />
                <td>{filterInput("customer_id")}</td>
                <td />
                <td>{filterInput("last_name")}</td>
                <td />
                <td>{filterInput("postcode")}</td>
                <td>{filterInput("city")}</td>
                <td>{filterInput("country")}</td>
                <td className="actions">
                  <button type="submit" className="small">{t("Filter")}</button>
                  <button type="button" className="small secondary outline" onClick={() => { pager.reset(); setDraft(EMPTY); setFilters(EMPTY); }}>
                    {t("Reset")}
                  </button>
                </td>
              </tr>
            </thead>
            <tbody>
              {list.data?.items.map((a) => (
                <tr key={a.id}>
                  <td>{a.alias}</td>
                  <td><Link href={`/customers/${a.customer_id}`}>{a.customer_id.slice(-8)}</Link></td>
                  <td>{a.first_name}</td>
                  <td>{a.last_name}</td>
                  <td>{a.address1}</td>
                  <td>{a.postcode ?? "—"}</td>
                  <td>{a.city}</td>
                  <td>{a.country}</td>
                  <td><Link href={`/addresses/${a.id}`}>{t("Open")}</Link></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </form>
      {list.loading && !list.data && <Loading />}
      <ErrorBox error={list.error} />
      {list.data?.items.length === 0 && <Empty>{t("No address found.")}</Empty>}
      <Pager page={pager.page} nextCursor={list.data?.next_cursor} onNext={pager.next} onPrev={pager.prev} />
    </section>
  );

  function filterInput(name: keyof Filters) {
    return (
      <input
        aria-label={t("Filter: {field}", { field: labels[name] })}
        name={`filter-${name}`}
        value={draft[name]}
        maxLength={name === "country" ? 2 : undefined}
        onChange={(e) => setDraft((d) => ({ ...d, [name]: e.target.value }))}
      />
    );
  }
}

const LABELS: Record<keyof AddressForm, string> = {
  alias: "Address alias",
  company: "Company",
  first_name: "First name",
  last_name: "Last name",
  vat_number: "VAT number",
  dni: "Identification number (DNI)",
  address1: "Address",
  address2: "Address (2)",
  postcode: "Postcode",
  city: "City",
  state: "State",
  country: "Country (ISO code, e.g. FR)",
  phone: "Phone",
  phone_mobile: "Mobile phone",
  other: "Other",
};

/** Create (for a customer) or view / edit one address. */
export function AddressFormPage({ id, customerId }: { id?: string; customerId?: string }) {
  const { t } = useI18n();
  const auth = useAuth();
  const [, navigate] = useLocation();
  const [address, setAddress] = useState<Address | null>(null);
  const [form, setForm] = useState<AddressForm>(addressFormFrom());
  const [loadError, setLoadError] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [deleting, setDeleting] = useState(false);

  useEffect(() => {
    if (!id) return;
    get<Address>(`/admin/addresses/${encodeURIComponent(id)}`).then((found) => {
      setAddress(found);
      setForm(addressFormFrom(found));
    }, setLoadError);
  }, [id]);

  if (loadError) return <ErrorBox error={loadError} />;
  if ((id && !address) || !auth.settings) return <Loading />;
  const settings = auth.settings;
  const required = requiredAddressFields(settings);
  const owner = address?.customer_id ?? customerId ?? "";
  const readOnly = !auth.isAdmin;
  const errors = { ...clientErrors, ...formFieldErrors(fieldErrors(error), ADDRESS_FIELDS) };

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const found = validateAddressForm(form, settings);
    setClientErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      if (address) await patch(`/admin/addresses/${encodeURIComponent(address.id)}`, addressPayload(form, addressFormFrom(address)));
      else await post(`/admin/customers/${encodeURIComponent(owner)}/addresses`, addressPayload(form));
      navigate(`/customers/${owner}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    if (!address) return;
    setBusy(true);
    try {
      await del(`/admin/addresses/${encodeURIComponent(address.id)}`);
      navigate(`/customers/${owner}`);
    } catch (caught) {
      setDeleting(false);
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <nav aria-label={t("Breadcrumb")}>
        <ul>
          <li><Link href="/addresses">{t("Addresses")}</Link></li>
          {owner && <li><Link href={`/customers/${owner}`}>{t("Customer")}</Link></li>}
        </ul>
      </nav>
      <h1>{address ? (readOnly ? t("Address") : t("Edit address")) : t("New address")}</h1>
      <form onSubmit={submit} noValidate>
        <ErrorBox error={error} shownFields={Object.keys(fieldErrors(error)).filter((k) => (ADDRESS_FIELDS as string[]).includes(k))} />
        <fieldset disabled={readOnly}>
          <div className="grid-3">
            {ADDRESS_FIELDS.filter((name) => name !== "other").map((name) => (
              <TextField
                key={name}
                label={t(LABELS[name])}
                name={name}
                value={form[name]}
                onChange={(value) => setForm((f) => ({ ...f, [name]: value }))}
                required={required.includes(name)}
                error={errors[name] ? t(errors[name]) : undefined}
                type={name.startsWith("phone") ? "tel" : "text"}
              />
            ))}
          </div>
          <TextArea
            label={t(LABELS.other)}
            name="other"
            value={form.other}
            onChange={(value) => setForm((f) => ({ ...f, other: value }))}
            required={required.includes("other")}
            error={errors.other ? t(errors.other) : undefined}
          />
        </fieldset>
        {!readOnly && (
          <div className="form-actions">
            <button type="submit" aria-busy={busy || undefined} disabled={busy}>{t("Save")}</button>
            {address && (
              <button type="button" className="secondary outline danger" onClick={() => setDeleting(true)}>{t("Delete")}</button>
            )}
            <Link href={owner ? `/customers/${owner}` : "/addresses"}>{t("Cancel")}</Link>
          </div>
        )}
      </form>
      <ConfirmDialog open={deleting} title={t("Delete this address?")} confirmLabel={t("Delete")} busy={busy} onConfirm={remove} onCancel={() => setDeleting(false)}>
        <p>{t("An address used by an order is hidden, not deleted.")}</p>
      </ConfirmDialog>
    </section>
  );
}
