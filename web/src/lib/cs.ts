// Customer-service form logic, kept apart from the screens so Vitest can check it: the thread
// list's query, the reply form (default message, inserting a predefined order message), the
// forward form, and the IMAP/POP3 settings form to and from the settings document.
import type { QueryValue } from "./api";
import type { ReplyDefaults, RequestBody, ShopSettings } from "./types";

// -- thread list --------------------------------------------------------------------------------

export interface ThreadFilters {
  contact_id: string;
  status: string;
  unread: "" | "1" | "0";
  email: string;
  customer_id: string;
  mine: boolean;
}

export const EMPTY_THREAD_FILTERS: ThreadFilters = { contact_id: "", status: "", unread: "", email: "", customer_id: "", mine: false };

/** The query of GET /admin/threads: empty filters are left out, "assigned to me" is my id. */
export function threadQuery(filters: ThreadFilters, employeeId: string, page: { limit: number; cursor: string | null }): Record<string, QueryValue> {
  return {
    contact_id: filters.contact_id || undefined,
    status: filters.status || undefined,
    unread: filters.unread || undefined,
    email: filters.email.trim() || undefined,
    customer_id: filters.customer_id.trim() || undefined,
    assigned_employee_id: filters.mine ? employeeId : undefined,
    limit: page.limit,
    cursor: page.cursor,
  };
}

// -- reply --------------------------------------------------------------------------------------

/** The reply box starts with the shop's default message (Settings, customer service). */
export function initialReply(defaults: ReplyDefaults | null | undefined): string {
  return defaults?.default_message ?? "";
}

/** Insert a predefined order message where the caret is (or at the end), on its own paragraph. */
export function insertMessage(text: string, inserted: string, caret: number | null = null): { text: string; caret: number } {
  const at = caret === null || caret < 0 || caret > text.length ? text.length : caret;
  const before = text.slice(0, at).replace(/\s+$/, "");
  const after = text.slice(at).replace(/^\s+/, "");
  const head = before ? `${before}\n\n` : "";
  const tail = after ? `\n\n${after}` : "";
  return { text: head + inserted + tail, caret: head.length + inserted.length };
}

export function replyErrors(text: string): Record<string, string> {
  if (!text.trim()) return { message: "Write a message." };
  if (text.length > 10_000) return { message: "10,000 characters at most." };
  return {};
}

// -- forward ------------------------------------------------------------------------------------

export interface ForwardForm {
  to: "employee" | "email";
  employee_id: string;
  email: string;
  comment: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function forwardErrors(form: ForwardForm): Record<string, string> {
  if (form.to === "employee") return form.employee_id ? {} : { employee_id: "Choose an employee." };
  const errors: Record<string, string> = {};
  if (!EMAIL.test(form.email.trim())) errors.email = "Enter a valid e-mail address.";
  if (form.comment.length > 2000) errors.comment = "2,000 characters at most.";
  return errors;
}

export function forwardPayload(form: ForwardForm): RequestBody<"ForwardRequest"> {
  if (form.to === "employee") return { employee_id: form.employee_id };
  const payload: RequestBody<"ForwardRequest"> = { email: form.email.trim() };
  if (form.comment.trim()) payload.comment = form.comment.trim();
  return payload;
}

// -- mailbox (IMAP / POP3 settings) -------------------------------------------------------------

export const IMAP_OPTIONS = ["ssl", "tls", "notls", "validate_cert", "novalidate_cert", "norsh", "delete_messages", "create_new_threads"] as const;
export type ImapOption = (typeof IMAP_OPTIONS)[number];

export interface ImapForm {
  url: string;
  port: string;
  user: string;
  mailbox: string;
  protocol: "imap" | "pop3";
  options: Record<ImapOption, boolean>;
}

export function imapFormFrom(imap: Partial<ShopSettings["customer_service"]["imap"]> | undefined): ImapForm {
  const source = imap ?? {};
  const options = Object.fromEntries(IMAP_OPTIONS.map((name) => [name, Boolean(source[name])])) as Record<ImapOption, boolean>;
  const port = Number(source.port ?? 0);
  return {
    url: String(source.url ?? ""),
    port: port > 0 ? String(port) : "",
    user: String(source.user ?? ""),
    mailbox: String(source.mailbox ?? "INBOX"),
    protocol: source.pop3 ? "pop3" : "imap",
    options,
  };
}

/** Client-side checks before PATCH /admin/settings; the API's own errors are shown too. */
export function imapErrors(form: ImapForm): Record<string, string> {
  const errors: Record<string, string> = {};
  if (form.port.trim()) {
    const port = Number(form.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) errors.port = "A port from 1 to 65535.";
  }
  if (form.url.trim() && !form.user.trim()) errors.user = "A user is needed with a server.";
  if (form.options.tls && form.options.notls) errors.notls = "TLS and no TLS cannot both be on.";
  if (form.options.validate_cert && form.options.novalidate_cert) errors.novalidate_cert = "Validate and don't validate cannot both be on.";
  return errors;
}

/** The PATCH body: {customer_service: {imap: {...}}} with every option (all explicit). */
export function imapPayload(form: ImapForm): { customer_service: { imap: Record<string, string | number | boolean> } } {
  const imap: Record<string, string | number | boolean> = {
    url: form.url.trim(),
    port: form.port.trim() ? Number(form.port) : 0,
    user: form.user.trim(),
    mailbox: form.mailbox.trim() || "INBOX",
    pop3: form.protocol === "pop3",
  };
  for (const name of IMAP_OPTIONS) imap[name] = form.options[name];
  return { customer_service: { imap } };
}

/** The API's field paths (customer_service.imap.port) back to the form's names (port). */
export function imapFieldErrors(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, reason] of Object.entries(fields)) {
    const name = path.replace(/^customer_service\.imap\./, "");
    out[name === "pop3" ? "protocol" : name] = reason;
  }
  return out;
}

// -- formatting ---------------------------------------------------------------------------------

export function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(size < 10 * 1024 ? 1 : 0)} KB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MB`;
}

/** 3725 → "1 h 2 min"; 42 → "42 s"; null → "—". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}
