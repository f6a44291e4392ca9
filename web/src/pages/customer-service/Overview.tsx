// Customer service, home: the per-contact boxes, the status legend and the team's statistics.
import { useState, type FormEvent } from "react";
import { Link } from "wouter";
import { get } from "../../lib/api";
import { Empty, ErrorBox, fieldErrors, Loading, TextField, useLoad } from "../../lib/components";
import { formatDuration } from "../../lib/cs";
import { useI18n } from "../../lib/i18n";
import type { CsSummary } from "../../lib/types";
import { CsNav, NextUnanswered, StatusLabel, SUMMARY_PATH } from "./shared";

export function CustomerServicePage() {
  const { t, date } = useI18n();
  const [draft, setDraft] = useState({ date_from: "", date_to: "" });
  const [period, setPeriod] = useState(draft);
  const summary = useLoad((signal) => get<CsSummary>(SUMMARY_PATH, period, signal), [period]);
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
