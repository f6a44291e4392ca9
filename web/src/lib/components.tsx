// Small building blocks on top of Pico CSS's semantic styles: labelled fields with the API's
// error next to them, loading / empty / error states, a cursor pager, a confirm dialog.
import { type ReactNode, useCallback, useEffect, useId, useRef, useState } from "react";
import { ApiError } from "./api";
import { useI18n } from "./i18n";

export function Loading() {
  const { t } = useI18n();
  return (
    <p aria-busy="true" className="state-loading">
      {t("Loading…")}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state-empty">{children}</p>;
}

/** An error from the API (or the network) with the fields no input on the page shows. */
export function ErrorBox({ error, shownFields = [] }: { error: unknown; shownFields?: string[] }) {
  const { t } = useI18n();
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  const message = apiError ? apiError.message : error instanceof Error ? error.message : String(error);
  const other = apiError ? Object.entries(apiError.fields).filter(([name]) => !shownFields.includes(name)) : [];
  return (
    <div role="alert" className="state-error">
      <strong>{apiError?.status === 403 ? t("Not allowed.") : t("Error")}</strong> {message}
      {other.length > 0 && (
        <ul>
          {other.map(([name, reason]) => (
            <li key={name}>
              <code>{name}</code>: {reason}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function fieldErrors(error: unknown): Record<string, string> {
  return error instanceof ApiError ? error.fields : {};
}

interface FieldProps {
  label: string;
  name: string;
  error?: string;
  hint?: string;
  required?: boolean;
}

function useFieldIds(name: string) {
  const id = useId();
  return { inputId: `${id}-${name}`, helpId: `${id}-${name}-help` };
}

function Help({ id, error, hint }: { id: string; error?: string; hint?: string }) {
  if (!error && !hint) return null;
  return (
    <small id={id} className={error ? "field-error" : undefined}>
      {error ?? hint}
    </small>
  );
}

export function TextField(
  props: FieldProps & {
    value: string;
    onChange: (value: string) => void;
    type?: string;
    readOnly?: boolean;
    autoComplete?: string;
    placeholder?: string;
    min?: string | number;
    max?: string | number;
    step?: string;
    inputMode?: "decimal" | "numeric" | "email" | "text";
  },
) {
  const { inputId, helpId } = useFieldIds(props.name);
  return (
    <label htmlFor={inputId}>
      {props.label}
      {props.required && <span aria-hidden="true"> *</span>}
      <input
        id={inputId}
        name={props.name}
        type={props.type ?? "text"}
        value={props.value}
        required={props.required}
        readOnly={props.readOnly}
        autoComplete={props.autoComplete}
        placeholder={props.placeholder}
        min={props.min}
        max={props.max}
        step={props.step}
        inputMode={props.inputMode}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error || props.hint ? helpId : undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <Help id={helpId} error={props.error} hint={props.hint} />
    </label>
  );
}

export function TextArea(
  props: FieldProps & { value: string; onChange: (value: string) => void; rows?: number; maxLength?: number },
) {
  const { inputId, helpId } = useFieldIds(props.name);
  return (
    <label htmlFor={inputId}>
      {props.label}
      {props.required && <span aria-hidden="true"> *</span>}
      <textarea
        id={inputId}
        name={props.name}
        rows={props.rows ?? 3}
        value={props.value}
        maxLength={props.maxLength}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error || props.hint ? helpId : undefined}
        onChange={(event) => props.onChange(event.target.value)}
      />
      <Help id={helpId} error={props.error} hint={props.hint} />
    </label>
  );
}

export function SelectField(
  props: FieldProps & {
    value: string;
    onChange: (value: string) => void;
    options: { value: string; label: string }[];
    emptyLabel?: string;
  },
) {
  const { inputId, helpId } = useFieldIds(props.name);
  return (
    <label htmlFor={inputId}>
      {props.label}
      {props.required && <span aria-hidden="true"> *</span>}
      <select
        id={inputId}
        name={props.name}
        value={props.value}
        required={props.required}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error || props.hint ? helpId : undefined}
        onChange={(event) => props.onChange(event.target.value)}
      >
        {props.emptyLabel !== undefined && <option value="">{props.emptyLabel}</option>}
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <Help id={helpId} error={props.error} hint={props.hint} />
    </label>
  );
}

export function CheckboxField(
  props: FieldProps & { checked: boolean; onChange: (checked: boolean) => void; role?: "switch" },
) {
  const { inputId, helpId } = useFieldIds(props.name);
  return (
    <label htmlFor={inputId} className="checkbox">
      <input
        id={inputId}
        name={props.name}
        type="checkbox"
        role={props.role}
        checked={props.checked}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={props.error || props.hint ? helpId : undefined}
        onChange={(event) => props.onChange(event.target.checked)}
      />
      {props.label}
      {props.required && <span aria-hidden="true"> *</span>}
      <Help id={helpId} error={props.error} hint={props.hint} />
    </label>
  );
}

/** Loads data for a screen; reload() after a write. Stale answers of an older call are dropped. */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, deps: unknown[]) {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    const controller = new AbortController();
    setState((previous) => ({ data: previous.data, loading: true }));
    load(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setState({ data, loading: false });
      },
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ error, loading: false });
      },
    );
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { ...state, reload, setData: (data: T) => setState({ data, loading: false }) };
}

/** A list screen's loaded page, as useLoad gives it. */
export interface Loaded<T> {
  data?: T;
  error?: unknown;
  loading: boolean;
}

/** Cursor paging: the API gives next_cursor; the pager keeps the cursors of earlier pages.
 * Call reset() whenever the filters or the sort change. */
export type CursorPager = ReturnType<typeof useCursorPager>;

export function useCursorPager() {
  const [stack, setStack] = useState<(string | null)[]>([null]);
  return {
    cursor: stack[stack.length - 1] ?? null,
    page: stack.length,
    next: (nextCursor: string) => setStack((s) => [...s, nextCursor]),
    prev: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
    reset: () => setStack([null]),
  };
}

export function Pager(props: { page: number; nextCursor: string | null | undefined; onNext: (c: string) => void; onPrev: () => void }) {
  const { t } = useI18n();
  return (
    <nav aria-label={t("Pages")} className="pager">
      <button type="button" className="secondary outline" disabled={props.page <= 1} onClick={props.onPrev}>
        ← {t("Previous")}
      </button>
      <span aria-live="polite">{t("Page {n}", { n: props.page })}</span>
      <button
        type="button"
        className="secondary outline"
        disabled={!props.nextCursor}
        onClick={() => props.nextCursor && props.onNext(props.nextCursor)}
      >
        {t("Next")} →
      </button>
    </nav>
  );
}

/** A modal <dialog> (native focus trap and Escape) asking to confirm. */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  busy?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) {
      if (typeof dialog.showModal === "function") dialog.showModal();
      else dialog.setAttribute("open", "");
    }
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onCancel={props.onCancel}>
      <article>
        <h2 id={titleId}>{props.title}</h2>
        {props.children}
        <footer>
          <button type="button" className="secondary" onClick={props.onCancel}>
            {t("Cancel")}
          </button>
          <button type="button" aria-busy={props.busy || undefined} disabled={props.busy} onClick={props.onConfirm}>
            {props.confirmLabel}
          </button>
        </footer>
      </article>
    </dialog>
  );
}

export function StatusBadge({ value, label }: { value: string; label?: string }) {
  return <mark className={`badge badge-${value}`}>{label ?? value}</mark>;
}

export function YesNo({ value }: { value: boolean | null | undefined }) {
  const { t } = useI18n();
  return <span className={value ? "yes" : "no"}>{value ? t("Yes") : t("No")}</span>;
}
