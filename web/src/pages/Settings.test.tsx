import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CookieKeyForm } from "./Settings";

afterEach(() => vi.unstubAllGlobals());

function answer(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

describe("CookieKeyForm", () => {
  it("sends only the write-only key, empties the field and says the key is set", async () => {
    const fetch = vi.fn(async () => answer(200, { import: { prestashop_cookie_key_set: true } }));
    vi.stubGlobal("fetch", fetch);
    const onSaved = vi.fn();
    render(<CookieKeyForm isSet={false} onSaved={onSaved} />);
    expect(screen.getByText("No PrestaShop cookie key is set.")).toBeTruthy();
    const field = screen.getByLabelText(/PrestaShop 1.6 cookie key/) as HTMLInputElement;
    expect(field.type).toBe("password");
    expect((screen.getByRole("button", { name: "Save the cookie key" }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.type(field, "Zq4XoTg8c1rBxy2v");
    await userEvent.click(screen.getByRole("button", { name: "Save the cookie key" }));
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("/admin/settings");
    expect(init.method).toBe("PATCH");
    expect(JSON.parse(String(init.body))).toEqual({ import: { prestashop_cookie_key: "Zq4XoTg8c1rBxy2v" } });
    expect(field.value).toBe("");
    expect(onSaved).toHaveBeenCalledOnce();
    expect(screen.getByText("A PrestaShop cookie key is set.")).toBeTruthy();
    expect(screen.getByRole("status").textContent).toContain("Cookie key saved.");
  });

  it("shows the API's field error next to the key", async () => {
    vi.stubGlobal("fetch", vi.fn(async () =>
      answer(400, { Code: "InvalidInput", Message: "The settings are not valid.", Fields: { "import.prestashop_cookie_key": "String should have at most 255 characters" } }),
    ));
    render(<CookieKeyForm isSet={true} onSaved={vi.fn()} />);
    expect(screen.getByText("A PrestaShop cookie key is set.")).toBeTruthy();
    await userEvent.type(screen.getByLabelText(/PrestaShop 1.6 cookie key/), "x");
    await userEvent.click(screen.getByRole("button", { name: "Save the cookie key" }));
    expect(await screen.findByText("String should have at most 255 characters")).toBeTruthy();
    expect(screen.getByRole("alert").textContent).toContain("The settings are not valid.");
  });
});
