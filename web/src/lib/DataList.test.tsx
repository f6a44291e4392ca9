import { act, render, renderHook, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { ApiError, type Page } from "./api";
import { useCursorPager, type Loaded } from "./components";
import { DataList } from "./DataList";

interface Row {
  id: string;
  name: string;
}

function page(items: Row[], next_cursor: string | null = null): Page<Row> {
  return { items, next_cursor };
}

function show(list: Loaded<Page<Row>>, extra: Partial<Parameters<typeof DataList<Row>>[0]> = {}) {
  return render(
    <DataList<Row>
      list={list}
      columns={["Name", "Actions"]}
      row={(item) => (
        <tr key={item.id}>
          <td>{item.name}</td>
          <td>—</td>
        </tr>
      )}
      empty="Nothing here yet."
      {...extra}
    />,
  );
}

describe("DataList", () => {
  it("says it is loading on the first load, and shows neither table nor empty text", () => {
    show({ loading: true });
    expect(screen.getByText("Loading…").getAttribute("aria-busy")).toBe("true");
    expect(screen.queryByRole("table")).toBeNull();
    expect(screen.queryByText("Nothing here yet.")).toBeNull();
  });

  it("shows the API's error, leaving to the screen the fields it shows itself", () => {
    const error = new ApiError(400, "InvalidInput", "Some fields are not valid.", { email: "not an e-mail", limit: "too big" });
    show({ loading: false, error }, { shownFields: ["email"] });
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("Some fields are not valid.");
    expect(alert.textContent).toContain("limit: too big");
    expect(alert.textContent).not.toContain("not an e-mail");
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("says so when the page is empty", () => {
    show({ loading: false, data: page([]) });
    expect(screen.getByText("Nothing here yet.").className).toBe("state-empty");
    expect(screen.queryByRole("table")).toBeNull();
  });

  it("draws the headers and one row per item, busy while a newer page loads", () => {
    const { rerender } = show({ loading: false, data: page([{ id: "1", name: "Ana" }, { id: "2", name: "Bo" }]) }, { className: "striped list" });
    const table = screen.getByRole("table");
    expect(table.className).toBe("striped list");
    expect(table.getAttribute("aria-busy")).toBeNull();
    expect(within(table).getAllByRole("columnheader").map((th) => th.textContent)).toEqual(["Name", "Actions"]);
    expect(within(table).getAllByRole("row").slice(1).map((tr) => tr.firstChild?.textContent)).toEqual(["Ana", "Bo"]);
    rerender(
      <DataList<Row>
        list={{ loading: true, data: page([{ id: "1", name: "Ana" }]) }}
        columns={["Name"]}
        row={(item) => <tr key={item.id}><td>{item.name}</td></tr>}
        empty="Nothing here yet."
      />,
    );
    expect(screen.getByRole("table").getAttribute("aria-busy")).toBe("true");
    expect(screen.queryByText("Loading…")).toBeNull();
  });

  it("has no pager without one, and pages with the cursor the API gave", async () => {
    show({ loading: false, data: page([{ id: "1", name: "Ana" }], "c2") });
    expect(screen.queryByRole("navigation", { name: "Pages" })).toBeNull();

    const { result } = renderHook(() => useCursorPager());
    const { unmount } = show({ loading: false, data: page([{ id: "1", name: "Ana" }], "c2") }, { pager: result.current });
    const pages = screen.getByRole("navigation", { name: "Pages" });
    expect(within(pages).getByText("Page 1")).toBeTruthy();
    expect((within(pages).getByRole("button", { name: "← Previous" }) as HTMLButtonElement).disabled).toBe(true);
    await userEvent.click(within(pages).getByRole("button", { name: "Next →" }));
    expect(result.current.cursor).toBe("c2");
    expect(result.current.page).toBe(2);
    unmount();

    // the last page: no next cursor, so no "Next"
    show({ loading: false, data: page([{ id: "3", name: "Cy" }]) }, { pager: result.current });
    const last = screen.getByRole("navigation", { name: "Pages" });
    expect(within(last).getByText("Page 2")).toBeTruthy();
    expect((within(last).getByRole("button", { name: "Next →" }) as HTMLButtonElement).disabled).toBe(true);
    await act(async () => {
      await userEvent.click(within(last).getByRole("button", { name: "← Previous" }));
    });
    expect(result.current.cursor).toBeNull();
  });
});
