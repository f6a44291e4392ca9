import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it, vi } from "vitest";
import { defaultOptions } from "../lib/imports";
import type { ImportJob, ImportMapping, ImportOptions, ImportOptionsAnswer } from "../lib/types";
import { JobView, MappingStep, inMappingStep } from "./Imports";

/** A job's or a saved mapping's options as the API sends them: every option, defaults for the rest. */
function answered(overrides: Partial<ImportOptionsAnswer> = {}): ImportOptionsAnswer {
  return { ...defaultOptions(), mapping_name: null, preview: false, ...overrides };
}

// A previewed PrestaShop 1.6 customers file (header of docs/csv_import/customers_import.csv).
function previewed(overrides: Partial<ImportJob> = {}): ImportJob {
  return {
    id: "imp-1",
    kind: "customers",
    filename: "customers_import.csv",
    status: "previewed",
    rows_read: 2,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed: 0,
    progress: 0,
    created_at: "2026-12-02T00:00:00Z",
    started_at: null,
    finished_at: null,
    failure: null,
    report_url: null,
    errors: [],
    errors_next_cursor: null,
    applied_at: null,
    options: null,
    passwords_total: 0,
    passwords_hashed: 0,
    layout: "prestashop-1.6-import",
    columns: [
      { column: "Customer ID", field: "id" },
      { column: "Email *", field: "email" },
      { column: "Newsletter (0/1)", field: "newsletter" },
      { column: "Groups (x,y,z...)", field: "groups" },
      { column: "Website", field: "ignore" },
    ],
    warnings: [
      { column: "Website", reason: "column ignored", count: 2 },
      { column: "Groups (x,y,z...)", reason: "unknown group", count: 1 },
    ],
    preview_rows: [
      { line: 2, action: "create", values: { email: "pub@prestashop.com", newsletter: true, group_ids: ["Customer", "Carribean"] }, errors: [] },
      { line: 3, action: "error", values: { email: "john@doe", newsletter: false, group_ids: [] }, errors: [{ column: "Email *", reason: "not an e-mail address" }] },
    ],
    ...overrides,
  };
}

const noMappings = { items: [], reload: () => undefined };

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** fetch answering the groups list, and `apply` with the given job. */
function stubApi(applied?: ImportJob) {
  const fetch = vi.fn(async (url: string, init?: RequestInit) => {
    if (url.startsWith("/admin/groups")) return json({ items: [], next_cursor: null });
    if (url === "/admin/imports/imp-1/apply" && init?.method === "POST" && applied) return json(applied);
    return json({ Code: "NotFound", Message: "no such route" }, 404);
  });
  vi.stubGlobal("fetch", fetch);
  return fetch;
}

function renderStep(job = previewed()) {
  const onPreview = vi.fn<(options: ImportOptions) => void>();
  const onApplied = vi.fn<(job: ImportJob) => void>();
  render(<MappingStep job={job} mappings={noMappings} busy={false} canPreview onPreview={onPreview} onApplied={onApplied} onCancel={() => undefined} />);
  return { onPreview, onApplied };
}

afterEach(() => vi.unstubAllGlobals());

describe("MappingStep", () => {
  it("shows each column with its detected field, the layout, the warnings and the rows as stored", () => {
    stubApi();
    renderStep();
    expect(screen.getByTestId("import-layout").textContent).toContain("PrestaShop 1.6 import");
    const newsletter = screen.getByLabelText("Field for column Newsletter (0/1)") as HTMLSelectElement;
    expect(newsletter.value).toBe("newsletter");
    expect((screen.getByLabelText("Field for column Website") as HTMLSelectElement).value).toBe("ignore");
    // the warning sits next to its column, with its row count
    const website = within(screen.getByTestId("import-columns")).getByRole("row", { name: /Website/ });
    expect(within(website).getByText(/column ignored/)).toBeTruthy();
    expect(within(website).getByText("(2 rows)")).toBeTruthy();
    const preview = screen.getByTestId("import-preview");
    expect(within(preview).getByText("Customer, Carribean")).toBeTruthy();
    expect(within(preview).getAllByText("Yes")).toHaveLength(1);
    expect(within(preview).getByText("not an e-mail address")).toBeTruthy();
    expect(within(preview).getByText("refused")).toBeTruthy();
    expect(screen.getByRole("heading", { name: "The first 2 rows as they would be stored" })).toBeTruthy();
  });

  it("asks for a new preview after a mapping change, with the changed mapping, before offering Import", async () => {
    stubApi();
    const { onPreview } = renderStep();
    expect(screen.getByRole("button", { name: "Import" })).toBeTruthy();
    await userEvent.selectOptions(screen.getByLabelText("Field for column Website"), "company");
    expect(screen.queryByRole("button", { name: "Import" })).toBeNull();
    await userEvent.selectOptions(screen.getByLabelText(/Date format/), "dd/mm/yyyy");
    await userEvent.click(screen.getByRole("button", { name: "Update the preview" }));
    expect(onPreview).toHaveBeenCalledTimes(1);
    const options = onPreview.mock.calls[0]![0];
    // only what the merchant changed: the rest stays with the header matcher
    expect(options.mapping).toEqual({ Website: "company" });
    expect(options.date_format).toBe("dd/mm/yyyy");
  });

  it("applies the previewed job as it is", async () => {
    const applied = previewed({ status: "running" });
    const fetch = stubApi(applied);
    const { onApplied } = renderStep();
    await userEvent.click(screen.getByRole("button", { name: "Import" }));
    expect(onApplied).toHaveBeenCalledWith(applied);
    const call = fetch.mock.calls.find(([url]) => url === "/admin/imports/imp-1/apply");
    expect(call?.[1]?.method).toBe("POST");
  });

  it("saves the mapping flat, as the import-mappings route takes it, and loads a saved one", async () => {
    const fetch = stubApi();
    fetch.mockImplementation(async (url: string, init?: RequestInit) => {
      if (url.startsWith("/admin/groups")) return json({ items: [], next_cursor: null });
      if (url === "/admin/import-mappings" && init?.method === "POST") return json({ name: "Presta", kind: "customers", options: {} }, 201);
      return json({ Code: "NotFound", Message: "no such route" }, 404);
    });
    const saved: ImportMapping = {
      name: "Old shop",
      kind: "customers",
      options: answered({ mapping: { Website: "company" }, date_format: "dd/mm/yyyy" }),
      created_at: "2026-12-01T00:00:00Z",
      updated_at: "2026-12-01T00:00:00Z",
    };
    const { onPreview } = (() => {
      const onPreview = vi.fn<(options: ImportOptions) => void>();
      render(<MappingStep job={previewed()} mappings={{ items: [saved], reload: () => undefined }} busy={false} canPreview onPreview={onPreview} onApplied={() => undefined} onCancel={() => undefined} />);
      return { onPreview };
    })();
    await userEvent.type(screen.getByLabelText(/Save mapping as…/), "Presta");
    await userEvent.click(screen.getByRole("button", { name: "Save mapping" }));
    expect((await screen.findByRole("status")).textContent).toContain('Mapping "Presta" saved.');
    const call = fetch.mock.calls.find(([url, init]) => url === "/admin/import-mappings" && init?.method === "POST");
    const body = JSON.parse(String(call![1]!.body)) as Record<string, unknown>;
    expect(body).toMatchObject({ name: "Presta", kind: "customers", mode: "both", passwords: "keep" });
    expect(body.mapping).toMatchObject({ "Email *": "email", Website: "ignore" });
    expect(body).not.toHaveProperty("preview");

    await userEvent.selectOptions(screen.getByLabelText("Use saved mapping"), "Old shop");
    expect((screen.getByLabelText("Field for column Website") as HTMLSelectElement).value).toBe("company");
    await userEvent.click(screen.getByRole("button", { name: "Update the preview" }));
    expect(onPreview.mock.calls[0]![0]).toMatchObject({ date_format: "dd/mm/yyyy", mapping: { Website: "company" } });
  });

  it("shows an unknown layout id as the server wrote it, and no layout as 'not recognised'", () => {
    stubApi();
    renderStep(previewed({ layout: "magento-2" }));
    expect(screen.getByTestId("import-layout").textContent).toContain("magento-2");
  });
});

describe("a preview that failed", () => {
  const failed = previewed({
    status: "failed",
    failure: "Line 1: the file is not UTF-8; set encoding.",
    columns: [],
    preview_rows: null,
    warnings: [],
    options: answered({ preview: true }),
  });

  it("stays in the mapping step with its reason, offering only a new preview", async () => {
    stubApi();
    expect(inMappingStep(failed)).toBe(true);
    expect(inMappingStep({ ...failed, options: answered({ preview: false }) })).toBe(false);
    expect(inMappingStep({ ...failed, applied_at: "2026-12-02T00:00:00Z" })).toBe(false);
    const { onPreview } = renderStep(failed);
    expect(screen.getByRole("alert").textContent).toContain("set encoding");
    expect(screen.queryByRole("button", { name: "Import" })).toBeNull();
    await userEvent.selectOptions(screen.getByLabelText("Encoding"), "windows-1252");
    await userEvent.click(screen.getByRole("button", { name: "Update the preview" }));
    expect(onPreview.mock.calls[0]![0].encoding).toBe("windows-1252");
  });
});

describe("JobView", () => {
  const finished = (overrides: Partial<ImportJob>) => previewed({ progress: 1, created: 2, rows_read: 2, preview_rows: null, ...overrides });

  it("puts the warnings of a completed_with_warnings job first, by column with their count", () => {
    render(<JobView job={finished({ status: "completed_with_warnings", report_url: "https://s3.example/report.csv" })} />);
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("check the warnings below before moving on");
    expect(document.activeElement).toBe(screen.getByTestId("import-attention"));
    const rows = within(screen.getByTestId("import-warnings")).getAllByRole("row");
    expect(rows.map((r) => r.textContent)).toEqual(["ColumnReasonRows", "Websitecolumn ignored2", "Groups (x,y,z...)unknown group1"]);
    expect(screen.getByTestId("rows-warnings").textContent).toBe("3");
    expect(screen.getByRole("link", { name: "Download the report" }).getAttribute("href")).toBe("https://s3.example/report.csv");
  });

  it("lists a completed_with_errors job's errors (line, column, reason) and its warnings", () => {
    render(
      <JobView
        job={finished({ status: "completed_with_errors", failed: 1, errors: [{ line: 4, column: "Email *", reason: "not an e-mail address" }] })}
      />,
    );
    expect(screen.getByRole("alert").textContent).toContain("Some rows were not imported");
    const errors = within(screen.getByTestId("row-errors")).getAllByRole("row");
    expect(errors[1]!.textContent).toBe("4Email *not an e-mail address");
    expect(screen.getByTestId("import-warnings")).toBeTruthy();
  });

  it("shows no warning box for a plain completed job", () => {
    render(<JobView job={finished({ status: "completed", warnings: [] })} />);
    expect(screen.queryByRole("alert")).toBeNull();
    expect(screen.queryByTestId("import-warnings")).toBeNull();
  });
});
