// Customer service: the mail kept unprocessed, with a retry per message.
import { useState } from "react";
import { Link } from "wouter";
import { get, post, type Page } from "../../lib/api";
import { ErrorBox, useCursorPager, useLoad } from "../../lib/components";
import { DataList } from "../../lib/DataList";
import { formatBytes } from "../../lib/cs";
import { useI18n } from "../../lib/i18n";
import type { RetryOutcome, UnprocessedMail } from "../../lib/types";
import { CsNav } from "./shared";

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
      <DataList
        list={list}
        columns={[t("Received"), t("Reason"), t("Size"), t("Source"), t("Attempts"), t("Raw copy"), t("Actions")]}
        row={(item) => <UnprocessedRow key={item.id} item={item} dateTime={dateTime} onRetried={() => list.reload()} />}
        empty={t("No unprocessed mail.")}
        className="striped list"
        pager={pager}
      />
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
