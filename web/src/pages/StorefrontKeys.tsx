import { useState, type FormEvent } from "react";
import { del, get, post } from "../lib/api";
import type { CreatedStorefrontKey, StorefrontKey, StorefrontKeyList } from "../lib/types";
import { ConfirmDialog, ErrorBox, fieldErrors, TextField, useLoad } from "../lib/components";
import { DataList } from "../lib/DataList";
import { useI18n } from "../lib/i18n";

// The keys of the shop's own servers. A new key is shown once (only its hash is stored), so the
// screen says so next to it; revoked keys stay listed with their revocation time.
export function StorefrontKeysPage() {
  const { t, dateTime } = useI18n();
  const list = useLoad((signal) => get<StorefrontKeyList>("/admin/storefront-keys", {}, signal), []);
  const [name, setName] = useState("");
  const [created, setCreated] = useState<CreatedStorefrontKey | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [revoking, setRevoking] = useState<StorefrontKey | null>(null);
  const errors = fieldErrors(error);

  async function create(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(await post<CreatedStorefrontKey>("/admin/storefront-keys", { name }));
      setName("");
      list.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  async function revoke() {
    if (!revoking) return;
    setBusy(true);
    try {
      await del(`/admin/storefront-keys/${encodeURIComponent(revoking.id)}`);
      if (created?.id === revoking.id) setCreated(null);
      list.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setRevoking(null);
      setBusy(false);
    }
  }

  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Storefront keys")}</h1>
        <p>{t("The shop's server sends its key as X-Storefront-Key to write cart lines and check out. Keep keys on the server, never in a browser.")}</p>
      </hgroup>
      <article>
        <form onSubmit={create} noValidate aria-label={t("New storefront key")}>
          <ErrorBox error={error} shownFields={["name"]} />
          <TextField label={t("Name")} name="name" value={name} onChange={setName} required error={errors.name} hint={t("e.g. the shop's production server")} />
          <div className="form-actions">
            <button type="submit" aria-busy={busy || undefined} disabled={busy}>{t("Create key")}</button>
          </div>
        </form>
        {created && (
          <div role="status" aria-label={t("New key")}>
            <p><strong>{t("Copy this key now: it is not shown again.")}</strong></p>
            <input type="text" readOnly value={created.key} aria-label={t("New key")} onFocus={(event) => event.currentTarget.select()} />
          </div>
        )}
      </article>
      <DataList
        list={list}
        columns={[t("Name"), t("Created"), t("Status"), t("Actions")]}
        row={(key) => (
          <tr key={key.id}>
            <td>{key.name}</td>
            <td>{dateTime(key.created_at)}</td>
            <td>{key.revoked_at ? `${t("Revoked")} ${dateTime(key.revoked_at)}` : t("Active")}</td>
            <td className="actions">
              {!key.revoked_at && (
                <button type="button" className="small secondary outline danger" onClick={() => setRevoking(key)}>{t("Revoke")}</button>
              )}
            </td>
          </tr>
        )}
        empty={t("No storefront key.")}
      />
      <ConfirmDialog open={revoking !== null} title={t("Revoke this key? The server using it can no longer write carts (within a minute).")} confirmLabel={t("Revoke")} busy={busy} onConfirm={revoke} onCancel={() => setRevoking(null)} />
    </section>
  );
}
