// Customer service: a thread's reply and forward forms.
import { useRef, useState, type FormEvent } from "react";
import { api } from "../../lib/api";
import { ErrorBox, fieldErrors, SelectField, TextArea, TextField } from "../../lib/components";
import { forwardErrors, forwardPayload, initialReply, insertMessage, replyErrors, type ForwardForm as ForwardFields } from "../../lib/cs";
import { useI18n } from "../../lib/i18n";
import { useAuth } from "../../lib/session";
import type { Employee, Thread, ThreadView } from "../../lib/types";

function newKey(): string {
  return typeof crypto !== "undefined" && "randomUUID" in crypto ? crypto.randomUUID() : `${Date.now()}-${Math.random()}`;
}

export function ReplyForm({ thread, view, onSent }: { thread: Thread; view: ThreadView; onSent: () => void }) {
  const { t } = useI18n();
  const [text, setText] = useState(() => initialReply(view.reply_defaults));
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  // One Idempotency-Key per reply: a retried send (double click, network) goes out once.
  const key = useRef(newKey());
  const formRef = useRef<HTMLFormElement>(null);
  const errors = { ...fieldErrors(error), ...local };

  function insert(orderMessageId: string) {
    const found = view.reply_defaults.order_messages.find((m) => m.id === orderMessageId);
    if (!found) return;
    const area = formRef.current?.querySelector("textarea");
    const caret = area && document.activeElement === area ? area.selectionStart : null;
    setText(insertMessage(text, found.message, caret).text);
    setSent(false);
    area?.focus();
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const problems = replyErrors(text);
    setLocal(Object.fromEntries(Object.entries(problems).map(([k, v]) => [k, t(v)])));
    if (Object.keys(problems).length) return;
    setBusy(true);
    setError(null);
    setSent(false);
    try {
      await api("POST", `/admin/threads/${encodeURIComponent(thread.id)}/reply`, { body: { message: text }, headers: { "Idempotency-Key": key.current } });
      key.current = newKey();
      setText(initialReply(view.reply_defaults));
      setSent(true);
      onSent();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form ref={formRef} onSubmit={submit} aria-label={t("Reply")} className="reply-form" noValidate>
      <h2>{t("Reply")}</h2>
      <p className="muted">{t("Sent by e-mail to {email}; their answer comes back into this thread.", { email: thread.email })}</p>
      <ErrorBox error={error} shownFields={["message"]} />
      {view.reply_defaults.order_messages.length > 0 && (
        <SelectField
          label={t("Insert a predefined message")}
          name="order_message"
          value=""
          emptyLabel={t("Choose a message…")}
          options={view.reply_defaults.order_messages.map((m) => ({ value: m.id, label: m.name }))}
          onChange={insert}
        />
      )}
      <TextArea label={t("Your reply")} name="message" rows={6} maxLength={10_000} value={text} onChange={(v) => { setText(v); setSent(false); }} error={errors.message} required />
      <button type="submit" aria-busy={busy || undefined} disabled={busy}>{t("Send the reply")}</button>
      <span role="status">{sent ? ` ${t("Reply sent.")}` : ""}</span>
    </form>
  );
}

export function ForwardForm(props: { thread: Thread; employees: Employee[] | null; employeesError: unknown; onForwarded: () => void }) {
  const { t } = useI18n();
  const auth = useAuth();
  const canPickEmployee = props.employees !== null;
  // "employee" by default; it only applies once the employee list has loaded (admins).
  const [form, setForm] = useState<ForwardFields>({ to: "employee", employee_id: "", email: "", comment: "" });
  const [error, setError] = useState<unknown>(null);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const key = useRef(newKey());
  const to = canPickEmployee ? form.to : "email";
  const errors = { ...fieldErrors(error), ...local };
  const others = (props.employees ?? []).filter((e) => e.active);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const current = { ...form, to };
    const problems = forwardErrors(current);
    setLocal(Object.fromEntries(Object.entries(problems).map(([k, v]) => [k, t(v)])));
    if (Object.keys(problems).length) return;
    setBusy(true);
    setError(null);
    setDone(false);
    try {
      await api("POST", `/admin/threads/${encodeURIComponent(props.thread.id)}/forward`, { body: forwardPayload(current), headers: { "Idempotency-Key": key.current } });
      key.current = newKey();
      setForm({ ...form, employee_id: "", email: "", comment: "" });
      setDone(true);
      props.onForwarded();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <details className="forward">
      <summary>{t("Forward")}</summary>
      <form onSubmit={submit} aria-label={t("Forward")} noValidate>
        <ErrorBox error={error} shownFields={["employee_id", "email", "comment"]} />
        {canPickEmployee ? (
          <fieldset>
            <legend>{t("Forward to")}</legend>
            <label className="checkbox">
              <input type="radio" name="forward-to" value="employee" checked={to === "employee"} onChange={() => setForm({ ...form, to: "employee" })} />
              {t("An employee (assigns the thread)")}
            </label>
            <label className="checkbox">
              <input type="radio" name="forward-to" value="email" checked={to === "email"} onChange={() => setForm({ ...form, to: "email" })} />
              {t("An e-mail address, with a comment")}
            </label>
          </fieldset>
        ) : (
          auth.isAdmin ? <ErrorBox error={props.employeesError} /> : <p className="muted">{t("Only administrators can list employees: forward to an e-mail address.")}</p>
        )}
        {to === "employee" ? (
          <SelectField
            label={t("Employee")}
            name="employee_id"
            value={form.employee_id}
            emptyLabel={t("Choose an employee…")}
            options={others.map((e) => ({ value: e.id, label: `${e.first_name} ${e.last_name} (${e.email})` }))}
            onChange={(v) => setForm({ ...form, employee_id: v })}
            error={errors.employee_id}
          />
        ) : (
          <>
            <TextField label={t("E-mail address")} name="forward_email" type="email" value={form.email} onChange={(v) => setForm({ ...form, email: v })} error={errors.email} />
            <TextArea label={t("Comment")} name="comment" maxLength={2000} value={form.comment} onChange={(v) => setForm({ ...form, comment: v })} error={errors.comment} />
          </>
        )}
        <button type="submit" aria-busy={busy || undefined} disabled={busy}>{t("Forward")}</button>
        <span role="status">{done ? ` ${t("Thread forwarded.")}` : ""}</span>
      </form>
    </details>
  );
}
