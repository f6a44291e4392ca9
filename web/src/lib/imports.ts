// The import's "match columns" step without React: the fields a column can go to, the layouts'
// names, the options as the API takes them (API.md "Additions", POST /admin/imports) and how a
// previewed value is shown. Kept here so the screen stays a screen and these rules are unit-tested.
import type { ImportColumn, ImportJob, ImportOptions, ImportOptionsAnswer, PreviewRow } from "./types";

export const IGNORE = "ignore";

export type ImportKind = "customers" | "addresses";

// Labels are English keys translated at render time (i18n/translations.test.ts finds these `label` literals).
export const CUSTOMER_FIELDS: { value: string; label: string }[] = [
  { value: "id", label: "Source ID (kept as external reference)" },
  { value: "title", label: "Social title" },
  { value: "first_name", label: "First name" },
  { value: "last_name", label: "Last name" },
  { value: "name", label: "Full name (split into first and last name)" },
  { value: "email", label: "E-mail" },
  { value: "password", label: "Password" },
  { value: "enabled", label: "Enabled" },
  { value: "newsletter", label: "Newsletter" },
  { value: "optin", label: "Opt-in" },
  { value: "birthday", label: "Birthday" },
  { value: "registration", label: "Registration date" },
  { value: "last_visit", label: "Last visit" },
  { value: "company", label: "Company" },
  { value: "groups", label: "Groups" },
  { value: "default_group", label: "Default group" },
  { value: "language", label: "Language" },
  { value: "age", label: "Age" },
  // The row's own address (Shopify's Default Address, WooCommerce's billing columns): stored as the
  // customer's "Default address" (chalicelib/services/import_addresses.py).
  { value: "address.company", label: "Address: company" },
  { value: "address.address1", label: "Address: street" },
  { value: "address.address2", label: "Address: street (2)" },
  { value: "address.postcode", label: "Address: postcode" },
  { value: "address.city", label: "Address: city" },
  { value: "address.state", label: "Address: state" },
  { value: "address.country", label: "Address: country" },
  { value: "address.phone", label: "Address: phone" },
  { value: "phone", label: "Phone (kept on the address)" },
];

export const ADDRESS_FIELDS: { value: string; label: string }[] = [
  { value: "email", label: "E-mail" },
  { value: "alias", label: "Alias" },
  { value: "company", label: "Company" },
  { value: "first_name", label: "First name" },
  { value: "last_name", label: "Last name" },
  { value: "vat_number", label: "VAT number" },
  { value: "dni", label: "Identification number (DNI)" },
  { value: "address1", label: "Address" },
  { value: "address2", label: "Address (2)" },
  { value: "postcode", label: "Postcode" },
  { value: "city", label: "City" },
  { value: "state", label: "State" },
  { value: "country", label: "Country" },
  { value: "phone", label: "Phone" },
  { value: "phone_mobile", label: "Mobile phone" },
  { value: "other", label: "Other" },
  { value: "enabled", label: "Enabled" },
  { value: "manufacturer", label: "Brand (such rows are skipped)" },
  { value: "supplier", label: "Supplier (such rows are skipped)" },
];

/** The choices of a column's select: our fields, any field the server matched that this list
 * does not know yet (shown by its name rather than silently changed), and "ignore". */
export function fieldChoices(kind: ImportKind, columns: ImportColumn[]): { value: string; label: string }[] {
  const known = kind === "addresses" ? ADDRESS_FIELDS : CUSTOMER_FIELDS;
  const names = new Set(known.map((f) => f.value));
  const extra = columns
    .map((c) => c.field)
    .filter((field) => field !== IGNORE && !names.has(field))
    .filter((field, index, all) => all.indexOf(field) === index)
    .map((field) => ({ value: field, label: field }));
  return [...known, ...extra];
}

// Layout ids as the server detects them (ImportJob.layout), and how the merchant knows them.
export const LAYOUTS: Record<string, string> = {
  "prestashop-1.6-import": "PrestaShop 1.6 import",
  "prestashop-8-import": "PrestaShop 8 import",
  "prestashop-1.6-export": "PrestaShop 1.6 export",
  "prestashop-8-export": "PrestaShop 8 export",
  shopify: "Shopify",
  woocommerce: "WooCommerce",
  clientele: "Clientele export",
};

/** A layout id the list doesn't know is shown as the server wrote it, never hidden. */
export function layoutLabel(layout: string | null | undefined): string | null {
  if (!layout) return null;
  return LAYOUTS[layout] ?? layout;
}

export function defaultOptions(): ImportOptions {
  return {
    mapping: {},
    delimiter: null,
    multi_value_separator: ",",
    encoding: "auto",
    date_format: "auto",
    skip_lines: 0,
    mode: "both",
    passwords: "keep",
    create_missing_groups: false,
    group_map: {},
  };
}

/** The file's columns with their detected field: the job's `columns`, else its options' mapping. */
export function columnsOf(job: ImportJob): ImportColumn[] {
  if (job.columns && job.columns.length > 0) return job.columns;
  return Object.entries(job.options?.mapping ?? {}).map(([column, field]) => ({ column, field }));
}

/** Only ImportOptions' own keys, defaults for the missing ones: a job's or a saved mapping's
 * `preview` and `mapping_name` are chosen per request, never carried over. The API echoes options it
 * validated, so its plain strings are values of the request's lists (the document types them loosely). */
export function pickOptions(given: Partial<ImportOptionsAnswer> | null | undefined): ImportOptions {
  const defaults = defaultOptions();
  const options = Object.fromEntries(
    (Object.keys(defaults) as (keyof ImportOptions)[]).map((key) => [key, given?.[key] ?? defaults[key]]),
  ) as unknown as ImportOptions;
  return { ...options, mapping: { ...options.mapping }, group_map: { ...options.group_map } };
}

/** The options the job was previewed with, every column's field written out in `mapping`. */
export function optionsOf(job: ImportJob): ImportOptions {
  const options = pickOptions(job.options);
  const mapping: Record<string, string> = {};
  for (const { column, field } of columnsOf(job)) mapping[column] = field;
  return { ...options, mapping: { ...mapping, ...options.mapping } };
}

/** The mapping to send: only what the merchant decided — a column changed from what the server
 * detected, or one the job's own mapping already named. The rest is left to the header matcher,
 * so a field the matcher knows and this screen doesn't is never sent back. */
export function mappingToSend(mapping: Record<string, string>, job: ImportJob): Record<string, string> {
  const detected = new Map(columnsOf(job).map((c) => [c.column, c.field]));
  const named = job.options?.mapping ?? {};
  return Object.fromEntries(Object.entries(mapping).filter(([column, field]) => column in named || detected.get(column) !== field));
}

function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

export function sameOptions(a: ImportOptions, b: ImportOptions): boolean {
  const flat = (o: ImportOptions) =>
    JSON.stringify({ ...o, mapping: sortedEntries(o.mapping), group_map: sortedEntries(o.group_map) });
  return flat(a) === flat(b);
}

/** The body of POST /admin/imports. Only what the merchant chose: a plain import stays the plain
 * {kind, filename} it always was. Empty group-map lines are the form's, not the merchant's. */
export function importRequest(
  kind: ImportKind,
  filename: string,
  options: ImportOptions | null,
  preview: boolean,
  mappingName?: string,
): Record<string, unknown> {
  const body: Record<string, unknown> = { kind, filename };
  if (preview) body.preview = true;
  if (mappingName) body.mapping_name = mappingName;
  if (!options) return body;
  const groupMap = Object.fromEntries(Object.entries(options.group_map).filter(([source, group]) => source.trim() && group));
  return {
    ...body,
    ...options,
    group_map: groupMap,
    delimiter: options.delimiter || null,
    skip_lines: Math.max(0, Math.floor(Number(options.skip_lines) || 0)),
  };
}

/** A previewed value as text: lists joined, booleans as yes/no, nothing as a dash. */
export function formatCell(value: unknown, yes: string, no: string): string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "boolean") return value ? yes : no;
  if (Array.isArray(value)) return value.length ? value.map((v) => formatCell(v, yes, no)).join(", ") : "—";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** The preview table's columns: every field any of the rows has, in first-seen order. */
export function previewFields(rows: PreviewRow[]): string[] {
  const fields: string[] = [];
  for (const row of rows) for (const key of Object.keys(row.values)) if (!fields.includes(key)) fields.push(key);
  return fields;
}
