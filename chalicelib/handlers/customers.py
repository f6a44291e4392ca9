"""Back-office customers: CRUD, note, list, search."""

from __future__ import annotations

from decimal import Decimal

from chalice.app import Blueprint

from chalicelib.addresses.schemas import AddressResponse
from chalicelib.carts.domain import Cart, Order, money_text
from chalicelib.carts.schemas import CartSummaryResponse, OrderSummaryResponse
from chalicelib.core.observability import logger
from chalicelib.customers.domain import CustomerView
from chalicelib.customers.schemas import (
    ConnectionResponse,
    CreateCustomerRequest,
    CustomerListResponse,
    CustomerResponse,
    CustomerStats,
    CustomerViewResponse,
    DeleteCustomerParams,
    GroupSummary,
    ListCustomersParams,
    NoteRequest,
    OrdersSection,
    SearchParams,
    SearchResponse,
    UpdateCustomerRequest,
)
from chalicelib.handlers.http import ADMIN, STAFF, Call, NoBody, NoQuery, Routes, RouteSpec
from chalicelib.support.domain import Thread
from chalicelib.support.schemas import ThreadResponse
from chalicelib.wiring import container

customers = Blueprint(__name__)
api = Routes(customers)


@api.get(
    "/admin/customers",
    RouteSpec("List customers", STAFF, query=ListCustomersParams, response=CustomerListResponse),
)
def list_customers(call: Call[NoBody, ListCustomersParams]) -> CustomerListResponse:
    rows, cursor = container().customers.list_page(call.query)
    return CustomerListResponse.page(rows, cursor)


@api.post(
    "/admin/customers",
    RouteSpec(
        "Create a customer",
        ADMIN,
        body=CreateCustomerRequest,
        response=CustomerResponse,
        status=201,
        idempotent=True,
        replay=lambda call, stored: CustomerResponse.model_validate(container().customers.get(stored.id())),
    ),
)
def create_customer(call: Call[CreateCustomerRequest, NoQuery]) -> CustomerResponse:
    customer = container().customers.create(call.body)
    logger.info("customer created", customer_id=customer.id)
    return CustomerResponse.model_validate(customer)


@api.get("/admin/customers/{customer_id}", RouteSpec("Customer view", STAFF, response=CustomerViewResponse))
def view_customer(call: Call, customer_id: str) -> CustomerViewResponse:
    services = container()
    view = services.customers.view(customer_id)
    names = services.config.group_names()
    carts = services.carts.for_customer(customer_id)
    orders = services.orders.for_customer(customer_id)
    threads = services.threads.for_customer(customer_id)
    return customer_view_response(view, names, carts, orders, threads)


@api.patch(
    "/admin/customers/{customer_id}",
    RouteSpec("Update a customer", ADMIN, body=UpdateCustomerRequest, response=CustomerResponse),
)
def update_customer(call: Call[UpdateCustomerRequest, NoQuery], customer_id: str) -> CustomerResponse:
    customer = container().customers.update(customer_id, call.body)
    logger.info("customer updated", customer_id=customer.id)
    return CustomerResponse.model_validate(customer)


@api.delete(
    "/admin/customers/{customer_id}",
    RouteSpec("Delete a customer", ADMIN, query=DeleteCustomerParams, status=204),
)
def delete_customer(call: Call[NoBody, DeleteCustomerParams], customer_id: str) -> None:
    allow = call.query.allow_reregistration in ("1", "true", "yes")
    container().customers.delete(customer_id, allow_reregistration=allow)
    logger.info("customer deleted", customer_id=customer_id, email_blocked=not allow)


@api.put(
    "/admin/customers/{customer_id}/note",
    RouteSpec("Set the private note", ADMIN, body=NoteRequest, response=CustomerResponse),
)
def put_note(call: Call[NoteRequest, NoQuery], customer_id: str) -> CustomerResponse:
    return CustomerResponse.model_validate(container().customers.set_note(customer_id, call.body.note))


@api.get(
    "/admin/search",
    RouteSpec("Search customers by name, e-mail or IP", STAFF, query=SearchParams, response=SearchResponse),
)
def search_customers(call: Call[NoBody, SearchParams]) -> SearchResponse:
    services = container()
    found = services.customers.search(call.query.q, call.query.by, call.query.limit)
    return SearchResponse.of(found, titles={t.id: t.name for t in services.config.titles()})


@api.post(
    "/admin/customers/{customer_id}/approve",
    RouteSpec(
        "Approve a pending account (registration mode `required`); mails the customer",
        ADMIN,
        response=CustomerResponse,
    ),
)
def approve_customer(call: Call, customer_id: str) -> CustomerResponse:
    return CustomerResponse.model_validate(container().accounts.approve(customer_id))


@api.post(
    "/admin/customers/{customer_id}/convert-guest",
    RouteSpec("Turn a guest into an account; mails a set-password link", ADMIN, response=CustomerResponse),
)
def convert_guest(call: Call, customer_id: str) -> CustomerResponse:
    return CustomerResponse.model_validate(container().accounts.convert_guest(customer_id))


def customer_view_response(
    view: CustomerView,
    group_names: dict[str, str],
    carts: list[Cart],
    orders: list[Order],
    threads: list[Thread],
) -> CustomerViewResponse:
    """The view page: the customer and what the view Query and the other features return for it."""
    customer = view.customer
    return CustomerViewResponse(
        profile=CustomerResponse.model_validate(customer),
        addresses=[AddressResponse.model_validate(a).model_dump(mode="json") for a in view.addresses],
        groups=[GroupSummary(id=g, name=group_names.get(g, g)) for g in customer.group_ids],
        carts=[CartSummaryResponse.model_validate(cart).model_dump(mode="json") for cart in carts],
        orders=orders_section(orders),
        threads=[ThreadResponse.model_validate(t).model_dump(mode="json") for t in threads],
        note=customer.note,
        last_connections=[ConnectionResponse.model_validate(c) for c in view.connections],
        stats=CustomerStats.model_validate(customer),
    )


def orders_section(orders: list[Order]) -> OrdersSection:
    """PrestaShop's split: valid (paid, not undone) and other orders, each with its total."""
    valid = [order for order in orders if order.valid]
    invalid = [order for order in orders if not order.valid]

    def total(items: list[Order]) -> str:
        return money_text(sum((Decimal(order.total) for order in items), start=Decimal("0")))

    return OrdersSection(
        valid=[OrderSummaryResponse.model_validate(order).model_dump(mode="json") for order in valid],
        invalid=[OrderSummaryResponse.model_validate(order).model_dump(mode="json") for order in invalid],
        valid_total=total(valid),
        invalid_total=total(invalid),
    )
