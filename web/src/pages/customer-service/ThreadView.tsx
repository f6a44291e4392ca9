// Customer service: one thread (messages, events, customer, timeline, status) with the reply and
// forward forms. Message HTML only ever goes into SafeHtmlFrame.
import { useState } from "react";
import { Link } from "wouter";
import { get, post, type Page } from "../../lib/api";
import { Empty, ErrorBox, Loading, StatusBadge, useLoad } from "../../lib/components";
import { formatBytes } from "../../lib/cs";
import { useI18n } from "../../lib/i18n";
import { SafeHtmlFrame } from "../../lib/SafeHtml";
import { useAuth } from "../../lib/session";
import type { Employee, Thread, ThreadMessage, ThreadStatus, ThreadView } from "../../lib/types";
import { CsNav, NextUnanswered, STATUS_LABELS, StatusLabel, UnverifiedSender } from "./shared";
import { ForwardForm, ReplyForm } from "./ThreadForms";

function useEmployees(enabled: boolean) {
  return useLoad(
    (signal) => (enabled ? get<Page<Employee>>("/admin/employees", { limit: 200 }, signal) : Promise.resolve(null)),
    [enabled],
  );
}

export function ThreadViewPage({ id }: { id: string }) {
  const { t, dateTime, money } = useI18n();
  const auth = useAuth();
  const view = useLoad((signal) => get<ThreadView>(`/admin/threads/${encodeURIComponent(id)}`, undefined, signal), [id]);
  // Only an admin may list employees; support staff forward to an address (and see ids).
  const employees = useEmployees(auth.isAdmin);
  const employeeName = (employeeId: string | null) => {
    if (!employeeId) return "—";
    if (employeeId === auth.session.employee.id) return t("Me");
    const found = employees.data?.items.find((e) => e.id === employeeId);
    return found ? `${found.first_name} ${found.last_name}` : employeeId.slice(-8);
  };
  if (view.loading && !view.data) return <Loading />;
  if (!view.data) return <><CsNav /><ErrorBox error={view.error} /></>;
  const data = view.data;
  const thread = data.thread;
  const update = (changed: Partial<ThreadView>) => view.setData({ ...data, ...changed });

  return (
    <section>
      <nav aria-label={t("Breadcrumb")}>
        <ul>
          <li><Link href="/customer-service">{t("Customer service")}</Link></li>
          <li><Link href="/customer-service/threads">{t("Threads")}</Link></li>
          <li>#{thread.tag}</li>
        </ul>
      </nav>
      <hgroup className="page-title">
        <h1>{thread.subject || t("(no subject)")}</h1>
        <p>
          <StatusLabel status={thread.status} /> · {thread.email}
          {!thread.sender_verified && <> <UnverifiedSender /></>} · {t("Opened {date}", { date: dateTime(thread.created_at) })} ·{" "}
          {t("Assigned to")}: {employeeName(thread.assigned_employee_id)}
          {thread.order_id && <> · <Link href={`/orders/${thread.order_id}`}>{t("Order {id}", { id: thread.order_id.slice(-8) })}</Link></>}
        </p>
      </hgroup>
      <CsNav />
      <ErrorBox error={view.error} />
      <StatusButtons thread={thread} onChanged={(changed) => { update({ thread: changed }); view.reload(); }} />

      <div className="thread-layout">
        <div className="thread-main">
          <h2>{t("Messages")}</h2>
          <ol className="messages" aria-label={t("Messages")}>
            {data.messages.map((message) => (
              <li key={message.id}>
                <MessageCard message={message} employeeName={employeeName} />
              </li>
            ))}
          </ol>
          <ReplyForm thread={thread} view={data} onSent={() => view.reload()} />
          <ForwardForm thread={thread} employees={employees.data?.items ?? null} employeesError={employees.error} onForwarded={() => view.reload()} />
        </div>
        <aside className="thread-side">
          <article aria-labelledby="customer-h">
            <h2 id="customer-h">{t("Customer")}</h2>
            {data.customer ? (
              <dl>
                <dt>{t("Name")}</dt>
                <dd><Link href={`/customers/${data.customer.id}`}>{data.customer.first_name} {data.customer.last_name}</Link></dd>
                <dt>{t("E-mail")}</dt>
                <dd>{data.customer.email}</dd>
                <dt>{t("Orders")}</dt>
                <dd>{data.customer.orders_count}</dd>
                <dt>{t("Total spent")}</dt>
                <dd>{money(data.customer.total_spent)}</dd>
                <dt>{t("Registered")}</dt>
                <dd>{dateTime(data.customer.registered_at)}{data.customer.is_guest && <> · <StatusBadge value="guest" label={t("Guest")} /></>}</dd>
              </dl>
            ) : (
              <Empty>{t("No customer account for {email}.", { email: thread.email })}</Empty>
            )}
          </article>
          <article aria-labelledby="events-h">
            <h2 id="events-h">{t("History")}</h2>
            {data.events.length === 0 ? (
              <Empty>{t("No status change or forward yet.")}</Empty>
            ) : (
              <ul className="events" data-testid="events">
                {data.events.map((event) => (
                  <li key={event.id}>
                    <small>{dateTime(event.at)}</small> — {describeEvent(event.kind, event.data, t, employeeName)} ({employeeName(event.employee_id)})
                  </li>
                ))}
              </ul>
            )}
          </article>
          <article aria-labelledby="timeline-h">
            <h2 id="timeline-h">{t("Orders and messages")}</h2>
            {data.timeline.length === 0 ? (
              <Empty>{t("Nothing yet.")}</Empty>
            ) : (
              <ul className="timeline">
                {data.timeline.map((entry) => (
                  <li key={`${entry.kind}-${entry.id}`}>
                    <small>{dateTime(entry.at)}</small> —{" "}
                    {entry.kind === "order" ? <Link href={`/orders/${entry.id}`}>{t("Order")}</Link> : t("Message")}: {entry.summary}
                  </li>
                ))}
              </ul>
            )}
          </article>
        </aside>
      </div>
    </section>
  );
}

function describeEvent(
  kind: string,
  data: Record<string, unknown>,
  t: (key: string, vars?: Record<string, string | number>) => string,
  employeeName: (id: string | null) => string,
): string {
  const text = (key: string) => (typeof data[key] === "string" ? (data[key] as string) : "");
  if (kind === "status") {
    const to = text("to") || text("status");
    const from = text("from");
    const label = (s: string) => t(STATUS_LABELS[s] ?? s);
    return from ? t("Status: {from} → {to}", { from: label(from), to: label(to) }) : t("Status: {to}", { to: label(to) });
  }
  if (kind === "forward") {
    const target = text("email") || employeeName(text("employee_id") || null);
    const comment = text("comment");
    return comment ? t("Forwarded to {target}: “{comment}”", { target, comment }) : t("Forwarded to {target}", { target });
  }
  return kind;
}

function MessageCard({ message, employeeName }: { message: ThreadMessage; employeeName: (id: string | null) => string }) {
  const { t, dateTime } = useI18n();
  const [showHtml, setShowHtml] = useState(false);
  const who = message.from === "employee" ? `${t("Employee")} · ${employeeName(message.employee_id)}` : message.from === "customer" ? `${t("Customer")} · ${message.email ?? ""}` : t("System");
  return (
    <article className={`message message-${message.from}`} data-testid="message" aria-label={`${who}, ${dateTime(message.received_at)}`}>
      <header className="row-between">
        <span>
          <strong>{who}</strong> · <small>{dateTime(message.received_at)}</small> · <small>{t(`source:${message.source}`)}</small>
        </span>
        <span>
          {message.auto_submitted && <StatusBadge value="auto" label={t("Automatic reply or bounce")} />}
          {!message.read && message.from === "customer" && <> <StatusBadge value="open" label={t("Unread")} /></>}
        </span>
      </header>
      {message.subject && <p><small>{t("Subject")}: {message.subject}</small></p>}
      <div className="message-text" data-testid="message-text">{message.text}</div>
      {message.html && (
        <>
          <button type="button" className="secondary outline small" aria-expanded={showHtml} onClick={() => setShowHtml((v) => !v)}>
            {showHtml ? t("Hide the HTML version") : t("Show the HTML version")}
          </button>
          {showHtml && <SafeHtmlFrame html={message.html} title={t("HTML version of the message")} />}
        </>
      )}
      {message.attachments.length > 0 && (
        <ul className="attachments" aria-label={t("Attachments")}>
          {message.attachments.map((file, index) => (
            <li key={index}>
              {file.url ? (
                <a href={file.url} rel="noopener noreferrer" target="_blank" download={file.name}>{file.name}</a>
              ) : (
                <span>{file.name} <small className="muted">({t("not kept")})</small></span>
              )}{" "}
              <small>({formatBytes(file.size)}, {file.content_type})</small>
            </li>
          ))}
        </ul>
      )}
      {message.notes.length > 0 && (
        <ul className="notes" aria-label={t("Notes")}>
          {message.notes.map((note, index) => (
            <li key={index}><small>⚠ {note}</small></li>
          ))}
        </ul>
      )}
    </article>
  );
}

const STATUS_ACTIONS: { status: ThreadStatus; label: string }[] = [
  { status: "closed", label: "Handled" },
  { status: "open", label: "Re-open" },
  { status: "pending1", label: "Pending 1" },
  { status: "pending2", label: "Pending 2" },
];

function StatusButtons({ thread, onChanged }: { thread: Thread; onChanged: (thread: Thread) => void }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  async function set(status: ThreadStatus) {
    setBusy(status);
    setError(null);
    setDone(null);
    try {
      const updated = await post<Thread>(`/admin/threads/${encodeURIComponent(thread.id)}/status`, { status });
      setDone(t("Status: {to}", { to: t(STATUS_LABELS[updated.status] ?? updated.status) }));
      onChanged(updated);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  }
  return (
    <div className="toolbar status-actions" role="group" aria-label={t("Thread status")}>
      {STATUS_ACTIONS.map((action) => (
        <button
          key={action.status}
          type="button"
          className={thread.status === action.status ? undefined : "secondary outline"}
          aria-pressed={thread.status === action.status}
          disabled={busy !== null || thread.status === action.status}
          aria-busy={busy === action.status || undefined}
          onClick={() => set(action.status)}
        >
          {t(action.label)}
        </button>
      ))}
      <NextUnanswered />
      <span role="status">{done}</span>
      <ErrorBox error={error} />
    </div>
  );
}
