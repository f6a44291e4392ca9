"""Domain objects → response contracts."""

from __future__ import annotations

from decimal import Decimal

from chalicelib.addresses.domain import Address
from chalicelib.addresses.schemas import AddressResponse
from chalicelib.carts.domain import Cart, Order, money_text
from chalicelib.customers.account_schemas import MeResponse
from chalicelib.customers.domain import Customer, CustomerView
from chalicelib.customers.schemas import (
    ConnectionResponse,
    CustomerResponse,
    CustomerStats,
    CustomerViewResponse,
    GroupSummary,
    OrdersSection,
    SearchResultResponse,
)
from chalicelib.groups.service import Pricing
from chalicelib.handlers.cart_presenters import cart_summary, order_summary
from chalicelib.handlers.thread_presenters import thread_response
from chalicelib.shop.domain import ConfigEntry, Title
from chalicelib.shop.schemas import (
    CategoryReductionResponse,
    ContactResponse,
    GroupResponse,
    OrderMessageResponse,
    PricingResponse,
    PublicContactResponse,
    PublicTitleResponse,
    TitleResponse,
)
from chalicelib.staff.domain import Employee
from chalicelib.staff.schemas import EmployeeResponse
from chalicelib.support.domain import Thread


def customer_response(customer: Customer) -> CustomerResponse:
    b2b = customer.b2b
    return CustomerResponse(
        id=customer.id,
        title_id=customer.title_id,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        birthday=customer.birthday,
        enabled=customer.enabled,
        newsletter=customer.newsletter,
        optin=customer.optin,
        is_guest=customer.is_guest,
        status=customer.status,
        language=customer.language,
        group_ids=list(customer.group_ids),
        default_group_id=customer.default_group_id,
        registered_at=customer.registered_at,
        last_visit_at=customer.last_visit_at,
        note=customer.note,
        company=b2b.get("company"),
        siret=b2b.get("siret"),
        ape=b2b.get("ape"),
        website=b2b.get("website"),
        outstanding_allowed=b2b.get("outstanding_allowed"),
        max_payment_days=b2b.get("max_payment_days"),
        risk_rating=b2b.get("risk_rating"),
        orders_count=customer.orders_count,
        total_spent=customer.total_spent,
        last_order_at=customer.last_order_at,
        version=customer.version,
    )


def orders_section(orders: list[Order]) -> OrdersSection:
    """PrestaShop's split: valid (paid, not undone) and other orders, each with its total."""
    valid = [order for order in orders if order.valid]
    invalid = [order for order in orders if not order.valid]

    def total(items: list[Order]) -> str:
        return money_text(sum((Decimal(order.total) for order in items), start=Decimal("0")))

    return OrdersSection(
        valid=[order_summary(order).model_dump(mode="json") for order in valid],
        invalid=[order_summary(order).model_dump(mode="json") for order in invalid],
        valid_total=total(valid),
        invalid_total=total(invalid),
    )


def customer_view_response(
    view: CustomerView,
    group_names: dict[str, str],
    carts: list[Cart] | None = None,
    orders: list[Order] | None = None,
    threads: list[Thread] | None = None,
) -> CustomerViewResponse:
    customer = view.customer
    return CustomerViewResponse(
        profile=customer_response(customer),
        addresses=[address_response(a).model_dump(mode="json") for a in view.addresses],
        groups=[
            GroupSummary(id=group_id, name=group_names.get(group_id, group_id))
            for group_id in customer.group_ids
        ],
        carts=[cart_summary(cart).model_dump(mode="json") for cart in carts or []],
        orders=orders_section(orders or []),
        threads=[thread_response(t).model_dump(mode="json") for t in threads or []],
        note=customer.note,
        last_connections=[ConnectionResponse(at=c.at, ip=c.ip) for c in view.connections],
        stats=CustomerStats(
            orders_count=customer.orders_count,
            total_spent=customer.total_spent,
            last_order_at=customer.last_order_at,
        ),
    )


def search_result(customer: Customer, titles: dict[str, str]) -> SearchResultResponse:
    return SearchResultResponse(
        id=customer.id,
        title=titles.get(customer.title_id) if customer.title_id else None,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        birthday=customer.birthday,
        registered_at=customer.registered_at,
        orders_count=customer.orders_count,
        enabled=customer.enabled,
    )


def employee_response(employee: Employee) -> EmployeeResponse:
    return EmployeeResponse(
        id=employee.id,
        email=employee.email,
        first_name=employee.first_name,
        last_name=employee.last_name,
        role=employee.role,
        active=employee.active,
        language=employee.language,
        created_at=employee.created_at,
        updated_at=employee.updated_at,
    )


def title_response(title: Title) -> TitleResponse:
    return TitleResponse(id=title.id, name=title.name, gender=title.gender, is_default=title.is_default)


def public_title_response(title: Title) -> PublicTitleResponse:
    return PublicTitleResponse(id=title.id, name=title.name, gender=title.gender)


def me_response(customer: Customer) -> MeResponse:
    b2b = customer.b2b
    return MeResponse(
        id=customer.id,
        title_id=customer.title_id,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        birthday=customer.birthday,
        newsletter=customer.newsletter,
        optin=customer.optin,
        language=customer.language,
        status=customer.status,
        is_guest=customer.is_guest,
        registered_at=customer.registered_at,
        last_visit_at=customer.last_visit_at,
        company=b2b.get("company"),
        siret=b2b.get("siret"),
        ape=b2b.get("ape"),
        website=b2b.get("website"),
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


def address_response(address: Address) -> AddressResponse:
    return AddressResponse(
        id=address.id,
        customer_id=address.customer_id,
        alias=address.alias,
        company=address.company,
        first_name=address.first_name,
        last_name=address.last_name,
        vat_number=address.vat_number,
        dni=address.dni,
        address1=address.address1,
        address2=address.address2,
        postcode=address.postcode,
        city=address.city,
        state=address.state,
        country=address.country,
        phone=address.phone,
        phone_mobile=address.phone_mobile,
        other=address.other,
        deleted=address.deleted,
        created_at=address.created_at,
        updated_at=address.updated_at,
    )
