import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { ApiError, apiBlob, downloadBlob, get, post, uploadWithProgress, type Page, type QueryValue } from "../lib/api";
import { CheckboxField, Empty, ErrorBox, SelectField, StatusBadge, TextField, useCursorPager, useLoad } from "../lib/components";
import { DataList } from "../lib/DataList";
import { useI18n } from "../lib/i18n";
import {
  IGNORE,
  columnsOf,
  fieldChoices,
  formatCell,
  importRequest,
  layoutLabel,
  mappingToSend,
  optionsOf,
  pickOptions,
  previewFields,
  sameOptions,
  type ImportKind,
} from "../lib/imports";
import type { ExportJob, Group, ImportCreated, ImportJob, ImportMapping, ImportOptions, ImportWarning, RowError } from "../lib/types";

const FINISHED = ["completed", "completed_with_warnings", "completed_with_errors", "failed"];
// The job stops moving at these: a previewed job waits for the merchant's "Import".
const SETTLED = [...FINISHED, "previewed"];
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
  // The document describes only this route's CSV answer; the 202 of ?async=true (the API's
  // ExportStartedResponse) is not in it, so its one field the UI reads is typed here.
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
  const [kind, setKind] = useState<ImportKind>("customers");
  const [file, setFile] = useState<File | null>(null);
  const [mappingName, setMappingName] = useState("");
  const [uploaded, setUploaded] = useState<number | null>(null);
  const [job, setJob] = useState<ImportJob | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const pager = useCursorPager();
  const history = useLoad((signal) => get<Page<ImportJob>>("/admin/imports", { limit: 20, cursor: pager.cursor }, signal), [pager.cursor]);
  const mappings = useSavedMappings();

  // Watch the job until it settles (finished, or previewed and waiting for the merchant).
  useEffect(() => {
    if (!job || SETTLED.includes(job.status)) return;
    const timer = setTimeout(() => {
      get<ImportJob>(`/admin/imports/${encodeURIComponent(job.id)}`).then(
        (next) => {
          setJob(next);
          if (SETTLED.includes(next.status)) history.reload();
        },
        setError,
      );
    }, POLL_MS);
    return () => clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [job]);

  /** Create the job, then PUT the file to its presigned URL (the upload's S3 event runs it).
   * `options` are the mapping step's; without them the server matches columns by header. */
  async function start(preview: boolean, options: ImportOptions | null, importKind: ImportKind = kind) {
    if (!file) {
      setError(new ApiError(400, "NoFile", t("Choose a CSV file first.")));
      return;
    }
    setBusy(true);
    setError(null);
    setJob(null);
    setUploaded(0);
    try {
      const body = importRequest(importKind, file.name, options, preview, options ? undefined : mappingName || undefined);
      const created = await post<ImportCreated>("/admin/imports", body);
      setJob(created.job);
      await uploadWithProgress(created.upload_url, file, setUploaded);
      setJob(await get<ImportJob>(`/admin/imports/${encodeURIComponent(created.import_id)}`));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  // Which of the form's two buttons sent it: set by the button's click, read by the submit.
  const intent = useRef<"preview" | "import">("preview");
  function submit(event: FormEvent) {
    event.preventDefault();
    void start(intent.current === "preview", null);
  }

  return (
    <section>
      <hgroup className="page-title">
        <h1>{t("Import / export")}</h1>
        <p>{t("Import customers or addresses from a CSV file (PrestaShop, Shopify, WooCommerce or Clientele), or export the customer list.")}</p>
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
                accept=".csv,.txt,text/csv,text/plain"
                onChange={(e) => { setFile(e.target.files?.[0] ?? null); setUploaded(null); }}
              />
            </label>
            {mappings.items.length > 0 && (
              <SelectField
                label={t("Use saved mapping")}
                name="mapping_name"
                value={mappingName}
                emptyLabel={t("None: match columns by their header")}
                options={mappings.items.map((m) => ({ value: m.name, label: m.name }))}
                onChange={setMappingName}
              />
            )}
          </div>
          <small>{t("Headers in English, French or Spanish; UTF-8, Windows-1252 or UTF-16; separated by ; , or tab. Check the columns first to see how each one is read before anything is written.")}</small>
          <ErrorBox error={error} />
          <div className="button-row">
            <button type="submit" onClick={() => (intent.current = "preview")} aria-busy={busy || undefined} disabled={busy}>{t("Upload and check the columns")}</button>
            <button type="submit" onClick={() => (intent.current = "import")} className="secondary" disabled={busy}>{t("Upload and import")}</button>
          </div>
        </form>
        {uploaded !== null && (
          <label>
            {t("Upload")} {Math.round(uploaded * 100)} %
            <progress value={uploaded} max={1} aria-label={t("Upload progress")} />
          </label>
        )}
      </article>
      {job && inMappingStep(job) ? (
        <MappingStep
          job={job}
          mappings={mappings}
          busy={busy}
          canPreview={file !== null}
          onPreview={(options) => void start(true, options, job.kind)}
          onApplied={(applied) => { setJob(applied); history.reload(); }}
          onCancel={() => { setJob(null); setUploaded(null); }}
        />
      ) : (
        job && <JobView job={job} />
      )}
      <article>
        <h2>{t("Earlier imports")}</h2>
        <DataList
          list={history}
          columns={[t("File"), t("Kind"), t("Status"), t("Rows read"), t("Failed"), t("Date"), t("Actions")]}
          row={(j) => (
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
          )}
          empty={t("No import yet.")}
          pager={pager}
        />
      </article>
      <ExportBox />
    </section>
  );
}

/** A previewed job, or a preview that failed (an encoding, a date order it could not decide): the
 * merchant changes the options in the mapping step and previews again — nothing was written. */
export function inMappingStep(job: ImportJob): boolean {
  return job.status === "previewed" || (job.status === "failed" && Boolean(job.options?.preview) && !job.applied_at);
}

type SavedMappings = { items: ImportMapping[]; reload: () => void };

/** The saved mappings (name → options); none when the list can't be read, so the upload still works. */
function useSavedMappings(): SavedMappings {
  const list = useLoad((signal) => get<Page<ImportMapping>>("/admin/import-mappings", { limit: 100 }, signal), []);
  return { items: list.data?.items ?? [], reload: list.reload };
}

const DELIMITERS = [
  { value: "", label: "Detect" },
  { value: ";", label: "Semicolon (;)" },
  { value: ",", label: "Comma (,)" },
  { value: "\t", label: "Tab" },
  { value: "|", label: "Vertical bar (|)" },
];

/** PrestaShop's "match columns" step: the previewed job's columns, each with the field it goes to,
 * the options the file is read with, the first rows as they would be stored and the warnings by
 * column. A change is previewed again (the file is uploaded again) before "Import" is offered, so
 * what is applied is always what the merchant saw. */
export function MappingStep(props: {
  job: ImportJob;
  mappings: SavedMappings;
  busy: boolean;
  canPreview: boolean;
  onPreview: (options: ImportOptions) => void;
  onApplied: (job: ImportJob) => void;
  onCancel: () => void;
}) {
  const { job } = props;
  const { t } = useI18n();
  const previewed = optionsOf(job);
  const [options, setOptions] = useState<ImportOptions>(previewed);
  const [groupLines, setGroupLines] = useState<[string, string][]>(() => Object.entries(previewed.group_map));
  const [saveName, setSaveName] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [applying, setApplying] = useState(false);
  const groups = useLoad((signal) => get<Page<Group>>("/admin/groups", { limit: 200 }, signal), []);
  const headingId = useId();
  useEffect(() => {
    const next = optionsOf(job);
    setOptions(next);
    setGroupLines(Object.entries(next.group_map));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [job.id]);

  const current: ImportOptions = { ...options, group_map: Object.fromEntries(groupLines.filter(([s, g]) => s.trim() && g)) };
  // A failed preview has nothing to apply: only a new preview (with other options) can follow.
  const failed = job.status === "failed";
  const changed = failed || !sameOptions(current, previewed);
  const columns = columnsOf(job);
  const choices = fieldChoices(job.kind, columns).map((c) => ({ value: c.value, label: t(c.label) }));
  const rows = job.preview_rows ?? [];
  const fields = previewFields(rows);
  const warnings = job.warnings ?? [];
  const layout = layoutLabel(job.layout);
  const set = <K extends keyof ImportOptions>(key: K, value: ImportOptions[K]) => setOptions((o) => ({ ...o, [key]: value }));

  async function apply() {
    setApplying(true);
    setError(null);
    try {
      props.onApplied(await post<ImportJob>(`/admin/imports/${encodeURIComponent(job.id)}/apply`));
    } catch (caught) {
      setError(caught);
    } finally {
      setApplying(false);
    }
  }

  async function saveMapping(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSaved(null);
    const name = saveName.trim();
    if (!name) return;
    try {
      // Saved for other files of the same shop: every column of this one, as the merchant left it.
      await post<ImportMapping>("/admin/import-mappings", { name, kind: job.kind, ...current });
      setSaved(name);
      props.mappings.reload();
    } catch (caught) {
      setError(caught);
    }
  }

  function loadMapping(name: string) {
    const found = props.mappings.items.find((m) => m.name === name);
    if (!found) return;
    const saved = pickOptions(found.options);
    // The saved mapping's columns over the file's: a column it doesn't name keeps its field.
    const next = { ...saved, mapping: { ...current.mapping, ...saved.mapping } };
    setOptions(next);
    setGroupLines(Object.entries(next.group_map));
  }

  const warningsOf = (column: string) => warnings.filter((w) => w.column === column);

  return (
    <article aria-labelledby={headingId} data-testid="import-mapping" data-status={job.status}>
      <h2 id={headingId}>{t("Match the columns of {file}", { file: job.filename })}</h2>
      <p data-testid="import-layout">
        {layout ? t("Recognised layout: {layout}", { layout: t(layout) }) : t("Layout not recognised: each column is matched by its header.")}
      </p>
      <p>{t("Nothing has been written yet. Check each column and the first rows below, then import.")}</p>
      {failed && job.failure && (
        <div role="alert" className="import-attention state-error">
          <h3>{t("The file could not be previewed: change the options below and preview it again.")}</h3>
          <p>{job.failure}</p>
        </div>
      )}

      {columns.length > 0 && (
        <>
          <h3>{t("Columns")}</h3>
          <div className="overflow-auto">
            <table className="striped" data-testid="import-columns">
              <thead>
                <tr><th scope="col">{t("Column in the file")}</th><th scope="col">{t("Goes to")}</th><th scope="col">{t("Warnings")}</th></tr>
              </thead>
              <tbody>
                {columns.map(({ column }) => (
                  <tr key={column}>
                    <th scope="row">{column}</th>
                    <td>
                      <select
                        aria-label={t("Field for column {column}", { column })}
                        value={options.mapping[column] ?? IGNORE}
                        onChange={(e) => set("mapping", { ...options.mapping, [column]: e.target.value })}
                      >
                        {choices.map((c) => <option key={c.value} value={c.value}>{c.label}</option>)}
                        <option value={IGNORE}>{t("Ignore this column")}</option>
                      </select>
                    </td>
                    <td>{warningsOf(column).map((w, i) => <WarningLine key={i} warning={w} />)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>

        </>
      )}

      <details open={changed || undefined}>
        <summary>{t("How the file is read")}</summary>
        <div className="grid">
          <SelectField label={t("Delimiter")} name="delimiter" value={options.delimiter ?? ""} options={DELIMITERS.map((d) => ({ value: d.value, label: t(d.label) }))} onChange={(v) => set("delimiter", (v || null) as ImportOptions["delimiter"])} />
          <SelectField
            label={t("Several values in one cell (groups) separated by")}
            name="multi_value_separator"
            value={options.multi_value_separator}
            options={[{ value: ",", label: t("Comma (,)") }, { value: "|", label: t("Vertical bar (|)") }]}
            onChange={(v) => set("multi_value_separator", v as ImportOptions["multi_value_separator"])}
          />
          <SelectField
            label={t("Encoding")}
            name="encoding"
            value={options.encoding}
            options={[
              { value: "auto", label: t("Detect") },
              { value: "utf-8", label: "UTF-8" },
              { value: "windows-1252", label: "Windows-1252" },
              { value: "iso-8859-1", label: "ISO-8859-1" },
              { value: "utf-16", label: "UTF-16" },
            ]}
            onChange={(v) => set("encoding", v as ImportOptions["encoding"])}
          />
        </div>
        <div className="grid">
          <SelectField
            label={t("Date format")}
            name="date_format"
            value={options.date_format}
            options={[
              { value: "auto", label: t("Detect") },
              { value: "iso", label: t("ISO (yyyy-mm-dd)") },
              { value: "dd/mm/yyyy", label: t("dd/mm/yyyy (day first)") },
              { value: "mm/dd/yyyy", label: t("mm/dd/yyyy (month first)") },
            ]}
            onChange={(v) => set("date_format", v as ImportOptions["date_format"])}
          />
          <TextField label={t("Lines to skip before the header")} name="skip_lines" type="number" min={0} step="1" inputMode="numeric" value={String(options.skip_lines)} onChange={(v) => set("skip_lines", Math.max(0, Math.floor(Number(v) || 0)))} />
          <SelectField
            label={t("Existing and new records")}
            name="mode"
            value={options.mode}
            options={[
              { value: "both", label: t("Create new ones and update existing ones") },
              { value: "create", label: t("Only create new ones") },
              { value: "update", label: t("Only update existing ones") },
            ]}
            onChange={(v) => set("mode", v as ImportOptions["mode"])}
          />
        </div>
        {job.kind === "customers" && (
          <>
            <SelectField
              label={t("Passwords")}
              name="passwords"
              value={options.passwords}
              options={[
                { value: "keep", label: t("Keep the file's passwords (plain or PrestaShop hashes)") },
                { value: "invite", label: t("Mail each customer an invitation to set a password") },
                { value: "none", label: t("No passwords, no mail") },
              ]}
              onChange={(v) => set("passwords", v as ImportOptions["passwords"])}
            />
            <CheckboxField label={t("Create the groups the shop doesn't have yet")} name="create_missing_groups" checked={options.create_missing_groups} onChange={(v) => set("create_missing_groups", v)} />
            <fieldset>
              <legend>{t("Groups of the source shop")}</legend>
              <small>{t("Map each group ID of the file (e.g. \"Default group ID\") to one of the shop's groups.")}</small>
              {groupLines.map(([source, group], index) => (
                <div className="grid" key={index}>
                  <TextField label={t("Source group ID")} name={`group_source_${index}`} value={source} onChange={(v) => setGroupLines((lines) => lines.map((l, i) => (i === index ? [v, l[1]] : l)))} />
                  <SelectField
                    label={t("Group")}
                    name={`group_target_${index}`}
                    value={group}
                    emptyLabel={t("Choose a group")}
                    options={(groups.data?.items ?? []).map((g) => ({ value: g.id, label: g.name }))}
                    onChange={(v) => setGroupLines((lines) => lines.map((l, i) => (i === index ? [l[0], v] : l)))}
                  />
                  <button type="button" className="secondary outline" onClick={() => setGroupLines((lines) => lines.filter((_, i) => i !== index))}>{t("Remove")}</button>
                </div>
              ))}
              <button type="button" className="secondary outline" onClick={() => setGroupLines((lines) => [...lines, ["", ""]])}>{t("Add a group")}</button>
            </fieldset>
          </>
        )}
      </details>

      {warnings.length > 0 && <WarningsBox warnings={warnings} title={t("What the import would not take as written")} />}

      {!failed && (
        <>
          <h3>{t("The first {n} rows as they would be stored", { n: rows.length })}</h3>
          <p data-testid="import-would">
            {t("Of the {n} rows read: {created} would be created, {updated} updated, {unchanged} unchanged, {failed} would fail.", {
              n: job.rows_read,
              created: job.created,
              updated: job.updated,
              unchanged: job.unchanged,
              failed: job.failed,
            })}
          </p>
          {rows.length === 0 ? (
            <Empty>{t("No row could be read.")}</Empty>
          ) : (
            <div className="overflow-auto">
              <table className="striped" data-testid="import-preview">
                <thead>
                  <tr>
                    <th scope="col">{t("Line")}</th>
                    <th scope="col">{t("Would be")}</th>
                    {fields.map((f) => <th scope="col" key={f}>{f}</th>)}
                    <th scope="col">{t("Errors")}</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr key={row.line} data-action={row.action}>
                      <td>{row.line}</td>
                      <td><StatusBadge value={`row-${row.action}`} label={actionLabel(row.action, t)} /></td>
                      {fields.map((f) => <td key={f}>{formatCell(row.values[f], t("Yes"), t("No"))}</td>)}
                      <td>{row.errors.map((e, i) => <div key={i}><code>{e.column}</code> {e.reason}</div>)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}

      <div className="grid">
        {props.mappings.items.length > 0 && (
          <SelectField label={t("Use saved mapping")} name="use_mapping" value="" emptyLabel={t("Choose a saved mapping")} options={props.mappings.items.map((m) => ({ value: m.name, label: m.name }))} onChange={loadMapping} />
        )}
        <form onSubmit={saveMapping}>
          <TextField label={t("Save mapping as…")} name="mapping_save_name" value={saveName} onChange={setSaveName} hint={t("Letters, digits, spaces, . _ and -; up to 64 characters.")} />
          <button type="submit" className="secondary" disabled={!saveName.trim()}>{t("Save mapping")}</button>
          {saved && <p role="status">{t("Mapping \"{name}\" saved.", { name: saved })}</p>}
        </form>
      </div>

      <ErrorBox error={error} />
      <div className="button-row">
        {changed ? (
          <>
            <button type="button" aria-busy={props.busy || undefined} disabled={props.busy || !props.canPreview} onClick={() => props.onPreview({ ...current, mapping: mappingToSend(current.mapping, job) })}>
              {t("Update the preview")}
            </button>
            {!props.canPreview && <small>{t("Choose the file again above to update the preview.")}</small>}
          </>
        ) : (
          <button type="button" aria-busy={applying || undefined} disabled={applying} onClick={apply}>{t("Import")}</button>
        )}
        <button type="button" className="secondary outline" onClick={props.onCancel}>{t("Cancel")}</button>
      </div>
    </article>
  );
}

function actionLabel(action: string, t: (key: string) => string): string {
  switch (action) {
    case "create": return t("created");
    case "update": return t("updated");
    case "unchanged": return t("unchanged");
    case "skip": return t("skipped");
    case "error": return t("refused");
    default: return action;
  }
}

function WarningLine({ warning }: { warning: ImportWarning }) {
  const { t } = useI18n();
  return <div>{warning.reason} <small>({t("{n} rows", { n: warning.count })})</small></div>;
}

/** Warnings by column with their row count, in one table the merchant can't miss. */
export function WarningsBox({ warnings, title }: { warnings: ImportWarning[]; title: string }) {
  const { t } = useI18n();
  const headingId = useId();
  return (
    <section className="import-warnings" aria-labelledby={headingId} data-testid="import-warnings">
      <h3 id={headingId}>{title}</h3>
      <div className="overflow-auto">
        <table className="striped">
          <thead><tr><th scope="col">{t("Column")}</th><th scope="col">{t("Reason")}</th><th scope="col">{t("Rows")}</th></tr></thead>
          <tbody>
            {warnings.map((w, index) => (
              <tr key={`${w.column}-${index}`}><td>{w.column || "—"}</td><td>{w.reason}</td><td>{w.count}</td></tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

export function JobView({ job }: { job: ImportJob }) {
  const { t } = useI18n();
  const [errors, setErrors] = useState<RowError[]>(job.errors);
  const [cursor, setCursor] = useState<string | null>(job.errors_next_cursor);
  const [error, setError] = useState<unknown>(null);
  const summary = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    setErrors(job.errors);
    setCursor(job.errors_next_cursor);
  }, [job]);
  const finished = FINISHED.includes(job.status);
  const warnings = job.warnings ?? [];
  const attention = job.status === "completed_with_warnings" || job.status === "completed_with_errors";
  // When the job ends with something to check, move the focus there: the merchant (and a screen
  // reader) lands on the warnings instead of taking the job for a plain success.
  useEffect(() => {
    if (attention) summary.current?.focus();
  }, [attention, job.id]);

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

  const layout = layoutLabel(job.layout);
  return (
    <article aria-labelledby="job-h" data-testid="import-job" data-status={job.status}>
      <h2 id="job-h">{t("Import of {file}", { file: job.filename })}</h2>
      <p>
        <StatusBadge value={job.status} label={t(job.status)} />
        {!finished && <span aria-busy="true"> {t("Importing…")}</span>}
        {layout && <span> · {t("Recognised layout: {layout}", { layout: t(layout) })}</span>}
      </p>
      {attention && (
        <div role="alert" className={job.status === "completed_with_errors" ? "import-attention state-error" : "import-attention"}>
          <h3 ref={summary} tabIndex={-1} data-testid="import-attention">
            {job.status === "completed_with_errors"
              ? t("Some rows were not imported: check the errors and warnings below before moving on.")
              : t("Every row was imported, but not everything as written: check the warnings below before moving on.")}
          </h3>
        </div>
      )}
      <label>
        {t("Progress")} {Math.round(job.progress * 100)} %
        <progress value={job.progress} max={1} aria-label={t("Import progress")} />
      </label>
      <dl className="counts">
        <dt>{t("Rows read")}</dt><dd data-testid="rows-read">{job.rows_read}</dd>
        <dt>{t("Created")}</dt><dd data-testid="rows-created">{job.created}</dd>
        <dt>{t("Updated")}</dt><dd data-testid="rows-updated">{job.updated}</dd>
        <dt>{t("Unchanged")}</dt><dd>{job.unchanged}</dd>
        <dt>{t("Warnings")}</dt><dd data-testid="rows-warnings">{warnings.reduce((n, w) => n + w.count, 0)}</dd>
        <dt>{t("Failed")}</dt><dd data-testid="rows-failed">{job.failed}</dd>
        {(job.passwords_total ?? 0) > 0 && (
          <>
            <dt>{t("Passwords set")}</dt>
            <dd data-testid="passwords-hashed">{job.passwords_hashed ?? 0} / {job.passwords_total}</dd>
          </>
        )}
      </dl>
      {!finished && (job.passwords_total ?? 0) > (job.passwords_hashed ?? 0) && (
        <p data-testid="passwords-pending">
          {t("Passwords are being set in the background; a customer can sign in once theirs is set.")}
        </p>
      )}
      {job.failure && <p role="alert" className="state-error">{job.failure}</p>}
      {warnings.length > 0 && <WarningsBox warnings={warnings} title={t("Warnings")} />}
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
