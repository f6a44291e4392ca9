"""One page of a Query whose rows may still need filtering, read in requests of growing size."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.models.errors import dynamo_errors, from_low_level


@dataclass(frozen=True)
class Page[T]:
    """One page of results and where the next one starts (None on the last page)."""

    items: list[T]
    next_position: dict[str, Any] | None


def _query(
    query: Callable[..., Any],
    partition: str,
    sort_condition: Any,
    scan_index_forward: bool | None,
    limit: int,
    position: dict[str, Any] | None,
) -> Any:
    from chalicelib.models.errors import to_low_level

    return query(
        partition,
        sort_condition,
        scan_index_forward=scan_index_forward,
        limit=limit,
        page_size=limit,
        last_evaluated_key=to_low_level(position) if position else None,
    )


def query_rows[R, T](
    query: Callable[..., Any],
    partition: str,
    record_type: type[R],
    convert: Callable[[R], T],
    limit: int,
    *,
    sort_condition: Any = None,
    scan_index_forward: bool | None = None,
) -> list[T]:
    """The first `limit` items of a Query (`query`: a record's or an index's `query`) on
    `partition` (and `sort_condition`) that are `record_type` items, converted. None for
    `scan_index_forward` leaves ScanIndexForward out of the request (DynamoDB's ascending)."""
    with dynamo_errors():
        iterator = _query(query, partition, sort_condition, scan_index_forward, limit, None)
        return [convert(record) for record in iterator if isinstance(record, record_type)]


def query_page[R, T](
    query: Callable[..., Any],
    partition: str,
    record_type: type[R],
    convert: Callable[[R], T],
    limit: int,
    position: dict[str, Any] | None,
    *,
    sort_condition: Any = None,
    newest_first: bool = False,
) -> Page[T]:
    """As query_rows, one page from `position` on, with no row-by-row filter. The next position
    is DynamoDB's own LastEvaluatedKey (so a full last page is followed by an empty one: the
    callers' contract)."""
    # None, not True: the request leaves ScanIndexForward out, as it always did.
    scan_index_forward = False if newest_first else None
    with dynamo_errors():
        iterator = _query(query, partition, sort_condition, scan_index_forward, limit, position)
        rows = [convert(record) for record in iterator if isinstance(record, record_type)]
        return Page(rows, from_low_level(iterator.last_evaluated_key))


# A page may need more reads than rows when filters are left to check row by row; past this many
# items read, the page is returned short with a cursor rather than keep the caller waiting.
MAX_ITEMS_READ_PER_PAGE = 1000


def read_page[T](
    query: Callable[[dict[str, Any] | None, int], Any],
    convert: Callable[[Any], T | None],
    keep: Callable[[T], bool],
    position_of: Callable[[Any], dict[str, Any]],
    limit: int,
    position: dict[str, Any] | None,
) -> Page[T]:
    """`query(start, size)` runs one request of at most `size` items from `start`; `convert` turns
    a record into a row (None skips it); `keep` is the row-by-row filter; `position_of` gives the
    keys to resume after a record.

    The first request asks for limit + 1 items (one more row tells whether another page exists);
    while filters reject rows, each next request doubles, so items read stay within about twice
    what the filters need."""
    size = limit + 1
    start = position
    rows: list[tuple[T, Any]] = []
    read = 0
    with dynamo_errors():
        while True:
            iterator = query(start, size)
            for record in iterator:
                read += 1
                row = convert(record)
                if row is not None and keep(row):
                    rows.append((row, record))
                    if len(rows) > limit:
                        break
            if len(rows) > limit:
                kept = rows[:limit]
                return Page([row for row, _ in kept], position_of(kept[-1][1]))
            start = from_low_level(iterator.last_evaluated_key)
            if start is None or read >= MAX_ITEMS_READ_PER_PAGE:
                return Page([row for row, _ in rows], start)
            size = min(size * 2, MAX_ITEMS_READ_PER_PAGE)


def index_page[T](
    number: int,
    partition: str,
    convert: Callable[[Any], T | None],
    keep: Callable[[T], bool],
    limit: int,
    position: dict[str, Any] | None,
    *,
    prefix: str = "",
    newest_first: bool = True,
) -> Page[T]:
    """One page of index GSI<number>'s `partition` (sort keys starting with `prefix`), filtered
    row by row with `keep`; the position is the last row's table and index keys."""
    from chalicelib.models.base import TableRecord, index_by_number
    from chalicelib.models.errors import to_low_level

    def query(start: dict[str, Any] | None, size: int) -> Any:
        sort_attr = getattr(TableRecord, f"gsi{number}sk")
        return index_by_number(number).query(
            partition,
            sort_attr.startswith(prefix) if prefix else None,
            scan_index_forward=not newest_first,
            limit=size,
            page_size=size,
            last_evaluated_key=to_low_level(start) if start else None,
        )

    def position_of(record: Any) -> dict[str, Any]:
        return {
            "PK": record.pk,
            "SK": record.sk,
            f"GSI{number}PK": getattr(record, f"gsi{number}pk"),
            f"GSI{number}SK": getattr(record, f"gsi{number}sk"),
        }

    return read_page(query, convert, keep, position_of, limit, position)


def _sort_range(sort_attr: Any, after: str | None, frontier: str | None, descending: bool) -> Any:
    """The sort-key condition of one partition's read: past the cursor (`after`, exclusive) and
    no further than the frontier (inclusive). `between` includes the cursor's own row, which
    only the one partition holding it reads again (and skips)."""
    low, high = (frontier, after) if descending else (after, frontier)
    if low is not None and high is not None:
        return sort_attr.between(low, high)
    if descending:
        return sort_attr < high if high is not None else (sort_attr >= low if low is not None else None)
    return sort_attr > low if low is not None else (sort_attr <= high if high is not None else None)


def merged_index_page[T](
    number: int,
    partitions: tuple[str, ...],
    convert: Callable[[Any], T | None],
    keep: Callable[[T], bool],
    limit: int,
    position: dict[str, Any] | None,
    *,
    descending: bool = False,
    bound: str | None = None,
    hydrate: Callable[[list[Any]], list[Any]] | None = None,
) -> Page[T]:
    """One page across several partitions of GSI<number> that share a sort key (the flags
    index: one partition per combination of flags, all sorted by id), merged in sort-key order.

    The position is the last row's sort key, so each partition is read from just past it. The
    first partition (the caller puts the likeliest-largest first) is read for limit + 1 kept
    rows; from then on the (limit + 1)-th smallest sort key kept so far is a frontier: no row
    beyond it can be on this page, so every later partition is read only up to it. Items read
    are about (limit + 1) / (the first partition's share of the matches), plus one Query per
    partition (an empty one reads nothing). `bound` is a frontier from the start (an inclusive
    limit of the sort key); `keep` is the row-by-row filter, each partition reading on until
    limit + 1 rows are kept or MAX_ITEMS_READ_PER_PAGE items were read (then the page ends
    there, short, with its cursor). `hydrate` turns each request's index rows into the items
    `convert` needs (a keys-only index: one BatchGetItem of the rows read), before `keep` sees
    them; the rows keep their order and a row it does not return is skipped."""
    from chalicelib.models.base import TableRecord, index_by_number
    from chalicelib.models.errors import to_low_level

    after = str(position["after"]) if position else None
    sort_attr = getattr(TableRecord, f"gsi{number}sk")
    index = index_by_number(number)

    def beyond(key: str, frontier: str) -> bool:
        return key < frontier if descending else key > frontier

    kept: list[tuple[str, T]] = []
    frontier, capped = bound, False
    with dynamo_errors():
        for partition in partitions:
            read = kept_here = 0
            start: dict[str, Any] | None = None
            done = False
            # One request of limit + 1 items at a time (what iterating the query lazily sent), so
            # `hydrate` sees each request's rows together.
            while not done:
                iterator = index.query(
                    partition,
                    _sort_range(sort_attr, after, frontier, descending),
                    scan_index_forward=not descending,
                    limit=limit + 1,
                    page_size=limit + 1,
                    last_evaluated_key=to_low_level(start) if start else None,
                )
                records = list(iterator)
                start = from_low_level(iterator.last_evaluated_key)
                done = start is None
                for record in hydrate(records) if hydrate is not None and records else records:
                    key = str(getattr(record, f"gsi{number}sk"))
                    if key == after:
                        continue
                    read += 1
                    row = convert(record)
                    if row is not None and keep(row):
                        kept.append((key, row))
                        kept_here += 1
                        if kept_here > limit:
                            done = True
                            break
                    if read >= MAX_ITEMS_READ_PER_PAGE:
                        frontier, capped, done = key, True, True
                        break
            kept.sort(key=lambda entry: entry[0], reverse=descending)
            kept = [entry for entry in kept if frontier is None or not beyond(entry[0], frontier)]
            del kept[limit + 1 :]
            if len(kept) > limit:
                frontier = kept[-1][0]
    rows = [row for _, row in kept[:limit]]
    if len(kept) > limit:
        return Page(rows, {"after": kept[limit - 1][0]})
    if capped and frontier is not None:
        return Page(rows, {"after": frontier})
    return Page(rows, None)
