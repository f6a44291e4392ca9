"""Customer groups, their members, and the storefront pricing they imply."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice.app import Blueprint

from chalicelib.core.errors import ForbiddenError, UnauthenticatedError
from chalicelib.core.principal import Principal
from chalicelib.core.schemas import PageParams
from chalicelib.customers.schemas import CustomerResponse
from chalicelib.groups.schemas import MemberListResponse
from chalicelib.handlers.http import ADMIN, PUBLIC, STAFF, AnyCall, Call, NoBody, NoQuery, Routes, RouteSpec
from chalicelib.shop.schemas import (
    DeleteGroupParams,
    GroupListResponse,
    GroupRequest,
    GroupResponse,
    PricingParams,
    PricingResponse,
    UpdateGroupRequest,
)
from chalicelib.wiring import container

if TYPE_CHECKING:
    from chalicelib.groups.service import Pricing

groups = Blueprint(__name__)
api = Routes(groups)


@api.get("/admin/groups", RouteSpec("List customer groups", STAFF, response=GroupListResponse))
def list_groups(call: Call) -> GroupListResponse:
    return GroupListResponse.of(container().groups.list_groups())


@api.post(
    "/admin/groups",
    RouteSpec(
        "Create a customer group",
        ADMIN,
        body=GroupRequest,
        response=GroupResponse,
        status=201,
        idempotent=True,
        replay=lambda call, stored: GroupResponse.model_validate(container().groups.get(stored.id())),
    ),
)
def create_group(call: Call[GroupRequest, NoQuery]) -> GroupResponse:
    return GroupResponse.model_validate(container().groups.create(call.body))


@api.get("/admin/groups/{group_id}", RouteSpec("Get a group", STAFF, response=GroupResponse))
def get_group(call: Call, group_id: str) -> GroupResponse:
    return GroupResponse.model_validate(container().groups.get(group_id))


@api.patch(
    "/admin/groups/{group_id}",
    RouteSpec("Update a group", ADMIN, body=UpdateGroupRequest, response=GroupResponse),
)
def update_group(call: Call[UpdateGroupRequest, NoQuery], group_id: str) -> GroupResponse:
    return GroupResponse.model_validate(container().groups.update(group_id, call.body))


@api.delete(
    "/admin/groups/{group_id}",
    RouteSpec(
        "Delete a group (422 for defaults and groups with members unless ?reassign_to=)",
        ADMIN,
        query=DeleteGroupParams,
        status=204,
    ),
)
def delete_group(call: Call[NoBody, DeleteGroupParams], group_id: str) -> None:
    container().groups.delete(group_id, call.query.reassign_to)


@api.get(
    "/admin/groups/{group_id}/members",
    RouteSpec("Members of a group, paginated", STAFF, query=PageParams, response=MemberListResponse),
)
def list_members(call: Call[NoBody, PageParams], group_id: str) -> MemberListResponse:
    rows, cursor = container().groups.members(group_id, call.query.limit, call.query.cursor)
    return MemberListResponse.page(rows, cursor)


@api.put(
    "/admin/groups/{group_id}/members/{customer_id}",
    RouteSpec("Add a customer to a group (idempotent)", ADMIN, response=CustomerResponse),
)
def add_member(call: Call, group_id: str, customer_id: str) -> CustomerResponse:
    return CustomerResponse.model_validate(container().groups.add_member(group_id, customer_id))


@api.delete(
    "/admin/groups/{group_id}/members/{customer_id}",
    RouteSpec("Remove a customer from a group (idempotent)", ADMIN, status=204),
)
def remove_member(call: Call, group_id: str, customer_id: str) -> None:
    container().groups.remove_member(group_id, customer_id)


def _pricing_caller(call: AnyCall) -> Principal | None:
    header = call.request.headers.get("authorization")
    if not header:
        return None
    token = header.partition(" ")[2].strip()
    services = container()
    try:
        return services.accounts.authenticate(token)
    except UnauthenticatedError:
        return services.auth.authenticate(token)


@api.get(
    "/store/pricing",
    RouteSpec(
        "The reduction and price display that apply (customer token, staff token + customer_id, "
        "or none for visitors)",
        PUBLIC,
        query=PricingParams,
        response=PricingResponse,
    ),
)
def store_pricing(call: Call[NoBody, PricingParams]) -> PricingResponse:
    caller = _pricing_caller(call)
    customer_id = call.query.customer_id
    if caller is not None and caller.role == "customer":
        if customer_id not in (None, caller.subject_id):
            raise ForbiddenError("A customer sees only their own pricing.")
        customer_id = caller.subject_id
    elif customer_id is not None and caller is None:
        raise UnauthenticatedError("A staff token is needed to price for a given customer.")
    return pricing_response(container().groups.pricing(customer_id, call.query.category_id))


def pricing_response(pricing: Pricing) -> PricingResponse:
    """What the storefront prices with: the reduction that applies and the group's display rules."""
    data = pricing.group.data
    return PricingResponse(
        customer_id=pricing.customer_id,
        group_id=pricing.group.id,
        category_id=pricing.category_id,
        reduction_percent=f"{pricing.reduction_percent:.2f}",
        reduction_source="category" if pricing.source == "category" else "group",
        price_display=data.get("price_display", "tax_incl"),
        show_prices=bool(data.get("show_prices", True)),
        allowed_payment_methods=_listed(pricing.allowed_payment_methods),
        allowed_carriers=_listed(pricing.allowed_carriers),
    )


def _listed(allowed: tuple[str, ...] | None) -> list[str] | None:
    return None if allowed is None else list(allowed)
