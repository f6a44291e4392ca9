"""Configuration entries → response contracts (their documents carry defaults for keys older
entries lack)."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.groups.service import Pricing
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.schemas import (
    CategoryReductionResponse,
    ContactResponse,
    GroupResponse,
    OrderMessageResponse,
    PricingResponse,
    PublicContactResponse,
)


def group_response(entry: ConfigEntry) -> GroupResponse:
    data = entry.data
    return GroupResponse(
        id=entry.id,
        name=str(data["name"]),
        names=dict(data.get("names") or {}),
        reduction_percent=f"{Decimal(str(data.get('reduction_percent', '0'))):.2f}",
        price_display=data.get("price_display", "tax_incl"),
        show_prices=bool(data.get("show_prices", True)),
        category_reductions=[
            CategoryReductionResponse(
                category_id=str(item["category_id"]),
                reduction_percent=f"{Decimal(str(item['reduction_percent'])):.2f}",
            )
            for item in data.get("category_reductions", [])
        ],
        is_default=entry.is_default,
        member_count=entry.count,
    )


def contact_response(entry: ConfigEntry) -> ContactResponse:
    data = entry.data
    return ContactResponse(
        id=entry.id,
        name=str(data["name"]),
        names=dict(data.get("names") or {}),
        email=data.get("email"),
        save_messages=bool(data.get("save_messages", True)),
        description=str(data.get("description", "")),
        descriptions=dict(data.get("descriptions") or {}),
        hidden=bool(data.get("hidden", False)),
        is_default=entry.is_default,
        thread_count=entry.count,
    )


def public_contact_response(entry: ConfigEntry, language: str) -> PublicContactResponse:
    data = entry.data
    return PublicContactResponse(
        id=entry.id,
        name=str((data.get("names") or {}).get(language) or data["name"]),
        description=str((data.get("descriptions") or {}).get(language) or data.get("description", "")),
    )


def order_message_response(entry: ConfigEntry) -> OrderMessageResponse:
    data = entry.data
    return OrderMessageResponse(
        id=entry.id,
        name=str(data["name"]),
        message=str(data["message"]),
        messages=dict(data.get("messages") or {}),
    )


def pricing_response(pricing: Pricing) -> PricingResponse:
    data = pricing.group.data
    return PricingResponse(
        customer_id=pricing.customer_id,
        group_id=pricing.group.id,
        category_id=pricing.category_id,
        reduction_percent=f"{pricing.reduction_percent:.2f}",
        reduction_source="category" if pricing.source == "category" else "group",
        price_display=data.get("price_display", "tax_incl"),
        show_prices=bool(data.get("show_prices", True)),
    )
