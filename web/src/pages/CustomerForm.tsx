import { useEffect, useState, type FormEvent } from "react";
import { Link, useLocation } from "wouter";
import { get, patch, post } from "../lib/api";
import { CheckboxField, ErrorBox, fieldErrors, Loading, SelectField, TextField } from "../lib/components";
import {
  createCustomerPayload,
  customerFormFrom,
  emptyCustomerForm,
  formFieldErrors,
  requiredCustomerFields,
  updateCustomerPayload,
  validateCustomerForm,
  type CustomerForm,
  type Requirements,
} from "../lib/forms";
import { LANG_NAMES, LANGS, useI18n } from "../lib/i18n";
import { useAuth } from "../lib/session";
import type { Customer, CustomerView, Group, Title } from "../lib/types";
import { useLookups } from "./Customers";

const FORM_FIELDS = [
  "title_id", "first_name", "last_name", "email", "password", "birthday", "enabled", "newsletter", "optin", "status",
  "language", "group_ids", "default_group_id", "company", "siret", "ape", "website", "outstanding_allowed",
  "max_payment_days", "risk_rating",
];

export function CustomerFormPage({ id }: { id?: string }) {
  const { t } = useI18n();
  const auth = useAuth();
  const [, navigate] = useLocation();
  const lookups = useLookups();
  const [original, setOriginal] = useState<CustomerForm | null>(id ? null : emptyCustomerForm());
  const [loadError, setLoadError] = useState<unknown>(null);

  useEffect(() => {
    if (!id) return;
    get<CustomerView>(`/admin/customers/${encodeURIComponent(id)}`).then(
      (view) => setOriginal(customerFormFrom(view.profile)),
      setLoadError,
    );
  }, [id]);

  if (loadError) return <ErrorBox error={loadError} />;
  if (!original || !auth.settings || lookups.loading) return <Loading />;
  return (
    <CustomerFormView
      id={id}
      original={original}
      settings={auth.settings}
      titles={lookups.data?.titles ?? []}
      groups={lookups.data?.groups ?? []}
      onSaved={(customer) => navigate(`/customers/${customer.id}`)}
      cancel={<Link href={id ? `/customers/${id}` : "/customers"}>{t("Cancel")}</Link>}
    />
  );
}

/** The create / edit form itself (also rendered by the Vitest component tests). */
export function CustomerFormView(props: {
  id?: string;
  original: CustomerForm;
  settings: Requirements;
  titles: Title[];
  groups: Group[];
  onSaved: (customer: Customer) => void;
  cancel?: React.ReactNode;
}) {
  const { t } = useI18n();
  const [form, setForm] = useState<CustomerForm>(props.original);
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const required = requiredCustomerFields(props.settings);
  const b2b = props.settings.b2b_mode;
  const apiErrors = formFieldErrors(fieldErrors(error), FORM_FIELDS);
  const errors = { ...clientErrors, ...apiErrors };
  const editing = Boolean(props.id);

  const set = <K extends keyof CustomerForm>(key: K) => (value: CustomerForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const isRequired = (name: string) => required.includes(name);
  const err = (name: string) => (errors[name] ? t(errors[name]) : undefined);

  function toggleGroup(groupId: string, on: boolean) {
    setForm((f) => {
      const group_ids = on ? [...f.group_ids, groupId] : f.group_ids.filter((g) => g !== groupId);
      const default_group_id = group_ids.includes(f.default_group_id) ? f.default_group_id : (group_ids[0] ?? "");
      return { ...f, group_ids, default_group_id };
    });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const found = validateCustomerForm(form, props.settings);
    setClientErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      const saved = props.id
        ? await patch<Customer>(`/admin/customers/${encodeURIComponent(props.id)}`, updateCustomerPayload(form, props.original, props.settings))
        : await post<Customer>("/admin/customers", createCustomerPayload(form, props.settings));
      props.onSaved(saved);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <h1>{editing ? t("Edit customer") : t("New customer")}</h1>
      <form onSubmit={submit} noValidate aria-label={editing ? t("Edit customer") : t("New customer")}>
        <ErrorBox error={error} shownFields={Object.keys(apiErrors).length ? Object.keys(fieldErrors(error)).filter((k) => FORM_FIELDS.includes(k.split(".")[0] ?? k)) : []} />
        {Object.keys(clientErrors).length > 0 && (
          <p role="alert" className="state-error">{t("Some fields need your attention.")}</p>
        )}
        <fieldset>
          <legend>{t("Identity")}</legend>
          <div className="grid">
            <SelectField
              label={t("Social title")}
              name="title_id"
              value={form.title_id}
              onChange={set("title_id")}
              emptyLabel={t("None")}
              options={props.titles.map((x) => ({ value: x.id, label: x.name }))}
              required={isRequired("title_id")}
              error={err("title_id")}
            />
            <TextField label={t("First name")} name="first_name" value={form.first_name} onChange={set("first_name")} required error={err("first_name")} />
            <TextField label={t("Last name")} name="last_name" value={form.last_name} onChange={set("last_name")} required error={err("last_name")} />
          </div>
          <div className="grid">
            <TextField label={t("E-mail")} name="email" type="email" value={form.email} onChange={set("email")} required error={err("email")} autoComplete="off" />
            <TextField
              label={editing ? t("New password") : t("Password")}
              name="password"
              type="password"
              value={form.password}
              onChange={set("password")}
              error={err("password")}
              hint={editing ? t("Leave empty to keep the current password.") : t("Optional: the customer can set one with “forgot password”.")}
              autoComplete="new-password"
            />
            <TextField label={t("Birthday")} name="birthday" type="date" value={form.birthday} onChange={set("birthday")} required={isRequired("birthday")} error={err("birthday")} />
          </div>
        </fieldset>
        <fieldset>
          <legend>{t("Account")}</legend>
          <div className="grid">
            <SelectField
              label={t("Status")}
              name="status"
              value={form.status}
              onChange={set("status")}
              options={["active", "pending_approval", "disabled"].map((s) => ({ value: s, label: t(s) }))}
              error={err("status")}
            />
            <SelectField
              label={t("Language")}
              name="language"
              value={form.language}
              onChange={set("language")}
              options={LANGS.map((code) => ({ value: code, label: LANG_NAMES[code] }))}
              error={err("language")}
            />
          </div>
          <CheckboxField label={t("Enabled")} name="enabled" role="switch" checked={form.enabled} onChange={set("enabled")} error={err("enabled")} />
          <CheckboxField label={t("Newsletter")} name="newsletter" checked={form.newsletter} onChange={set("newsletter")} required={isRequired("newsletter")} error={err("newsletter")} />
          <CheckboxField label={t("Partner offers (opt-in)")} name="optin" checked={form.optin} onChange={set("optin")} required={isRequired("optin")} error={err("optin")} />
        </fieldset>
        <fieldset>
          <legend>{t("Group access")}</legend>
          {props.groups.map((group) => (
            <CheckboxField
              key={group.id}
              label={group.name}
              name={`group-${group.id}`}
              checked={form.group_ids.includes(group.id)}
              onChange={(on) => toggleGroup(group.id, on)}
            />
          ))}
          {err("group_ids") && <small className="field-error">{err("group_ids")}</small>}
          <SelectField
            label={t("Default customer group")}
            name="default_group_id"
            value={form.default_group_id}
            onChange={set("default_group_id")}
            options={props.groups.filter((g) => form.group_ids.includes(g.id)).map((g) => ({ value: g.id, label: g.name }))}
            error={err("default_group_id")}
          />
        </fieldset>
        {b2b && (
          <fieldset>
            <legend>{t("Company (B2B)")}</legend>
            <div className="grid">
              <TextField label={t("Company")} name="company" value={form.company} onChange={set("company")} required={isRequired("company")} error={err("company")} />
              <TextField label={t("SIRET")} name="siret" value={form.siret} onChange={set("siret")} required={isRequired("siret")} error={err("siret")} />
              <TextField label={t("APE")} name="ape" value={form.ape} onChange={set("ape")} required={isRequired("ape")} error={err("ape")} />
            </div>
            <div className="grid">
              <TextField label={t("Website")} name="website" value={form.website} onChange={set("website")} required={isRequired("website")} error={err("website")} />
              <TextField label={t("Allowed outstanding amount")} name="outstanding_allowed" inputMode="decimal" value={form.outstanding_allowed} onChange={set("outstanding_allowed")} error={err("outstanding_allowed")} />
              <TextField label={t("Maximum number of payment days")} name="max_payment_days" type="number" min={0} value={form.max_payment_days} onChange={set("max_payment_days")} error={err("max_payment_days")} />
              <SelectField
                label={t("Risk rating")}
                name="risk_rating"
                value={form.risk_rating}
                onChange={set("risk_rating")}
                emptyLabel={t("None")}
                options={["none", "low", "medium", "high"].map((r) => ({ value: r, label: t(r) }))}
                error={err("risk_rating")}
              />
            </div>
          </fieldset>
        )}
        <div className="form-actions">
          <button type="submit" aria-busy={busy || undefined} disabled={busy}>
            {t("Save")}
          </button>
          {props.cancel}
        </div>
      </form>
    </section>
  );
}
