import { useEffect, useRef, useState, type FormEvent } from "react";
import { ApiError, apiBlob, downloadBlob, get, post, uploadWithProgress, type Page, type QueryValue } from "../lib/api";
import { Empty, ErrorBox, Loading, Pager, SelectField, StatusBadge, useCursorPager, useLoad } from "../lib/components";
import { useI18n } from "../lib/i18n";
import type { ExportJob, ImportJob, RowError } from "../lib/types";

const FINISHED = ["completed", "completed_with_errors", "failed"];
const POLL_MS = 1000;

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The export's layouts (API `format`) and the file name each system's own export would have. */
const EXPORT_FILENAMES: Record<string, string> = {
  clientele: "customers.csv",
  "prestashop-import": "customers_import.csv",
  prestashop8: "customer.csv",
  shopify: "customer_template.csv",
};

/** Export with the list's filters: direct CSV; when the API says the list is too large (422),
 * the asynchronous export, polled until its download URL is ready. */
export async function exportCustomers(
  query: Record<string, QueryValue>,
  onProgress: (message: string) => void,
): Promise<string | null> {
  try {
    const name = EXPORT_FILENAMES[String(query.format ?? "clientele")] ?? "customers.csv";
    downloadBlob(await apiBlob("/admin/customers/export", { query }), name);
    return null;
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 422)) throw error;
  }
  const started = await get<{ export_id: string }>("/admin/customers/export", { ...query, async: "true" });
  for (;;) {
    const job = await get<ExportJob>(`/admin/exports/${encodeURIComponent(started.export_id)}`);
    if (job.status === "completed" && job.url) return job.url;
    if (job.status === "failed") throw new ApiError(500, "ExportFailed", "The export failed.");
    onProgress(`${job.rows}`);
    await sleep(POLL_MS);
  }
}

export function ImportsPage() {
  const { t, dateTime } = useI18n();
  const [kind, setKind] = useState<"customers" | "addresses">("customers");
  const [file, setFile] = useState<File | null>(null);
  const [uploaded, setUploaded] = useState<number | null>(null);
  const [job, setJob] = useState<ImportJob | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const pager = useCursorPager();
  const history = useLoad((signal) => get<Page<ImportJob>>("/admin/imports", { limit: 20, cursor: pager.cursor }, signal), [pager.cursor]);

  // Watch the job until it finishes.
  useEffect(() => {
    if (!job || FINISHED.includes(job.status)) return;
    const timer = setTimeout(() => {
      get<ImportJob>(`/admin/imports/${encodeURIComponent(job.id)}`).then(
        (next) => {
          setJob(next);
          if (FINISHED.includes(next.status)) history.reload();
        },
        setError,
      );
    }, POLL_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [job]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!file) {
      setError(new ApiError(400, "NoFile", t("Choose a CSV file first.")));
      return;
    }
    setBusy(true);
    setError(null);
    setJob(null);
    setUploaded(0);
    try {
      const created = await post<{ import_id: string; upload_url: string; job: ImportJob }>("/admin/imports", { kind, filename: file.name });
      setJob(created.job);
      await uploadWithProgress(created.upload_url, file, setUploaded);
      setJob(await get<ImportJob>(`/admin/imports/${encodeURIComponent(created.import_id)}`));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Import / export")}</h1>
        <p>{t("Import customers or addresses from a CSV file (PrestaShop's format), or export the customer list.")}</p>
      </hgroup>
      <article>
        <h2>{t("Import a CSV file")}</h2>
        <form onSubmit={submit} aria-label={t("Import a CSV file")}>
          <div className="grid">
            <SelectField
              label={t("What to import")}
              name="kind"
              value={kind}
              options={[{ value: "customers", label: t("Customers") }, { value: "addresses", label: t("Addresses") }]}
              onChange={(v) => setKind(v === "addresses" ? "addresses" : "customers")}
            />
            <label>
              {t("CSV file")}
              <input
                ref={fileInput}
                type="file"
                name="file"
                accept=".csv,text/csv"
                onChange={(e) => { setFile(e.target.files?.[0] ?? null); setUploaded(null); }}
              />
            </label>
          </div>
          <small>{t("Headers in English, French or Spanish; UTF-8 or Windows-1252; separated by ; , or tab.")}</small>
          <ErrorBox error={error} />
          <button type="submit" aria-busy={busy || undefined} disabled={busy}>{t("Upload and import")}</button>
        </form>
        {uploaded !== null && (
          <label>
            {t("Upload")} {Math.round(uploaded * 100)} %
            <progress value={uploaded} max={1} aria-label={t("Upload progress")} />
          </label>
        )}
      </article>
      {job && <JobView job={job} />}
      <article>
        <h2>{t("Earlier imports")}</h2>
        {history.loading && !history.data && <Loading />}
        <ErrorBox error={history.error} />
        {history.data?.items.length === 0 && <Empty>{t("No import yet.")}</Empty>}
        {history.data && history.data.items.length > 0 && (
          <div className="overflow-auto">
            <table className="striped">
              <thead>
                <tr>
                  <th scope="col">{t("File")}</th>
                  <th scope="col">{t("Kind")}</th>
                  <th scope="col">{t("Status")}</th>
                  <th scope="col">{t("Rows read")}</th>
                  <th scope="col">{t("Failed")}</th>
                  <th scope="col">{t("Date")}</th>
                  <th scope="col">{t("Actions")}</th>
                </tr>
              </thead>
              <tbody>
                {history.data.items.map((j) => (
                  <tr key={j.id}>
                    <td>{j.filename}</td>
                    <td>{t(j.kind === "customers" ? "Customers" : "Addresses")}</td>
                    <td><StatusBadge value={j.status} label={t(j.status)} /></td>
                    <td>{j.rows_read}</td>
                    <td>{j.failed}</td>
                    <td>{dateTime(j.created_at)}</td>
                    <td>
                      <button type="button" className="small secondary outline" onClick={() => get<ImportJob>(`/admin/imports/${encodeURIComponent(j.id)}`).then(setJob, setError)}>
                        {t("Open")}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        <Pager page={pager.page} nextCursor={history.data?.next_cursor} onNext={pager.next} onPrev={pager.prev} />
      </article>
      <ExportBox />
    </section>
  );
}

function JobView({ job }: { job: ImportJob }) {
  const { t } = useI18n();
  const [errors, setErrors] = useState<RowError[]>(job.errors);
  const [cursor, setCursor] = useState<string | null>(job.errors_next_cursor);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setErrors(job.errors);
    setCursor(job.errors_next_cursor);
  }, [job]);
  const finished = FINISHED.includes(job.status);

  async function more() {
    if (!cursor) return;
    try {
      const page = await get<Page<RowError>>(`/admin/imports/${encodeURIComponent(job.id)}/errors`, { cursor, limit: 100 });
      setErrors((e) => [...e, ...page.items]);
      setCursor(page.next_cursor);
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <article aria-labelledby="job-h" data-testid="import-job" data-status={job.status}>
      <h2 id="job-h">{t("Import of {file}", { file: job.filename })}</h2>
      <p>
        <StatusBadge value={job.status} label={t(job.status)} />
        {!finished && <span aria-busy="true"> {t("Importing…")}</span>}
      </p>
      <label>
        {t("Progress")} {Math.round(job.progress * 100)} %
        <progress value={job.progress} max={1} aria-label={t("Import progress")} />
      </label>
      <dl className="counts">
        <dt>{t("Rows read")}</dt><dd data-testid="rows-read">{job.rows_read}</dd>
        <dt>{t("Created")}</dt><dd data-testid="rows-created">{job.created}</dd>
        <dt>{t("Updated")}</dt><dd>{job.updated}</dd>
        <dt>{t("Unchanged")}</dt><dd>{job.unchanged}</dd>
        <dt>{t("Failed")}</dt><dd data-testid="rows-failed">{job.failed}</dd>
      </dl>
      {job.failure && <p role="alert" className="state-error">{job.failure}</p>}
      {job.report_url && (
        <p>
          <a href={job.report_url} download rel="noreferrer">{t("Download the report")}</a>
        </p>
      )}
      {errors.length > 0 && (
        <>
          <h3>{t("Rows with errors")}</h3>
          <div className="overflow-auto">
            <table className="striped" data-testid="row-errors">
              <thead><tr><th scope="col">{t("Line")}</th><th scope="col">{t("Column")}</th><th scope="col">{t("Reason")}</th></tr></thead>
              <tbody>
                {errors.map((e, index) => (
                  <tr key={`${e.line}-${e.column}-${index}`}><td>{e.line}</td><td>{e.column}</td><td>{e.reason}</td></tr>
                ))}
              </tbody>
            </table>
          </div>
          {cursor && <button type="button" className="secondary" onClick={more}>{t("More errors")}</button>}
        </>
      )}
      <ErrorBox error={error} />
    </article>
  );
}

function ExportBox() {
  const { t } = useI18n();
  const [format, setFormat] = useState("clientele");
  const [state, setState] = useState<{ busy: boolean; error: unknown; url: string | null; rows: string | null }>({ busy: false, error: null, url: null, rows: null });
  async function run() {
    setState({ busy: true, error: null, url: null, rows: null });
    try {
      const url = await exportCustomers({ format }, (rows) => setState((s) => ({ ...s, rows })));
      setState({ busy: false, error: null, url, rows: null });
    } catch (error) {
      setState({ busy: false, error, url: null, rows: null });
    }
  }
  return (
    <article>
      <h2>{t("Export customers")}</h2>
      <p>{t("Every customer as CSV in the import format. To export a filtered list, use the export button on the customer list.")}</p>
      <SelectField
        name="export-format"
        label={t("Export layout")}
        hint={t("Every layout imports back here; none holds passwords.")}
        value={format}
        onChange={setFormat}
        options={[
          { value: "clientele", label: t("Clientele (import format)") },
          { value: "prestashop-import", label: t("PrestaShop import file") },
          { value: "prestashop8", label: t("PrestaShop 8 back-office export") },
          { value: "shopify", label: t("Shopify customer template") },
        ]}
      />
      <button type="button" className="secondary" onClick={run} aria-busy={state.busy || undefined} disabled={state.busy}>
        {t("Export (CSV)")}
      </button>
      {state.rows && <span> {t("{n} rows written…", { n: state.rows })}</span>}
      {state.url && <p><a href={state.url} download rel="noreferrer">{t("Download the export")}</a></p>}
      <ErrorBox error={state.error} />
    </article>
  );
}
