"""Contacts (customer-service departments) and predefined order messages."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.core.errors import ContactInUseError, RuleViolationError
from chalicelib.handlers.http import ADMIN, PUBLIC, STAFF, Call, NoBody, NoQuery, RouteSpec, route
from chalicelib.shop.domain import ConfigEntry
from chalicelib.shop.schemas import (
    ContactListResponse,
    ContactRequest,
    ContactResponse,
    LanguageParams,
    OrderMessageListResponse,
    OrderMessageRequest,
    OrderMessageResponse,
    PublicContactListResponse,
    PublicContactResponse,
    UpdateContactRequest,
    UpdateOrderMessageRequest,
)
from chalicelib.wiring import container

shop = Blueprint(__name__)


@route(
    shop,
    "/admin/contacts",
    "GET",
    RouteSpec(
        summary="List contacts",
        roles=STAFF,
        response=ContactListResponse,
    ),
)
def list_contacts(call: Call) -> ContactListResponse:
    return ContactListResponse(
        items=[ContactResponse.model_validate(c) for c in container().config.entries("CONTACT")]
    )


@route(
    shop,
    "/admin/contacts",
    "POST",
    RouteSpec(
        summary="Create a contact",
        roles=ADMIN,
        body=ContactRequest,
        response=ContactResponse,
        status=201,
        idempotent=True,
        replay=lambda call, stored: ContactResponse.model_validate(
            container().config.entry("CONTACT", stored.id())
        ),
    ),
)
def create_contact(call: Call[ContactRequest, NoQuery]) -> ContactResponse:
    return ContactResponse.model_validate(container().config.create_contact(call.body))


@route(
    shop,
    "/admin/contacts/{contact_id}",
    "GET",
    RouteSpec(
        summary="Get a contact",
        roles=STAFF,
        response=ContactResponse,
    ),
)
def get_contact(call: Call, contact_id: str) -> ContactResponse:
    return ContactResponse.model_validate(container().config.entry("CONTACT", contact_id))


@route(
    shop,
    "/admin/contacts/{contact_id}",
    "PATCH",
    RouteSpec(
        summary="Update a contact (hide it instead of deleting one with threads)",
        roles=ADMIN,
        body=UpdateContactRequest,
        response=ContactResponse,
    ),
)
def update_contact(call: Call[UpdateContactRequest, NoQuery], contact_id: str) -> ContactResponse:
    return ContactResponse.model_validate(
        container().config.update_entry("CONTACT", contact_id, call.body, ContactRequest)
    )


@route(
    shop,
    "/admin/contacts/{contact_id}",
    "DELETE",
    RouteSpec(
        summary="Delete a contact without threads (422 otherwise: hide it)",
        roles=ADMIN,
        status=204,
    ),
)
def delete_contact(call: Call, contact_id: str) -> Response:
    try:
        container().config.delete_entry(
            "CONTACT", contact_id, in_use_message="This contact has threads: hide it instead (hidden: true)."
        )
    except RuleViolationError as error:
        raise ContactInUseError(error.message) from None
    return Response(body="", status_code=204)


@route(
    shop,
    "/store/contacts",
    "GET",
    RouteSpec(
        summary="Contacts for the storefront's contact form (name and description only)",
        roles=PUBLIC,
        query=LanguageParams,
        response=PublicContactListResponse,
    ),
)
def store_contacts(call: Call[NoBody, LanguageParams]) -> PublicContactListResponse:
    visible = [c for c in container().config.entries("CONTACT") if not c.data.get("hidden")]
    return PublicContactListResponse(items=[public_contact_response(c, call.query.language) for c in visible])


@route(
    shop,
    "/admin/order-messages",
    "GET",
    RouteSpec(
        summary="List predefined order messages",
        roles=STAFF,
        response=OrderMessageListResponse,
    ),
)
def list_order_messages(call: Call) -> OrderMessageListResponse:
    entries = container().config.entries("ORDER_MESSAGE")
    return OrderMessageListResponse(items=[OrderMessageResponse.model_validate(e) for e in entries])


@route(
    shop,
    "/admin/order-messages",
    "POST",
    RouteSpec(
        summary="Create a predefined order message",
        roles=ADMIN,
        body=OrderMessageRequest,
        response=OrderMessageResponse,
        status=201,
        idempotent=True,
        replay=lambda call, stored: OrderMessageResponse.model_validate(
            container().config.entry("ORDER_MESSAGE", stored.id())
        ),
    ),
)
def create_order_message(call: Call[OrderMessageRequest, NoQuery]) -> OrderMessageResponse:
    return OrderMessageResponse.model_validate(container().config.create_order_message(call.body))


@route(
    shop,
    "/admin/order-messages/{message_id}",
    "GET",
    RouteSpec(
        summary="Get a predefined order message",
        roles=STAFF,
        response=OrderMessageResponse,
    ),
)
def get_order_message(call: Call, message_id: str) -> OrderMessageResponse:
    return OrderMessageResponse.model_validate(container().config.entry("ORDER_MESSAGE", message_id))


@route(
    shop,
    "/admin/order-messages/{message_id}",
    "PATCH",
    RouteSpec(
        summary="Update a predefined order message",
        roles=ADMIN,
        body=UpdateOrderMessageRequest,
        response=OrderMessageResponse,
    ),
)
def update_order_message(
    call: Call[UpdateOrderMessageRequest, NoQuery], message_id: str
) -> OrderMessageResponse:
    entry = container().config.update_entry("ORDER_MESSAGE", message_id, call.body, OrderMessageRequest)
    return OrderMessageResponse.model_validate(entry)


@route(
    shop,
    "/admin/order-messages/{message_id}",
    "DELETE",
    RouteSpec(
        summary="Delete a predefined order message",
        roles=ADMIN,
        status=204,
    ),
)
def delete_order_message(call: Call, message_id: str) -> Response:
    container().config.delete_entry("ORDER_MESSAGE", message_id)
    return Response(body="", status_code=204)


def public_contact_response(entry: ConfigEntry, language: str) -> PublicContactResponse:
    """A contact as the storefront shows it: its name and description in the shopper's language."""
    data = entry.data
    return PublicContactResponse(
        id=entry.id,
        name=str((data.get("names") or {}).get(language) or data["name"]),
        description=str((data.get("descriptions") or {}).get(language) or data.get("description", "")),
    )
