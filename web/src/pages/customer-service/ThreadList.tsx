// Customer service: the thread list and its filters.
import { useState, type FormEvent } from "react";
import { Link } from "wouter";
import { get, type Page } from "../../lib/api";
import {
  CheckboxField,
  fieldErrors,
  SelectField,
  TextField,
  useCursorPager,
  useLoad,
} from "../../lib/components";
import { DataList } from "../../lib/DataList";
import { EMPTY_THREAD_FILTERS, threadQuery, type ThreadFilters } from "../../lib/cs";
import { useI18n } from "../../lib/i18n";
import { useAuth } from "../../lib/session";
import { THREAD_STATUSES, type CsSummary, type Thread } from "../../lib/types";
import { CsNav, NextUnanswered, STATUS_LABELS, StatusLabel, SUMMARY_PATH, UnverifiedSender } from "./shared";

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
  const summary = useLoad((signal) => get<CsSummary>(SUMMARY_PATH, undefined, signal), []);
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
      <DataList
        list={list}
        columns={[t("Subject"), t("Customer"), t("Contact"), t("Status"), t("Last message"), t("Messages"), t("Assigned to")]}
        row={(thread) => (
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
        )}
        empty={t("No thread found.")}
        shownFields={["contact_id", "status", "unread", "email", "customer_id"]}
        className="striped list threads"
        pager={pager}
      />
    </section>
  );
}
