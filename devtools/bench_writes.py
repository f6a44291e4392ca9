"""`make bench` (index writes, issue 19 goal 3): DynamoDB write units per customer write, summed
over the base item and every index item it lands in, and index storage per 10,000 customers.

Nothing here is hand-made: the scenario runs the real services on moto, and every item a write
touches is read from the table just before and just after the request (so a TransactWriteItems'
Updates and Deletes count as much as its Puts). Each (before, after) pair is then priced twice:

- before: the layout of the table at the start of issue 19's round — the private part (note,
  password hash, consents, import rows, session generation) on the profile item, its seven sort
  keys on the overloaded GSI1-GSI7, five flag indexes on the profile (GSI8 status, GSI9 enabled,
  GSI10 newsletter, GSI11 optin, GSI12 guest), every index ALL;
- after: the items as the code now writes them, under the projections the models declare (the
  profile in its own keys-only GSI11-GSI18, the private item in no index).

Pricing follows DynamoDB's rules: an item's size is models/capacity.py's (attribute names plus
values, by DynamoDB's size rules); a write costs one unit per started KB of the larger of the old
and new item; an index costs nothing when neither its keys nor its projected attributes change, one
write when only projected attributes change, and a delete plus a put when its keys move. Index
storage counts each index item's size plus DynamoDB's 100 bytes of overhead. Transactional writes
bill each unit twice; both columns are single units, so the ratios hold either way.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chalicelib.models.capacity import item_bytes
from devtools.bench import NOW

Item = dict[str, Any]
KB = 1024
INDEX_OVERHEAD = 100  # bytes DynamoDB adds to each index item in storage
CUSTOMERS_FOR_STORAGE = 10_000
LONG_NOTE_CHARS = int(os.environ.get("BENCH_NOTE_CHARS", "2000"))
# Hashed with argon2 like any password: the profile carries the hash, as a real one does.
PASSWORD = "correct horse battery staple"  # noqa: S105 - a bench fixture, not a secret


def item_size(item: Item) -> int:
    return item_bytes(item)


def units(size: int) -> int:
    return math.ceil(size / KB) if size else 0


# An index's projection: None is ALL, otherwise the non-key attributes it includes (() = KEYS_ONLY).
Projections = dict[int, tuple[str, ...] | None]


def model_projections() -> Projections:
    """The projections the table is created with (models/base.py)."""
    from chalicelib.models.base import INDEX_NUMBERS, index_by_number

    found: Projections = {}
    for number in INDEX_NUMBERS:
        projection = index_by_number(number).Meta.projection
        kind = projection.projection_type
        found[number] = None if kind == "ALL" else tuple(projection.non_key_attributes or ())
    return found


def index_item(item: Item | None, number: int, projection: tuple[str, ...] | None) -> Item | None:
    if item is None or f"GSI{number}PK" not in item or f"GSI{number}SK" not in item:
        return None
    if projection is None:
        return item
    names = {"PK", "SK", f"GSI{number}PK", f"GSI{number}SK", *projection}
    return {name: value for name, value in item.items() if name in names}


def write_units(old: Item | None, new: Item | None, projections: Projections) -> int:
    total = units(max(item_size(old or {}), item_size(new or {})))
    for number, projection in projections.items():
        before, after = index_item(old, number, projection), index_item(new, number, projection)
        same_keys = (
            before is not None
            and after is not None
            and all(before[k] == after[k] for k in (f"GSI{number}PK", f"GSI{number}SK"))
        )
        if same_keys:
            assert before is not None
            assert after is not None
            total += units(max(item_size(before), item_size(after))) if before != after else 0
        else:
            total += units(item_size(before or {})) + units(item_size(after or {}))
    return total


def index_storage(item: Item | None, projections: Projections) -> int:
    return sum(
        item_size(entry) + INDEX_OVERHEAD
        for number, projection in projections.items()
        if (entry := index_item(item, number, projection)) is not None
    )


# The profile's sort keys as they were on the overloaded GSI1-GSI7 (ALL), by the index they
# sit on now (models/customers.py: GSI11-GSI17, keys only).
_LEGACY_SORT_INDEX = {11: 1, 12: 2, 13: 3, 14: 4, 15: 5, 16: 6, 17: 7}


def legacy_layout(item: Item | None) -> Item | None:
    """A profile as the table stored it at the round's start: its sort keys on GSI1-GSI7 and one
    index per flag, sorted by id (GSI8-GSI12), every index ALL."""
    if item is None or item.get("entity_type", {}).get("S") != "CUSTOMER":
        return item
    customer_id = item["customer_id"]

    def flag(name: str) -> str:
        return "1" if item.get(name, {}).get("BOOL") else "0"

    approved, enabled = flag("approved") == "1", flag("enabled") == "1"
    status = ("active" if enabled else "disabled") if approved else "pending_approval"
    legacy = {name: value for name, value in item.items() if not name.startswith("GSI")}
    for now, then in _LEGACY_SORT_INDEX.items():
        if f"GSI{now}PK" in item:
            legacy[f"GSI{then}PK"], legacy[f"GSI{then}SK"] = item[f"GSI{now}PK"], item[f"GSI{now}SK"]
    legacy["email_normalised"] = {"S": item["email"]["S"].lower()}
    legacy["status"] = {"S": status}
    partitions = {
        8: f"CUSTOMERS#STATUS#{status}",
        9: f"CUSTOMERS#ENABLED#{flag('enabled')}",
        10: f"CUSTOMERS#NEWSLETTER#{flag('newsletter')}",
        11: f"CUSTOMERS#OPTIN#{flag('optin')}",
        12: f"CUSTOMERS#GUEST#{flag('is_guest')}",
    }
    for number, partition in partitions.items():
        legacy[f"GSI{number}PK"], legacy[f"GSI{number}SK"] = {"S": partition}, customer_id
    return legacy


@dataclass
class Recorder:
    """The (before, after) of every item each DynamoDB write request touches."""

    read: Callable[[str, dict[str, Any]], Item | None]
    pending: list[tuple[str, dict[str, Any], Item | None]] = field(default_factory=list)
    changes: list[tuple[Item | None, Item | None]] = field(default_factory=list)

    @staticmethod
    def _targets(operation: str, params: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            item = params.get("Item") or params["Key"]
            yield params["TableName"], {"PK": item["PK"], "SK": item["SK"]}
        elif operation == "TransactWriteItems":
            for entry in params["TransactItems"]:
                (kind, body), *_ = entry.items()
                if kind == "ConditionCheck":
                    continue  # billed as a write, but it writes no index item: the same on both sides
                item = body.get("Item") or body["Key"]
                yield body["TableName"], {"PK": item["PK"], "SK": item["SK"]}
        elif operation == "BatchWriteItem":
            for table, requests in params["RequestItems"].items():
                for request in requests:
                    (kind, body), *_ = request.items()
                    item = body.get("Item") or body["Key"]
                    yield table, {"PK": item["PK"], "SK": item["SK"]}

    def before_call(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        self.pending = [(t, k, self.read(t, k)) for t, k in self._targets(model.name, params)]

    def after_call(self, model: Any, **_: Any) -> None:
        for table, key, old in self.pending:
            self.changes.append((old, self.read(table, key)))
        self.pending = []

    def take(self) -> list[tuple[Item | None, Item | None]]:
        taken, self.changes = self.changes, []
        return taken


@dataclass
class Row:
    operation: str
    profile: str
    before: int
    after: int


Change = tuple[Item | None, Item | None]
PRIVATE_SK = "PROFILE#PRIVATE"


def _sort_key(change: Change) -> str:
    return str((change[1] or change[0] or {}).get("SK", {}).get("S", ""))


def _partition(change: Change) -> str:
    return str((change[1] or change[0] or {}).get("PK", {}).get("S", ""))


def _merged(profile: Item | None, private: Item | None) -> Item | None:
    if profile is None or private is None:
        return profile
    extra = {name: value for name, value in private.items() if name not in ("PK", "SK", "entity_type")}
    return profile | extra


def legacy_changes(changes: list[Change]) -> list[Change]:
    """The same writes in the layout before the private item: its attributes on the profile
    (a private item always travels in its profile's request), the per-flag keys on it."""
    private = {_partition(change): change for change in changes if _sort_key(change) == PRIVATE_SK}
    legacy: list[Change] = []
    for change in changes:
        if _sort_key(change) == PRIVATE_SK:
            continue
        old, new = change
        if _sort_key(change) == "PROFILE" and _partition(change) in private:
            old_private, new_private = private[_partition(change)]
            old, new = _merged(old, old_private), _merged(new, new_private)
        legacy.append((legacy_layout(old), legacy_layout(new)))
    return legacy


def price(changes: list[Change], projections: Projections) -> tuple[int, int]:
    legacy: Projections = dict.fromkeys(range(1, 13))  # GSI1-GSI12, all ALL
    before = sum(write_units(old, new, legacy) for old, new in legacy_changes(changes))
    after = sum(write_units(old, new, projections) for old, new in changes)
    return before, after


def main() -> int:
    from moto import mock_aws

    from devtools import moto_keyed_queries, moto_transactions

    moto_transactions.install()
    moto_keyed_queries.install()
    with mock_aws():
        import boto3

        from chalicelib import bootstrap
        from chalicelib.carts.schemas import CartLineRequest, CheckoutRequest, CreateCartRequest
        from chalicelib.carts.service import Shopper
        from chalicelib.core.settings import get_settings
        from chalicelib.customers.schemas import CreateCustomerRequest, UpdateCustomerRequest
        from chalicelib.models.base import TableRecord
        from chalicelib.wiring import build_container, use_container
        from tests.fakes.mail import MemoryMailer

        bootstrap.ensure_table()
        services = build_container(get_settings(), mailer=MemoryMailer(), clock=lambda: NOW)
        use_container(services)
        services.config.seed_defaults()
        services.config.patch_settings({"b2b_mode": True})
        reader = boto3.client("dynamodb", region_name=get_settings().region)

        def read(table: str, key: dict[str, Any]) -> Item | None:
            found: Item | None = reader.get_item(TableName=table, Key=key).get("Item")
            return found

        recorder = Recorder(read)
        events = TableRecord._get_connection().connection.client.meta.events
        events.register("provide-client-params.dynamodb", recorder.before_call)
        events.register("after-call.dynamodb", recorder.after_call)
        projections = model_projections()
        profiles = {
            "typical": CreateCustomerRequest(
                first_name="María",
                last_name="García",
                email="maria.garcia@example.com",
                password=PASSWORD,
                newsletter=True,
            ),
            "large (B2B)": CreateCustomerRequest(
                first_name="Jean-Baptiste",
                last_name="de la Fontaine-Lefèvre",
                email="jean-baptiste.delafontaine@industries-lefevre.example.com",
                password=PASSWORD,
                title_id="1",
                birthday=NOW.date().replace(year=1971),
                newsletter=True,
                optin=True,
                group_ids=["customer"],
                note="Key account: " + "orders by phone, invoices monthly, ask for the buyer. " * 60,
                company="Industries Lefèvre et Fils S.A.S.",
                siret="73282932000074",
                ape="4690Z",
                website="https://www.industries-lefevre.example.com/professionnels",
                outstanding_allowed=Decimal("25000.00"),
                max_payment_days=60,
                risk_rating="low",
            ),
        }
        rows: list[Row] = []
        storage: list[tuple[str, int, int]] = []
        recorder.take()
        for label, request in profiles.items():
            request = request.model_copy(update={"note": (request.note or "")[:LONG_NOTE_CHARS] or None})
            customer = services.customers.create(request)
            created = recorder.take()
            rows.append(Row("create customer", label, *price(created, projections)))
            legacy = dict.fromkeys(range(1, 13))
            legacy_storage = sum(index_storage(new, legacy) for _, new in legacy_changes(created))
            new_storage = sum(index_storage(new, projections) for _, new in created)
            storage.append((label, legacy_storage, new_storage))
            services.customers.set_note(customer.id, (request.note or "") + " Called on Monday.")
            rows.append(Row("update one field (private note)", label, *price(recorder.take(), projections)))
            services.customers.update(customer.id, UpdateCustomerRequest(first_name=request.first_name + "e"))
            rows.append(Row("update one field (first name)", label, *price(recorder.take(), projections)))
            shopper = Shopper(customer_id=customer.id)
            cart = services.carts.create(CreateCartRequest(), shopper).cart.id
            line = CartLineRequest(quantity=2, unit_price=Decimal("12.50"), product_name="Mug")
            services.carts.set_line(cart, "sku-1", line, shopper)
            recorder.take()
            services.carts.checkout(cart, CheckoutRequest(payment_method="card"), shopper)
            rows.append(Row("checkout (customer)", label, *price(recorder.take(), projections)))
        use_container(None)

    print("\nWrite units per customer write, base item + every index item (1 KB units; issue 19 goal 3)\n")
    header = f"{'operation':<34} {'profile':<12} {'before → after':>16} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for row in rows:
        change = f"{row.before} → {row.after}"
        print(f"{row.operation:<34} {row.profile:<12} {change:>16} {row.after / row.before:>7.2f}")
    scale = CUSTOMERS_FOR_STORAGE / 1e6
    print(f"\nIndex storage per {CUSTOMERS_FOR_STORAGE:,} customers (+100 B per index item)\n")
    header = f"{'profile':<12} {'before → after':>24} {'ratio':>7}"
    print(header)
    print("-" * len(header))
    for label, before, after in storage:
        change = f"{before * scale:.1f} MB → {after * scale:.1f} MB"
        print(f"{label:<12} {change:>24} {after / before:>7.2f}")
    print(
        "\nbefore: the private part on the profile, its sort keys on GSI1-GSI7, five flag indexes,"
        "\nall indexes ALL; after: the private item, the profile's keys-only GSI11-GSI18 (sort"
        "\norders, flags), the overloaded GSI1-GSI9 ALL (models/base.py)."
        "\nTransactions bill each unit twice, on both sides."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
