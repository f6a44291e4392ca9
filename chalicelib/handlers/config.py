"""Shop settings and social titles (back-office), public titles (storefront)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from chalicelib.core.errors import InvalidInputError
from chalicelib.core.validation import validate
from chalicelib.handlers.http import (
    ADMIN,
    PUBLIC,
    STAFF,
    Call,
    JsonObject,
    MergePatch,
    NoQuery,
    Routes,
    RouteSpec,
)
from chalicelib.shop.schemas import (
    ImportSecretsPatch,
    MailboxPasswordRequest,
    PublicTitleListResponse,
    ShopSettings,
    ShopSettingsPatch,
    ShopSettingsResponse,
    TitleListResponse,
    TitleRequest,
    TitleResponse,
    UpdateTitleRequest,
)
from chalicelib.wiring import container

config = Blueprint(__name__)
api = Routes(config)


@api.get("/admin/settings", RouteSpec("Shop settings", STAFF, response=ShopSettingsResponse))
def get_settings_view(call: Call) -> ShopSettingsResponse:
    return _with_secrets(container().config.settings())


def _with_secrets(settings: ShopSettings) -> ShopSettingsResponse:
    cookie_key_set = container().prestashop_cookie_key.get() is not None
    return ShopSettingsResponse.model_validate(
        settings.model_dump() | {"import": {"prestashop_cookie_key_set": cookie_key_set}}
    )


@api.patch(
    "/admin/settings",
    RouteSpec(
        "Change shop settings (deep merge)",
        ADMIN,
        body=MergePatch(ShopSettingsPatch),
        response=ShopSettingsResponse,
    ),
)
def patch_settings(call: Call[JsonObject, NoQuery]) -> ShopSettingsResponse:
    patch, password = _mailbox_password(call.body)
    patch, cookie_key = _cookie_key(patch)
    settings = container().config.patch_settings(patch)
    if password is not None:
        container().imap_password.put(password)
    if cookie_key is not None:
        container().prestashop_cookie_key.put(cookie_key)
    return _with_secrets(settings)


def _cookie_key(patch: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The patch without `import`, and the PrestaShop cookie key it sets (validated).

    Write-only like the mailbox password: the key goes to its secret store (sign-in checks
    imported PrestaShop 1.6 hashes with it), never into the stored settings, a response or a log.
    Raises: InvalidInputError (the field named, never its value)."""
    if "import" not in patch:
        return patch, None
    rest = {key: value for key, value in patch.items() if key != "import"}
    if not isinstance(patch["import"], dict):
        raise InvalidInputError("The settings are not valid.", {"import": "must be an object"})
    try:
        section = validate(ImportSecretsPatch, patch["import"])
    except InvalidInputError as error:
        fields = {f"import.{name}": reason for name, reason in error.fields.items()}
        raise InvalidInputError("The settings are not valid.", fields) from None
    if "prestashop_cookie_key" in patch["import"] and section.prestashop_cookie_key is None:
        # A secret is replaced, never blanked by a null.
        raise InvalidInputError("The settings are not valid.", {"import.prestashop_cookie_key": "required"})
    return rest, section.prestashop_cookie_key


def _mailbox_password(patch: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The patch without `customer_service.imap.password`, and that password (validated).

    The contract takes the mailbox password here too (write-only): it goes to the same secret
    store as PUT /admin/customer-service/mailbox/password and never into the stored settings.
    Raises: InvalidInputError (the field named, never its value)."""
    service = patch.get("customer_service")
    if not isinstance(service, dict):
        return patch, None
    imap = service.get("imap")
    if not isinstance(imap, dict) or "password" not in imap:
        return patch, None
    rest = {key: value for key, value in imap.items() if key != "password"}
    try:
        password = validate(MailboxPasswordRequest, {"password": imap["password"]}).password
    except InvalidInputError as error:
        fields = {f"customer_service.imap.{name}": reason for name, reason in error.fields.items()}
        raise InvalidInputError("The settings are not valid.", fields) from None
    return patch | {"customer_service": service | {"imap": rest}}, password


@api.get("/admin/titles", RouteSpec("List social titles", STAFF, response=TitleListResponse))
def list_titles(call: Call) -> TitleListResponse:
    return TitleListResponse.of(container().config.titles())


@api.post(
    "/admin/titles",
    RouteSpec(
        "Create a social title",
        ADMIN,
        body=TitleRequest,
        response=TitleResponse,
        status=201,
        idempotent=True,
        replay=lambda call, stored: TitleResponse.model_validate(container().config.title(stored.id())),
    ),
)
def create_title(call: Call[TitleRequest, NoQuery]) -> TitleResponse:
    return TitleResponse.model_validate(container().config.create_title(call.body))


@api.get("/admin/titles/{title_id}", RouteSpec("Get a social title", STAFF, response=TitleResponse))
def get_title(call: Call, title_id: str) -> TitleResponse:
    return TitleResponse.model_validate(container().config.title(title_id))


@api.patch(
    "/admin/titles/{title_id}",
    RouteSpec("Update a social title", ADMIN, body=UpdateTitleRequest, response=TitleResponse),
)
def update_title(call: Call[UpdateTitleRequest, NoQuery], title_id: str) -> TitleResponse:
    return TitleResponse.model_validate(container().config.update_title(title_id, call.body))


@api.delete("/admin/titles/{title_id}", RouteSpec("Delete a social title", ADMIN, status=204))
def delete_title(call: Call, title_id: str) -> None:
    container().config.delete_title(title_id)


@api.get(
    "/store/titles",
    RouteSpec("Social titles for the storefront forms", PUBLIC, response=PublicTitleListResponse),
)
def store_titles(call: Call) -> PublicTitleListResponse:
    return PublicTitleListResponse.of(container().config.titles())
