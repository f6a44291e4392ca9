import { useState, type FormEvent } from "react";
import { ApiError, post } from "../lib/api";
import type { Session } from "../lib/types";
import { ErrorBox, fieldErrors, TextField } from "../lib/components";
import { isLang, LANG_NAMES, LANGS, useI18n } from "../lib/i18n";

export function LoginPage({ onSignedIn, notice }: { onSignedIn: (session: Session) => void; notice: string | null }) {
  const { t, lang, setLang } = useI18n();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await post<Session>("/admin/login", { email, password }));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  const fields = fieldErrors(error);
  const throttled = error instanceof ApiError && error.status === 429;
  return (
    <main className="container login">
      <article>
        <header>
          <h1>{t("Clientele back-office")}</h1>
          <p>{t("Sign in with your employee account.")}</p>
        </header>
        {notice && <p role="status">{t(notice)}</p>}
        <form onSubmit={submit} noValidate>
          <TextField label={t("E-mail")} name="email" type="email" autoComplete="username" value={email} onChange={setEmail} error={fields.email} required />
          <TextField
            label={t("Password")}
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={setPassword}
            error={fields.password}
            required
          />
          <ErrorBox error={error} shownFields={["email", "password"]} />
          {throttled && <p>{t("Too many attempts: wait a few minutes and try again.")}</p>}
          <button type="submit" aria-busy={busy || undefined} disabled={busy}>
            {t("Sign in")}
          </button>
        </form>
        <footer>
          <label>
            {t("Language")}
            <select value={lang} onChange={(e) => isLang(e.target.value) && setLang(e.target.value)}>
              {LANGS.map((code) => (
                <option key={code} value={code}>
                  {LANG_NAMES[code]}
                </option>
              ))}
            </select>
          </label>
        </footer>
      </article>
    </main>
  );
}
