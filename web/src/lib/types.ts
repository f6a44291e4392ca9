// Shapes of the API's answers the UI reads, named for the UI. They all come from api-types.ts, which
// openapi-typescript generates from the API's OpenAPI document (tests/snapshots/openapi.json, the
// golden copy of GET /openapi.json): `make web-types` regenerates it and `make test` fails when the
// committed file is not what the document gives now. Never edit api-types.ts by hand.
import type { components } from "./api-types";

type Schemas = components["schemas"];

/**
 * An answer as it arrives. The API serializes every field of a response model, defaults included
 * (chalicelib/handlers/http.py `_to_response`: model_dump without exclusions), but the document marks a
 * field that has a default as optional (its schemas are pydantic's validation-mode schemas). The types
 * are generated with `--default-non-nullable false` so request bodies keep such fields optional, and an
 * answer's fields are made required here, all the way down.
 */
export type Answer<T> = T extends readonly (infer U)[]
  ? Answer<U>[]
  : T extends object
    ? { [K in keyof T]-?: Answer<T[K]> }
    : T;

type Response<Name extends keyof Schemas> = Answer<Schemas[Name]>;

/**
 * An answer whose document leaves some fields loose (a response model holding a dict or an untyped
 * value): those fields typed as the API fills them. Each use says which model and why; tighten the
 * Python model instead when it is touched, and the refinement goes.
 */
type Refined<T, Fields> = Omit<T, keyof Fields> & Fields;

/** A request body, as the document defines it (fields with a server-side default are optional). */
export type RequestBody<Name extends keyof Schemas> = Schemas[Name];

/** An error answer: {Code, Message} and, for a validation error, Fields. */
export type ErrorBody = Schemas["ErrorResponse"];

/** Compile-time check that a list of values is exactly a union (a missing or an extra one fails). */
export type Exactly<List extends readonly string[], Union extends string> = [Exclude<Union, List[number]>, Exclude<List[number], Union>] extends [never, never]
  ? List
  : never;

// -- staff, sessions, storefront keys --------------------------------------------------------------

export type Employee = Response<"EmployeeResponse">;
export type Role = Employee["role"];
export type Session = Response<"LoginResponse">;
export type StorefrontKey = Response<"StorefrontKeyResponse">;
export type StorefrontKeyList = Response<"StorefrontKeyListResponse">;
export type CreatedStorefrontKey = Response<"CreatedStorefrontKeyResponse">;

// -- customers, addresses, groups, titles -----------------------------------------------------------

export type Customer = Response<"CustomerResponse">;
export type CustomerStatus = Customer["status"];
export type SearchResult = Response<"SearchResultResponse">;
export type Address = Response<"AddressResponse">;
export type Title = Response<"TitleResponse">;
export type Group = Response<"GroupResponse">;

// -- carts and orders -------------------------------------------------------------------------------

export type CartSummary = Response<"CartSummaryResponse">;
export type CartLine = Response<"CartLineResponse">;
export type Cart = Response<"CartResponse">;

export type OrderSummary = Response<"OrderSummaryResponse">;
export type OrderStatus = OrderSummary["status"];
const orderStatuses = ["pending", "processing", "shipped", "delivered", "cancelled", "refunded"] as const;
/** The order statuses in the order the UI offers them (the check fails when the API's list changes). */
export const ORDER_STATUSES: Exactly<typeof orderStatuses, OrderStatus> = orderStatuses;
export type StatusChange = Response<"StatusChangeResponse">;
export type Order = Response<"OrderResponse">;

// -- the customer's page ----------------------------------------------------------------------------

/**
 * GET /admin/customers/{id}/view. The document types its addresses, carts, threads and orders as
 * free-form objects (CustomerViewResponse and OrdersSection hold them as dicts); they are the API's
 * address, cart summary, thread and order summary answers, which the page reads field by field.
 */
export type CustomerView = Refined<
  Response<"CustomerViewResponse">,
  {
    addresses: Address[];
    carts: CartSummary[];
    threads: Thread[];
    orders: Refined<Response<"OrdersSection">, { valid: OrderSummary[]; invalid: OrderSummary[] }>;
  }
>;

// -- imports and exports ----------------------------------------------------------------------------

export type ImportJob = Response<"ImportJobResponse">;
export type ImportStatus = ImportJob["status"];
export type ImportCreated = Response<"ImportCreatedResponse">;
export type ImportWarning = Response<"ImportWarningResponse">;
/** One of the file's columns with the field it was matched to ("ignore": dropped). */
export type ImportColumn = Response<"ImportColumnResponse">;
export type ImportMapping = Response<"ImportMappingResponse">;
/** A previewed row: what applying would do with it, our field names → values, its errors. */
export type PreviewRow = Response<"PreviewRowResponse">;
export type RowError = Response<"RowErrorResponse">;
/** The options an import ran with, as the API echoes them. */
export type ImportOptionsAnswer = Response<"ImportOptionsResponse">;

// The import options the form edits: the body of POST /admin/imports without kind, filename and the
// preview switch, each option with a value (the API's defaults are the form's starting values).
type ImportRequest = RequestBody<"CreateImportRequest">;
type ImportOption<K extends keyof ImportRequest> = NonNullable<ImportRequest[K]>;
export type ImportEncoding = ImportOption<"encoding">;
export type ImportDateFormat = ImportOption<"date_format">;
export type ImportMode = ImportOption<"mode">;
export type ImportPasswords = ImportOption<"passwords">;

export interface ImportOptions {
  mapping: ImportOption<"mapping">;
  delimiter: ImportOption<"delimiter"> | null;
  multi_value_separator: ImportOption<"multi_value_separator">;
  encoding: ImportEncoding;
  date_format: ImportDateFormat;
  skip_lines: number;
  mode: ImportMode;
  passwords: ImportPasswords;
  create_missing_groups: boolean;
  group_map: ImportOption<"group_map">;
}

export type ExportJob = Response<"ExportJobResponse">;

// -- settings and lookups ---------------------------------------------------------------------------

export type ShopSettings = Response<"ShopSettingsResponse">;
export type Contact = Response<"ContactResponse">;
export type OrderMessage = Response<"OrderMessageResponse">;

// -- customer service -------------------------------------------------------------------------------

export type Thread = Response<"ThreadResponse">;
export type ThreadStatus = Thread["status"];
const threadStatuses = ["open", "closed", "pending1", "pending2"] as const;
export const THREAD_STATUSES: Exactly<typeof threadStatuses, ThreadStatus> = threadStatuses;
export const THREAD_STATUS_LABELS: Record<string, string> = { open: "thread:open", closed: "thread:closed", pending1: "thread:pending1", pending2: "thread:pending2" };

export type Attachment = Response<"AttachmentResponse">;
export type ThreadMessage = Response<"MessageResponse">;
export type ThreadEvent = Response<"ThreadEventResponse">;
/** The document types the predefined messages as string maps (ReplyDefaults holds dicts). */
export type ReplyDefaults = Refined<Response<"ReplyDefaults">, { order_messages: Pick<OrderMessage, "id" | "name" | "message">[] }>;
export type ThreadView = Refined<Response<"ThreadViewResponse">, { reply_defaults: ReplyDefaults }>;
export type CsSummary = Response<"SummaryResponse">;
/** The document leaves last_poll_at untyped (MailSourceResponse declares it without a type). */
export type MailSource = Refined<Response<"MailSourceResponse">, { last_poll_at: string | null }>;
export type Mailbox = Refined<Response<"MailboxResponse">, { sources: MailSource[] }>;
/** The document leaves received_at untyped (UnprocessedResponse declares it without a type). */
export type UnprocessedMail = Refined<Response<"UnprocessedResponse">, { received_at: string }>;
export type RetryOutcome = Response<"RetryResponse">;
