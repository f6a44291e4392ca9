"""Contacts (customer-service departments) and predefined order messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalice.app import Blueprint
from pydantic import BaseModel

from chalicelib.core.errors import ContactInUseError, DomainError, RuleViolationError
from chalicelib.core.schemas import ItemsResponse
from chalicelib.handlers.http import ADMIN, PUBLIC, STAFF, Call, NoBody, Routes, RouteSpec
from chalicelib.shop.domain import ConfigEntry, ConfigKind
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
api = Routes(shop)


@dataclass(frozen=True, kw_only=True)
class EntryCollection:
    """A kind of configuration entry the back office manages as one collection. Contacts and
    predefined order messages are the same five routes over `container().config`'s entries;
    only their names, models and what a delete refuses differ."""

    kind: ConfigKind
    path: str  # "/admin/contacts"; an entry is at "{path}/{{id_param}}"
    id_param: str
    one: str  # "a contact": the summaries name the entry with it
    many: str  # "contacts"
    request: type[BaseModel]
    update_request: type[BaseModel]
    response: type[BaseModel]
    list_response: type[ItemsResponse[Any]]
    update_note: str = ""
    delete_summary: str | None = None
    # A delete of an entry still in use is refused with this message, raised as this error.
    in_use: tuple[str, type[DomainError]] | None = None


def entry_routes(c: EntryCollection) -> None:
    """Register list, create, get, update and delete for `c`, in that order (the OpenAPI
    document lists operations in registration order)."""
    item_path = f"{c.path}/{{{c.id_param}}}"

    @api.get(c.path, RouteSpec(f"List {c.many}", STAFF, response=c.list_response))
    def list_entries(call: Call) -> BaseModel:
        return c.list_response.of(container().config.entries(c.kind))

    @api.post(
        c.path,
        RouteSpec(
            f"Create {c.one}",
            ADMIN,
            body=c.request,
            response=c.response,
            status=201,
            idempotent=True,
            replay=lambda call, stored: c.response.model_validate(
                container().config.entry(c.kind, stored.id())
            ),
        ),
    )
    def create_entry(call: Call[BaseModel, None]) -> BaseModel:
        return c.response.model_validate(container().config.create_entry(c.kind, call.body))

    @api.get(item_path, RouteSpec(f"Get {c.one}", STAFF, response=c.response))
    def get_entry(call: Call, /, **ids: str) -> BaseModel:
        return c.response.model_validate(container().config.entry(c.kind, ids[c.id_param]))

    @api.patch(
        item_path,
        RouteSpec(f"Update {c.one}{c.update_note}", ADMIN, body=c.update_request, response=c.response),
    )
    def update_entry(call: Call[BaseModel, None], /, **ids: str) -> BaseModel:
        entry = container().config.update_entry(c.kind, ids[c.id_param], call.body, c.request)
        return c.response.model_validate(entry)

    @api.delete(item_path, RouteSpec(c.delete_summary or f"Delete {c.one}", ADMIN, status=204))
    def delete_entry(call: Call, /, **ids: str) -> None:
        if c.in_use is None:
            container().config.delete_entry(c.kind, ids[c.id_param])
            return
        message, error_type = c.in_use
        try:
            container().config.delete_entry(c.kind, ids[c.id_param], in_use_message=message)
        except RuleViolationError as error:
            raise error_type(error.message) from None


entry_routes(
    EntryCollection(
        kind="CONTACT",
        path="/admin/contacts",
        id_param="contact_id",
        one="a contact",
        many="contacts",
        request=ContactRequest,
        update_request=UpdateContactRequest,
        response=ContactResponse,
        list_response=ContactListResponse,
        update_note=" (hide it instead of deleting one with threads)",
        delete_summary="Delete a contact without threads (422 otherwise: hide it)",
        in_use=("This contact has threads: hide it instead (hidden: true).", ContactInUseError),
    )
)


@api.get(
    "/store/contacts",
    RouteSpec(
        "Contacts for the storefront's contact form (name and description only)",
        PUBLIC,
        query=LanguageParams,
        response=PublicContactListResponse,
    ),
)
def store_contacts(call: Call[NoBody, LanguageParams]) -> PublicContactListResponse:
    visible = [c for c in container().config.entries("CONTACT") if not c.data.get("hidden")]
    return PublicContactListResponse(items=[public_contact_response(c, call.query.language) for c in visible])


entry_routes(
    EntryCollection(
        kind="ORDER_MESSAGE",
        path="/admin/order-messages",
        id_param="message_id",
        one="a predefined order message",
        many="predefined order messages",
        request=OrderMessageRequest,
        update_request=UpdateOrderMessageRequest,
        response=OrderMessageResponse,
        list_response=OrderMessageListResponse,
    )
)


def public_contact_response(entry: ConfigEntry, language: str) -> PublicContactResponse:
    """A contact as the storefront shows it: its name and description in the shopper's language."""
    data = entry.data
    return PublicContactResponse(
        id=entry.id,
        name=str((data.get("names") or {}).get(language) or data["name"]),
        description=str((data.get("descriptions") or {}).get(language) or data.get("description", "")),
    )
