"""The profile's keys-only indexes on moto: what an index item holds, and what each list and search
read path sends for it (a Query of keys, then one BatchGetItem of the page's profiles), with the
rows, their order and the cursors of a whole-item read (the contract tests compare them with the
in-memory fake)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.core.settings import get_settings
from chalicelib.core.text import fold
from chalicelib.customers.domain import CustomerFilters, CustomerQuery
from chalicelib.customers.query_plan import matches
from chalicelib.customers.repository import DynamoCustomerRepository
from chalicelib.models.base import PROFILE_FLAGS_ATTRIBUTE, TableRecord
from chalicelib.models.customers import BY_LAST_NAME, CUSTOMER_FLAGS_INDEX, CustomerRecord
from tests.contract.test_customer_repository_contract import all_pages, seed
from tests.factories import FIXED_NOW
from tests.integration.test_flags_index import customer


@pytest.fixture
def repository() -> Iterator[DynamoCustomerRepository]:
    with mock_aws():
        bootstrap.ensure_table()
        from chalicelib.shop.domain import ConfigEntry
        from chalicelib.shop.repository import DynamoConfigRepository

        for group in ("customer", "vip"):
            DynamoConfigRepository().put_entry(ConfigEntry("GROUP", group, {"name": group}))
        yield DynamoCustomerRepository()


class Requests:
    """The DynamoDB requests the table's client sends, by operation."""

    def __init__(self) -> None:
        self.sent: dict[str, int] = {}
        # PynamoDB keeps a connection per model class: the index Queries go through TableRecord's,
        # the BatchGets through CustomerRecord's (the same botocore client, or not).
        clients = {
            id(c): c for c in (m._get_connection().connection.client for m in (TableRecord, CustomerRecord))
        }
        for client in clients.values():
            client.meta.events.register("after-call.dynamodb", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        self.sent[model.name] = self.sent.get(model.name, 0) + 1

    def take(self) -> dict[str, int]:
        taken, self.sent = self.sent, {}
        return taken


def test_a_profile_index_item_holds_the_keys_the_entity_type_and_the_flags_only(
    repository: DynamoCustomerRepository,
) -> None:
    assert f"GSI{CUSTOMER_FLAGS_INDEX}PK" == PROFILE_FLAGS_ATTRIBUTE
    repository.create(customer(1, note="Prefers phone", newsletter=True))
    client = boto3.client("dynamodb", region_name=get_settings().region)
    for number, carried in ((BY_LAST_NAME, {"GSI18PK"}), (CUSTOMER_FLAGS_INDEX, set())):
        (item,) = client.query(
            TableName=get_settings().table_name,
            IndexName=f"GSI{number}",
            KeyConditionExpression="#pk = :pk",
            ExpressionAttributeNames={"#pk": f"GSI{number}PK"},
            ExpressionAttributeValues={":pk": {"S": item_partition(number)}},
        )["Items"]
        assert set(item) == {"PK", "SK", f"GSI{number}PK", f"GSI{number}SK", "entity_type"} | carried


def item_partition(number: int) -> str:
    return "CUSTOMERS#FLAGS#11100" if number == CUSTOMER_FLAGS_INDEX else "CUSTOMERS"


def test_a_list_page_is_one_query_of_keys_and_one_batch_get(repository: DynamoCustomerRepository) -> None:
    customers = seed(repository)
    requests = Requests()
    page = repository.list_page(CustomerQuery(CustomerFilters(), sort="last_name", limit=4))
    assert requests.take() == {"Query": 1, "BatchGetItem": 1}
    by_name = sorted(customers, key=lambda c: (fold(c.last_name), fold(c.first_name), c.id))
    # Whole rows (the list row: no private part), in the index's order.
    assert page.items == by_name[:4]
    assert all_pages(repository, CustomerQuery(CustomerFilters(), sort="last_name", limit=4)) == [
        c.id for c in by_name
    ]


def test_a_flag_filter_reads_keys_per_partition_and_one_batch_get(
    repository: DynamoCustomerRepository,
) -> None:
    customers = seed(repository)
    requests = Requests()
    filters = CustomerFilters(newsletter=True, optin=True)
    page = repository.list_page(CustomerQuery(filters, limit=50))
    sent = requests.take()
    assert sent["BatchGetItem"] == 1 and sent["Query"] == 8  # the 8 partitions with both flags set
    assert page.items == sorted((c for c in customers if matches(c, filters)), key=lambda c: c.id)


def test_a_flag_filter_on_a_sorted_page_is_checked_on_the_index_rows(
    repository: DynamoCustomerRepository,
) -> None:
    customers = seed(repository)
    requests = Requests()
    filters = CustomerFilters(is_guest=False, enabled=True)
    page = repository.list_page(CustomerQuery(filters, sort="first_name", limit=3))
    # The rows carry their flags partition: only the page's rows are BatchGot, once, however many
    # Queries the check needed (a first one of limit + 1 rows, then doubling).
    sent = requests.take()
    assert sent["BatchGetItem"] == 1 and set(sent) == {"Query", "BatchGetItem"}
    by_first = sorted(customers, key=lambda c: (fold(c.first_name), fold(c.last_name), c.id))
    assert page.items == [c for c in by_first if matches(c, filters)][:3]


def test_a_filter_the_keys_do_not_cover_reads_whole_profiles_before_checking_them(
    repository: DynamoCustomerRepository,
) -> None:
    customers = seed(repository)
    for filters, sort in (
        (CustomerFilters(last_name="ber", is_guest=False), "id"),  # GSI14 prefix, guest on the row
        (CustomerFilters(email="a", group_id="vip"), "id"),  # GSI16 prefix, the groups on the profile
        # Flags partitions, the registration checked row by row.
        (CustomerFilters(is_guest=False, registered_from=FIXED_NOW - timedelta(days=10)), "id"),
        (CustomerFilters(enabled=True), "first_name"),  # a sort index, the flag checked
    ):
        expected = [c for c in customers if matches(c, filters)]
        assert 0 < len(expected) < len(customers)
        ids = all_pages(repository, CustomerQuery(filters, sort=sort, limit=2, sort_given=sort != "id"))
        assert set(ids) == {c.id for c in expected} and len(ids) == len(set(ids))


def test_search_reads_the_matches_keys_then_one_batch_get(repository: DynamoCustomerRepository) -> None:
    customers = seed(repository)
    requests = Requests()
    found = repository.search("ana", "name", 50)
    # Last names, then first names ("ana" has no space: two prefixes), then the profiles at once.
    assert requests.take() == {"Query": 2, "BatchGetItem": 1}
    named = [
        c for c in customers if fold(c.first_name).startswith("ana") or fold(c.last_name).startswith("ana")
    ]
    assert {c.id for c in found} == {c.id for c in named} and len(found) == len(named)
    assert all(c.note is None and c.password_hash is None for c in found)


def test_a_row_deleted_between_the_query_and_the_batch_get_is_left_out(
    repository: DynamoCustomerRepository, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number in (1, 2, 3):
        repository.create(customer(number))
    gone = repository.get(customer(2).id)
    assert gone is not None
    batch_get = CustomerRecord.batch_get

    def delete_first(keys: Any) -> Any:
        repository.delete(gone, keep_email_blocked=False)
        return batch_get(keys)

    monkeypatch.setattr(CustomerRecord, "batch_get", delete_first)
    page = repository.list_page(CustomerQuery(CustomerFilters(), limit=10))
    assert [c.id for c in page.items] == [customer(1).id, customer(3).id]
