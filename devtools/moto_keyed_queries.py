"""Make moto's Query cost the partition it reads, not the whole table.

moto 5.2.5 answers every Query — base table or index — by building and sorting a list of *all* the
table's items (moto/dynamodb/models/table.py, `Table.query` → `all_items()`) and walking it from
the start: at a real shop's size (100k customers, a few hundred thousand items) every page of the
back-office list, every customer view and every cart read walks them all, and the local stack
crawls.

This patch keeps moto answering (its own `Table.query` still matches keys, skips to the
ExclusiveStartKey, applies Limit, the 1 MB page size, projections and filters, and writes the
LastEvaluatedKey), but narrows what `all_items()` hands that one call to the items the answer can
depend on:

- every table keeps, per partition of the base table and of each index, its items in moto's own
  sort order (a `SortedKeyList`), updated on every write path: `Table.put_item` (PutItem,
  BatchWriteItem, transactions, PartiQL, imports, moto_transactions' rollback),
  `Table.delete_item` and `DynamoDBBackend.update_item` (which changes items in place). moto
  never expires TTL items, so there is no expiry path to follow;
- a Query bisects its partition to the key condition's range and the ExclusiveStartKey and takes,
  in its direction, the items up to two past Limit plus the first item beyond the range — the
  one moto looks at before it stops — so the answer, LastEvaluatedKey included, is moto's.

A query shape it does not key (legacy QueryFilter, multi-attribute index keys, a page that may
reach moto's 1 MB cut past its key range, key values of mixed types, an index added after the
maps were built is rebuilt first) takes moto's whole-table walk, unchanged.
tests/integration/test_moto_keyed_queries.py compares the two over random writes and queries, and
fails when moto's version or the source of a patched function changes.

Used by the local stack, the tests and the benchmarks; never by the app.
"""

from __future__ import annotations

import ast
import contextlib
import contextvars
import functools
import hashlib
import inspect
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sortedcontainers import SortedKeyList

# The moto these functions were read against (requirements-dev.txt), and the SHA-256 (first 16 hex
# digits) of the source of each function the patch relies on: a change to any is a re-read.
PINNED_MOTO_VERSION = "5.2.5"
PINNED_SOURCES = {
    "moto.dynamodb.models.table.Table.query": "7c7c449c0d26f159",
    "moto.dynamodb.models.table.Table.all_items": "98389d15573959bc",
    "moto.dynamodb.models.table.Table.put_item": "5f3a6f3029297f91",
    "moto.dynamodb.models.table.Table.delete_item": "a684a6566b67c750",
    "moto.dynamodb.models.table.Table._item_comes_before_dct": "f81564b9a0909031",
    "moto.dynamodb.models.table.Table._generate_attr_to_sort_by": "4baf8ff4092f24a3",
    "moto.dynamodb.models.table.Table.sorted_items": "9e330e95fe997478",
    "moto.dynamodb.models.DynamoDBBackend.update_item": "d8e4e02a421005da",
    "moto.dynamodb.models.DynamoDBBackend.transact_write_items": "c3c395e934006404",
    "moto.dynamodb.models.dynamo_type.DynamoType.cast_value": "ff14d1d28f37b888",
    "moto.dynamodb.models.DynamoDBBackend.put_item": "7efe9807b019969a",
    "moto.dynamodb.models.DynamoDBBackend.delete_item": "f1160c7db9568612",
    "moto.dynamodb.models.DynamoDBBackend.execute_statement": "aa53a693cb0f0459",
    "moto.dynamodb.responses.DynamoHandler.batch_write_item": "13d3d7d08b0e0b13",
    "moto.dynamodb.models.table_import.TableImport._process_s3_files": "e63670fcf5120213",
}
# moto refuses items above 405,000 bytes (dynamo_type.LimitedSizeDict); pages stop at 1 MB.
_MAX_ITEM_SIZE = 405_000
_RESULT_SIZE_LIMIT = 1_000_000
# Key condition operators as moto's Query receives them (KeyConditionExpression and KeyConditions).
_BOUNDED_OPERATORS = frozenset({"=", "<", "<=", ">", ">=", "BETWEEN", "BEGINS_WITH"})

_INSTALLED = False
_INSTALL_LOCK = threading.Lock()
# The candidates of the Query running in this thread: (table, items), read by all_items().
_CANDIDATES: contextvars.ContextVar[tuple[Any, list[Any]] | None] = contextvars.ContextVar(
    "moto_keyed_candidates", default=None
)
# Inside a write this patch already follows (update_item creates through put_item).
_IN_WRITE: contextvars.ContextVar[bool] = contextvars.ContextVar("moto_keyed_in_write", default=False)
_WALK_ONLY: contextvars.ContextVar[bool] = contextvars.ContextVar("moto_keyed_walk_only", default=False)


@dataclass
class QueryCounts:
    """What the patch did since install (for tests and benchmarks): queries keyed or walked, and
    the items handed to moto for the keyed ones."""

    keyed: int = 0
    walked: int = 0
    candidates: int = 0


COUNTS = QueryCounts()


def source_fingerprints() -> dict[str, str]:
    """The fingerprint of the installed moto's source of every function in PINNED_SOURCES, read
    from moto's files (not the live classes: this patch and moto_transactions replace some)."""
    import importlib

    fingerprints: dict[str, str] = {}
    parsed: dict[str, tuple[str, ast.Module]] = {}
    for dotted in PINNED_SOURCES:
        module_name, class_name, function_name = dotted.rsplit(".", 2)
        if module_name not in parsed:
            source = inspect.getsource(importlib.import_module(module_name))
            parsed[module_name] = (source, ast.parse(source))
        source, tree = parsed[module_name]
        classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name]
        functions = [
            n
            for n in (classes[0].body if classes else [])
            if isinstance(n, ast.FunctionDef) and n.name == function_name
        ]
        segment = ast.get_source_segment(source, functions[0]) if functions else None
        fingerprints[dotted] = hashlib.sha256(segment.encode()).hexdigest()[:16] if segment else "missing"
    return fingerprints


@contextlib.contextmanager
def walking() -> Iterator[None]:
    """Within this block (this thread), queries take moto's own whole-table walk: the reference
    the tests compare the keyed answers with."""
    token = _WALK_ONLY.set(True)
    try:
        yield
    finally:
        _WALK_ONLY.reset(token)


def install() -> None:
    """Patch moto (once per process).

    Raises: RuntimeError when the installed moto is not PINNED_MOTO_VERSION.
    """
    global _INSTALLED
    with _INSTALL_LOCK:
        if _INSTALLED:
            return
        import moto

        if moto.__version__ != PINNED_MOTO_VERSION:
            # Loud on purpose, as moto_transactions: a silent skip leaves the local stack slow, a
            # patch of code it has not read could answer queries wrongly.
            raise RuntimeError(
                f"devtools/moto_keyed_queries.py patches moto {PINNED_MOTO_VERSION}, but moto "
                f"{moto.__version__} is installed: re-read Table.query / all_items and every write "
                "path of moto/dynamodb/models (see PINNED_SOURCES), then update PINNED_MOTO_VERSION "
                "and the fingerprints"
            )
        import moto.dynamodb.models as models
        from moto.dynamodb.models.table import Table

        _patch_reads(Table)
        _patch_writes(Table, models.DynamoDBBackend)
        _INSTALLED = True


def _patch_reads(table_type: Any) -> None:
    original_query = table_type.query
    original_all_items = table_type.all_items

    @functools.wraps(original_query)
    def query(self: Any, *args: Any, **kwargs: Any) -> Any:
        picked = None if _WALK_ONLY.get() else _state(self).candidates(_QueryShape.of(*args, **kwargs))
        if picked is None:
            COUNTS.walked += 1
            return original_query(self, *args, **kwargs)
        COUNTS.keyed += 1
        COUNTS.candidates += len(picked)
        token = _CANDIDATES.set((self, picked))
        try:
            return original_query(self, *args, **kwargs)
        finally:
            _CANDIDATES.reset(token)

    @functools.wraps(original_all_items)
    def all_items(self: Any) -> list[Any]:
        current = _CANDIDATES.get()
        if current is not None and current[0] is self:
            return list(current[1])
        return original_all_items(self)  # type: ignore[no-any-return]

    table_type.query = query
    table_type.all_items = all_items


def _patch_writes(table_type: Any, backend_type: Any) -> None:
    original_put = table_type.put_item
    original_delete = table_type.delete_item
    original_update = backend_type.update_item

    @functools.wraps(original_put)
    def put_item(self: Any, item_attrs: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        return _followed(
            self, lambda: _key_of(self, item_attrs), lambda: original_put(self, item_attrs, *args, **kwargs)
        )

    @functools.wraps(original_delete)
    def delete_item(self: Any, hash_key: Any, range_key: Any) -> Any:
        return _followed(
            self, lambda: (hash_key, range_key), lambda: original_delete(self, hash_key, range_key)
        )

    @functools.wraps(original_update)
    def update_item(self: Any, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        table = self.tables.get(table_name)
        if table is None:
            return original_update(self, table_name, key, *args, **kwargs)
        return _followed(
            table,
            lambda: _key_of(table, key),
            lambda: original_update(self, table_name, key, *args, **kwargs),
        )

    table_type.put_item = put_item
    table_type.delete_item = delete_item
    backend_type.update_item = update_item


def _followed(table: Any, key: Callable[[], tuple[Any, Any] | None], write: Callable[[], Any]) -> Any:
    """Run one write and move its item between partitions: where it was filed before, where it
    belongs after (also when the write failed half-way: moto may have changed the item)."""
    if _IN_WRITE.get():
        return write()
    state = _state(table)
    with state.lock:
        try:
            item_key = key()
        except Exception:  # a malformed key: moto raises it below, and writes nothing
            item_key = None
        if item_key is None:
            return write()
        stored = state.current(*item_key)
        before = (stored, state.filing(stored))
        token = _IN_WRITE.set(True)
        try:
            return write()
        finally:
            _IN_WRITE.reset(token)
            state.move(before, state.current(*item_key))


def _key_of(table: Any, attrs: dict[str, Any]) -> tuple[Any, Any] | None:
    from moto.dynamodb.models.dynamo_type import DynamoType

    if table.hash_key_attr not in attrs:
        return None
    hash_key = DynamoType(attrs[table.hash_key_attr])
    if table.range_key_attr is None:
        return hash_key, None
    if table.range_key_attr not in attrs:
        return None
    return hash_key, DynamoType(attrs[table.range_key_attr])


class _Top:
    """Compares above every value: `(v, _TOP)` sorts after every key that starts with `v`."""

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True


_TOP = _Top()


@dataclass(frozen=True)
class _Layout:
    """How moto orders one index (None: the base table) within a partition: the partition
    attribute and the attributes it sorts by after it (moto's `_generate_attr_to_sort_by`)."""

    index_name: str | None
    hash_attr: str
    sort_attrs: tuple[str, ...]
    # The attribute a key condition on this index's sort key names (None: no sort key).
    range_attr: str | None


def _layouts(table: Any) -> dict[str | None, _Layout]:
    """The table and each index whose Query this patch keys: one partition attribute, at most
    one sort attribute, built the way Table.query builds its sort attributes."""
    layouts: dict[str | None, _Layout] = {
        None: _Layout(
            None,
            table.hash_key_attr,
            (table.range_key_attr,) if table.range_key_attr else (),
            table.range_key_attr,
        )
    }
    for index in table.all_indexes():
        hashes = [k["AttributeName"] for k in index.schema if k["KeyType"] == "HASH"]
        ranges = [k["AttributeName"] for k in index.schema if k["KeyType"] == "RANGE"]
        if len(hashes) != 1 or len(ranges) > 1:
            continue  # multi-attribute keys: moto's walk
        if ranges:
            range_attrs: list[str | None] = [ranges[0], table.range_key_attr]
        elif index in (table.global_indexes or []) and table.range_key_attr:
            range_attrs = [table.range_key_attr, table.range_key_attr]
        else:
            continue
        attrs = table._generate_attr_to_sort_by([hashes[0], table.hash_key_attr], range_attrs)
        layouts[index.name] = _Layout(index.name, hashes[0], tuple(attrs[1:]), ranges[0] if ranges else None)
    return layouts


def _signature(table: Any) -> tuple[tuple[str, int], ...]:
    return tuple((index.name, id(index)) for index in table.all_indexes())


@dataclass(frozen=True)
class _QueryShape:
    """The arguments of Table.query this patch reads, by name."""

    hash_key: Any
    range_comparison: str | None
    range_objs: Sequence[Any]
    limit: int | None
    exclusive_start_key: dict[str, Any] | None
    scan_index_forward: bool
    index_name: str | None
    hash_key_conditions: Sequence[tuple[str, Any]]
    range_key_conditions: Sequence[tuple[str, str, Sequence[Any]]]
    legacy_filters: bool

    @classmethod
    def of(
        cls,
        hash_key: Any,
        range_comparison: str | None,
        range_objs: Sequence[Any],
        limit: int | None,
        exclusive_start_key: dict[str, Any] | None,
        scan_index_forward: bool,
        projection_expressions: Any,
        index_name: str | None = None,
        consistent_read: bool = False,
        filter_expression: Any = None,
        hash_key_conditions: Sequence[tuple[str, Any]] | None = None,
        range_key_conditions: Sequence[tuple[str, str, Sequence[Any]]] | None = None,
        **filter_kwargs: Any,
    ) -> _QueryShape:
        return cls(
            hash_key,
            range_comparison,
            range_objs,
            limit,
            exclusive_start_key,
            scan_index_forward,
            index_name,
            hash_key_conditions or (),
            range_key_conditions or (),
            bool(filter_kwargs),
        )


@dataclass
class _TableState:
    """One table's items by (index, partition), each partition in moto's sort order."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    built_for: tuple[tuple[str, int], ...] | None = None
    table: Any = None
    layouts: dict[str | None, _Layout] = field(default_factory=dict)
    partitions: dict[tuple[str | None, Any], Any] = field(default_factory=dict)
    # Indexes whose values could not be ordered (mixed key types): moto's walk answers them.
    unordered: set[str | None] = field(default_factory=set)

    def __deepcopy__(self, memo: dict[int, Any]) -> _TableState:
        # moto copies whole tables (backups, unpatched transactions): the copy rebuilds its own.
        return _TableState()

    def ensure(self, table: Any) -> None:
        signature = _signature(table)
        if self.built_for == signature and self.table is table:
            return
        self.table = table
        self.layouts = _layouts(table)
        self.partitions = {}
        self.unordered = set()
        for item in _stored_items(table):
            self._file(item)
        self.built_for = signature

    # -- writes ----------------------------------------------------------------------------------
    def current(self, hash_key: Any, range_key: Any) -> Any:
        """The stored item at this key (without creating moto's defaultdict entry)."""
        self.ensure(self.table)
        stored = self.table.items.get(hash_key)
        if self.table.range_key_attr is None or stored is None:
            return stored
        return stored.get(range_key)

    def filing(self, item: Any) -> list[tuple[tuple[str | None, Any], tuple[Any, ...]]]:
        """(partition, sort key) of every partition this item belongs to, as its attributes are now."""
        places: list[tuple[tuple[str | None, Any], tuple[Any, ...]]] = []
        if item is None:
            return places
        attrs = item.attrs
        for name, layout in self.layouts.items():
            if name in self.unordered:
                continue
            hash_value = attrs.get(layout.hash_attr)
            if hash_value is None or any(a not in attrs for a in layout.sort_attrs):
                continue  # moto's Query skips items without every key attribute of the index
            try:
                partition = (name, (hash_value.type, hash_value.cast_value))
                hash(partition)
            except TypeError:
                continue  # a list/map/set value never equals a scalar partition key
            places.append((partition, tuple(attrs[a].cast_value for a in layout.sort_attrs)))
        return places

    def move(
        self, before: tuple[Any, list[tuple[tuple[str | None, Any], tuple[Any, ...]]]], after: Any
    ) -> None:
        """Unfile `before` (an item and where it was filed) and file `after` (the item now stored)."""
        old_item, places = before
        for partition, sort_key in places:
            entries = self.partitions.get(partition)
            if entries is None:
                continue
            position = entries.bisect_key_left(sort_key)
            if position < len(entries) and entries[position] is old_item:
                del entries[position]
            else:
                # Not where its key says: only if something changed the item behind this patch's back.
                for position, entry in enumerate(entries):
                    if entry is old_item:
                        del entries[position]
                        break
            if not entries:
                del self.partitions[partition]
        if after is not None:
            self._file(after)

    def _file(self, item: Any) -> None:
        for partition, _sort_key in self.filing(item):
            entries = self.partitions.get(partition)
            if entries is None:
                entries = self.partitions[partition] = SortedKeyList(key=_sort_key_of(self, partition[0]))
            try:
                entries.add(item)
            except TypeError:
                # Values of different types under one index key: moto's walk keeps answering.
                self.unordered.add(partition[0])
                self._drop_index(partition[0])

    def _drop_index(self, index_name: str | None) -> None:
        for partition in [p for p in self.partitions if p[0] == index_name]:
            del self.partitions[partition]

    # -- reads -----------------------------------------------------------------------------------
    def candidates(self, shape: _QueryShape) -> list[Any] | None:
        """The items moto's Query needs to give its answer for this shape, in table order; None
        where the answer could depend on items outside them (moto then walks the table)."""
        if shape.legacy_filters or (shape.limit is not None and shape.limit < 1):
            return None
        with self.lock:
            self.ensure(self.table)
            layout = self.layouts.get(shape.index_name)
            if layout is None or shape.index_name in self.unordered:
                return None
            partition_value = self._partition_value(layout, shape)
            if partition_value is None:
                return None
            try:
                partition = (layout.index_name, (partition_value.type, partition_value.cast_value))
                entries = self.partitions.get(partition)
            except TypeError:
                return None
            if entries is None:
                return []
            try:
                window = self._window(layout, entries, shape)
            except TypeError:
                return None  # a key value of another type than the partition's: moto decides
            if window is None:
                return None
            return self._pick(entries, window, shape)

    def _partition_value(self, layout: _Layout, shape: _QueryShape) -> Any:
        if len(shape.range_key_conditions) > 1:
            return None
        if shape.range_key_conditions and shape.range_key_conditions[-1][0] != layout.range_attr:
            return None
        if shape.range_comparison and (
            layout.range_attr is None or shape.range_comparison not in _BOUNDED_OPERATORS
        ):
            return None
        if layout.index_name is None:
            return shape.hash_key
        conditions = dict(shape.hash_key_conditions)
        if set(conditions) != {layout.hash_attr}:
            return None
        return conditions[layout.hash_attr]

    def _window(self, layout: _Layout, entries: Any, shape: _QueryShape) -> tuple[int, int] | None:
        """[lo, hi): positions that hold every item the key condition and the start key admit."""
        low, high = 0, len(entries)
        if shape.range_comparison:
            values = [obj.cast_value for obj in shape.range_objs]
            operator = shape.range_comparison
            if operator in ("=", ">=", "BETWEEN", "BEGINS_WITH"):
                low = entries.bisect_key_left((values[0],))
            elif operator == ">":
                low = entries.bisect_key_right((values[0], _TOP))
            if operator in ("=", "<="):
                high = entries.bisect_key_right((values[0], _TOP))
            elif operator == "<":
                high = entries.bisect_key_left((values[0],))
            elif operator == "BETWEEN":
                high = entries.bisect_key_right((values[1], _TOP))
            elif operator == "BEGINS_WITH":
                if not isinstance(values[0], str):
                    return None
                upper = _after_prefix(values[0])
                high = entries.bisect_key_left((upper,)) if upper is not None else len(entries)
        if shape.exclusive_start_key is not None:
            start = shape.exclusive_start_key
            if any(a not in start for a in layout.sort_attrs):
                return None
            from moto.dynamodb.models.dynamo_type import DynamoType

            start_key = tuple(DynamoType(start[a]).cast_value for a in layout.sort_attrs)
            # The start key's own item is included: moto skips it itself.
            if shape.scan_index_forward:
                low = max(low, entries.bisect_key_left(start_key))
            else:
                high = min(high, entries.bisect_key_right(start_key))
        return low, max(low, high)

    def _pick(self, entries: Any, window: tuple[int, int], shape: _QueryShape) -> list[Any] | None:
        low, high = window
        # Two past Limit: the start key's own item may be among them, and moto stops only when it
        # looks at the item after a full page (that is when it writes a LastEvaluatedKey).
        wanted = None if shape.limit is None else shape.limit + 2
        if shape.scan_index_forward:
            positions = range(low, min(high + 1, len(entries)))
        else:
            positions = range(high - 1, max(low - 2, -1), -1)
        picked: list[Any] = []
        size = 0
        for position in positions:
            item = entries[position]
            picked.append(item)
            if not low <= position < high:
                # The first item past the range, which moto looks at before it ends. It goes on
                # past the range only comparing each item's size with the page's: an item there
                # could cut the page only when the page is near moto's 1 MB.
                if size + _MAX_ITEM_SIZE > _RESULT_SIZE_LIMIT:
                    return None
                break
            size += item.size()
            if (wanted is not None and len(picked) >= wanted) or size > _RESULT_SIZE_LIMIT + _MAX_ITEM_SIZE:
                break  # moto ends its page within these
        return sorted(picked, key=_table_order)


def _table_order(item: Any) -> Any:
    # all_items()'s order; moto re-sorts the candidates in the query's own order anyway.
    return (item.hash_key, item.range_key) if item.range_key else item.hash_key


def _sort_key_of(state: _TableState, index_name: str | None) -> Callable[[Any], tuple[Any, ...]]:
    attributes = state.layouts[index_name].sort_attrs

    def sort_key(item: Any) -> tuple[Any, ...]:
        return tuple(item.attrs[a].cast_value for a in attributes)

    return sort_key


def _after_prefix(prefix: str) -> str | None:
    """The smallest string above every string that starts with `prefix` (code point order, as
    moto compares), or None when there is none."""
    trimmed = prefix.rstrip(chr(0x10FFFF))
    if not trimmed:
        return None
    return trimmed[:-1] + chr(ord(trimmed[-1]) + 1)


def _stored_items(table: Any) -> Iterator[Any]:
    for stored in list(table.items.values()):
        if table.range_key_attr:
            yield from list(stored.values())
        else:
            yield stored


def _state(table: Any) -> _TableState:
    state: _TableState | None = table.__dict__.get("_keyed_queries")
    if state is None:
        state = table.__dict__.setdefault("_keyed_queries", _TableState())
    if state.table is not table:
        with state.lock:
            state.ensure(table)
    return state
