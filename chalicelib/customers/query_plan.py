"""How a customer list query is served: which index, which key condition, what is left to filter.

Pure functions, shared by the DynamoDB repository and the in-memory fake so both order rows alike.
Index numbers refer to CustomerRecord's `Key design:`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Literal

from chalicelib.core.clock import iso
from chalicelib.core.text import fold, normalise_email
from chalicelib.customers.domain import Customer, CustomerFilters, CustomerQuery, SortField
from chalicelib.models import keys
from chalicelib.models.customers import (
    BY_BIRTHDAY,
    BY_EMAIL,
    BY_FIRST_NAME,
    BY_ID,
    BY_LAST_NAME,
    BY_LAST_VISIT,
    BY_REGISTRATION,
    CUSTOMER_FLAGS_INDEX,
)

# Sort field → the profile index ordered by it.
SORT_INDEX: dict[SortField, int] = {
    "id": BY_ID,
    "registered_at": BY_REGISTRATION,
    "last_visit_at": BY_LAST_VISIT,
    "last_name": BY_LAST_NAME,
    "first_name": BY_FIRST_NAME,
    "email": BY_EMAIL,
    "age": BY_BIRTHDAY,
}
# The flag filters, all served by one index: GSI18, partitioned by the combination of the
# profile's five booleans (keys.customer_flags_pk), sorted by id.
FLAGS_INDEX = CUSTOMER_FLAGS_INDEX
FLAG_FILTERS = ("status", "enabled", "newsletter", "optin", "is_guest")
# Selectivity order when the caller leaves the order to us: the narrowest index first.
_PREFERENCE = (
    "email",
    "last_name",
    "first_name",
    "group_id",
    "status",
    "is_guest",
    "birthday",
    "registered",
    "last_visit",
    "optin",
    "newsletter",
    "enabled",
)


@dataclass(frozen=True)
class KeyRange:
    """A condition on the index sort key: a prefix, or an inclusive [low, high] range."""

    kind: Literal["prefix", "between"]
    low: str
    high: str = ""


@dataclass(frozen=True)
class Plan:
    source: Literal["get", "index", "members", "flags"]
    index: int = 0
    partition: str = ""
    # source "flags": the flags-index partitions whose combination passes the flag filters,
    # the likeliest-largest first (see flag_partitions), merged in id order.
    partitions: tuple[str, ...] = ()
    key_range: KeyRange | None = None
    descending: bool = False
    # Filters the key condition does not cover, checked on each row read.
    residual: CustomerFilters = field(default_factory=CustomerFilters)


def index_sort_keys(customer: Customer) -> dict[int, str]:
    """GSI sort-key values of a profile, per index number (also the fake's ordering)."""
    first, last = fold(customer.first_name), fold(customer.last_name)
    last_visit = iso(customer.last_visit_at) if customer.last_visit_at else None
    return {
        BY_ID: customer.id,
        BY_REGISTRATION: keys.sort_key(iso(customer.registered_at), customer.id),
        BY_LAST_VISIT: keys.sort_key(last_visit, customer.id),
        BY_LAST_NAME: keys.sort_key(last, first, customer.id),
        BY_FIRST_NAME: keys.sort_key(first, last, customer.id),
        BY_EMAIL: keys.sort_key(normalise_email(customer.email), customer.id),
        BY_BIRTHDAY: keys.sort_key(customer.birthday.isoformat() if customer.birthday else None, customer.id),
        FLAGS_INDEX: customer.id,
    }


def index_partitions(customer: Customer) -> dict[int, str]:
    flags = keys.customer_flags_pk(
        customer.approved, customer.enabled, customer.newsletter, customer.optin, customer.is_guest
    )
    return dict.fromkeys(SORT_INDEX.values(), keys.CUSTOMERS) | {FLAGS_INDEX: flags}


def flag_partitions(filters: CustomerFilters) -> tuple[str, ...]:
    """The flags-index partitions that pass the flag filters (keys.customer_flag_partitions)."""
    return keys.customer_flag_partitions(
        status=filters.status,
        enabled=filters.enabled,
        newsletter=filters.newsletter,
        optin=filters.optin,
        guest=filters.is_guest,
    )


def without_flags(filters: CustomerFilters) -> CustomerFilters:
    """The filters a profile sort index's row cannot answer: every one but the flags (the rows
    carry their flags partition: models/base.PROFILE_FLAGS_ATTRIBUTE)."""
    return _without(filters, *FLAG_FILTERS)


def _time_range(start: datetime | None, end: datetime | None) -> KeyRange:
    # "~" sorts after "#", digits and letters: the whole second `end` is included.
    return KeyRange("between", iso(start) if start else "0", (iso(end) if end else "9999") + "~")


def _date_range(start: date | None, end: date | None) -> KeyRange:
    return KeyRange(
        "between", start.isoformat() if start else "0", (end.isoformat() if end else "9999") + "~"
    )


def _without(filters: CustomerFilters, *names: str) -> CustomerFilters:
    values = {f.name: getattr(filters, f.name) for f in fields(filters)}
    for name in names:
        values[name] = None
    return CustomerFilters(**values)


def _key_condition(filters: CustomerFilters, index: int) -> tuple[KeyRange | None, tuple[str, ...]]:
    """The key condition a filter gives on a sort index, and the filter names it covers."""
    if index == BY_LAST_NAME and filters.last_name:
        return KeyRange("prefix", fold(filters.last_name)), ("last_name",)
    if index == BY_FIRST_NAME and filters.first_name:
        return KeyRange("prefix", fold(filters.first_name)), ("first_name",)
    if index == BY_EMAIL and filters.email:
        return KeyRange("prefix", normalise_email(filters.email)), ("email",)
    if index == BY_REGISTRATION and (filters.registered_from or filters.registered_to):
        return _time_range(filters.registered_from, filters.registered_to), (
            "registered_from",
            "registered_to",
        )
    if index == BY_LAST_VISIT and (filters.last_visit_from or filters.last_visit_to):
        return _time_range(filters.last_visit_from, filters.last_visit_to), (
            "last_visit_from",
            "last_visit_to",
        )
    if index == BY_BIRTHDAY and (filters.birthday_from or filters.birthday_to):
        return _date_range(filters.birthday_from, filters.birthday_to), (
            "birthday_from",
            "birthday_to",
        )
    return None, ()


def _preferred_index(filters: CustomerFilters) -> tuple[str, int] | None:
    present = {
        "email": filters.email is not None,
        "last_name": filters.last_name is not None,
        "first_name": filters.first_name is not None,
        "group_id": filters.group_id is not None,
        "status": filters.status is not None,
        "is_guest": filters.is_guest is not None,
        "birthday": filters.birthday_from is not None or filters.birthday_to is not None,
        "registered": filters.registered_from is not None or filters.registered_to is not None,
        "last_visit": filters.last_visit_from is not None or filters.last_visit_to is not None,
        "optin": filters.optin is not None,
        "newsletter": filters.newsletter is not None,
        "enabled": filters.enabled is not None,
    }
    index_of = {
        "email": BY_EMAIL,
        "last_name": BY_LAST_NAME,
        "first_name": BY_FIRST_NAME,
        "group_id": 0,
        "birthday": BY_BIRTHDAY,
        "registered": BY_REGISTRATION,
        "last_visit": BY_LAST_VISIT,
    } | dict.fromkeys(FLAG_FILTERS, FLAGS_INDEX)
    for name in _PREFERENCE:
        if present[name]:
            return name, index_of[name]
    return None


def plan_customer_query(query: CustomerQuery) -> Plan:
    """Choose the index for a list query.

    With an explicit sort, that sort's index is used (exact order), narrowed by the one filter that
    is a key condition on it. Without one, the most selective filter's index is used and rows come
    in its order (id order for flag and group filters).
    """
    filters, sort_given = query.filters, query.sort_given
    if filters.id is not None:
        return Plan(source="get", residual=_without(filters, "id"))
    # Age ascending is birthday descending.
    descending = (not query.descending) if query.sort == "age" else query.descending
    if not sort_given or query.sort == "id":
        preferred = _preferred_index(filters)
        if preferred is not None:
            name, index = preferred
            if name == "group_id":
                assert filters.group_id is not None
                return Plan(
                    source="members",
                    partition=keys.group_members_pk(filters.group_id),
                    descending=query.descending,
                    residual=_without(filters, "group_id"),
                )
            if name in FLAG_FILTERS:
                # Every flag filter given is a key condition here: the partitions are the
                # combinations that pass them all, so no flag is left to check row by row.
                return Plan(
                    source="flags",
                    index=index,
                    partitions=flag_partitions(filters),
                    descending=query.descending,
                    residual=_without(filters, *FLAG_FILTERS),
                )
            if not sort_given:
                return _customers_partition(filters, index, query.descending)
    return _customers_partition(filters, SORT_INDEX[query.sort], descending)


def _customers_partition(filters: CustomerFilters, index: int, descending: bool) -> Plan:
    """Every profile in the CUSTOMERS partition of a sort index, narrowed by the filter that is
    a key condition on that index; the other filters are checked row by row."""
    key_range, covered = _key_condition(filters, index)
    return Plan(
        source="index",
        index=index,
        partition=keys.CUSTOMERS,
        key_range=key_range,
        descending=descending,
        residual=_without(filters, *covered),
    )


def matches(customer: Customer, filters: CustomerFilters) -> bool:
    """Does a customer pass every filter? Text filters are folded prefixes."""
    checks: list[bool] = []
    f = filters
    if f.id is not None:
        checks.append(customer.id == f.id)
    if f.title_id is not None:
        checks.append(customer.title_id == f.title_id)
    if f.first_name is not None:
        checks.append(fold(customer.first_name).startswith(fold(f.first_name)))
    if f.last_name is not None:
        checks.append(fold(customer.last_name).startswith(fold(f.last_name)))
    if f.email is not None:
        checks.append(normalise_email(customer.email).startswith(normalise_email(f.email)))
    if f.company is not None:
        company = str(customer.b2b.get("company") or "")
        checks.append(fold(f.company) in fold(company))
    for name in ("enabled", "newsletter", "optin", "is_guest"):
        wanted = getattr(f, name)
        if wanted is not None:
            checks.append(getattr(customer, name) == wanted)
    if f.status is not None:
        checks.append(customer.status == f.status)
    if f.group_id is not None:
        checks.append(f.group_id in customer.group_ids)
    checks.extend(_in_time_range(customer.registered_at, f.registered_from, f.registered_to))
    if f.last_visit_from is not None or f.last_visit_to is not None:
        if customer.last_visit_at is None:
            checks.append(False)
        else:
            checks.extend(_in_time_range(customer.last_visit_at, f.last_visit_from, f.last_visit_to))
    if f.birthday_from is not None or f.birthday_to is not None:
        birthday = customer.birthday
        checks.append(
            birthday is not None
            and (f.birthday_from is None or birthday >= f.birthday_from)
            and (f.birthday_to is None or birthday <= f.birthday_to)
        )
    return all(checks)


def _in_time_range(value: datetime, start: datetime | None, end: datetime | None) -> list[bool]:
    # Compared at second precision, like the index keys.
    moment = iso(value)
    return [
        start is None or moment >= iso(start),
        end is None or moment <= iso(end),
    ]


def order_key(customer: Customer, plan: Plan) -> str:
    """The value the plan's index orders rows by (the fake sorts with it)."""
    if plan.source in ("members", "get", "flags"):
        return customer.id
    return index_sort_keys(customer)[plan.index]
