import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { emptyCustomerForm, type Requirements } from "../lib/forms";
import type { Group, Title } from "../lib/types";
import { CustomerFormView } from "./CustomerForm";

const groups: Group[] = [
  { id: "customer", name: "Customer", names: {}, reduction_percent: "0", price_display: "tax_incl", show_prices: true, category_reductions: [], payment_methods: [], carriers: [], is_default: true, member_count: 0 },
];
const titles: Title[] = [{ id: "mr", name: "Mr", gender: "male", is_default: true }];

function renderForm(settings: Requirements = { b2b_mode: false, required_fields: { customer: ["birthday"], address: [] } }) {
  const onSaved = vi.fn();
  render(<CustomerFormView original={emptyCustomerForm()} settings={settings} titles={titles} groups={groups} onSaved={onSaved} />);
  return onSaved;
}

afterEach(() => vi.unstubAllGlobals());

describe("CustomerFormView", () => {
  it("marks the shop's required fields and refuses to send an incomplete form", async () => {
    const fetch = vi.fn();
    vi.stubGlobal("fetch", fetch);
    renderForm();
    expect((screen.getByLabelText(/Birthday/) as HTMLInputElement).required).toBe(true);
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(screen.getByLabelText(/Birthday/).getAttribute("aria-invalid")).toBe("true");
    expect(fetch).not.toHaveBeenCalled();
  });

  it("shows B2B fields only in B2B mode", () => {
    renderForm({ b2b_mode: true, required_fields: { customer: [], address: [] } });
    expect(screen.getByLabelText(/SIRET/)).toBeTruthy();
  });

  it("shows the API's error next to the field it concerns", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () =>
        new Response(JSON.stringify({ Code: "AlreadyExists", Message: "This e-mail is already used.", Fields: { email: "already registered" } }), {
          status: 409,
          headers: { "Content-Type": "application/json" },
        }),
      ),
    );
    const onSaved = renderForm({ b2b_mode: false, required_fields: { customer: [], address: [] } });
    await userEvent.type(screen.getByLabelText(/First name/), "Léa");
    await userEvent.type(screen.getByLabelText(/Last name/), "Martin");
    await userEvent.type(screen.getByLabelText(/E-mail/), "lea@example.com");
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    const email = await screen.findByLabelText(/E-mail/);
    expect(email.getAttribute("aria-invalid")).toBe("true");
    expect(email.getAttribute("aria-describedby")).toBeTruthy();
    expect(document.getElementById(email.getAttribute("aria-describedby")!)?.textContent).toContain("already registered");
    expect(screen.getByRole("alert").textContent).toContain("This e-mail is already used.");
    expect(onSaved).not.toHaveBeenCalled();
  });
});
