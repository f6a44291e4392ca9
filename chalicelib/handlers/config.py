"""Shop settings and social titles (back-office), public titles (storefront)."""

from __future__ import annotations

from chalice.app import Blueprint, Response

from chalicelib.handlers.http import ADMIN, PUBLIC, STAFF, Call, route
from chalicelib.handlers.presenters import public_title_response, title_response
from chalicelib.schemas.config import ShopSettings, TitleRequest, TitleResponse, UpdateTitleRequest
from chalicelib.schemas.lists import PublicTitleListResponse, TitleListResponse
from chalicelib.wiring import container

config = Blueprint(__name__)


@route(config, "/admin/settings", "GET", summary="Shop settings", roles=STAFF, response=ShopSettings)
def get_settings_view(call: Call) -> ShopSettings:
    return container().config.settings()


@route(
    config,
    "/admin/settings",
    "PATCH",
    summary="Change shop settings (deep merge)",
    roles=ADMIN,
    partial_of=ShopSettings,
    response=ShopSettings,
)
def patch_settings(call: Call) -> ShopSettings:
    return container().config.patch_settings(call.body)


@route(
    config,
    "/admin/titles",
    "GET",
    summary="List social titles",
    roles=STAFF,
    response=TitleListResponse,
)
def list_titles(call: Call) -> TitleListResponse:
    return TitleListResponse(items=[title_response(t) for t in container().config.titles()])


@route(
    config,
    "/admin/titles",
    "POST",
    summary="Create a social title",
    roles=ADMIN,
    body=TitleRequest,
    response=TitleResponse,
    status=201,
    idempotent=True,
    replay=lambda call, stored: get_title(call, stored.id()),
)
def create_title(call: Call) -> TitleResponse:
    return title_response(container().config.create_title(call.body))


@route(
    config,
    "/admin/titles/{title_id}",
    "GET",
    summary="Get a social title",
    roles=STAFF,
    response=TitleResponse,
)
def get_title(call: Call, title_id: str) -> TitleResponse:
    return title_response(container().config.title(title_id))


@route(
    config,
    "/admin/titles/{title_id}",
    "PATCH",
    summary="Update a social title",
    roles=ADMIN,
    body=UpdateTitleRequest,
    response=TitleResponse,
)
def update_title(call: Call, title_id: str) -> TitleResponse:
    return title_response(container().config.update_title(title_id, call.body))


@route(
    config,
    "/admin/titles/{title_id}",
    "DELETE",
    summary="Delete a social title",
    roles=ADMIN,
    status=204,
)
def delete_title(call: Call, title_id: str) -> Response:
    container().config.delete_title(title_id)
    return Response(body="", status_code=204)


@route(
    config,
    "/store/titles",
    "GET",
    summary="Social titles for the storefront forms",
    roles=PUBLIC,
    response=PublicTitleListResponse,
)
def store_titles(call: Call) -> PublicTitleListResponse:
    titles = container().config.titles()
    return PublicTitleListResponse(items=[public_title_response(t) for t in titles])
