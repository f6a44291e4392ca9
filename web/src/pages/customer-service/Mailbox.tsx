// Customer service: the mail sources and the IMAP/POP3 settings (and the mailbox password).
import { useState, type FormEvent } from "react";
import { ApiError, get, patch, put } from "../../lib/api";
import {
  CheckboxField,
  Empty,
  ErrorBox,
  fieldErrors,
  Loading,
  SelectField,
  StatusBadge,
  TextField,
  useLoad,
} from "../../lib/components";
import { imapErrors, imapFieldErrors, imapFormFrom, imapPayload, IMAP_OPTIONS, type ImapForm } from "../../lib/cs";
import { useI18n } from "../../lib/i18n";
import { useAuth } from "../../lib/session";
import type { Mailbox } from "../../lib/types";
import { CsNav } from "./shared";

export function MailboxPage() {
  const { t, dateTime } = useI18n();
  const auth = useAuth();
  const mailbox = useLoad((signal) => get<Mailbox>("/admin/customer-service/mailbox", undefined, signal), []);
  const data = mailbox.data;
  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Mailbox")}</h1>
        <p>{t("Where customer-service mail comes from: each source's last poll, and the IMAP/POP3 settings.")}</p>
      </hgroup>
      <CsNav />
      {mailbox.loading && !data && <Loading />}
      {!data && <ErrorBox error={mailbox.error} />}
      {data && (
        <>
          <article aria-labelledby="sources-h">
            <h2 id="sources-h">{t("Mail sources")}</h2>
            {data.sources.length === 0 ? (
              <Empty>{t("No mail source has been polled yet.")}</Empty>
            ) : (
              <div className="overflow-auto">
                <table className="striped list" data-testid="mail-sources">
                  <thead>
                    <tr>
                      <th scope="col">{t("Source")}</th>
                      <th scope="col">{t("Last poll")}</th>
                      <th scope="col">{t("Result")}</th>
                      <th scope="col">{t("Fetched (last / total)")}</th>
                      <th scope="col">{t("Duration")}</th>
                      <th scope="col">{t("Last error")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.sources.map((source) => (
                      <tr key={source.source}>
                        <td>{source.source}</td>
                        <td>{dateTime(source.last_poll_at)}</td>
                        <td>{source.last_result ? <StatusBadge value={source.last_result} label={source.last_result} /> : "—"}</td>
                        <td>{source.last_fetched} / {source.fetched_total}</td>
                        <td>{source.duration_ms} ms</td>
                        <td className="wrap">{source.last_error ?? "—"}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </article>
          {auth.isAdmin ? (
            <>
              <ImapSettingsForm onSaved={() => { auth.reloadSettings(); mailbox.reload(); }} />
              <PasswordForm passwordSet={data.password_set} onSaved={() => mailbox.reload()} />
            </>
          ) : (
            <article aria-labelledby="imap-h">
              <h2 id="imap-h">{t("Mailbox settings")}</h2>
              <p className="muted">{t("Only administrators can change these settings.")}</p>
              <dl>
                <dt>{t("Configured")}</dt>
                <dd>{data.configured ? t("Yes") : t("No")}</dd>
                <dt>{t("Protocol")}</dt>
                <dd>{data.protocol.toUpperCase()}</dd>
                <dt>{t("Server")}</dt>
                <dd>{data.host || "—"}{data.port ? `:${data.port}` : ""}</dd>
                <dt>{t("User")}</dt>
                <dd>{data.user || "—"}</dd>
                <dt>{t("Mailbox")}</dt>
                <dd>{data.mailbox}</dd>
                <dt>{t("Password")}</dt>
                <dd>{data.password_set ? t("Set") : t("Not set")}</dd>
                <dt>{t("Options")}</dt>
                <dd>{Object.entries(data.options).filter(([, on]) => on).map(([name]) => t(`imap:${name}`)).join(", ") || "—"}</dd>
              </dl>
            </article>
          )}
        </>
      )}
    </section>
  );
}

function ImapSettingsForm({ onSaved }: { onSaved: () => void }) {
  const { t } = useI18n();
  const auth = useAuth();
  const [form, setForm] = useState<ImapForm | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const current = form ?? (auth.settings ? imapFormFrom(auth.settings.customer_service.imap) : null);
  if (!current) return <Loading />;
  const apiErrors = imapFieldErrors(fieldErrors(error));
  const errors = { ...apiErrors, ...local };
  const change = (next: Partial<ImapForm>) => {
    setSaved(false);
    setForm({ ...current, ...next });
  };

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!current) return;
    const problems = imapErrors(current);
    setLocal(Object.fromEntries(Object.entries(problems).map(([k, v]) => [k, t(v)])));
    if (Object.keys(problems).length) return;
    setBusy(true);
    setError(null);
    try {
      await patch("/admin/settings", imapPayload(current));
      setSaved(true);
      onSaved();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const known = ["url", "port", "user", "mailbox", "protocol", ...IMAP_OPTIONS].map((n) => (n === "protocol" ? "customer_service.imap.pop3" : `customer_service.imap.${n}`));
  return (
    <form onSubmit={submit} aria-labelledby="imap-h" noValidate>
      <article>
        <h2 id="imap-h">{t("Mailbox settings")}</h2>
        <ErrorBox error={error} shownFields={known} />
        <div className="grid-3">
          <SelectField
            label={t("Protocol")}
            name="protocol"
            value={current.protocol}
            options={[{ value: "imap", label: "IMAP" }, { value: "pop3", label: "POP3" }]}
            onChange={(v) => change({ protocol: v === "pop3" ? "pop3" : "imap" })}
            error={errors.protocol}
          />
          <TextField label={t("Server")} name="url" value={current.url} onChange={(v) => change({ url: v })} error={errors.url} placeholder="imap.example.com" />
          <TextField label={t("Port")} name="port" type="number" min={1} max={65535} value={current.port} onChange={(v) => change({ port: v })} error={errors.port} />
          <TextField label={t("User")} name="user" value={current.user} autoComplete="off" onChange={(v) => change({ user: v })} error={errors.user} />
          <TextField label={t("Mailbox folder")} name="mailbox" value={current.mailbox} onChange={(v) => change({ mailbox: v })} error={errors.mailbox} />
        </div>
        <fieldset>
          <legend>{t("Options")}</legend>
          <div className="checks">
            {IMAP_OPTIONS.map((name) => (
              <CheckboxField
                key={name}
                label={t(`imap:${name}`)}
                name={`imap.${name}`}
                checked={current.options[name]}
                error={errors[name]}
                onChange={(v) => change({ options: { ...current.options, [name]: v } })}
              />
            ))}
          </div>
        </fieldset>
        <button type="submit" aria-busy={busy || undefined} disabled={busy}>{t("Save the mailbox settings")}</button>
        <span role="status">{saved ? ` ${t("Settings saved.")}` : ""}</span>
      </article>
    </form>
  );
}

function PasswordForm({ passwordSet, onSaved }: { passwordSet: boolean; onSaved: () => void }) {
  const { t } = useI18n();
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!password) {
      setError(new ApiError(400, "InvalidInput", t("Enter the password."), { password: t("Enter the password.") }));
      return;
    }
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      await put("/admin/customer-service/mailbox/password", { password });
      setPassword("");
      setSaved(true);
      onSaved();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={submit} aria-labelledby="password-h" noValidate>
      <article>
        <h2 id="password-h">{t("Mailbox password")}</h2>
        <p className="muted" data-testid="password-state">
          {passwordSet ? t("A password is set. It is never shown; enter a new one to replace it.") : t("No password is set yet.")}
        </p>
        <ErrorBox error={error} shownFields={["password"]} />
        <TextField label={t("New password")} name="mailbox_password" type="password" autoComplete="new-password" value={password} onChange={(v) => { setPassword(v); setSaved(false); }} error={fieldErrors(error).password} />
        <button type="submit" aria-busy={busy || undefined} disabled={busy}>{t("Save the password")}</button>
        <span role="status">{saved ? ` ${t("Password saved.")}` : ""}</span>
      </article>
    </form>
  );
}
