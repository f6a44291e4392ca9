"""How several groups' payment and carrier restrictions combine (groups.service.allowed_by_any)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from chalicelib.groups.service import allowed_by_any
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.schemas import GroupRequest, UpdateGroupRequest


def group(gid: str, **data: object) -> ConfigEntry:
    return ConfigEntry("GROUP", gid, {"name": gid, **data})


def test_a_method_is_allowed_when_any_group_allows_it() -> None:
    groups = [
        group("b2b", payment_methods=["wire", "cheque"]),
        group("vip", payment_methods=["card", "wire"]),
    ]
    assert allowed_by_any(groups, "payment_methods") == ("wire", "cheque", "card")


def test_a_group_without_restriction_allows_everything() -> None:
    groups = [group("b2b", carriers=["ups"]), group("customer")]
    assert allowed_by_any(groups, "carriers") is None
    assert allowed_by_any([group("customer", carriers=[])], "carriers") is None
    assert allowed_by_any([], "carriers") is None


def test_restriction_ids_are_trimmed_deduplicated_and_bounded() -> None:
    request = GroupRequest(name="B2B", payment_methods=[" wire ", "wire", "card"], carriers=["ups"])
    assert (request.payment_methods, request.carriers) == (["wire", "card"], ["ups"])
    assert UpdateGroupRequest(carriers=["dhl", "dhl"]).carriers == ["dhl"]
    for bad in ([""], ["  "], ["x" * 65], [f"m{i}" for i in range(101)]):
        with pytest.raises(ValidationError):
            GroupRequest(name="B2B", payment_methods=bad)
