"""The profile's indexes on moto: profiles sit only in the keys-only profile indexes (GSI11-GSI18),
a deployed table's older profiles are re-keyed by the backfill, and the write pricing of
`make bench` follows DynamoDB's rules."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.core.settings import get_settings
from chalicelib.customers.domain import Customer, CustomerFilters, CustomerQuery
from chalicelib.customers.repository import DynamoCustomerRepository
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.repository import DynamoConfigRepository
from devtools import backfill_profiles, bench_writes
from tests.factories import FIXED_NOW


@pytest.fixture
def client() -> Iterator[Any]:
    with mock_aws():
        bootstrap.ensure_table()
        DynamoConfigRepository().put_entry(ConfigEntry("GROUP", "customer", {"name": "Customer"}))
        yield boto3.client("dynamodb", region_name=get_settings().region)


def customer(number: int, **overrides: Any) -> Customer:
    base = Customer(
        id=f"01FLAG{number:020d}",
        email=f"flag{number}@example.com",
        first_name="Ana",
        last_name=f"Flag{number}",
        registered_at=FIXED_NOW,
        created_at=FIXED_NOW,
        updated_at=FIXED_NOW,
        group_ids=("customer",),
        default_group_id="customer",
    )
    return replace(base, **overrides)


def profile(client: Any, customer_id: str) -> dict[str, Any]:
    table = get_settings().table_name
    item: dict[str, Any] = client.get_item(
        TableName=table, Key={"PK": {"S": f"CUSTOMER#{customer_id}"}, "SK": {"S": "PROFILE"}}
    )["Item"]
    return item


def newsletter_ids(repository: DynamoCustomerRepository) -> list[str]:
    page = repository.list_page(CustomerQuery(CustomerFilters(newsletter=True, optin=False), limit=10))
    return [c.id for c in page.items]


def test_a_profile_sits_in_the_profile_indexes_only(client: Any) -> None:
    DynamoCustomerRepository().create(customer(1, newsletter=True, is_guest=True))
    item = profile(client, "01FLAG00000000000000000001")
    assert item["GSI18PK"] == {"S": "CUSTOMERS#FLAGS#11101"}
    assert {f"GSI{n}PK" for n in range(11, 19)} <= set(item)
    assert not {f"GSI{n}PK" for n in range(1, 11)} & set(item)


def deployed_layout(item: dict[str, Any]) -> dict[str, Any]:
    """A profile as the table stored it before the profile indexes: its sort keys on the
    overloaded GSI1-GSI7 and its flags on GSI10 (the private part already on its own item)."""
    moved = {name: value for name, value in item.items() if not name.startswith("GSI")}
    for now, then in {11: 1, 12: 2, 13: 3, 14: 4, 15: 5, 16: 6, 17: 7, 18: 10}.items():
        moved[f"GSI{then}PK"], moved[f"GSI{then}SK"] = item[f"GSI{now}PK"], item[f"GSI{now}SK"]
    return moved


def test_the_backfill_moves_deployed_profiles_to_the_profile_indexes(client: Any) -> None:
    repository = DynamoCustomerRepository()
    for number in (4, 5):
        repository.create(customer(number, newsletter=True))
    table = get_settings().table_name
    current = {n: profile(client, f"01FLAG{n:020d}") for n in (4, 5)}
    for item in current.values():
        client.put_item(TableName=table, Item=deployed_layout(item))
    assert newsletter_ids(repository) == []  # not in the profile indexes until re-keyed
    assert backfill_profiles.backfill(client, table) == (2, 0)
    for number, item in current.items():
        assert profile(client, f"01FLAG{number:020d}") == item  # the keys a write would give it
    assert newsletter_ids(repository) == ["01FLAG00000000000000000004", "01FLAG00000000000000000005"]
    sorted_by_name = repository.list_page(CustomerQuery(CustomerFilters(), sort="last_name", limit=10))
    assert [c.id for c in sorted_by_name.items] == [
        "01FLAG00000000000000000004",
        "01FLAG00000000000000000005",
    ]
    assert backfill_profiles.backfill(client, table) == (0, 0)


def test_the_backfill_rekeys_older_profiles_and_skips_changed_ones(client: Any) -> None:
    repository = DynamoCustomerRepository()
    for number in (1, 2):
        repository.create(customer(number, newsletter=True))
    table = get_settings().table_name
    for number in (1, 2):
        legacy = bench_writes.legacy_layout(profile(client, f"01FLAG{number:020d}"))
        client.put_item(TableName=table, Item=legacy)
    assert newsletter_ids(repository) == []  # not in the flags partitions until re-keyed

    def changed_meanwhile(**request: Any) -> Any:
        # The profile is written between the backfill's read and its update: the condition holds it.
        key = request["TransactItems"][-1]["Update"]["Key"]
        if key["PK"]["S"].endswith("2"):
            client.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET version = version + :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
        return client.transact_write_items(**request)

    class Racing:
        exceptions = client.exceptions
        scan = staticmethod(client.scan)
        transact_write_items = staticmethod(changed_meanwhile)

    assert backfill_profiles.backfill(Racing(), table) == (1, 1)
    assert newsletter_ids(repository) == ["01FLAG00000000000000000001"]
    assert not {"GSI1PK", "GSI8PK", "GSI10PK"} & set(profile(client, "01FLAG00000000000000000001"))
    assert backfill_profiles.backfill(client, table) == (1, 0)  # the skipped one, on the next run
    assert backfill_profiles.backfill(client, table) == (0, 0)
    assert newsletter_ids(repository) == ["01FLAG00000000000000000001", "01FLAG00000000000000000002"]


def store_private_part_on_profile(client: Any, customer_id: str) -> None:
    """The layout before the private item: its attributes on the profile item itself."""
    table = get_settings().table_name
    key = {"PK": {"S": f"CUSTOMER#{customer_id}"}, "SK": {"S": "PROFILE#PRIVATE"}}
    private = client.get_item(TableName=table, Key=key)["Item"]
    moved = {name: value for name, value in private.items() if name not in ("PK", "SK", "entity_type")}
    client.put_item(TableName=table, Item=profile(client, customer_id) | moved)
    client.delete_item(TableName=table, Key=key)


def test_a_profile_with_its_private_part_on_itself_is_read_whole_and_moved(client: Any) -> None:
    repository = DynamoCustomerRepository()
    customer_id = "01FLAG00000000000000000003"
    repository.create(customer(3, note="Prefers phone", password_hash="argon2-hash", session_generation=2))
    whole = repository.get(customer_id)
    store_private_part_on_profile(client, customer_id)
    before = repository.get(customer_id)
    assert before == whole
    assert before is not None
    # A write that changes none of the private fields moves them all the same...
    repository.update(before, replace(before, first_name="Anna"))
    assert "password_hash" not in profile(client, customer_id)
    after = repository.get(customer_id)
    assert after is not None
    assert (after.first_name, after.note, after.password_hash) == ("Anna", "Prefers phone", "argon2-hash")
    # ... and so does the backfill, for a profile nothing writes.
    store_private_part_on_profile(client, customer_id)
    assert backfill_profiles.backfill(client, get_settings().table_name) == (1, 0)
    assert "note" not in profile(client, customer_id)
    assert repository.get(customer_id) == after


def test_write_units_follow_dynamodb_rules() -> None:
    small = {"PK": {"S": "A"}, "SK": {"S": "B"}, "GSI1PK": {"S": "P"}, "GSI1SK": {"S": "S"}}
    large = small | {"note": {"S": "x" * 2000}}
    every_index_all: bench_writes.Projections = {1: None}
    keys_only: bench_writes.Projections = {1: ()}
    assert bench_writes.item_size(small) == len("PKSKGSI1PKGSI1SK") + 4  # names + one byte each
    # A put: the base item and its index item, each rounded up to whole KB.
    assert bench_writes.write_units(None, large, every_index_all) == 2 + 2
    assert bench_writes.write_units(None, large, keys_only) == 2 + 1
    # An update that leaves the index keys and projected attributes alone writes no index item.
    assert bench_writes.write_units(large, large | {"note": {"S": "y"}}, keys_only) == 2
    # Moving an index key is a delete and a put of the index item.
    moved = large | {"GSI1SK": {"S": "T"}}
    assert bench_writes.write_units(large, moved, keys_only) == 2 + 1 + 1
