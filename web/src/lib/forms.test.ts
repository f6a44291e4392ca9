import { describe, expect, it } from "vitest";
import {
  addressFormFrom,
  addressPayload,
  createCustomerPayload,
  customerQuery,
  emptyCustomerForm,
  EMPTY_FILTERS,
  formFieldErrors,
  nextOrderStatuses,
  nextSort,
  requiredCustomerFields,
  type Requirements,
  sortState,
  updateCustomerPayload,
  validateAddressForm,
  validateCustomerForm,
} from "./forms";

const plain = { b2b_mode: false, required_fields: { customer: [], address: [] } };

describe("customer form", () => {
  it("requires names and e-mail, plus the shop's required fields", () => {
    const settings: Requirements = { b2b_mode: false, required_fields: { customer: ["birthday", "newsletter"], address: [] } };
    const errors = validateCustomerForm(emptyCustomerForm(), settings);
    expect(Object.keys(errors).sort()).toEqual(["birthday", "email", "first_name", "last_name", "newsletter"]);
  });

  it("ignores required B2B fields while B2B mode is off, and enforces them when on", () => {
    const required: Requirements["required_fields"] = { customer: ["company"], address: [] };
    expect(requiredCustomerFields({ b2b_mode: false, required_fields: required })).not.toContain("company");
    expect(requiredCustomerFields({ b2b_mode: true, required_fields: required })).toContain("company");
  });

  it("checks e-mail, money and day formats", () => {
    const form = { ...emptyCustomerForm(), first_name: "A", last_name: "B", email: "nope", outstanding_allowed: "12,5", max_payment_days: "x" };
    const errors = validateCustomerForm(form, { ...plain, b2b_mode: true });
    expect(errors.email).toBeDefined();
    expect(errors.outstanding_allowed).toBeDefined();
    expect(errors.max_payment_days).toBeDefined();
  });

  it("leaves out empty and B2B fields on create when B2B mode is off", () => {
    const form = { ...emptyCustomerForm(), first_name: " Léa ", last_name: "Martin", email: "lea@example.com", company: "ACME" };
    const payload = createCustomerPayload(form, plain);
    expect(payload).toMatchObject({ first_name: "Léa", last_name: "Martin", email: "lea@example.com", enabled: true });
    expect(payload).not.toHaveProperty("company");
    expect(payload).not.toHaveProperty("birthday");
    expect(payload).not.toHaveProperty("password");
    expect(createCustomerPayload(form, { ...plain, b2b_mode: true })).toMatchObject({ company: "ACME" });
  });

  it("sends only what changed on update, null to clear", () => {
    const original = { ...emptyCustomerForm(), first_name: "A", last_name: "B", email: "a@example.com", birthday: "1990-01-02" };
    const changed = { ...original, last_name: "C", birthday: "" };
    expect(updateCustomerPayload(changed, original, plain)).toEqual({ last_name: "C", birthday: null });
    expect(updateCustomerPayload({ ...original, password: "secret-pass" }, original, plain)).toEqual({ password: "secret-pass" });
  });

  it("maps the API's field paths onto the form", () => {
    expect(formFieldErrors({ "group_ids.1": "unknown group", email: "taken", body: "x" }, ["email", "group_ids"])).toEqual({
      group_ids: "unknown group",
      email: "taken",
    });
  });
});

describe("customer list", () => {
  it("builds the query from non-empty filters and the sort", () => {
    const query = customerQuery({ ...EMPTY_FILTERS, last_name: " alv ", newsletter: "1" }, "-age", { limit: 20 });
    expect(query).toEqual({ last_name: "alv", newsletter: "1", sort: "-age", limit: 20 });
    expect(customerQuery(EMPTY_FILTERS, "id")).toEqual({});
  });

  it("toggles the sort direction on the same column", () => {
    expect(nextSort("id", "last_name")).toBe("last_name");
    expect(nextSort("last_name", "last_name")).toBe("-last_name");
    expect(nextSort("-last_name", "last_name")).toBe("last_name");
    expect(sortState("-age", "age")).toBe("descending");
    expect(sortState("age", "email")).toBe("none");
  });
});

describe("addresses", () => {
  it("requires the shop's address fields and a two-letter country", () => {
    const form = { ...addressFormFrom(), first_name: "A", last_name: "B", address1: "1 rue", city: "Paris", country: "France" };
    const errors = validateAddressForm(form, { required_fields: { customer: [], address: ["phone"] } });
    expect(errors).toEqual({ phone: "required", country: expect.any(String) });
  });

  it("upper-cases the country and sends only changes on update", () => {
    const original = addressFormFrom({ first_name: "A", last_name: "B", address1: "1 rue", city: "Paris", country: "FR" });
    expect(addressPayload({ ...original, country: "es", company: "" }, original)).toEqual({ country: "ES" });
    expect(addressPayload({ ...original, country: "fr" })).toMatchObject({ country: "FR", alias: "My address" });
  });
});

describe("orders", () => {
  it("offers only the status changes the API accepts", () => {
    expect(nextOrderStatuses("pending")).toEqual(["processing", "cancelled"]);
    expect(nextOrderStatuses("refunded")).toEqual([]);
  });
});
