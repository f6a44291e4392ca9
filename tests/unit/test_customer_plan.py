from datetime import UTC, date, datetime

from chalicelib.customers.domain import CustomerFilters, CustomerQuery
from chalicelib.customers.query_plan import plan_customer_query


def plan(sort: str = "id", descending: bool = False, sort_given: bool = True, **filters: object):
    query = CustomerQuery(
        filters=CustomerFilters(**filters),  # type: ignore[arg-type]
        sort=sort,  # type: ignore[arg-type]
        descending=descending,
        sort_given=sort_given,
    )
    return plan_customer_query(query)


def test_each_sort_uses_its_own_index() -> None:
    expected = {
        "id": 11,
        "registered_at": 12,
        "last_visit_at": 13,
        "last_name": 14,
        "first_name": 15,
        "email": 16,
        "age": 17,
    }
    for sort, index in expected.items():
        chosen = plan(sort)
        assert (chosen.source, chosen.index, chosen.partition) == ("index", index, "CUSTOMERS")


def test_age_ascending_reads_birthdays_descending() -> None:
    assert plan("age").descending is True
    assert plan("age", descending=True).descending is False


def flags_of(partition: str) -> str:
    return partition.removeprefix("CUSTOMERS#FLAGS#")


def test_flag_filters_read_the_matching_combinations_of_the_flags_index() -> None:
    chosen = plan(newsletter=True)
    assert (chosen.source, chosen.index) == ("flags", 18)
    assert chosen.residual == CustomerFilters()
    # Bits: approved, enabled, newsletter, optin, guest. The usual profile's combination first.
    assert len(chosen.partitions) == 16 and all(flags_of(p)[2] == "1" for p in chosen.partitions)
    assert flags_of(chosen.partitions[0]) == "11100"
    assert sorted(map(flags_of, plan(status="active", optin=True).partitions)) == [
        "11010",
        "11011",
        "11110",
        "11111",
    ]
    assert all(flags_of(p)[0] == "0" for p in plan(status="pending_approval").partitions)
    assert len(plan(status="pending_approval").partitions) == 16


def test_two_flags_are_both_key_conditions_and_contradictions_read_nothing() -> None:
    chosen = plan(newsletter=True, optin=True)
    assert len(chosen.partitions) == 8 and chosen.residual == CustomerFilters()
    assert all(flags_of(p)[2:4] == "11" for p in chosen.partitions)
    assert plan(status="disabled", enabled=True).partitions == ()
    # A flag with a more selective filter: the other index leads, the flag is checked row by row.
    assert plan(sort_given=False, last_name="gar", is_guest=True).index == 14


def test_group_filter_reads_memberships() -> None:
    chosen = plan(group_id="vip")
    assert (chosen.source, chosen.partition) == ("members", "GROUP#vip")


def test_explicit_sort_keeps_its_order_and_narrows_with_a_compatible_filter() -> None:
    chosen = plan("last_name", last_name="Álv", newsletter=True)
    assert chosen.index == 14
    assert chosen.key_range is not None and chosen.key_range.low == "alv"
    assert chosen.residual == CustomerFilters(newsletter=True)


def test_without_sort_the_narrowest_index_is_chosen() -> None:
    chosen = plan(sort_given=False, email="ana@", newsletter=True)
    assert chosen.index == 16 and chosen.key_range is not None and chosen.key_range.kind == "prefix"
    assert chosen.residual == CustomerFilters(newsletter=True)


def test_date_ranges_become_key_ranges() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    chosen = plan("registered_at", registered_from=start)
    assert chosen.key_range is not None
    assert chosen.key_range.low == "2026-01-01T00:00:00Z" and chosen.key_range.high == "9999~"
    chosen = plan("age", birthday_from=date(1990, 1, 1), birthday_to=date(1999, 12, 31))
    assert chosen.key_range is not None and chosen.key_range.high == "1999-12-31~"


def test_id_filter_is_a_get() -> None:
    assert plan(id="01A", newsletter=True).source == "get"
