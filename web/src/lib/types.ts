// Shapes of the API's answers the UI reads (see GET /openapi.json).

export type CustomerStatus = "active" | "pending_approval" | "disabled";

export interface Customer {
  id: string;
  title_id: string | null;
  first_name: string;
  last_name: string;
  email: string;
  birthday: string | null;
  enabled: boolean;
  newsletter: boolean;
  optin: boolean;
  is_guest: boolean;
  status: CustomerStatus;
  language: string;
  group_ids: string[];
  default_group_id: string | null;
  registered_at: string;
  last_visit_at: string | null;
  note: string | null;
  company?: string | null;
  siret?: string | null;
  ape?: string | null;
  website?: string | null;
  outstanding_allowed?: string | null;
  max_payment_days?: number | null;
  risk_rating?: string | null;
  orders_count: number;
  total_spent: string;
  last_order_at: string | null;
  version: number;
}

export interface SearchResult {
  id: string;
  title: string | null;
  first_name: string;
  last_name: string;
  email: string;
  birthday: string | null;
  registered_at: string;
  orders_count: number;
  enabled: boolean;
}

export interface Address {
  id: string;
  customer_id: string;
  alias: string;
  company: string | null;
  first_name: string;
  last_name: string;
  vat_number: string | null;
  dni: string | null;
  address1: string;
  address2: string | null;
  postcode: string | null;
  city: string;
  state: string | null;
  country: string;
  phone: string | null;
  phone_mobile: string | null;
  other: string | null;
  deleted: boolean;
  created_at: string;
  updated_at: string;
}

export interface CartSummary {
  id: string;
  status: "open" | "abandoned" | "ordered";
  customer_id: string | null;
  lines_count: number;
  quantity: number;
  total: string;
  created_at: string;
  updated_at: string;
  abandoned_at: string | null;
  order_id: string | null;
  reminded_at: string | null;
}

export interface CartLine {
  product_id: string;
  product_name: string;
  quantity: number;
  unit_price: string;
  category_id: string | null;
  attributes: Record<string, string>;
  reduction_percent: string;
  subtotal: string;
  discount: string;
  total: string;
}

export interface Cart {
  id: string;
  status: CartSummary["status"];
  customer_id: string | null;
  email: string | null;
  language: string;
  cart_reminders: boolean;
  lines: CartLine[];
  totals: { quantity: number; subtotal: string; discount: string; total: string; currency: string; group_id: string };
  created_at: string;
  updated_at: string;
  abandoned_at: string | null;
  ordered_at: string | null;
  order_id: string | null;
  reminded_at?: string | null;
  voucher_code?: string | null;
}

export const ORDER_STATUSES = ["pending", "processing", "shipped", "delivered", "cancelled", "refunded"] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export interface OrderSummary {
  id: string;
  customer_id: string;
  status: OrderStatus;
  valid: boolean;
  currency: string;
  payment_method: string;
  total: string;
  created_at: string;
  updated_at: string;
}

export interface StatusChange {
  status: OrderStatus;
  at: string;
  employee_id: string | null;
  note: string | null;
  notified: boolean;
}

export interface Order extends OrderSummary {
  cart_id: string;
  lines: Record<string, unknown>[];
  subtotal: string;
  discount: string;
  voucher_discount: string;
  voucher_code: string | null;
  delivery_address: Record<string, unknown> | null;
  invoice_address: Record<string, unknown> | null;
  history: StatusChange[];
}

export interface CustomerView {
  profile: Customer;
  addresses: Address[];
  groups: { id: string; name: string }[];
  carts: CartSummary[];
  orders: { valid: OrderSummary[]; invalid: OrderSummary[]; valid_total: string; invalid_total: string };
  threads: Thread[];
  note: string | null;
  last_connections: { at: string; ip: string }[];
  stats: { orders_count: number; total_spent: string; last_order_at: string | null };
}

export interface Title {
  id: string;
  name: string;
  gender: "male" | "female" | "neutral";
  is_default: boolean;
}

export interface Group {
  id: string;
  name: string;
  names: Record<string, string>;
  reduction_percent: string;
  price_display: "tax_incl" | "tax_excl";
  show_prices: boolean;
  category_reductions: { category_id: string; reduction_percent: string }[];
  is_default: boolean;
  member_count: number;
}

export interface Contact {
  id: string;
  name: string;
  names: Record<string, string>;
  email: string | null;
  save_messages: boolean;
  description: string;
  descriptions: Record<string, string>;
  hidden: boolean;
  is_default: boolean;
  thread_count: number;
}

export interface OrderMessage {
  id: string;
  name: string;
  message: string;
  messages: Record<string, string>;
}

export type ImportStatus =
  | "pending"
  | "running"
  | "previewed"
  | "completed"
  | "completed_with_warnings"
  | "completed_with_errors"
  | "failed";

// The names of API.md "Additions" (POST /admin/imports) and chalicelib/domain/imports.py ImportOptions.
export type ImportEncoding = "auto" | "utf-8" | "windows-1252" | "iso-8859-1" | "utf-16";
export type ImportDateFormat = "auto" | "iso" | "dd/mm/yyyy" | "mm/dd/yyyy";
export type ImportMode = "create" | "update" | "both";
export type ImportPasswords = "keep" | "invite" | "none";

export interface ImportOptions {
  mapping: Record<string, string>;
  delimiter: string | null;
  multi_value_separator: string;
  encoding: ImportEncoding;
  date_format: ImportDateFormat;
  skip_lines: number;
  mode: ImportMode;
  passwords: ImportPasswords;
  create_missing_groups: boolean;
  group_map: Record<string, string>;
}

export interface ImportWarning {
  column: string;
  reason: string;
  count: number;
}

/** One of the file's columns with the field it was matched to ("ignore": dropped). */
export interface ImportColumn {
  column: string;
  field: string;
}

export interface ImportMapping {
  name: string;
  kind: "customers" | "addresses";
  options: Partial<ImportOptions>;
  created_at?: string;
  updated_at?: string;
}

/** A previewed row: what applying would do with it, our field names → values, its errors. */
export interface PreviewRow {
  line: number;
  action: "create" | "update" | "unchanged" | "skip" | "error" | string;
  values: Record<string, unknown>;
  errors: { column: string; reason: string }[];
}

export interface RowError {
  line: number;
  column: string;
  reason: string;
}

export interface ImportJob {
  id: string;
  kind: "customers" | "addresses";
  filename: string;
  status: ImportStatus;
  rows_read: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  progress: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  failure: string | null;
  report_url: string | null;
  errors: RowError[];
  errors_next_cursor: string | null;
  // Issue 17: how the file was read. Optional: older jobs (and older servers) have none.
  layout?: string | null;
  warnings?: ImportWarning[];
  options?: (Partial<ImportOptions> & { preview?: boolean; mapping_name?: string | null }) | null;
  columns?: ImportColumn[] | null;
  preview_rows?: PreviewRow[] | null;
  applied_at?: string | null;
  // Plaintext passwords handed to the password workers, and how many they have set so far.
  passwords_total?: number;
  passwords_hashed?: number;
}

export interface ExportJob {
  id: string;
  status: "pending" | "running" | "completed" | "failed";
  rows: number;
  created_at: string;
  finished_at: string | null;
  url: string | null;
}

export interface ShopSettings {
  registration_mode: "disabled" | "optional" | "required";
  email_verification: "off" | "required";
  trusted_proxy: "cloudfront" | "none";
  guest_checkout: boolean;
  b2b_mode: boolean;
  password_policy: {
    min_length: number;
    require_upper: boolean;
    require_lower: boolean;
    require_digit: boolean;
    require_symbol: boolean;
  };
  required_fields: { customer: string[]; address: string[] };
  abandoned_cart: {
    idle_minutes: number;
    remind: boolean;
    voucher_percent: string;
    voucher_days: number;
    delete_after_days: number;
  };
  customer_service: {
    allow_uploads: boolean;
    default_message: string;
    imap: Record<string, string | number | boolean>;
  };
  currency: string;
  shop_email: string | null;
  shop_name: string;
  storefront_url: string;
  // Write-only secrets: the API says only whether they are set.
  import?: { prestashop_cookie_key_set: boolean };
}

// -- customer service ---------------------------------------------------------------------------

export const THREAD_STATUSES = ["open", "closed", "pending1", "pending2"] as const;
export type ThreadStatus = (typeof THREAD_STATUSES)[number];
export const THREAD_STATUS_LABELS: Record<string, string> = { open: "thread:open", closed: "thread:closed", pending1: "thread:pending1", pending2: "thread:pending2" };

export interface Thread {
  id: string;
  contact_id: string;
  customer_id: string | null;
  email: string;
  order_id: string | null;
  product_id: string | null;
  status: ThreadStatus;
  subject: string;
  unread: boolean;
  assigned_employee_id: string | null;
  created_at: string;
  updated_at: string;
  last_message_at: string;
  last_message_from: "customer" | "employee" | "system";
  message_count: number;
  tag: string;
  /** False when an anonymous contact-form post opened the thread: the e-mail is only a claim. */
  sender_verified: boolean;
}

export interface Attachment {
  name: string;
  size: number;
  content_type: string;
  url: string;
}

export interface ThreadMessage {
  id: string;
  thread_id: string;
  from: "customer" | "employee" | "system";
  employee_id: string | null;
  email: string | null;
  subject: string | null;
  text: string;
  html: string | null;
  attachments: Attachment[];
  message_id: string | null;
  in_reply_to: string | null;
  received_at: string;
  read: boolean;
  auto_submitted: boolean;
  source: "form" | "mail" | "reply" | "forward";
  notes: string[];
}

export interface ThreadEvent {
  id: string;
  kind: "status" | "forward";
  at: string;
  employee_id: string | null;
  data: Record<string, unknown>;
}

export interface ReplyDefaults {
  default_message: string;
  order_messages: { id: string; name: string; message: string }[];
}

export interface ThreadView {
  thread: Thread;
  messages: ThreadMessage[];
  events: ThreadEvent[];
  customer: {
    id: string;
    first_name: string;
    last_name: string;
    email: string;
    orders_count: number;
    total_spent: string;
    registered_at: string;
    is_guest: boolean;
  } | null;
  timeline: { kind: "order" | "message"; id: string; at: string; summary: string }[];
  reply_defaults: ReplyDefaults;
}

export interface CsSummary {
  contacts: { contact_id: string; name: string; open: number; pending: number; unread: number }[];
  statistics: {
    date_from: string;
    date_to: string;
    threads: number;
    messages: number;
    pending: number;
    responses: number;
    average_first_response_seconds: number | null;
  };
  statuses: Record<string, string>;
}

export interface MailSource {
  source: string;
  last_poll_at: string | null;
  last_result: string | null;
  last_error: string | null;
  last_fetched: number;
  fetched_total: number;
  duration_ms: number;
}

export interface Mailbox {
  configured: boolean;
  protocol: string;
  host: string;
  port: number;
  user: string;
  mailbox: string;
  password_set: boolean;
  options: Record<string, boolean>;
  sources: MailSource[];
}

export interface UnprocessedMail {
  id: string;
  received_at: string;
  reason: string;
  size: number;
  source: string;
  attempts: number;
  raw_url: string;
}

export interface RetryOutcome {
  outcome: string;
  thread_id: string | null;
  reason: string | null;
}
