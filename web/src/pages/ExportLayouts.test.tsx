// The export's layout (issue 17 §6): the format goes to the API, the file gets the name the
// system's own export would have.
import { afterEach, describe, expect, it, vi } from "vitest";
import { exportCustomers } from "./Imports";

afterEach(() => vi.unstubAllGlobals());

describe("customer export layouts", () => {
  it("asks for the chosen layout and names the file as that system does", async () => {
    const fetch = vi.fn(async () => new Response("ID;Social title\r\n", { status: 200 }));
    vi.stubGlobal("fetch", fetch);
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: () => "blob:x", revokeObjectURL: () => undefined }));
    const names: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      names.push(this.download);
    });
    expect(await exportCustomers({ format: "prestashop8" }, () => undefined)).toBeNull();
    await exportCustomers({ format: "shopify", newsletter: "1" }, () => undefined);
    await exportCustomers({}, () => undefined);
    const urls = fetch.mock.calls.map((call) => (call as unknown as [string])[0]);
    expect(urls).toEqual([
      "/admin/customers/export?format=prestashop8",
      "/admin/customers/export?format=shopify&newsletter=1",
      "/admin/customers/export",
    ]);
    expect(names).toEqual(["customer.csv", "customer_template.csv", "customers.csv"]);
    click.mockRestore();
  });
});
