"""The source system's customer id (merchant_ref) as a unique lookup, CUSTOMER_REF#<ref> → customer
id (issue 17 §2 "force ID"): the same contract for the in-memory fake and DynamoDB (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.core.errors import MerchantRefTakenError
from chalicelib.customers.domain import Customer
from chalicelib.customers.mapping import to_record
from chalicelib.customers.ports import CustomerRepository
from chalicelib.customers.repository import DynamoCustomerRepository
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.repository import DynamoConfigRepository
from tests.contract.test_customer_repository_contract import (  # noqa: F401 (fixtures)
    configuration,
    make,
    repository,
)
from tests.integration.conftest import Api
from tests.integration.test_privacy import scan_table

CSV_TYPE = {"Content-Type": "text/csv"}


def test_a_reference_finds_its_customer_and_no_other_can_take_it(repository: CustomerRepository) -> None:  # noqa: F811
    repository.create(make(1, merchant_ref="42"))
    repository.create(make(2))
    assert {r: c.id for r, c in repository.get_many_by_ref(["42", "43", ""]).items()} == {"42": make(1).id}
    with pytest.raises(MerchantRefTakenError):
        repository.create(make(3, merchant_ref="42"))
    second = repository.get(make(2).id)
    assert second is not None
    with pytest.raises(MerchantRefTakenError):
        repository.update(second, replace(second, merchant_ref="42"))
    assert repository.get_many_by_email(["person3@example.com"])[0] == {}  # nothing half-written


def test_the_reference_moves_with_the_customer_and_goes_with_it(repository: CustomerRepository) -> None:  # noqa: F811
    repository.create(make(1, merchant_ref="42"))
    first = repository.get(make(1).id)
    assert first is not None
    repository.update(first, replace(first, merchant_ref="7", email="moved@example.com"))
    assert set(repository.get_many_by_ref(["42", "7"])) == {"7"}
    repository.create(make(2, merchant_ref="42"))  # the old reference is free again
    moved = repository.get(make(1).id)
    assert moved is not None
    repository.delete(moved, keep_email_blocked=False)  # erasure deletes through here
    assert set(repository.get_many_by_ref(["42", "7"])) == {"42"}
    repository.create(make(3, merchant_ref="7"))


def test_a_batch_writes_the_references_in_its_transactions(repository: CustomerRepository) -> None:  # noqa: F811
    creates = [make(n, merchant_ref=str(n)) for n in range(1, 4)]
    assert repository.write_batch(creates, [], "token-1") == {}
    clash = make(9, merchant_ref="2")
    failures = repository.write_batch([make(4, merchant_ref="4"), clash], [], "token-2")
    # The batch's transaction fails on the clash; replayed row by row, only that row fails.
    assert list(failures) == [clash.id] and isinstance(failures[clash.id], MerchantRefTakenError)
    assert set(repository.get_many_by_ref(["1", "2", "3", "4"])) == {"1", "2", "3", "4"}
    assert repository.get_many_by_ref(["2"])["2"].id == make(2).id


def test_reimport_by_source_id_through_the_routes_updates_the_customer(admin: Api) -> None:
    header = "ID;Email address;First Name;Last name;News.\n"
    first = admin.call(
        "POST", "/admin/customers/import", header + "17;john@example.com;John;Doe;0\n", headers=CSV_TYPE
    )
    assert first.status_code == 200
    again = admin.call(
        "POST", "/admin/customers/import", header + "17;johnny@example.com;Johnny;Doe;1\n", headers=CSV_TYPE
    )
    job = json.loads(again.body)
    assert (job["created"], job["updated"], job["failed"]) == (0, 1, 0), job["errors"]
    _, page = admin.json("GET", "/admin/customers")
    assert [(c["email"], c["first_name"]) for c in page["items"]] == [("johnny@example.com", "Johnny")]


def test_addresses_by_source_customer_id_and_address_id_through_the_routes(admin: Api) -> None:
    header = "ID;Email address;First Name;Last name\n"
    admin.call("POST", "/admin/customers/import", header + "17;john@example.com;John;Doe\n", headers=CSV_TYPE)
    addresses = "Address ID;Alias*;Customer ID;Lastname*;Firstname*;Address 1*;Zipcode*;City*;Country*\n"
    first = admin.call(
        "POST",
        "/admin/customers/import?kind=addresses",
        addresses + "3;Home;17;Doe;John;1 Main St;10001;New York;United States\n",
        headers=CSV_TYPE,
    )
    assert json.loads(first.body)["created"] == 1, first.body
    again = admin.call(
        "POST",
        "/admin/customers/import?kind=addresses",
        addresses + "3;Main home;17;Doe;John;1 Main Street;10001;New York;United States\n",
        headers=CSV_TYPE,
    )
    job = json.loads(again.body)
    assert (job["created"], job["updated"], job["failed"]) == (0, 1, 0), job["errors"]
    _, customers = admin.json("GET", "/admin/customers")
    _, page = admin.json("GET", f"/admin/customers/{customers['items'][0]['id']}/addresses")
    assert [(a["alias"], a["address1"], a["country"]) for a in page["items"]] == [
        ("Main home", "1 Main Street", "US")
    ]


def test_erasure_deletes_the_reference_and_frees_it(admin: Api) -> None:
    header = "ID;Email address;First Name;Last name\n"
    admin.call("POST", "/admin/customers/import", header + "17;john@example.com;John;Doe\n", headers=CSV_TYPE)
    _, page = admin.json("GET", "/admin/customers")
    refs = [i for i in scan_table() if i["PK"]["S"].startswith("CUSTOMER_REF#")]
    assert [(i["PK"]["S"], i["customer_id"]["S"]) for i in refs] == [
        ("CUSTOMER_REF#17", page["items"][0]["id"])
    ]
    status, job = admin.json("POST", f"/admin/customers/{page['items'][0]['id']}/erase")
    assert status == 200 and job["done"] is True, job
    assert [i for i in scan_table() if i["PK"]["S"].startswith("CUSTOMER_REF#")] == []
    again = admin.call(
        "POST", "/admin/customers/import", header + "17;jo@example.com;Jo;Doe\n", headers=CSV_TYPE
    )
    assert json.loads(again.body)["created"] == 1


@pytest.fixture
def dynamo() -> Iterator[DynamoCustomerRepository]:
    with mock_aws():
        bootstrap.ensure_table()
        DynamoConfigRepository().put_entry(ConfigEntry("GROUP", "customer", {"name": "customer"}))
        yield DynamoCustomerRepository()


def legacy(store: DynamoCustomerRepository, number: int, ref: str) -> Customer:
    """A customer imported before the lookup existed: a reference on the profile, no item (and
    perhaps another customer's reference, which nothing kept unique then)."""
    store.create(make(number))
    to_record(replace(make(number), merchant_ref=ref, version=1)).save()
    customer = store.get(make(number).id)
    assert customer is not None and customer.merchant_ref == ref
    return customer


def test_customers_from_before_the_lookup_are_updated_erased_and_backfilled(
    dynamo: DynamoCustomerRepository,
) -> None:
    dynamo.create(make(1, merchant_ref="42"))
    twin = legacy(dynamo, 2, "42")  # shares customer 1's reference
    # An edit of the twin is not refused over a reference it never held uniquely.
    dynamo.update(twin, replace(twin, first_name="Twin"))
    twin = dynamo.get(twin.id)
    assert twin is not None
    # An import batch backfills references: the twin's fails in the batch, then passes row by row
    # (without); a customer alone with its reference gets the item.
    assert dynamo.write_batch([], [(twin, replace(twin, last_name="T"))], "t1") == {}
    lone = legacy(dynamo, 3, "77")
    assert dynamo.write_batch([], [(lone, replace(lone, last_name="L"))], "t2") == {}
    found = dynamo.get_many_by_ref(["42", "77"])
    assert {r: c.id for r, c in found.items()} == {"42": make(1).id, "77": lone.id}
    # Erasing the twin leaves customer 1's item alone.
    twin = dynamo.get(twin.id)
    assert twin is not None
    dynamo.delete(twin, keep_email_blocked=False)
    assert dynamo.get_many_by_ref(["42"])["42"].id == make(1).id
