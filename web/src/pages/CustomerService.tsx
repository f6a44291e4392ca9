// Customer service: the per-contact boxes, status legend and statistics; the thread list; a
// thread (messages, events, customer, timeline, reply, status, forward); the mail sources and the
// IMAP/POP3 settings; the mail kept unprocessed. Message HTML only ever goes into SafeHtmlFrame.
import { useRef, useState, type FormEvent } from "react";
import { Link, useLocation } from "wouter";
import { api, ApiError, get, patch, post, put, type Page } from "../lib/api";
import {
  CheckboxField,
  Empty,
  ErrorBox,
  fieldErrors,
  Loading,
  Pager,
  SelectField,
  StatusBadge,
  TextArea,
  TextField,
  useCursorPager,
  useLoad,
} from "../lib/components";
import {
  EMPTY_THREAD_FILTERS,
  forwardErrors,
  forwardPayload,
  formatBytes,
  formatDuration,
  imapErrors,
  imapFieldErrors,
  imapFormFrom,
  imapPayload,
  IMAP_OPTIONS,
  initialReply,
  insertMessage,
  replyErrors,
  threadQuery,
  type ForwardForm,
  type ImapForm,
  type ThreadFilters,
} from "../lib/cs";
import { useI18n } from "../lib/i18n";
import { SafeHtmlFrame } from "../lib/SafeHtml";
import { useAuth } from "../lib/session";
import {
  THREAD_STATUS_LABELS,
  THREAD_STATUSES,
  type CsSummary,
  type Employee,
  type Mailbox,
  type RetryOutcome,
  type Thread,
  type ThreadMessage,
  type ThreadStatus,
  type ThreadView,
  type UnprocessedMail,
} from "../lib/types";

const STATUS_LABELS = THREAD_STATUS_LABELS;


/** Anyone can type any address into the contact form: such a thread's e-mail is only a claim, so
 *  staff should not share account or order details before the customer proves it (issue 16 §2.3). */
export function UnverifiedSender() {
  const { t } = useI18n();
  return (
    <span className="badge badge-unverified" title={t("Sent from the contact form without signing in: the e-mail address is not proven.")}>
      {t("Sender not verified")}
    </span>
  );
}

function StatusLabel({ status }: { status: string }) {
  const { t } = useI18n();
  return <StatusBadge value={status} label={t(STATUS_LABELS[status] ?? status)} />;
}

const summaryPath = "/admin/customer-service/summary";

/** The customer-service sub-menu, on every screen of the section. */
function CsNav() {
  const { t } = useI18n();
  const [location] = useLocation();
  const items = [
    { path: "/customer-service", label: t("Overview"), current: location === "/customer-service" },
    { path: "/customer-service/threads", label: t("Threads"), current: location.startsWith("/customer-service/threads") || location.startsWith("/customer-service/contact/") },
    { path: "/customer-service/mailbox", label: t("Mailbox"), current: location === "/customer-service/mailbox" },
    { path: "/customer-service/unprocessed", label: t("Unprocessed mail"), current: location === "/customer-service/unprocessed" },
  ];
  return (
    <nav aria-label={t("Customer service")} className="tabs">
      <ul>
        {items.map((item) => (
          <li key={item.path}>
            <Link href={item.path} aria-current={item.current ? "page" : undefined}>
              {item.label}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** "Next unanswered": opens the oldest thread waiting for the shop; a 404 means none waits. */
function NextUnanswered({ className }: { className?: string }) {
  const { t } = useI18n();
  const [, navigate] = useLocation();
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function open() {
    setBusy(true);
    setMessage(null);
    setError(null);
    try {
      const thread = await get<Thread>("/admin/threads/next-unanswered");
      navigate(`/customer-service/threads/${thread.id}`);
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 404) setMessage(t("Nothing is waiting for an answer."));
      else setError(caught);
    } finally {
      setBusy(false);
    }
  }
  return (
    <span className={className}>
      <button type="button" onClick={open} aria-busy={busy || undefined} disabled={busy}>
        {t("Next unanswered")}
      </button>
      <span role="status" className="muted">{message ? ` ${message}` : ""}</span>
      <ErrorBox error={error} />
    </span>
  );
}

// -- home ---------------------------------------------------------------------------------------

export function CustomerServicePage() {
  const { t, date } = useI18n();
  const [draft, setDraft] = useState({ date_from: "", date_to: "" });
  const [period, setPeriod] = useState(draft);
  const summary = useLoad((signal) => get<CsSummary>(summaryPath, period, signal), [period]);
  const data = summary.data;
  const stats = data?.statistics;
  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Customer service")}</h1>
        <p>{t("Messages from customers by contact, their status and the team's statistics.")}</p>
      </hgroup>
      <CsNav />
      <div className="toolbar">
        <NextUnanswered />
      </div>
      {summary.loading && !data && <Loading />}
      {!data && <ErrorBox error={summary.error} />}
      {data && (
        <>
          <h2>{t("Contacts")}</h2>
          {data.contacts.length === 0 ? (
            <Empty>{t("No contact.")}</Empty>
          ) : (
            <div className="cards contact-boxes">
              {data.contacts.map((box) => (
                <article key={box.contact_id} data-testid="contact-box">
                  <h3>
                    <Link href={`/customer-service/contact/${encodeURIComponent(box.contact_id)}`}>{box.name}</Link>
                  </h3>
                  <dl>
                    <dt>{t("thread:open")}</dt>
                    <dd data-testid="open-count">{box.open}</dd>
                    <dt>{t("Pending")}</dt>
                    <dd>{box.pending}</dd>
                    <dt>{t("Unread")}</dt>
                    <dd>{box.unread > 0 ? <strong>{box.unread}</strong> : box.unread}</dd>
                  </dl>
                </article>
              ))}
            </div>
          )}
          <div className="cards">
            <article aria-labelledby="legend-h">
              <h2 id="legend-h">{t("Statuses")}</h2>
              <dl className="legend">
                {Object.entries(data.statuses).map(([status, legend]) => (
                  <div key={status} className="legend-row">
                    <dt><StatusLabel status={status} /></dt>
                    <dd>{t(legend)}</dd>
                  </div>
                ))}
              </dl>
            </article>
            <article aria-labelledby="stats-h">
              <h2 id="stats-h">{t("Statistics")}</h2>
              <form
                className="row-inputs grid"
                aria-label={t("Statistics period")}
                onSubmit={(e: FormEvent) => {
                  e.preventDefault();
                  setPeriod({ ...draft });
                }}
              >
                <TextField label={t("From")} name="date_from" type="date" value={draft.date_from} onChange={(v) => setDraft((d) => ({ ...d, date_from: v }))} error={fieldErrors(summary.error).date_from} />
                <TextField label={t("To")} name="date_to" type="date" value={draft.date_to} onChange={(v) => setDraft((d) => ({ ...d, date_to: v }))} error={fieldErrors(summary.error).date_to} />
                <button type="submit">{t("Show")}</button>
              </form>
              <ErrorBox error={summary.error} shownFields={["date_from", "date_to"]} />
              {stats && (
                <dl aria-busy={summary.loading || undefined} data-testid="statistics">
                  <dt>{t("Period")}</dt>
                  <dd>{date(stats.date_from)} – {date(stats.date_to)}</dd>
                  <dt>{t("New threads")}</dt>
                  <dd>{stats.threads}</dd>
                  <dt>{t("Messages received")}</dt>
                  <dd>{stats.messages}</dd>
                  <dt>{t("Pending")}</dt>
                  <dd>{stats.pending}</dd>
                  <dt>{t("Threads answered")}</dt>
                  <dd>{stats.responses}</dd>
                  <dt>{t("Average first response")}</dt>
                  <dd>{formatDuration(stats.average_first_response_seconds)}</dd>
                </dl>
              )}
            </article>
          </div>
        </>
      )}
    </section>
  );
}

// -- thread list --------------------------------------------------------------------------------

// The list's filters survive opening a thread and coming back (module state, this tab only).
let rememberedFilters: ThreadFilters = EMPTY_THREAD_FILTERS;

export function ThreadListPage({ contactId }: { contactId?: string }) {
  const { t, dateTime } = useI18n();
  const auth = useAuth();
  const me = auth.session.employee.id;
  const start = contactId !== undefined ? { ...EMPTY_THREAD_FILTERS, contact_id: contactId } : rememberedFilters;
  const [draft, setDraft] = useState<ThreadFilters>(start);
  const [filters, setFilters] = useState<ThreadFilters>(start);
  rememberedFilters = filters;
  const pager = useCursorPager();
  const summary = useLoad((signal) => get<CsSummary>(summaryPath, undefined, signal), []);
  const contacts = summary.data?.contacts ?? [];
  const contactName = (id: string) => contacts.find((c) => c.contact_id === id)?.name ?? id;
  const list = useLoad(
    (signal) => get<Page<Thread>>("/admin/threads", threadQuery(filters, me, { limit: 50, cursor: pager.cursor }), signal),
    [filters, pager.cursor, me],
  );
  const errors = fieldErrors(list.error);
  const apply = (next: ThreadFilters) => {
    pager.reset();
    setFilters({ ...next });
  };
  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Threads")}</h1>
        <p>{t("Customer messages, newest activity first.")}</p>
      </hgroup>
      <CsNav />
      <form className="filter-form" aria-label={t("Thread filters")} onSubmit={(e: FormEvent) => { e.preventDefault(); apply(draft); }}>
        <div className="grid-3">
          <SelectField
            label={t("Contact")}
            name="contact_id"
            value={draft.contact_id}
            emptyLabel={t("Any")}
            options={[
              ...contacts.map((c) => ({ value: c.contact_id, label: c.name })),
              // a contact from the address that the summary doesn't list (yet)
              ...(draft.contact_id && !contacts.some((c) => c.contact_id === draft.contact_id) ? [{ value: draft.contact_id, label: draft.contact_id }] : []),
            ]}
            onChange={(v) => setDraft((d) => ({ ...d, contact_id: v }))}
            error={errors.contact_id}
          />
          <SelectField
            label={t("Status")}
            name="status"
            value={draft.status}
            emptyLabel={t("Any")}
            options={THREAD_STATUSES.map((s) => ({ value: s, label: t(STATUS_LABELS[s] ?? s) }))}
            onChange={(v) => setDraft((d) => ({ ...d, status: v }))}
            error={errors.status}
          />
          <SelectField
            label={t("Read")}
            name="unread"
            value={draft.unread}
            emptyLabel={t("Any")}
            options={[
              { value: "1", label: t("Unread only") },
              { value: "0", label: t("Read only") },
            ]}
            onChange={(v) => setDraft((d) => ({ ...d, unread: v === "1" || v === "0" ? v : "" }))}
            error={errors.unread}
          />
          <TextField label={t("Customer e-mail")} name="email" type="email" value={draft.email} onChange={(v) => setDraft((d) => ({ ...d, email: v }))} error={errors.email} />
          <TextField label={t("Customer ID")} name="customer_id" value={draft.customer_id} onChange={(v) => setDraft((d) => ({ ...d, customer_id: v }))} error={errors.customer_id} />
          <CheckboxField label={t("Assigned to me")} name="mine" checked={draft.mine} onChange={(v) => setDraft((d) => ({ ...d, mine: v }))} />
        </div>
        <div className="toolbar">
          <button type="submit">{t("Filter")}</button>
          <button type="button" className="secondary outline" onClick={() => { setDraft(EMPTY_THREAD_FILTERS); apply(EMPTY_THREAD_FILTERS); }}>
            {t("Reset")}
          </button>
          <NextUnanswered />
        </div>
      </form>
      {list.loading && !list.data && <Loading />}
      <ErrorBox error={list.error} shownFields={["contact_id", "status", "unread", "email", "customer_id"]} />
      {list.data?.items.length === 0 && <Empty>{t("No thread found.")}</Empty>}
      {list.data && list.data.items.length > 0 && (
        <div className="overflow-auto">
          <table className="striped list threads" aria-busy={list.loading || undefined}>
            <thead>
              <tr>
                <th scope="col">{t("Subject")}</th>
                <th scope="col">{t("Customer")}</th>
                <th scope="col">{t("Contact")}</th>
                <th scope="col">{t("Status")}</th>
                <th scope="col">{t("Last message")}</th>
                <th scope="col">{t("Messages")}</th>
                <th scope="col">{t("Assigned to")}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((thread) => (
                <tr key={thread.id} className={thread.unread ? "unread" : undefined} data-unread={thread.unread ? "1" : "0"}>
                  <td>
                    {thread.unread && <span className="unread-dot" aria-hidden="true">● </span>}
                    <Link href={`/customer-service/threads/${thread.id}`}>{thread.subject || t("(no subject)")}</Link>
                    {thread.unread && <span className="visually-hidden"> ({t("Unread")})</span>}
                  </td>
                  <td>
                    {thread.email}
                    {!thread.sender_verified && <> <UnverifiedSender /></>}
                  </td>
                  <td>{contactName(thread.contact_id)}</td>
                  <td><StatusLabel status={thread.status} /></td>
                  <td>{dateTime(thread.last_message_at)} · {t(`from:${thread.last_message_from}`)}</td>
                  <td>{thread.message_count}</td>
                  <td>{thread.assigned_employee_id ? (thread.assigned_employee_id === me ? t("Me") : thread.assigned_employee_id.slice(-8)) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={pager.page} nextCursor={list.data?.next_cursor} onNext={pager.next} onPrev={pager.prev} />
    </section>
  );
}

// -- thread view --------------------------------------------------------------------------------

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

function ForwardForm(props: { thread: Thread; employees: Employee[] | null; employeesError: unknown; onForwarded: () => void }) {
  const { t } = useI18n();
  const auth = useAuth();
  const canPickEmployee = props.employees !== null;
  // "employee" by default; it only applies once the employee list has loaded (admins).
  const [form, setForm] = useState<ForwardForm>({ to: "employee", employee_id: "", email: "", comment: "" });
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

// -- mailbox ------------------------------------------------------------------------------------

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

// -- unprocessed mail ---------------------------------------------------------------------------

export function UnprocessedPage() {
  const { t, dateTime } = useI18n();
  const pager = useCursorPager();
  const list = useLoad(
    (signal) => get<Page<UnprocessedMail>>("/admin/customer-service/unprocessed", { limit: 50, cursor: pager.cursor }, signal),
    [pager.cursor],
  );
  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Unprocessed mail")}</h1>
        <p>{t("Messages received but not put in a thread, with the reason; retry once the cause is fixed.")}</p>
      </hgroup>
      <CsNav />
      {list.loading && !list.data && <Loading />}
      <ErrorBox error={list.error} />
      {list.data?.items.length === 0 && <Empty>{t("No unprocessed mail.")}</Empty>}
      {list.data && list.data.items.length > 0 && (
        <div className="overflow-auto">
          <table className="striped list" aria-busy={list.loading || undefined}>
            <thead>
              <tr>
                <th scope="col">{t("Received")}</th>
                <th scope="col">{t("Reason")}</th>
                <th scope="col">{t("Size")}</th>
                <th scope="col">{t("Source")}</th>
                <th scope="col">{t("Attempts")}</th>
                <th scope="col">{t("Raw copy")}</th>
                <th scope="col">{t("Actions")}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((item) => (
                <UnprocessedRow key={item.id} item={item} dateTime={dateTime} onRetried={() => list.reload()} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager page={pager.page} nextCursor={list.data?.next_cursor} onNext={pager.next} onPrev={pager.prev} />
    </section>
  );
}

function UnprocessedRow({ item, dateTime, onRetried }: { item: UnprocessedMail; dateTime: (iso: string) => string; onRetried: () => void }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<RetryOutcome | null>(null);
  const [error, setError] = useState<unknown>(null);
  async function retry() {
    setBusy(true);
    setError(null);
    try {
      setOutcome(await post<RetryOutcome>(`/admin/customer-service/unprocessed/${encodeURIComponent(item.id)}/retry`));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }
  return (
    <tr>
      <td>{dateTime(item.received_at)}</td>
      <td className="wrap">{item.reason}</td>
      <td>{formatBytes(item.size)}</td>
      <td>{item.source}</td>
      <td>{item.attempts}</td>
      <td>{item.raw_url ? <a href={item.raw_url} download={`${item.id}.eml`}>{t("Download .eml")}</a> : "—"}</td>
      <td className="actions">
        <button type="button" className="small" aria-busy={busy || undefined} disabled={busy} onClick={retry}>{t("Retry")}</button>
        <span role="status" data-testid="retry-outcome">
          {outcome && (
            <>
              {t(`outcome:${outcome.outcome}`)}
              {outcome.reason && <> — {outcome.reason}</>}
              {outcome.thread_id && <> · <Link href={`/customer-service/threads/${outcome.thread_id}`}>{t("Open the thread")}</Link></>}
              {" "}
              <button type="button" className="secondary outline small" onClick={onRetried}>{t("Refresh the list")}</button>
            </>
          )}
        </span>
        <ErrorBox error={error} />
      </td>
    </tr>
  );
}
