"""One-off migration of a deployed table to the flags index and the profile's private item
(docs/keys.md, "Migrating a deployed stage"): every profile written before them gets its GSI10
flags key, loses the five per-flag keys, and its private part moves to `PROFILE#PRIVATE`.

    python -m devtools.backfill_flags TABLE [--start PK]

A maintenance Scan (never on a request path), filtered to profiles still in the old layout, so a
second run finds nothing left to do. Each profile is one TransactWriteItems (the private item, and
the profile's update) conditioned on its `version`: a profile written meanwhile was migrated by
that write and is skipped, never overwritten.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

from chalicelib.models import keys

_OLD_FLAG_KEYS = ("GSI8PK", "GSI8SK", "GSI9PK", "GSI9SK", "GSI11PK", "GSI11SK", "GSI12PK", "GSI12SK")
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
        + " OR ".join(f"attribute_exists({name})" for name in ("GSI8PK", *_PRIVATE))
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
    update = {
        "TableName": table,
        "Key": key,
        "UpdateExpression": "SET GSI10PK = :flags, GSI10SK = :id REMOVE "
        + ", ".join((*_OLD_FLAG_KEYS, *private)),
        "ConditionExpression": "version = :version",
        "ExpressionAttributeValues": {
            ":flags": {"S": flags_partition(item)},
            ":id": item["customer_id"],
            ":version": item["version"],
        },
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

    parser = argparse.ArgumentParser(prog="python -m devtools.backfill_flags", description=__doc__)
    parser.add_argument("table")
    parser.add_argument("--start", help="the PK printed last by an interrupted run")
    args = parser.parse_args(argv)
    start = {"PK": {"S": args.start}, "SK": {"S": keys.PROFILE}} if args.start else None
    migrated, skipped = backfill(boto3.client("dynamodb"), args.table, start)
    print(f"migrated {migrated} profiles; {skipped} changed meanwhile (migrated by their own write)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
