// Form logic, free of React so Vitest can check it: customer form ⇄ API payload with the shop's
// required-field and B2B settings, list filters → query strings, API field errors → form fields.
import type { QueryValue } from "./api";
import type { Address, Customer, Exactly, RequestBody, ShopSettings } from "./types";

type RequirableField = ShopSettings["required_fields"]["customer"][number];
type RequirableAddressField = ShopSettings["required_fields"]["address"][number];

// The fields a shop may require, in the order the settings page lists them (tsc fails when the API's
// lists change and these are not updated with them).
const customerRequirable = ["title_id", "birthday", "newsletter", "optin", "company", "siret", "ape", "website"] as const;
export const CUSTOMER_REQUIRABLE: Exactly<typeof customerRequirable, RequirableField> = customerRequirable;
const addressRequirable = [
  "company",
  "vat_number",
  "dni",
  "address2",
  "postcode",
  "state",
  "phone",
  "phone_mobile",
  "other",
] as const;
export const ADDRESS_REQUIRABLE: Exactly<typeof addressRequirable, RequirableAddressField> = addressRequirable;
export const B2B_FIELDS = ["company", "siret", "ape", "website", "outstanding_allowed", "max_payment_days", "risk_rating"] as const;

export interface CustomerForm {
  title_id: string;
  first_name: string;
  last_name: string;
  email: string;
  password: string;
  birthday: string;
  enabled: boolean;
  newsletter: boolean;
  optin: boolean;
  status: string;
  language: string;
  group_ids: string[];
  default_group_id: string;
  company: string;
  siret: string;
  ape: string;
  website: string;
  outstanding_allowed: string;
  max_payment_days: string;
  risk_rating: string;
}

export function emptyCustomerForm(): CustomerForm {
  return {
    title_id: "",
    first_name: "",
    last_name: "",
    email: "",
    password: "",
    birthday: "",
    enabled: true,
    newsletter: false,
    optin: false,
    status: "active",
    language: "en",
    group_ids: ["customer"],
    default_group_id: "customer",
    company: "",
    siret: "",
    ape: "",
    website: "",
    outstanding_allowed: "",
    max_payment_days: "",
    risk_rating: "",
  };
}

export function customerFormFrom(customer: Customer): CustomerForm {
  return {
    title_id: customer.title_id ?? "",
    first_name: customer.first_name,
    last_name: customer.last_name,
    email: customer.email,
    password: "",
    birthday: customer.birthday ?? "",
    enabled: customer.enabled,
    newsletter: customer.newsletter,
    optin: customer.optin,
    status: customer.status,
    language: customer.language,
    group_ids: [...customer.group_ids],
    default_group_id: customer.default_group_id ?? customer.group_ids[0] ?? "",
    company: customer.company ?? "",
    siret: customer.siret ?? "",
    ape: customer.ape ?? "",
    website: customer.website ?? "",
    outstanding_allowed: customer.outstanding_allowed ?? "",
    max_payment_days: customer.max_payment_days == null ? "" : String(customer.max_payment_days),
    risk_rating: customer.risk_rating ?? "",
  };
}

export type Requirements = Pick<ShopSettings, "b2b_mode" | "required_fields">;

/** The fields the shop requires on this form: always names and e-mail, plus the settings' list
 * (B2B fields only count when B2B mode is on: the form doesn't show them otherwise). */
export function requiredCustomerFields(settings: Requirements): string[] {
  const required = ["first_name", "last_name", "email"];
  for (const name of settings.required_fields.customer) {
    if ((B2B_FIELDS as readonly string[]).includes(name) && !settings.b2b_mode) continue;
    required.push(name);
  }
  return required;
}

/** Client-side check before sending (the API checks again and its answer wins). */
export function validateCustomerForm(form: CustomerForm, settings: Requirements): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const name of requiredCustomerFields(settings)) {
    const value = form[name as keyof CustomerForm];
    if (value === "" || value === false || (Array.isArray(value) && value.length === 0)) errors[name] = "required";
  }
  if (form.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(form.email)) errors.email = "not a valid e-mail address";
  if (form.outstanding_allowed && !/^\d{1,12}(\.\d{1,2})?$/.test(form.outstanding_allowed)) {
    errors.outstanding_allowed = "a decimal amount, e.g. 1500.00";
  }
  if (form.max_payment_days && !/^\d{1,4}$/.test(form.max_payment_days)) errors.max_payment_days = "a whole number of days";
  if (form.group_ids.length > 0 && !form.group_ids.includes(form.default_group_id)) {
    errors.default_group_id = "must be one of the customer's groups";
  }
  return errors;
}

type Payload = Record<string, unknown>;

/** Every field the form edits, as the API's customer body types it (tsc checks the names and values). */
type CustomerValues = Omit<RequestBody<"CreateCustomerRequest"> & RequestBody<"UpdateCustomerRequest">, "password">;

function formValues(form: CustomerForm, settings: Requirements): CustomerValues {
  const values: CustomerValues = {
    title_id: form.title_id || null,
    first_name: form.first_name.trim(),
    last_name: form.last_name.trim(),
    email: form.email.trim(),
    birthday: form.birthday || null,
    enabled: form.enabled,
    newsletter: form.newsletter,
    optin: form.optin,
    // The form keeps select values as strings; its selects offer only the API's values.
    status: form.status as CustomerValues["status"],
    language: form.language as CustomerValues["language"],
    group_ids: form.group_ids,
    default_group_id: form.default_group_id || null,
  };
  if (settings.b2b_mode) {
    values.company = form.company.trim() || null;
    values.siret = form.siret.trim() || null;
    values.ape = form.ape.trim() || null;
    values.website = form.website.trim() || null;
    values.outstanding_allowed = form.outstanding_allowed || null;
    values.max_payment_days = form.max_payment_days === "" ? null : Number(form.max_payment_days);
    values.risk_rating = (form.risk_rating || null) as CustomerValues["risk_rating"];
  }
  return values;
}

/** POST body: empty optional fields left out; B2B fields only in B2B mode; password when typed. */
export function createCustomerPayload(form: CustomerForm, settings: Requirements): Payload {
  const payload: Payload = {};
  for (const [key, value] of Object.entries(formValues(form, settings))) {
    if (value !== null && value !== "") payload[key] = value;
  }
  if (form.password) payload.password = form.password;
  return payload;
}

/** PATCH body: only what changed since the customer was loaded (null clears an optional field). */
export function updateCustomerPayload(form: CustomerForm, original: CustomerForm, settings: Requirements): Payload {
  const now = formValues(form, settings);
  const before: Payload = formValues(original, settings);
  const payload: Payload = {};
  for (const [key, value] of Object.entries(now)) {
    if (JSON.stringify(value) !== JSON.stringify(before[key])) payload[key] = value;
  }
  if (form.password) payload.password = form.password;
  return payload;
}

/** The API's `Fields` keys ("group_ids.0", "body") mapped onto the form's inputs. */
export function formFieldErrors(fields: Record<string, string>, known: readonly string[]): Record<string, string> {
  const mapped: Record<string, string> = {};
  for (const [path, reason] of Object.entries(fields)) {
    const head = path.split(".")[0] ?? path;
    const name = known.includes(path) ? path : known.includes(head) ? head : null;
    if (name && !mapped[name]) mapped[name] = reason;
  }
  return mapped;
}

// -- customer list filters ----------------------------------------------------------------------

export interface CustomerFilters {
  id: string;
  title_id: string;
  first_name: string;
  last_name: string;
  email: string;
  enabled: string;
  newsletter: string;
  optin: string;
  group_id: string;
  company: string;
  registered_from: string;
  registered_to: string;
  last_visit_from: string;
  last_visit_to: string;
  age_min: string;
  age_max: string;
  is_guest: string;
  status: string;
}

export const EMPTY_FILTERS: CustomerFilters = {
  id: "",
  title_id: "",
  first_name: "",
  last_name: "",
  email: "",
  enabled: "",
  newsletter: "",
  optin: "",
  group_id: "",
  company: "",
  registered_from: "",
  registered_to: "",
  last_visit_from: "",
  last_visit_to: "",
  age_min: "",
  age_max: "",
  is_guest: "",
  status: "",
};

export const SORTABLE = ["id", "last_name", "first_name", "email", "registered_at", "last_visit_at", "age"] as const;

/** Clicking a column header: first ascending, again descending, another column starts ascending. */
export function nextSort(current: string, column: string): string {
  if (current === column) return `-${column}`;
  return column;
}

export function sortState(current: string, column: string): "ascending" | "descending" | "none" {
  if (current === column) return "ascending";
  if (current === `-${column}`) return "descending";
  return "none";
}

export function customerQuery(
  filters: CustomerFilters,
  sort: string,
  extra: Record<string, QueryValue> = {},
): Record<string, QueryValue> {
  const query: Record<string, QueryValue> = {};
  for (const [key, value] of Object.entries(filters)) {
    const trimmed = value.trim();
    if (trimmed) query[key] = trimmed;
  }
  if (sort && sort !== "id") query.sort = sort;
  return { ...query, ...extra };
}

/** Filters in the hash (#/customers?last_name=...) so a filtered list can be bookmarked. */
export function filtersFromSearch(search: string): { filters: CustomerFilters; sort: string } {
  const params = new URLSearchParams(search);
  const filters = { ...EMPTY_FILTERS };
  for (const key of Object.keys(filters) as (keyof CustomerFilters)[]) {
    filters[key] = params.get(key) ?? "";
  }
  return { filters, sort: params.get("sort") ?? "id" };
}

// -- addresses ----------------------------------------------------------------------------------

export type AddressForm = Record<
  | "alias"
  | "company"
  | "first_name"
  | "last_name"
  | "vat_number"
  | "dni"
  | "address1"
  | "address2"
  | "postcode"
  | "city"
  | "state"
  | "country"
  | "phone"
  | "phone_mobile"
  | "other",
  string
>;

export const ADDRESS_FIELDS: (keyof AddressForm)[] = [
  "alias",
  "first_name",
  "last_name",
  "company",
  "vat_number",
  "dni",
  "address1",
  "address2",
  "postcode",
  "city",
  "state",
  "country",
  "phone",
  "phone_mobile",
  "other",
];

export function addressFormFrom(address?: Partial<Address>): AddressForm {
  const form = {} as AddressForm;
  for (const name of ADDRESS_FIELDS) {
    const value = address?.[name];
    form[name] = typeof value === "string" ? value : "";
  }
  if (!form.alias) form.alias = "My address";
  return form;
}

export function requiredAddressFields(settings: Pick<ShopSettings, "required_fields">): string[] {
  return ["alias", "first_name", "last_name", "address1", "city", "country", ...settings.required_fields.address];
}

export function validateAddressForm(form: AddressForm, settings: Pick<ShopSettings, "required_fields">): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const name of requiredAddressFields(settings)) {
    if (!form[name as keyof AddressForm]?.trim()) errors[name] = "required";
  }
  if (form.country && !/^[A-Za-z]{2}$/.test(form.country.trim())) errors.country = "a two-letter country code (ISO 3166-1)";
  return errors;
}

export function addressPayload(form: AddressForm, original?: AddressForm): Record<string, string | null> {
  const payload: Record<string, string | null> = {};
  for (const name of ADDRESS_FIELDS) {
    const value = form[name].trim();
    const normalised = name === "country" ? value.toUpperCase() : value;
    if (original) {
      if (normalised !== original[name].trim()) payload[name] = normalised || null;
    } else if (normalised) {
      payload[name] = normalised;
    }
  }
  return payload;
}

// -- order status changes -----------------------------------------------------------------------

/** The moves the API accepts (README "Carts and orders"); others would be a 409. */
export function nextOrderStatuses(status: string): string[] {
  switch (status) {
    case "pending":
      return ["processing", "cancelled"];
    case "processing":
      return ["shipped", "cancelled", "refunded"];
    case "shipped":
      return ["delivered", "refunded"];
    case "delivered":
      return ["refunded"];
    default:
      return [];
  }
}
