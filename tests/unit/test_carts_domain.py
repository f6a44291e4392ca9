"""Cart money arithmetic, the order status table and guest cart tokens (pure functions)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from chalicelib.carts.domain import NOT_SPENT, ORDER_STATUSES, TRANSITIONS, CartLine, money, price_lines
from chalicelib.carts.tokens import CartTokens
from chalicelib.models import keys


def line(quantity: int, price: str, category: str | None = None) -> CartLine:
    return CartLine("p", "Thing", quantity, Decimal(price), category)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.005", "0.01"), ("0.004", "0.00"), ("2.675", "2.68"), ("-0.005", "-0.01"), ("10", "10.00")],
)
def test_money_rounds_half_up_to_the_cent(value: str, expected: str) -> None:
    assert str(money(Decimal(value))) == expected


def test_lines_are_rounded_before_they_are_summed() -> None:
    totals = price_lines((line(1, "0.333"), line(1, "0.333"), line(1, "0.333")), lambda _c: Decimal("0"))
    assert (totals.subtotal, totals.total) == (Decimal("0.99"), Decimal("0.99"))  # not 1.00


def test_category_reduction_and_voucher() -> None:
    reductions = {"books": Decimal("10"), None: Decimal("0")}
    totals = price_lines(
        (line(2, "15.00", "books"), line(1, "9.99")),
        lambda category: reductions.get(category, Decimal("0")),
        voucher_percent=Decimal("12.5"),
    )
    assert (totals.subtotal, totals.discount) == (Decimal("39.99"), Decimal("3.00"))
    # 12.5 % of 36.99 = 4.62375 → 4.62
    assert (totals.voucher_discount, totals.total, totals.quantity) == (Decimal("4.62"), Decimal("32.37"), 3)


def test_status_table_is_closed_and_final_statuses_stay_final() -> None:
    assert set(TRANSITIONS) == set(ORDER_STATUSES)
    for targets in TRANSITIONS.values():
        assert set(targets) <= set(ORDER_STATUSES)
    for final in NOT_SPENT:
        assert TRANSITIONS[final] == ()


def test_cart_tokens_open_only_their_cart() -> None:
    tokens = CartTokens("s" * 40)
    token = tokens.issue("CART1")
    assert tokens.cart_id_of(token) == "CART1"
    assert tokens.cart_id_of(token.replace("CART1", "CART2")) is None
    assert tokens.cart_id_of(CartTokens("t" * 40).issue("CART1")) is None
    for junk in (None, "", "no-dot", "CART1.", "x" * 500):
        assert tokens.cart_id_of(junk) is None


def test_a_cart_token_is_checked_once_and_forged_ones_are_not_remembered() -> None:
    tokens = CartTokens("s" * 40)
    token = tokens.issue("CART1")
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    assert [tokens.cart_id_of(token) for _ in range(3)] == ["CART1"] * 3
    assert [tokens.cart_id_of(forged) for _ in range(2)] == [None, None]
    opened = tokens._opened.cache_info()
    assert (opened.misses, opened.hits, opened.currsize) == (3, 2, 1)  # the forged one each time


def test_voucher_codes_are_stable_per_abandonment() -> None:
    tokens = CartTokens("s" * 40)
    code = tokens.voucher_code("CART1", "2026-11-23T10:00:00Z")
    assert code == tokens.voucher_code("CART1", "2026-11-23T10:00:00Z")
    assert code != tokens.voucher_code("CART1", "2026-11-24T10:00:00Z")
    assert len(code) == 10 and code.isalnum() and code.isupper()


def test_open_cart_shards_are_stable_and_spread() -> None:
    shards = [keys.cart_shard(f"01CART{n:020d}") for n in range(4000)]
    assert shards[:5] == [keys.cart_shard(f"01CART{n:020d}") for n in range(5)]
    counts = [shards.count(s) for s in range(keys.OPEN_CART_SHARDS)]
    assert min(counts) > 800
