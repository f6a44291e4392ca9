"""The groups' parts: membership, default group, discounts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.wiring.base import part
from chalicelib.wiring.customers import CustomerParts

if TYPE_CHECKING:
    from chalicelib.groups.service import GroupService


class GroupParts(CustomerParts):
    @part
    def groups(self) -> GroupService:
        from chalicelib.groups.service import GroupService

        return GroupService(self.config, self.customers)
