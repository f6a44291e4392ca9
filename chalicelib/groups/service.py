"""Customer groups: CRUD, membership, deletion with reassignment, and the pricing they imply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.core.errors import (
    DefaultGroupError,
    GroupHasMembersError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
)
from chalicelib.customers.domain import Customer
from chalicelib.customers.schemas import ListCustomersParams, UpdateCustomerRequest
from chalicelib.customers.service import CustomerService
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.schemas import GroupRequest, UpdateGroupRequest
from chalicelib.shop.service import DEFAULT_GROUP_IDS, ConfigService

VISITOR_GROUP = "visitor"
# Members moved per delete request: bounded so the request ends well inside the Lambda timeout;
# the caller repeats the request to move the rest (the answer says how many are left).
_MAX_MOVED_PER_REQUEST = 500


@dataclass(frozen=True)
class Pricing:
    customer_id: str | None
    group: ConfigEntry
    category_id: str | None
    reduction_percent: Decimal
    source: str
    # None: no restriction (every method / carrier the shop offers is allowed).
    allowed_payment_methods: tuple[str, ...] | None = None
    allowed_carriers: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class GroupService:
    config: ConfigService
    customers: CustomerService

    # Member counters change with every membership write, which the configuration cache doesn't
    # see: the back-office views read them fresh (one Query).
    def list_groups(self) -> list[ConfigEntry]:
        self.config.invalidate()
        return self.config.entries("GROUP")

    def get(self, group_id: str) -> ConfigEntry:
        """Raises: NotFoundError."""
        return self.config.fresh_entry("GROUP", group_id)

    def create(self, request: GroupRequest) -> ConfigEntry:
        return self.config.create_group(request)

    def update(self, group_id: str, request: UpdateGroupRequest) -> ConfigEntry:
        """Raises: NotFoundError, InvalidInputError."""
        return self.config.update_entry("GROUP", group_id, request, GroupRequest)

    def delete(self, group_id: str, reassign_to: str | None = None) -> None:
        """Raises: NotFoundError, DefaultGroupError, GroupHasMembersError, InvalidInputError."""
        group = self.config.entry("GROUP", group_id)
        if group.is_default or group_id in DEFAULT_GROUP_IDS:
            raise DefaultGroupError("The default groups visitor, guest and customer can't be deleted.")
        if reassign_to is not None:
            if reassign_to == group_id or not self.config.exists("GROUP", reassign_to):
                raise InvalidInputError("The target group is not valid.", {"reassign_to": "unknown group"})
            self._move_members(group_id, reassign_to)
        count = self.config.fresh_entry("GROUP", group_id).count
        message = (
            f"The group still has {count} member(s): move them first, or delete with ?reassign_to=<group id>."
        )
        try:
            self.config.delete_entry("GROUP", group_id, in_use_message=message)
        except RuleViolationError as error:
            raise GroupHasMembersError(error.message) from None

    def _move_members(self, group_id: str, target: str) -> None:
        moved = 0
        while moved < _MAX_MOVED_PER_REQUEST:
            members, _ = self.customers.list_page(ListCustomersParams(group_id=group_id, limit=100))
            if not members:
                return
            for listed in members:
                # The members index is eventually consistent: decide from the profile itself.
                member = self.customers.get(listed.id)
                if group_id not in member.group_ids:
                    continue
                groups = [target if g == group_id else g for g in member.group_ids]
                default = target if member.default_group_id == group_id else member.default_group_id
                self.customers.update(
                    member.id,
                    UpdateCustomerRequest(group_ids=list(dict.fromkeys(groups)), default_group_id=default),
                )
                moved += 1

    # -- membership ----------------------------------------------------------------------------
    def members(self, group_id: str, limit: int, cursor: str | None) -> tuple[list[Customer], str | None]:
        """Raises: NotFoundError, InvalidCursorError."""
        self.config.entry("GROUP", group_id)
        params = ListCustomersParams(group_id=group_id, limit=limit, cursor=cursor)
        return self.customers.list_page(params)

    def add_member(self, group_id: str, customer_id: str) -> Customer:
        """Idempotent. Raises: NotFoundError (group or customer)."""
        self.config.entry("GROUP", group_id)
        customer = self.customers.get(customer_id)
        if group_id in customer.group_ids:
            return customer
        groups = [*customer.group_ids, group_id]
        return self.customers.update(customer_id, UpdateCustomerRequest(group_ids=groups))

    def remove_member(self, group_id: str, customer_id: str) -> Customer:
        """Idempotent. Raises: NotFoundError, RuleViolationError (a customer keeps one group)."""
        self.config.entry("GROUP", group_id)
        customer = self.customers.get(customer_id)
        if group_id not in customer.group_ids:
            return customer
        remaining = [g for g in customer.group_ids if g != group_id]
        if not remaining:
            raise RuleViolationError("A customer belongs to at least one group.")
        default = customer.default_group_id if customer.default_group_id in remaining else remaining[0]
        return self.customers.update(
            customer_id, UpdateCustomerRequest(group_ids=remaining, default_group_id=default)
        )

    # -- pricing -------------------------------------------------------------------------------
    def pricing(self, customer_id: str | None, category_id: str | None) -> Pricing:
        """The reduction that applies: the default group's reduction for that category when it has
        one, else the group's own; shoppers without an account get the visitor group. The payment
        methods and carriers allowed come from all the customer's groups (allowed_by_any).

        Raises: NotFoundError (unknown customer).
        """
        group_id = VISITOR_GROUP
        member_of: tuple[str, ...] = (VISITOR_GROUP,)
        if customer_id is not None:
            customer = self.customers.get(customer_id)
            group_id = customer.default_group_id or VISITOR_GROUP
            member_of = customer.group_ids or (group_id,)
        group = self.config.entry("GROUP", group_id)
        reduction, source = _reduction(group, category_id)
        # A group deleted since the customer joined it restricts nothing (nor allows anything).
        groups = [found for gid in member_of if (found := self._cached_group(gid)) is not None]
        return Pricing(
            customer_id,
            group,
            category_id,
            reduction,
            source,
            allowed_payment_methods=allowed_by_any(groups, "payment_methods"),
            allowed_carriers=allowed_by_any(groups, "carriers"),
        )

    def _cached_group(self, group_id: str) -> ConfigEntry | None:
        try:
            return self.config.entry("GROUP", group_id)
        except NotFoundError:
            return None

    def reductions(self, group_id: str | None) -> tuple[str, Callable[[str | None], Decimal]]:
        """The group that prices a cart and its reduction per category (no customer read: carts
        pass the customer's default group). A group deleted meanwhile prices like no reduction."""
        group_id = group_id or VISITOR_GROUP
        try:
            group = self.config.entry("GROUP", group_id)
        except NotFoundError:
            return group_id, lambda _category: Decimal("0")
        # Parsed once per cart, not once per line: a 100-line cart prices with one parse.
        default, by_category = _group_reduction(group), _category_reductions(group)
        return group_id, lambda category: default if category is None else by_category.get(category, default)


def allowed_by_any(groups: list[ConfigEntry], restriction: str) -> tuple[str, ...] | None:
    """What a customer of these groups may use, combined as PrestaShop combines module restrictions:
    a method is allowed when any of the customer's groups allows it, so the answer is the union of
    the groups' lists, and a group that sets no restriction (an empty list) allows everything (None).
    """
    allowed: dict[str, None] = {}
    for group in groups:
        listed = group.data.get(restriction) or []
        if not listed:
            return None
        allowed.update(dict.fromkeys(listed))
    return tuple(allowed) if groups else None


def _group_reduction(group: ConfigEntry) -> Decimal:
    return Decimal(str(group.data.get("reduction_percent", "0")))


def _category_reductions(group: ConfigEntry) -> dict[str, Decimal]:
    """The group's reduction per category id (a category listed twice: its last entry)."""
    return {
        item["category_id"]: Decimal(str(item["reduction_percent"]))
        for item in group.data.get("category_reductions", [])
        if item.get("category_id") is not None
    }


def _reduction(group: ConfigEntry, category_id: str | None) -> tuple[Decimal, str]:
    by_category = _category_reductions(group)
    if category_id is not None and category_id in by_category:
        return by_category[category_id], "category"
    return _group_reduction(group), "group"
