import { describe, expect, it } from "vitest";
import { defaultOptions, fieldChoices, formatCell, importRequest, layoutLabel, mappingToSend, optionsOf, previewFields, sameOptions } from "./imports";
import type { ImportJob } from "./types";

const job = {
  kind: "customers",
  columns: [{ column: "Email *", field: "email" }, { column: "Foo", field: "ignore" }],
  options: { date_format: "dd/mm/yyyy", group_map: { "3": "grp-vip" } },
} as unknown as ImportJob;

describe("import options", () => {
  it("write out every column's detected field in the mapping, over the job's options", () => {
    const options = optionsOf(job);
    expect(options.mapping).toEqual({ "Email *": "email", Foo: "ignore" });
    expect(options.date_format).toBe("dd/mm/yyyy");
    expect(options.group_map).toEqual({ "3": "grp-vip" });
    expect(options.passwords).toBe("keep");
    expect(Object.keys(optionsOf({ ...job, options: { preview: true, mapping_name: "x" } } as unknown as ImportJob))).not.toContain("preview");
    expect(sameOptions(options, optionsOf(job))).toBe(true);
    expect(sameOptions(options, { ...options, mapping: { ...options.mapping, Foo: "company" } })).toBe(false);
  });

  it("send the API's names, without the form's empty group lines, skip_lines a whole number", () => {
    const body = importRequest("customers", "c.csv", { ...defaultOptions(), skip_lines: 2.7, group_map: { "": "grp-a", "4": "", "5": "grp-b" } }, true);
    expect(body).toMatchObject({ kind: "customers", filename: "c.csv", preview: true, skip_lines: 2, group_map: { "5": "grp-b" }, delimiter: null });
    expect(importRequest("addresses", "a.csv", null, false, "presta")).toEqual({ kind: "addresses", filename: "a.csv", mapping_name: "presta" });
    expect(importRequest("customers", "c.csv", null, false)).toEqual({ kind: "customers", filename: "c.csv" });
  });
});

describe("the mapping sent", () => {
  it("holds the columns changed from what was detected and those the job's mapping named", () => {
    const previewed = { ...job, options: { mapping: { Foo: "company" } }, columns: [{ column: "Email *", field: "email" }, { column: "Foo", field: "company" }, { column: "Bar", field: "default_group" }] } as unknown as ImportJob;
    expect(mappingToSend({ "Email *": "email", Foo: "company", Bar: "ignore" }, previewed)).toEqual({ Foo: "company", Bar: "ignore" });
    expect(mappingToSend({ "Email *": "email", Foo: "company", Bar: "default_group" }, previewed)).toEqual({ Foo: "company" });
  });
});

describe("import display", () => {
  it("names known layouts and keeps unknown ones", () => {
    expect(layoutLabel("shopify")).toBe("Shopify");
    expect(layoutLabel("prestashop-8-export")).toBe("PrestaShop 8 export");
    expect(layoutLabel("odoo")).toBe("odoo");
    expect(layoutLabel(null)).toBeNull();
  });

  it("keeps a field the server matched that the UI doesn't list", () => {
    const values = fieldChoices("customers", [{ column: "Tags", field: "tags" }]).map((c) => c.value);
    expect(values).toContain("tags");
    expect(values).toContain("email");
    expect(values).not.toContain("ignore");
  });

  it("formats previewed values and collects the preview's fields in order", () => {
    expect(formatCell(["A", "B"], "Yes", "No")).toBe("A, B");
    expect(formatCell(false, "Yes", "No")).toBe("No");
    expect(formatCell(null, "Yes", "No")).toBe("—");
    expect(formatCell(3, "Yes", "No")).toBe("3");
    expect(previewFields([{ line: 2, action: "create", values: { a: 1 }, errors: [] }, { line: 3, action: "error", values: { b: 2, a: 3 }, errors: [] }])).toEqual(["a", "b"]);
  });
});
