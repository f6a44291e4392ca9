"""One contract, two implementations: the in-memory fake and DynamoDB (moto) must agree."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.core.errors import ConflictError, InvalidInputError
from chalicelib.core.text import fold
from chalicelib.customers.domain import (
    Connection,
    Customer,
    CustomerFilters,
    CustomerQuery,
    EmailBlockedError,
    EmailTakenError,
)
from chalicelib.customers.ports import CustomerRepository
from chalicelib.customers.repository import DynamoCustomerRepository
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.ports import ConfigRepository
from chalicelib.shop.repository import DynamoConfigRepository
from tests.factories import FIXED_NOW
from tests.fakes.customers import MemoryCustomerRepository
from tests.fakes.shop import MemoryConfigRepository

GROUPS = ("customer", "guest", "vip")


@pytest.fixture(params=["memory", "dynamodb"])
def configuration(request: pytest.FixtureRequest) -> Iterator[ConfigRepository]:
    if request.param == "memory":
        config: ConfigRepository = MemoryConfigRepository()
        for group_id in GROUPS:
            config.put_entry(ConfigEntry("GROUP", group_id, {"name": group_id}))
        yield config
        return
    with mock_aws():
        bootstrap.ensure_table()
        config = DynamoConfigRepository()
        for group_id in GROUPS:
            config.put_entry(ConfigEntry("GROUP", group_id, {"name": group_id}))
        yield config


@pytest.fixture
def repository(configuration: ConfigRepository) -> CustomerRepository:
    if isinstance(configuration, MemoryConfigRepository):
        return MemoryCustomerRepository(configuration)
    return DynamoCustomerRepository()


def member_counts(configuration: ConfigRepository) -> dict[str, int]:
    return {g.id: g.count for g in configuration.load().of("GROUP")}


def make(number: int, **overrides: object) -> Customer:
    base = Customer(
        id=f"01CUST{number:020d}",
        email=f"person{number}@example.com",
        first_name="Ana",
        last_name=f"Last{number:03d}",
        registered_at=FIXED_NOW - timedelta(days=number),
        created_at=FIXED_NOW,
        updated_at=FIXED_NOW,
        group_ids=("customer",),
        default_group_id="customer",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


NAMES = [
    ("Berg", "Zoe"),
    ("Álvarez", "Íñigo"),
    ("alvarado", "María"),
    ("Zimmer", "Élodie"),
    ("Ñúñez", "bob"),
    ("Cruz", "Ana"),
    ("de la Cruz", "Anabel"),
    ("Ólafsson", "Ana María"),
    ("berg", "Ávila"),
    ("Nunez", "Carla"),
    ("Müller", "Jürgen"),
    ("Martin", "Mario"),
]


def seed(repository: CustomerRepository) -> list[Customer]:
    customers = []
    for number, (last, first) in enumerate(NAMES, start=1):
        customer = make(
            number,
            last_name=last,
            first_name=first,
            email=f"{fold(first).replace(' ', '.')}.{number}@Example.com",
            birthday=date(1960 + number * 3, 1 + number % 12, 1 + number) if number % 4 else None,
            last_visit_at=FIXED_NOW - timedelta(hours=number * 7) if number % 3 else None,
            newsletter=number % 2 == 0,
            optin=number % 3 == 0,
            is_guest=number % 5 == 0,
            enabled=number % 6 != 0,
            approved=number != 7,
            group_ids=("customer", "vip") if number % 4 == 1 else ("customer",),
        )
        repository.create(customer)
        customers.append(replace(customer, version=1))
    return customers


def all_pages(repository: CustomerRepository, query: CustomerQuery) -> list[str]:
    ids: list[str] = []
    position = None
    for _ in range(50):
        page = repository.list_page(replace(query, position=position))
        ids.extend(c.id for c in page.items)
        position = page.next_position
        if position is None:
            return ids
    raise AssertionError("pagination did not end")


SORTS = {
    "id": lambda c: c.id,
    "last_name": lambda c: (fold(c.last_name), fold(c.first_name), c.id),
    "first_name": lambda c: (fold(c.first_name), fold(c.last_name), c.id),
    "email": lambda c: (c.email.lower(), c.id),
    "registered_at": lambda c: (c.registered_at, c.id),
    "last_visit_at": lambda c: (c.last_visit_at.isoformat() if c.last_visit_at else "", c.id),
}


def test_create_get_and_get_by_email_in_any_case(repository: CustomerRepository) -> None:
    customer = make(1)
    repository.create(customer)
    assert repository.get(customer.id) == replace(customer, version=1)
    found = repository.get_by_email("PERSON1@example.COM")
    assert found is not None and found.id == customer.id
    assert repository.get("missing") is None
    assert repository.get_by_email("nobody@example.com") is None


def test_email_is_unique_case_insensitively(repository: CustomerRepository) -> None:
    repository.create(make(1))
    with pytest.raises(EmailTakenError):
        repository.create(make(2, email="Person1@EXAMPLE.com"))
    assert repository.get(make(2).id) is None  # nothing half-written


def test_delete_blocks_the_email_only_when_asked(repository: CustomerRepository) -> None:
    first, second = make(1), make(2)
    repository.create(first)
    repository.create(second)
    repository.delete(replace(first, version=1), keep_email_blocked=True)
    repository.delete(replace(second, version=1), keep_email_blocked=False)
    assert repository.get(first.id) is None
    assert repository.is_email_blocked(first.email)
    with pytest.raises(EmailBlockedError):
        repository.create(make(3, email=first.email))
    repository.create(make(4, email=second.email))


def test_update_moves_the_email_and_checks_the_version(repository: CustomerRepository) -> None:
    customer = make(1)
    repository.create(customer)
    repository.create(make(2))
    stored = replace(customer, version=1)
    with pytest.raises(EmailTakenError):
        repository.update(stored, replace(stored, email="person2@example.com"))
    repository.update(stored, replace(stored, email="new@example.com", first_name="Eva"))
    assert repository.get_by_email("person1@example.com") is None
    moved = repository.get_by_email("NEW@example.com")
    assert moved is not None and moved.first_name == "Eva" and moved.version == 2
    with pytest.raises(ConflictError):
        repository.update(stored, replace(stored, first_name="Stale"))
    repository.create(make(3, email="person1@example.com"))  # the old e-mail is free again


@pytest.mark.parametrize("sort", sorted(SORTS))
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_pages_through_everything_in_order(
    repository: CustomerRepository, sort: str, descending: bool
) -> None:
    customers = seed(repository)
    expected = [c.id for c in sorted(customers, key=SORTS[sort], reverse=descending)]
    query = CustomerQuery(CustomerFilters(), sort=sort, descending=descending, limit=5)  # type: ignore[arg-type]
    assert all_pages(repository, query) == expected


def test_age_sort_is_youngest_first(repository: CustomerRepository) -> None:
    customers = seed(repository)
    with_birthday = sorted((c for c in customers if c.birthday), key=lambda c: c.birthday, reverse=True)
    ids = all_pages(repository, CustomerQuery(CustomerFilters(), sort="age", limit=4))
    assert ids[: len(with_birthday)] == [c.id for c in with_birthday]
    assert len(ids) == len(customers)


FILTERS = [
    CustomerFilters(newsletter=True),
    CustomerFilters(newsletter=False),
    CustomerFilters(optin=True),
    CustomerFilters(is_guest=True),
    CustomerFilters(enabled=False),
    CustomerFilters(status="pending_approval"),
    CustomerFilters(status="active"),
    CustomerFilters(group_id="vip"),
    CustomerFilters(last_name="alv"),
    CustomerFilters(last_name="CRUZ"),
    CustomerFilters(first_name="ana"),
    CustomerFilters(email="ana."),
    CustomerFilters(birthday_from=date(1970, 1, 1), birthday_to=date(1990, 12, 31)),
    CustomerFilters(registered_from=FIXED_NOW - timedelta(days=5)),
    CustomerFilters(last_visit_to=FIXED_NOW - timedelta(hours=30)),
    CustomerFilters(newsletter=True, optin=True),
    CustomerFilters(status="active", is_guest=False),
    CustomerFilters(enabled=True, optin=False, registered_from=FIXED_NOW - timedelta(days=9)),
    CustomerFilters(status="disabled", enabled=True),
    CustomerFilters(group_id="vip", newsletter=False),
    CustomerFilters(id="01CUST00000000000000000003"),
    CustomerFilters(id="01CUST00000000000000000003", newsletter=True),
]


@pytest.mark.parametrize(
    "filters", FILTERS, ids=lambda f: repr({k: v for k, v in vars(f).items() if v is not None})
)
@pytest.mark.parametrize("sort_given", [False, True])
def test_filters_return_exactly_the_matching_customers(
    repository: CustomerRepository, filters: CustomerFilters, sort_given: bool
) -> None:
    from chalicelib.customers.query_plan import matches

    customers = seed(repository)
    expected = {c.id for c in customers if matches(c, filters)}
    assert expected or filters.id or filters.status, "the seed should match something"
    query = CustomerQuery(filters, sort="id", limit=3, sort_given=sort_given)
    ids = all_pages(repository, query)
    assert len(ids) == len(set(ids))
    assert set(ids) == expected
    if sort_given:
        assert ids == sorted(ids)


@pytest.mark.parametrize("descending", [False, True])
def test_flag_filters_merge_their_partitions_in_id_order(
    repository: CustomerRepository, descending: bool
) -> None:
    from chalicelib.customers.query_plan import matches

    customers = seed(repository)
    for filters in (CustomerFilters(newsletter=False), CustomerFilters(enabled=True, is_guest=False)):
        expected = sorted((c.id for c in customers if matches(c, filters)), reverse=descending)
        query = CustomerQuery(filters, sort="id", descending=descending, limit=2)
        assert all_pages(repository, query) == expected


def test_search_by_name_is_a_folded_prefix_of_first_or_last_name(repository: CustomerRepository) -> None:
    seed(repository)
    names = lambda found: sorted(f"{c.first_name} {c.last_name}" for c in found)  # noqa: E731
    assert names(repository.search("ALV", "name", 50)) == ["María alvarado", "Íñigo Álvarez"]
    assert names(repository.search("nunez", "name", 50)) == ["Carla Nunez", "bob Ñúñez"]
    assert names(repository.search("avila", "name", 50)) == ["Ávila berg"]
    assert names(repository.search("ana maria", "name", 50)) == ["Ana María Ólafsson"]
    assert names(repository.search("mario", "name", 50)) == ["Mario Martin"]
    # E-mail prefixes are found by "all" only.
    assert repository.search("carla.10@", "name", 50) == []
    assert names(repository.search("carla.10@", "all", 50)) == ["Carla Nunez"]


def test_search_by_ip_prefix_and_last_connections(repository: CustomerRepository) -> None:
    customers = seed(repository)
    first, second = customers[0], customers[1]
    for minute in range(12):
        repository.add_connection(
            first.id, Connection(at=FIXED_NOW + timedelta(minutes=minute), ip=f"10.0.0.{minute}")
        )
    repository.add_connection(second.id, Connection(at=FIXED_NOW, ip="192.168.1.20"))
    assert [c.id for c in repository.search("192.168.", "ip", 50)] == [second.id]
    assert [c.id for c in repository.search("10.0.0.1", "ip", 50)] == [first.id]
    view = repository.view(first.id)
    assert view is not None
    assert [c.ip for c in view.connections] == [f"10.0.0.{m}" for m in range(11, 1, -1)]


def test_search_fills_the_limit_with_last_names_first(repository: CustomerRepository) -> None:
    seed(repository)
    found = repository.search("m", "name", 3)
    # Last names starting with "m": Martin, Müller; then first names: María (alvarado).
    assert [c.last_name for c in found] == ["Martin", "Müller", "alvarado"]


def test_member_counters_follow_every_change(
    repository: CustomerRepository, configuration: ConfigRepository
) -> None:
    first, second = make(1), make(2, group_ids=("customer", "vip"))
    repository.create(first)
    repository.create(second)
    assert member_counts(configuration) == {"customer": 2, "guest": 0, "vip": 1}
    stored = replace(first, version=1)
    repository.update(stored, replace(stored, group_ids=("vip",), default_group_id="vip"))
    assert member_counts(configuration) == {"customer": 1, "guest": 0, "vip": 2}
    repository.delete(replace(second, version=1), keep_email_blocked=False)
    assert member_counts(configuration) == {"customer": 0, "guest": 0, "vip": 1}
    with pytest.raises(InvalidInputError):
        repository.create(make(3, group_ids=("nope",)))
    assert repository.get(make(3).id) is None
    assert member_counts(configuration) == {"customer": 0, "guest": 0, "vip": 1}
    current = replace(stored, group_ids=("vip",), default_group_id="vip", version=2)
    with pytest.raises(InvalidInputError):  # the update's transaction fails on the missing group too
        repository.update(current, replace(current, group_ids=("vip", "nope")))
    assert member_counts(configuration) == {"customer": 0, "guest": 0, "vip": 1}


def test_interleaved_membership_changes_keep_counters_exact(
    repository: CustomerRepository, configuration: ConfigRepository
) -> None:
    import random

    rng = random.Random(7)
    customers = [make(n) for n in range(1, 9)]
    for customer in customers:
        repository.create(customer)
    for _ in range(60):
        # Two writers read the same customer, then both write: the second one must lose (409)
        # instead of moving a counter its write doesn't make true.
        target = rng.choice(customers)
        stale = repository.get(target.id)
        assert stale is not None
        first = tuple(sorted(rng.sample(GROUPS, rng.randint(1, 3))))
        second = tuple(sorted(rng.sample(GROUPS, rng.randint(1, 3))))
        repository.update(stale, replace(stale, group_ids=first, default_group_id=first[0]))
        with pytest.raises(ConflictError):
            repository.update(stale, replace(stale, group_ids=second, default_group_id=second[0]))
    truth = dict.fromkeys(GROUPS, 0)
    for customer in customers:
        stored = repository.get(customer.id)
        assert stored is not None
        for group_id in stored.group_ids:
            truth[group_id] += 1
    assert member_counts(configuration) == truth
