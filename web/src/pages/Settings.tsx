import { useEffect, useState, type FormEvent } from "react";
import { patch } from "../lib/api";
import { CheckboxField, ErrorBox, fieldErrors, Loading, SelectField, TextArea, TextField } from "../lib/components";
import { ADDRESS_REQUIRABLE, CUSTOMER_REQUIRABLE } from "../lib/forms";
import { useI18n } from "../lib/i18n";
import { useAuth } from "../lib/session";
import type { ShopSettings } from "../lib/types";

const IMAP_FLAGS = ["delete_messages", "create_new_threads", "pop3", "norsh", "ssl", "validate_cert", "novalidate_cert", "tls", "notls"] as const;

export function SettingsPage() {
  const { t } = useI18n();
  const auth = useAuth();
  const [form, setForm] = useState<ShopSettings | null>(auth.settings);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  useEffect(() => setForm(auth.settings), [auth.settings]);
  if (!form) return <Loading />;
  const errors = fieldErrors(error);
  const e = (path: string) => errors[path];

  function update(change: (draft: ShopSettings) => void) {
    setSaved(false);
    setForm((current) => {
      if (!current) return current;
      const copy = structuredClone(current);
      change(copy);
      return copy;
    });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!form) return;
    setBusy(true);
    setError(null);
    try {
      // `import` only says whether the write-only cookie key is set: CookieKeyForm sets the key.
      const { storefront_url, shop_email, import: _secrets, ...rest } = form;
      const body: Record<string, unknown> = { ...rest, storefront_url };
      if (shop_email) body.shop_email = shop_email;
      await patch<ShopSettings>("/admin/settings", body);
      setSaved(true);
      auth.reloadSettings();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const toggle = <T extends string>(list: T[], name: T, on: boolean): T[] => (on ? [...new Set([...list, name])] : list.filter((x) => x !== name));
  const imap = form.customer_service.imap;

  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Settings")}</h1>
        <p>{t("Registration, B2B, password policy, required fields, abandoned carts and customer service.")}</p>
      </hgroup>
      <form onSubmit={submit} noValidate>
        <ErrorBox error={error} shownFields={Object.keys(errors)} />
        <fieldset>
          <legend>{t("Shop")}</legend>
          <div className="grid">
            <TextField label={t("Shop name")} name="shop_name" value={form.shop_name} onChange={(v) => update((d) => { d.shop_name = v; })} error={e("shop_name")} />
            <TextField label={t("Shop e-mail")} name="shop_email" type="email" value={form.shop_email ?? ""} onChange={(v) => update((d) => { d.shop_email = v || null; })} error={e("shop_email")} />
            <TextField label={t("Currency (ISO code)")} name="currency" value={form.currency} onChange={(v) => update((d) => { d.currency = v.toUpperCase(); })} error={e("currency")} />
          </div>
          <TextField label={t("Storefront address")} name="storefront_url" type="url" value={form.storefront_url} onChange={(v) => update((d) => { d.storefront_url = v; })} error={e("storefront_url")} />
        </fieldset>
        <fieldset>
          <legend>{t("Customers")}</legend>
          <SelectField
            label={t("Registration")}
            name="registration_mode"
            value={form.registration_mode}
            options={[
              { value: "optional", label: t("Open: customers register freely") },
              { value: "required", label: t("Approval: new accounts wait for an employee") },
              { value: "disabled", label: t("Closed: registration is off") },
            ]}
            onChange={(v) => update((d) => { d.registration_mode = v as ShopSettings["registration_mode"]; })}
            error={e("registration_mode")}
          />
          <SelectField
            label={t("E-mail verification")}
            name="email_verification"
            value={form.email_verification}
            options={[
              { value: "off", label: t("Off: only a guest's address is confirmed by a link") },
              { value: "required", label: t("Required: every new account confirms its address first") },
            ]}
            onChange={(v) => update((d) => { d.email_verification = v as ShopSettings["email_verification"]; })}
            error={e("email_verification")}
          />
          <SelectField
            label={t("Client IP address")}
            name="trusted_proxy"
            value={form.trusted_proxy}
            options={[
              { value: "cloudfront", label: t("From CloudFront, when the request came through the shop's distribution") },
              { value: "none", label: t("Always the address that called the API") },
            ]}
            onChange={(v) => update((d) => { d.trusted_proxy = v as ShopSettings["trusted_proxy"]; })}
            error={e("trusted_proxy")}
          />
          <CheckboxField label={t("Enable guest checkout")} name="guest_checkout" role="switch" checked={form.guest_checkout} onChange={(v) => update((d) => { d.guest_checkout = v; })} />
          <CheckboxField label={t("Enable B2B mode")} name="b2b_mode" role="switch" checked={form.b2b_mode} onChange={(v) => update((d) => { d.b2b_mode = v; })} />
        </fieldset>
        <fieldset>
          <legend>{t("Password policy")}</legend>
          <TextField label={t("Minimum length")} name="password_policy.min_length" type="number" min={8} max={128} value={String(form.password_policy.min_length)} onChange={(v) => update((d) => { d.password_policy.min_length = Number(v); })} error={e("password_policy.min_length")} />
          {(["require_upper", "require_lower", "require_digit", "require_symbol"] as const).map((name) => (
            <CheckboxField key={name} label={t(name)} name={`password_policy.${name}`} checked={form.password_policy[name]} onChange={(v) => update((d) => { d.password_policy[name] = v; })} />
          ))}
        </fieldset>
        <fieldset>
          <legend>{t("Required fields: customers")}</legend>
          <div className="checks">
            {CUSTOMER_REQUIRABLE.map((name) => (
              <CheckboxField key={name} label={t(`field:${name}`)} name={`required.customer.${name}`} checked={form.required_fields.customer.includes(name)} onChange={(v) => update((d) => { d.required_fields.customer = toggle(d.required_fields.customer, name, v); })} />
            ))}
          </div>
          <legend>{t("Required fields: addresses")}</legend>
          <div className="checks">
            {ADDRESS_REQUIRABLE.map((name) => (
              <CheckboxField key={name} label={t(`field:${name}`)} name={`required.address.${name}`} checked={form.required_fields.address.includes(name)} onChange={(v) => update((d) => { d.required_fields.address = toggle(d.required_fields.address, name, v); })} />
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend>{t("Abandoned carts")}</legend>
          <CheckboxField label={t("Send a reminder e-mail")} name="abandoned_cart.remind" role="switch" checked={form.abandoned_cart.remind} onChange={(v) => update((d) => { d.abandoned_cart.remind = v; })} />
          <div className="grid">
            <TextField label={t("Idle minutes before a cart is abandoned")} name="abandoned_cart.idle_minutes" type="number" value={String(form.abandoned_cart.idle_minutes)} onChange={(v) => update((d) => { d.abandoned_cart.idle_minutes = Number(v); })} error={e("abandoned_cart.idle_minutes")} />
            <TextField label={t("Voucher (%)")} name="abandoned_cart.voucher_percent" inputMode="decimal" value={form.abandoned_cart.voucher_percent} onChange={(v) => update((d) => { d.abandoned_cart.voucher_percent = v; })} error={e("abandoned_cart.voucher_percent")} />
            <TextField label={t("Voucher validity (days)")} name="abandoned_cart.voucher_days" type="number" value={String(form.abandoned_cart.voucher_days)} onChange={(v) => update((d) => { d.abandoned_cart.voucher_days = Number(v); })} error={e("abandoned_cart.voucher_days")} />
            <TextField label={t("Delete abandoned carts after (days)")} name="abandoned_cart.delete_after_days" type="number" value={String(form.abandoned_cart.delete_after_days)} onChange={(v) => update((d) => { d.abandoned_cart.delete_after_days = Number(v); })} error={e("abandoned_cart.delete_after_days")} />
          </div>
        </fieldset>
        <fieldset>
          <legend>{t("Customer service")}</legend>
          <CheckboxField label={t("Allow file uploads")} name="customer_service.allow_uploads" checked={form.customer_service.allow_uploads} onChange={(v) => update((d) => { d.customer_service.allow_uploads = v; })} />
          <TextArea label={t("Default message")} name="customer_service.default_message" value={form.customer_service.default_message} onChange={(v) => update((d) => { d.customer_service.default_message = v; })} error={e("customer_service.default_message")} />
          <div className="grid">
            <TextField label={t("IMAP server")} name="imap.url" value={String(imap.url ?? "")} onChange={(v) => update((d) => { d.customer_service.imap.url = v; })} error={e("customer_service.imap.url")} />
            <TextField label={t("IMAP port")} name="imap.port" type="number" value={String(imap.port ?? 0)} onChange={(v) => update((d) => { d.customer_service.imap.port = Number(v); })} error={e("customer_service.imap.port")} />
            <TextField label={t("IMAP user")} name="imap.user" value={String(imap.user ?? "")} onChange={(v) => update((d) => { d.customer_service.imap.user = v; })} error={e("customer_service.imap.user")} />
            <TextField label={t("Mailbox")} name="imap.mailbox" value={String(imap.mailbox ?? "")} onChange={(v) => update((d) => { d.customer_service.imap.mailbox = v; })} error={e("customer_service.imap.mailbox")} />
          </div>
          <div className="checks">
            {IMAP_FLAGS.map((name) => (
              <CheckboxField key={name} label={t(`imap:${name}`)} name={`imap.${name}`} checked={Boolean(imap[name])} onChange={(v) => update((d) => { d.customer_service.imap[name] = v; })} />
            ))}
          </div>
          <small>{t("The mailbox password is kept as a secret outside the settings: set it under Customer service, Mailbox.")}</small>
        </fieldset>
        <button type="submit" aria-busy={busy || undefined} disabled={busy}>{t("Save")}</button>
        {saved && <span role="status"> {t("Settings saved.")}</span>}
      </form>
      <CookieKeyForm isSet={Boolean(form.import?.prestashop_cookie_key_set)} onSaved={auth.reloadSettings} />
    </section>
  );
}

/** The PrestaShop 1.6 cookie key: write-only (the API keeps it as a secret and only says whether
 * it is set), so it has its own small form and the field is emptied once it is saved. */
export function CookieKeyForm({ isSet, onSaved }: { isSet: boolean; onSaved: () => void }) {
  const { t } = useI18n();
  const [key, setKey] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const errors = fieldErrors(error);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await patch<ShopSettings>("/admin/settings", { import: { prestashop_cookie_key: key } });
      setKey("");
      setSaved(true);
      onSaved();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} noValidate aria-label={t("Imported passwords")}>
      <fieldset>
        <legend>{t("Imported passwords")}</legend>
        <ErrorBox error={error} shownFields={Object.keys(errors)} />
        <p>{isSet || saved ? t("A PrestaShop cookie key is set.") : t("No PrestaShop cookie key is set.")}</p>
        <TextField label={t("PrestaShop 1.6 cookie key (_COOKIE_KEY_)")} name="import.prestashop_cookie_key" type="password" autoComplete="off" value={key} onChange={(v) => { setKey(v); setSaved(false); }} error={errors["import.prestashop_cookie_key"]} />
        <small>{t("Customers imported from PrestaShop 1.6 keep their passwords: the shop's cookie key (in config/settings.inc.php) checks them at their first sign-in, when they are replaced. The key is kept as a secret and never shown again.")}</small>
      </fieldset>
      <button type="submit" aria-busy={busy || undefined} disabled={busy || !key}>{t("Save the cookie key")}</button>
      {saved && <span role="status"> {t("Cookie key saved.")}</span>}
    </form>
  );
}
