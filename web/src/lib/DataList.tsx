// The scaffolding every list screen repeated: "Loading…" on the first load, the API's error, the
// empty text, the table (aria-busy while a newer page loads, so the old rows stay readable) and the
// cursor pager under it. The screen keeps its filters, its row markup and its actions.
import type { ReactNode } from "react";
import { Empty, ErrorBox, Loading, Pager, type CursorPager, type Loaded } from "./components";

export interface DataListProps<T> {
  /** The page of items being shown (useLoad's answer to a list call; next_cursor when it pages). */
  list: Loaded<{ items: T[]; next_cursor?: string | null }>;
  /** The column headers, already translated. */
  columns: string[];
  /** One table row per item, with its key. */
  row: (item: T) => ReactNode;
  /** What to say when the page has no item. */
  empty: ReactNode;
  /** The cursor pager of the list; without one the list is a single page. */
  pager?: CursorPager;
  /** Fields of a validation error that the screen shows next to its own inputs (the filters). */
  shownFields?: string[];
  /** The table's classes (Pico's "striped", plus the screen's own). */
  className?: string;
}

export function DataList<T>(props: DataListProps<T>) {
  const { list, pager } = props;
  const items = list.data?.items;
  return (
    <>
      {list.loading && !list.data && <Loading />}
      <ErrorBox error={list.error} shownFields={props.shownFields} />
      {items?.length === 0 && <Empty>{props.empty}</Empty>}
      {items && items.length > 0 && (
        <div className="overflow-auto">
          <table className={props.className ?? "striped"} aria-busy={list.loading || undefined}>
            <thead>
              <tr>
                {props.columns.map((column) => (
                  <th scope="col" key={column}>
                    {column}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>{items.map(props.row)}</tbody>
          </table>
        </div>
      )}
      {pager && <Pager page={pager.page} nextCursor={list.data?.next_cursor} onNext={pager.next} onPrev={pager.prev} />}
    </>
  );
}
