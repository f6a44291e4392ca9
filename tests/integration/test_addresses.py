"""Addresses: the repository contract (fake and DynamoDB) and the routes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.addresses.domain import Address, AddressFilters, address_id
from chalicelib.addresses.ports import AddressRepository
from chalicelib.addresses.repository import DynamoAddressRepository
from tests.factories import FIXED_NOW, customer_body
from tests.fakes.addresses import MemoryAddressRepository
from tests.integration.conftest import Api

HOME = {
    "alias": "Home",
    "first_name": "Ana",
    "last_name": "Ruiz",
    "address1": "Calle Mayor 1",
    "postcode": "28013",
    "city": "Madrid",
    "country": "es",
    "phone": "+34 600 000 000",
}


@pytest.fixture(params=["memory", "dynamodb"])
def book(request: pytest.FixtureRequest) -> Iterator[AddressRepository]:
    if request.param == "memory":
        yield MemoryAddressRepository()
        return
    with mock_aws():
        bootstrap.ensure_table()
        yield DynamoAddressRepository()


def make(number: int, customer: str = "01CUSTA", **fields: object) -> Address:
    base = Address(
        id=address_id(customer, f"01ADDR{number:04d}"),
        customer_id=customer,
        first_name="Ana",
        last_name=f"Last{number}",
        address1="Street 1",
        city="Paris",
        country="FR",
        postcode=f"750{number:02d}",
        created_at=FIXED_NOW,
        updated_at=FIXED_NOW,
    )
    return replace(base, **fields)  # type: ignore[arg-type]


def pages(book: AddressRepository, filters: AddressFilters) -> list[str]:
    ids, position = [], None
    while True:
        page = book.list_page(filters, 2, position)
        ids += [a.id for a in page.items]
        position = page.next_position
        if position is None:
            return ids


def test_address_filters_agree_on_both_repositories(book: AddressRepository) -> None:
    rows = [
        make(1, city="Paris"),
        make(2, city="Lyon", last_name="Álvarez"),
        make(3, customer="01CUSTB", city="Madrid", country="ES", postcode="28013"),
        make(4, customer="01CUSTB", city="Málaga", country="ES", postcode="29001", last_name="alvarado"),
        make(5, city="Paris", postcode="75 011"),
    ]
    for row in rows:
        book.create(row)
    ids = lambda *numbers: sorted(rows[n - 1].id for n in numbers)  # noqa: E731
    assert sorted(pages(book, AddressFilters())) == ids(1, 2, 3, 4, 5)
    assert sorted(pages(book, AddressFilters(customer_id="01CUSTB"))) == ids(3, 4)
    assert sorted(pages(book, AddressFilters(country="es"))) == ids(3, 4)
    assert sorted(pages(book, AddressFilters(city="ma"))) == ids(3, 4)
    assert sorted(pages(book, AddressFilters(last_name="ALV"))) == ids(2, 4)
    assert sorted(pages(book, AddressFilters(postcode="7501"))) == ids(5)
    assert sorted(pages(book, AddressFilters(city="paris", postcode="750"))) == ids(1, 5)


def test_used_addresses_are_hidden_not_deleted(book: AddressRepository) -> None:
    used, unused = make(1, order_count=1), make(2)
    book.create(used)
    book.create(unused)
    assert book.delete(replace(unused, version=1)) is True
    assert book.get(unused.id) is None
    assert book.delete(replace(used, version=1)) is False
    kept = book.get(used.id)
    assert kept is not None and kept.deleted


# -- routes -----------------------------------------------------------------------------------------
def customer(admin: Api) -> str:
    return str(admin.json("POST", "/admin/customers", customer_body())[1]["id"])


def test_back_office_address_crud(admin: Api) -> None:
    owner = customer(admin)
    status, created = admin.json("POST", f"/admin/customers/{owner}/addresses", HOME)
    assert status == 201, created
    assert created["country"] == "ES" and created["customer_id"] == owner
    assert admin.json("GET", f"/admin/addresses/{created['id']}")[1]["city"] == "Madrid"
    status, changed = admin.json("PATCH", f"/admin/addresses/{created['id']}", {"city": "Toledo"})
    assert status == 200 and (changed["city"], changed["alias"]) == ("Toledo", "Home")
    _, listed = admin.json("GET", f"/admin/customers/{owner}/addresses")
    assert [a["id"] for a in listed["items"]] == [created["id"]]
    _, view = admin.json("GET", f"/admin/customers/{owner}")
    assert [a["city"] for a in view["addresses"]] == ["Toledo"]
    _, by_country = admin.json("GET", "/admin/addresses?country=ES&last_name=ruiz")
    assert [a["id"] for a in by_country["items"]] == [created["id"]]
    assert admin.call("DELETE", f"/admin/addresses/{created['id']}").status_code == 204
    assert admin.json("GET", f"/admin/addresses/{created['id']}")[0] == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"country": "ESP"}, "country"),
        ({"postcode": "28013!"}, "postcode"),
        ({"phone": "call me"}, "phone"),
        ({"first_name": ""}, "first_name"),
        ({"address1": "x" * 129}, "address1"),
        ({"shoe_size": 44}, "shoe_size"),
    ],
)
def test_address_validation(admin: Api, change: dict, field: str) -> None:
    owner = customer(admin)
    status, body = admin.json("POST", f"/admin/customers/{owner}/addresses", HOME | change)
    assert status == 400 and field in body["Fields"]


def test_required_address_fields(admin: Api) -> None:
    owner = customer(admin)
    admin.json("PATCH", "/admin/settings", {"required_fields": {"address": ["company", "phone_mobile"]}})
    status, body = admin.json("POST", f"/admin/customers/{owner}/addresses", HOME)
    assert status == 400 and set(body["Fields"]) == {"company", "phone_mobile"}
    status, _ = admin.json(
        "POST",
        f"/admin/customers/{owner}/addresses",
        HOME | {"company": "ACME", "phone_mobile": "600 111 222"},
    )
    assert status == 201


def test_unknown_ids(admin: Api) -> None:
    assert admin.json("POST", "/admin/customers/nope/addresses", HOME)[0] == 404
    assert admin.json("GET", "/admin/customers/nope/addresses")[0] == 404
    for forged in ("nope", "a-b", "-", "01X-"):
        assert admin.json("GET", f"/admin/addresses/{forged}")[0] == 404
    assert admin.json("GET", "/admin/addresses?cursor=forged")[0] == 400


def test_customers_only_see_their_own_addresses(anonymous: Api) -> None:
    def sign_up(email: str) -> Api:
        body = {"first_name": "A", "last_name": "B", "email": email, "password": "Correct-horse-42"}
        return Api(anonymous.client, anonymous.json("POST", "/store/register", body)[1]["token"])

    ana, bob = sign_up("ana@example.com"), sign_up("bob@example.com")
    status, mine = ana.json("POST", "/store/me/addresses", HOME)
    assert status == 201
    assert [a["id"] for a in ana.json("GET", "/store/me/addresses")[1]["items"]] == [mine["id"]]
    assert bob.json("GET", "/store/me/addresses")[1]["items"] == []
    for method, body in (("GET", None), ("PATCH", {"city": "X"}), ("DELETE", None)):
        assert bob.json(method, f"/store/me/addresses/{mine['id']}", body)[0] == 404
    assert ana.json("PATCH", f"/store/me/addresses/{mine['id']}", {"alias": "Casa"})[1]["alias"] == "Casa"
    assert ana.call("DELETE", f"/store/me/addresses/{mine['id']}").status_code == 204
    assert anonymous.json("GET", "/store/me/addresses")[0] == 401
