"""One contract, two implementations: the in-memory address fake and DynamoDB (moto) must agree — on
create, version-checked updates, delete-or-hide, and the list's filters, order and paging."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.addresses.domain import Address, AddressFilters, address_id
from chalicelib.addresses.ports import AddressRepository
from chalicelib.addresses.repository import DynamoAddressRepository
from chalicelib.core.errors import AlreadyExistsError, ConflictError, NotFoundError
from tests.factories import FIXED_NOW
from tests.fakes.addresses import MemoryAddressRepository

OWNER = "01CUST00000000000000000001"
OTHER = "01CUST00000000000000000002"


@pytest.fixture(params=["memory", "dynamodb"])
def addresses(request: pytest.FixtureRequest) -> Iterator[AddressRepository]:
    if request.param == "memory":
        yield MemoryAddressRepository()
        return
    with mock_aws():
        bootstrap.ensure_table()
        yield DynamoAddressRepository()


def address(number: int, customer_id: str = OWNER, **overrides: object) -> Address:
    base = Address(
        id=address_id(customer_id, f"A{number:03d}"),
        customer_id=customer_id,
        first_name="Ana",
        last_name=f"Last{number:03d}",
        address1=f"{number} Rue de la Paix",
        city="Paris",
        country="FR",
        postcode=f"75{number:03d}",
        created_at=FIXED_NOW,
        updated_at=FIXED_NOW + timedelta(minutes=number),
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def test_a_created_address_reads_back_at_version_one(addresses: AddressRepository) -> None:
    addresses.create(address(1, company="ACME", phone="+33 1 23 45 67 89"))
    stored = addresses.get(address(1).id)
    assert stored == address(1, company="ACME", phone="+33 1 23 45 67 89", version=1)
    assert addresses.get(address_id(OWNER, "NOPE")) is None
    assert addresses.get("not-an-address-id") is None
    with pytest.raises(AlreadyExistsError):  # the same id again (a retried create): refused on both twins
        addresses.create(address(1))
    assert addresses.get(address(1).id) == stored


def test_an_update_is_version_checked(addresses: AddressRepository) -> None:
    addresses.create(address(1))
    first = addresses.get(address(1).id)
    assert first is not None
    addresses.update(first, replace(first, city="Lyon"))
    after = addresses.get(first.id)
    assert after is not None and (after.city, after.version) == ("Lyon", 2)
    with pytest.raises(ConflictError):
        addresses.update(first, replace(first, city="Nice"))  # a stale read
    with pytest.raises(NotFoundError):
        addresses.update(address(9, version=1), address(9, city="Nice"))


def test_an_unused_address_is_deleted_and_one_in_use_is_hidden(addresses: AddressRepository) -> None:
    addresses.create(address(1))
    addresses.create(address(2, order_count=1))
    unused, used = addresses.get(address(1).id), addresses.get(address(2).id)
    assert unused is not None and used is not None
    assert addresses.delete(unused) is True
    assert addresses.get(unused.id) is None
    assert addresses.delete(used) is False
    hidden = addresses.get(used.id)
    assert hidden is not None and hidden.deleted and hidden.version == used.version + 1


def test_the_list_filters_orders_and_pages_alike(addresses: AddressRepository) -> None:
    for number in (3, 1, 2, 4):
        addresses.create(address(number))
    addresses.create(
        address(5, customer_id=OTHER, city="Lyon", country="ES", last_name="Other", postcode="28001")
    )

    def every(filters: AddressFilters, limit: int) -> list[list[str]]:
        pages, position = [], None
        while True:
            page = addresses.list_page(filters, limit, position)
            pages.append([a.id.rsplit("A", 1)[-1] for a in page.items])
            position = page.next_position
            if position is None:
                return pages

    assert every(AddressFilters(customer_id=OWNER), 2) == [["001", "002"], ["003", "004"]]
    assert every(AddressFilters(postcode="75"), 3) == [["001", "002", "003"], ["004"]]
    assert every(AddressFilters(last_name="last00"), 10) == [["001", "002", "003", "004"]]
    assert every(AddressFilters(city="lyon"), 10) == [["005"]]
    assert every(AddressFilters(country="es"), 10) == [["005"]]
    assert every(AddressFilters(customer_id=OWNER, postcode="75002"), 10) == [["002"]]
    assert every(AddressFilters(city="Marseille"), 10) == [[]]
    everyone = [number for page in every(AddressFilters(), 2) for number in page]
    assert sorted(everyone) == ["001", "002", "003", "004", "005"]


def test_deleting_a_missing_address_is_not_found(addresses: AddressRepository) -> None:
    with pytest.raises(NotFoundError):
        addresses.delete(address(9, version=1, order_count=1))


def test_a_stale_delete_conflicts_unless_the_address_is_in_use(addresses: AddressRepository) -> None:
    addresses.create(address(1))
    addresses.create(address(2, order_count=1))
    unused, used = addresses.get(address(1).id), addresses.get(address(2).id)
    assert unused is not None and used is not None
    addresses.update(unused, replace(unused, city="Lyon"))
    addresses.update(used, replace(used, city="Lyon"))
    with pytest.raises(ConflictError):
        addresses.delete(unused)
    # In use: hidden anyway, at the version the other writer left (its change is kept).
    assert addresses.delete(used) is False
    hidden = addresses.get(used.id)
    assert hidden is not None and (hidden.deleted, hidden.city, hidden.version) == (True, "Lyon", 3)
