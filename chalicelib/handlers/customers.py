"""Back-office customers: CRUD, note, list, search."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.observability import logger
from chalicelib.customers.schemas import (
    CreateCustomerRequest,
    CustomerListResponse,
    CustomerResponse,
    CustomerViewResponse,
    DeleteCustomerParams,
    ListCustomersParams,
    NoteRequest,
    SearchParams,
    SearchResponse,
    UpdateCustomerRequest,
)
from chalicelib.handlers.http import ADMIN, STAFF, Call, route
from chalicelib.handlers.presenters import customer_response, customer_view_response, search_result
from chalicelib.wiring import container

customers = Blueprint(__name__)


@route(
    customers,
    "/admin/customers",
    "GET",
    summary="List customers",
    roles=STAFF,
    query=ListCustomersParams,
    response=CustomerListResponse,
)
def list_customers(call: Call) -> CustomerListResponse:
    rows, cursor = container().customers.list_page(call.query)
    return CustomerListResponse(items=[customer_response(c) for c in rows], next_cursor=cursor)


@route(
    customers,
    "/admin/customers",
    "POST",
    summary="Create a customer",
    roles=ADMIN,
    body=CreateCustomerRequest,
    response=CustomerResponse,
    status=201,
    idempotent=True,
    replay=lambda call, stored: customer_response(container().customers.get(stored.id())),
)
def create_customer(call: Call) -> CustomerResponse:
    customer = container().customers.create(call.body)
    logger.info("customer created", customer_id=customer.id)
    return customer_response(customer)


@route(
    customers,
    "/admin/customers/{customer_id}",
    "GET",
    summary="Customer view",
    roles=STAFF,
    response=CustomerViewResponse,
)
def view_customer(call: Call, customer_id: str) -> CustomerViewResponse:
    services = container()
    view = services.customers.view(customer_id)
    names = services.config.group_names()
    carts = services.carts.for_customer(customer_id)
    orders = services.orders.for_customer(customer_id)
    threads = services.threads.for_customer(customer_id)
    return customer_view_response(view, names, carts, orders, threads)


@route(
    customers,
    "/admin/customers/{customer_id}",
    "PATCH",
    summary="Update a customer",
    roles=ADMIN,
    body=UpdateCustomerRequest,
    response=CustomerResponse,
)
def update_customer(call: Call, customer_id: str) -> CustomerResponse:
    customer = container().customers.update(customer_id, call.body)
    logger.info("customer updated", customer_id=customer.id)
    return customer_response(customer)


@route(
    customers,
    "/admin/customers/{customer_id}",
    "DELETE",
    summary="Delete a customer",
    roles=ADMIN,
    query=DeleteCustomerParams,
    status=204,
)
def delete_customer(call: Call, customer_id: str) -> Response:
    allow = call.query.allow_reregistration in ("1", "true", "yes")
    container().customers.delete(customer_id, allow_reregistration=allow)
    logger.info("customer deleted", customer_id=customer_id, email_blocked=not allow)
    return Response(body="", status_code=204)


@route(
    customers,
    "/admin/customers/{customer_id}/note",
    "PUT",
    summary="Set the private note",
    roles=ADMIN,
    body=NoteRequest,
    response=CustomerResponse,
)
def put_note(call: Call, customer_id: str) -> CustomerResponse:
    return customer_response(container().customers.set_note(customer_id, call.body.note))


@route(
    customers,
    "/admin/search",
    "GET",
    summary="Search customers by name, e-mail or IP",
    roles=STAFF,
    query=SearchParams,
    response=SearchResponse,
)
def search_customers(call: Call) -> SearchResponse:
    services = container()
    found = services.customers.search(call.query.q, call.query.by, call.query.limit)
    titles = {t.id: t.name for t in services.config.titles()}
    return SearchResponse(items=[search_result(c, titles) for c in found])


@route(
    customers,
    "/admin/customers/{customer_id}/approve",
    "POST",
    summary="Approve a pending account (registration mode `required`); mails the customer",
    roles=ADMIN,
    response=CustomerResponse,
)
def approve_customer(call: Call, customer_id: str) -> CustomerResponse:
    return customer_response(container().accounts.approve(customer_id))


@route(
    customers,
    "/admin/customers/{customer_id}/convert-guest",
    "POST",
    summary="Turn a guest into an account; mails a set-password link",
    roles=ADMIN,
    response=CustomerResponse,
)
def convert_guest(call: Call, customer_id: str) -> CustomerResponse:
    return customer_response(container().accounts.convert_guest(customer_id))
