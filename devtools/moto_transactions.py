"""Make moto's TransactWriteItems cost what the transaction touches, not the whole table.

moto 5.2.5 backs up a transaction by deep-copying the *whole table once per transaction item*
(moto/dynamodb/models/__init__.py, transact_write_items), so a 100-item transaction on a table of
50,000 items copies five million items: the local stack slows to a crawl as data grows, and the
import benchmark can't reach 100,000 rows. This patch keeps moto's behaviour — all or nothing —
but backs up only the items the transaction names, and restores those on failure.

It reaches into moto's internals (the module's `copy`, the backend's method), so it is pinned to
the one moto it was read against: `install()` refuses any other version rather than patch code it
has not seen, and tests/integration/test_moto_transactions.py keeps the pin equal to
requirements-dev.txt's and proves both the speed-up and the all-or-nothing behaviour.

Used by the local stack, the tests and the benchmarks; never by the app.
"""

from __future__ import annotations

import copy
import threading
from typing import Any

# The moto whose transact_write_items this patch was written against (requirements-dev.txt).
PINNED_MOTO_VERSION = "5.2.5"

_INSTALLED = False
_LOCK = threading.Lock()


class _TablesByReference:
    """Stands in for the `copy` module inside moto's DynamoDB models: tables are not copied."""

    def __init__(self, table_type: type) -> None:
        self._table_type = table_type

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        if isinstance(value, self._table_type):
            return value
        return copy.deepcopy(value, memo)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def install() -> None:
    """Patch moto (once per process).

    Raises: RuntimeError when the installed moto is not PINNED_MOTO_VERSION.
    """
    global _INSTALLED
    with _LOCK:
        if _INSTALLED:
            return
        import moto

        if moto.__version__ != PINNED_MOTO_VERSION:
            # Loud on purpose: silently skipping left tests and the local stack slow (or wrong, if
            # moto's internals moved) with nothing saying why.
            raise RuntimeError(
                f"devtools/moto_transactions.py patches moto {PINNED_MOTO_VERSION}, but moto "
                f"{moto.__version__} is installed: re-check the patch against the new "
                "moto/dynamodb/models/__init__.py (transact_write_items: does it still deep-copy "
                "whole tables and roll back by putting them back?), then set PINNED_MOTO_VERSION"
            )
        import moto.dynamodb.models as models
        from moto.dynamodb.models.table import Table

        backend_type = models.DynamoDBBackend
        original = backend_type.transact_write_items

        def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
            saved = _touched_items(self, transact_items)
            try:
                original(self, transact_items)
            except Exception:
                _restore(self, saved)
                raise

        models.copy = _TablesByReference(Table)  # type: ignore[assignment,attr-defined]
        backend_type.transact_write_items = transact_write_items  # type: ignore[method-assign]
        _INSTALLED = True


def _touched_items(
    backend: Any, transact_items: list[dict[str, Any]]
) -> list[tuple[str, dict[str, Any], Any]]:
    saved: list[tuple[str, dict[str, Any], Any]] = []
    for item in transact_items:
        if len(item) != 1:
            continue  # moto raises for this itself
        op_type, op = next(iter(item.items()))
        table_name = op.get("TableName")
        if table_name not in backend.tables:
            continue
        table = backend.tables[table_name]
        if op_type == "Put":
            attrs = op.get("Item", {})
            if table.hash_key_attr not in attrs:
                continue
            key = {table.hash_key_attr: attrs[table.hash_key_attr]}
            if table.range_key_attr is not None and table.range_key_attr in attrs:
                key[table.range_key_attr] = attrs[table.range_key_attr]
        else:
            key = op.get("Key")
            if not key:
                continue
        try:
            current = backend.get_item(table_name, key)
        except Exception:  # noqa: S112 - an invalid key: moto reports it, nothing to restore
            continue
        saved.append((table_name, key, copy.deepcopy(current.to_json()["Attributes"]) if current else None))
    return saved


def _restore(backend: Any, saved: list[tuple[str, dict[str, Any], Any]]) -> None:
    for table_name, key, attributes in reversed(saved):
        if attributes is None:
            if backend.get_item(table_name, key) is not None:
                backend.delete_item(table_name, key)
        else:
            backend.put_item(table_name, attributes)
