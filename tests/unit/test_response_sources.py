"""core/schemas.py ResponseModel.read_from: what an Attributes of the same sources reads, as a dict."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from pydantic import Field

from chalicelib.core.schemas import Attributes, ResponseModel


class _Line(ResponseModel):
    name: str
    price: str
    note: str = "none"
    total: str = Field(validation_alias="stored_total")


@dataclass(frozen=True)
class _Stored:
    name: str
    price: str
    stored_total: str


@dataclass(frozen=True)
class _Priced:
    price: str

    @property
    def name(self) -> str:  # read like any attribute, before the later source's
        return "computed"


def test_values_then_the_first_source_having_it_and_defaults_for_the_rest() -> None:
    sources = (_Priced(price="9.90"), _Stored(name="Mug", price="12.50", stored_total="25.00"))

    read = _Line.read_from(*sources, note="gift")

    assert read == {"name": "computed", "price": "9.90", "note": "gift", "stored_total": "25.00"}
    assert _Line.model_validate(read) == _Line.model_validate(Attributes(*sources, note="gift"))
    assert _Line.model_validate(_Line.read_from(*sources)).note == "none"


def test_nested_fields_take_their_own_reads() -> None:
    class _Cart(ResponseModel):
        id: str
        at: datetime
        lines: list[_Line]

    stored = _Stored(name="Mug", price="12.50", stored_total="25.00")
    at = datetime(2026, 11, 23, 10, tzinfo=UTC)

    cart = _Cart.model_validate(_Cart.read_from(lines=[_Line.read_from(stored)], id="c-1", at=at))

    assert cart.model_dump_json() == (
        '{"id":"c-1","at":"2026-11-23T10:00:00Z","lines":[{"name":"Mug","price":"12.50","note":"none","total":"25.00"}]}'
    )


def test_a_field_no_source_has_is_missing_as_with_attributes() -> None:
    class _Needs(ResponseModel):
        absent: str

    with pytest.raises(ValueError, match="absent"):
        _Needs.model_validate(_Needs.read_from(_Stored(name="Mug", price="1", stored_total="1")))
