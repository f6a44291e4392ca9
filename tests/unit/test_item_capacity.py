"""DynamoDB's item size rules (models/capacity.py): what the import's pace charges a write."""

from __future__ import annotations

import pytest

from chalicelib.models.capacity import item_bytes, write_units


def test_names_and_values_count_by_their_utf8_bytes() -> None:
    assert item_bytes({"PK": {"S": "ab"}}) == 4
    assert item_bytes({"name": {"S": "Zoë"}}) == 4 + 4  # ë is two bytes
    assert item_bytes({"b": {"B": b"\x00\x01\x02"}, "c": {"B": "AAEC"}}) == (1 + 3) * 2  # raw or base64


@pytest.mark.parametrize(
    ("number", "size"),
    [("0", 2), ("7", 2), ("12345", 4), ("-123.45", 4), ("1000", 2), ("0.001", 2), ("123456", 4)],
)
def test_a_number_is_one_byte_per_two_significant_digits_plus_one(number: str, size: int) -> None:
    assert item_bytes({"n": {"N": number}}) == 1 + size


def test_booleans_nulls_sets_lists_and_maps() -> None:
    assert item_bytes({"t": {"BOOL": True}, "z": {"NULL": True}}) == 2 + 2
    assert item_bytes({"s": {"SS": ["ab", "c"]}, "n": {"NS": ["12", "3"]}}) == (1 + 3) + (1 + 2 + 2)
    # A list: 3 bytes, each element plus one; a map: 3 bytes, each key, value and one.
    assert item_bytes({"l": {"L": [{"S": "a"}, {"S": "b"}]}}) == 1 + 3 + 2 + 2
    assert item_bytes({"m": {"M": {"k": {"S": "v"}, "n": {"L": []}}}}) == 1 + 3 + 3 + (1 + 3 + 1)
    with pytest.raises(ValueError, match="not a DynamoDB value type"):
        item_bytes({"x": {"Q": "?"}})


def test_a_write_costs_one_unit_per_started_kilobyte() -> None:
    def of(size: int) -> dict[str, dict[str, str]]:
        return {"k": {"S": "x" * (size - 1)}}

    assert [write_units(of(n)) for n in (1, 1024, 1025, 2048, 2049)] == [1, 1, 2, 2, 3]
