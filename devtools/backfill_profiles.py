"""One-off migration of a deployed table's profiles to the current layout (docs/keys.md,
"Migrating a deployed stage"): every profile written before it gets its keys on the profile-only,
keys-only indexes (GSI11-GSI17 sort orders, GSI18 flags) and loses the ones on the overloaded
GSI1-GSI7 and the older flag indexes (GSI8-GSI10); a profile older still (the private part on
itself) also has that part moved to `PROFILE#PRIVATE`.

    python -m devtools.backfill_profiles TABLE [--start PK]

A maintenance Scan (never on a request path), filtered to profiles still in an old layout, so a
second run finds nothing left to do. Each profile is one TransactWriteItems (the private item, and
the profile's update) conditioned on its `version`: a profile written meanwhile was migrated by
that write and is skipped, never overwritten. The sort keys are copied as they are: GSI1-GSI7
held the same values the sort indexes GSI11-GSI17 take (customers.query_plan.index_sort_keys).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

from chalicelib.models import keys
from chalicelib.models.customers import CUSTOMER_FLAGS_INDEX

# Where each profile sort key moves: from the overloaded index to its profile-only one.
_SORT_KEYS_MOVE = {1: 11, 2: 12, 3: 13, 4: 14, 5: 15, 6: 16, 7: 17}
# The keys of an older layout: GSI1-GSI7 sort orders, GSI10 flags; GSI8, GSI9 (and GSI11, GSI12,
# which the SET below overwrites) the per-flag indexes before the flags index.
_OLD_KEYS = tuple(f"GSI{n}{part}" for n in (*_SORT_KEYS_MOVE, 8, 9, 10) for part in ("PK", "SK"))
# The private part's attributes: the same names on the profile (before) and the private item.
_PRIVATE = ("note", "password_hash", "password_pending", "session_generation", "consents", "import_rows")


def _flag(item: dict[str, Any], name: str, default: bool) -> bool:
    value = item.get(name, {}).get("BOOL")
    return default if value is None else bool(value)


def flags_partition(item: dict[str, Any]) -> str:
    return keys.customer_flags_pk(
        _flag(item, "approved", True),
        _flag(item, "enabled", True),
        _flag(item, "newsletter", False),
        _flag(item, "optin", False),
        _flag(item, "is_guest", False),
    )


def _legacy_profiles(client: Any, table: str, start: dict[str, Any] | None) -> Iterator[dict[str, Any]]:
    request: dict[str, Any] = {
        "TableName": table,
        "FilterExpression": "entity_type = :customer AND ("
        + " OR ".join(f"attribute_exists({name})" for name in ("GSI1PK", "GSI8PK", "GSI10PK", *_PRIVATE))
        + ")",
        "ExpressionAttributeValues": {":customer": {"S": "CUSTOMER"}},
    }
    if start is not None:
        request["ExclusiveStartKey"] = start
    while True:
        page = client.scan(**request)
        yield from page.get("Items", [])
        if "LastEvaluatedKey" not in page:
            return
        print(f"scanned to {page['LastEvaluatedKey']['PK']['S']}", file=sys.stderr)
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _migration(table: str, item: dict[str, Any]) -> list[dict[str, Any]]:
    key = {"PK": item["PK"], "SK": item["SK"]}
    private = {name: item[name] for name in _PRIVATE if name in item}
    values: dict[str, Any] = {
        ":flags": {"S": flags_partition(item)},
        ":id": item["customer_id"],
        ":version": item["version"],
    }
    sets = [f"GSI{CUSTOMER_FLAGS_INDEX}PK = :flags", f"GSI{CUSTOMER_FLAGS_INDEX}SK = :id"]
    for old, new in _SORT_KEYS_MOVE.items():
        if f"GSI{old}PK" in item and f"GSI{old}SK" in item:
            sets += [f"GSI{new}PK = :p{new}", f"GSI{new}SK = :s{new}"]
            values[f":p{new}"], values[f":s{new}"] = item[f"GSI{old}PK"], item[f"GSI{old}SK"]
    moved = {f"GSI{n}{part}" for n in _SORT_KEYS_MOVE.values() for part in ("PK", "SK")}
    removed = [name for name in _OLD_KEYS if name in item and name not in moved] + list(private)
    update = {
        "TableName": table,
        "Key": key,
        "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removed) if removed else ""),
        "ConditionExpression": "version = :version",
        "ExpressionAttributeValues": values,
    }
    writes: list[dict[str, Any]] = [{"Update": update}]
    if private:
        private_item = {
            "PK": item["PK"],
            "SK": {"S": keys.PROFILE_PRIVATE},
            "entity_type": {"S": "CUSTOMER_PRIVATE"},
            "customer_id": item["customer_id"],
            **private,
        }
        writes.insert(0, {"Put": {"TableName": table, "Item": private_item}})
    return writes


def backfill(client: Any, table: str, start: dict[str, Any] | None = None) -> tuple[int, int]:
    """Migrate every old-layout profile; returns (migrated, skipped because changed meanwhile)."""
    migrated = skipped = 0
    for item in _legacy_profiles(client, table, start):
        try:
            client.transact_write_items(TransactItems=_migration(table, item))
            migrated += 1
        except client.exceptions.TransactionCanceledException:
            skipped += 1
    return migrated, skipped


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(prog="python -m devtools.backfill_profiles", description=__doc__)
    parser.add_argument("table")
    parser.add_argument("--start", help="the PK printed last by an interrupted run")
    args = parser.parse_args(argv)
    start = {"PK": {"S": args.start}, "SK": {"S": keys.PROFILE}} if args.start else None
    migrated, skipped = backfill(boto3.client("dynamodb"), args.table, start)
    print(f"migrated {migrated} profiles; {skipped} changed meanwhile (migrated by their own write)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
