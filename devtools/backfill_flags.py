"""One-off migration of a deployed table to the flags index (docs/keys.md, "Migrating a deployed
stage"): every profile written before it gets its GSI10 flags key and loses the five per-flag keys.

    python -m devtools.backfill_flags TABLE [--start PK]

A maintenance Scan (never on a request path), filtered to profiles still carrying a per-flag key, so
a second run finds nothing left to do. Each profile is one UpdateItem conditioned on its `version`:
a profile written meanwhile was re-keyed by that write and is skipped, never overwritten.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from typing import Any

from chalicelib.models import keys

_OLD_FLAG_KEYS = ("GSI8PK", "GSI8SK", "GSI9PK", "GSI9SK", "GSI11PK", "GSI11SK", "GSI12PK", "GSI12SK")


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
        "FilterExpression": "entity_type = :customer AND attribute_exists(GSI8PK)",
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


def backfill(client: Any, table: str, start: dict[str, Any] | None = None) -> tuple[int, int]:
    """Re-key every legacy profile; returns (re-keyed, skipped because changed meanwhile)."""
    rekeyed = skipped = 0
    for item in _legacy_profiles(client, table, start):
        try:
            client.update_item(
                TableName=table,
                Key={"PK": item["PK"], "SK": item["SK"]},
                UpdateExpression="SET GSI10PK = :flags, GSI10SK = :id REMOVE " + ", ".join(_OLD_FLAG_KEYS),
                ConditionExpression="version = :version",
                ExpressionAttributeValues={
                    ":flags": {"S": flags_partition(item)},
                    ":id": item["customer_id"],
                    ":version": item["version"],
                },
            )
            rekeyed += 1
        except client.exceptions.ConditionalCheckFailedException:
            skipped += 1
    return rekeyed, skipped


def main(argv: list[str] | None = None) -> int:
    import boto3

    parser = argparse.ArgumentParser(prog="python -m devtools.backfill_flags", description=__doc__)
    parser.add_argument("table")
    parser.add_argument("--start", help="the PK printed last by an interrupted run")
    args = parser.parse_args(argv)
    start = {"PK": {"S": args.start}, "SK": {"S": keys.PROFILE}} if args.start else None
    rekeyed, skipped = backfill(boto3.client("dynamodb"), args.table, start)
    print(f"re-keyed {rekeyed} profiles; {skipped} changed meanwhile (already re-keyed by their write)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
