"""Storefront account contracts (API.md "Storefront accounts")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import StringConstraints, field_validator

from chalicelib.core.schemas import (
    Email,
    Identifier,
    Language,
    LinkToken,
    Name,
    Password,
    RequestModel,
    ResponseModel,
    ShortText,
    TypedEmail,
)
from chalicelib.customers.domain import CustomerStatus
from chalicelib.customers.schemas import Ape, Siret, Website, _not_in_future, b2b


class RegisterRequest(RequestModel):
    first_name: Name
    last_name: Name
    email: Email
    password: Password
    title_id: Identifier | None = None
    birthday: date | None = None
    newsletter: bool = False
    optin: bool = False
    language: Language = "en"
    company: ShortText | None = None
    siret: Siret | None = None
    ape: Ape | None = None
    website: Website | None = None

    _birthday = field_validator("birthday")(_not_in_future)


class StoreLoginRequest(RequestModel):
    email: TypedEmail
    password: Password
    cart_token: Annotated[str, StringConstraints(max_length=512)] | None = None


class ForgotPasswordRequest(RequestModel):
    email: TypedEmail


class ResetPasswordRequest(RequestModel):
    token: LinkToken
    password: Password


class VerifyEmailRequest(RequestModel):
    token: LinkToken


class UpdateMeRequest(RequestModel):
    """What a customer may change about themself: no status, groups, note or B2B risk fields."""

    title_id: Identifier | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    birthday: date | None = None
    newsletter: bool | None = None
    optin: bool | None = None
    language: Language | None = None
    email: Email | None = None
    password: Password | None = None
    current_password: Password | None = None
    company: ShortText | None = None
    siret: Siret | None = None
    ape: Ape | None = None
    website: Website | None = None

    _birthday = field_validator("birthday")(_not_in_future)


class MeResponse(ResponseModel):
    id: str
    title_id: str | None
    first_name: str
    last_name: str
    email: str
    birthday: date | None
    newsletter: bool
    optin: bool
    language: str
    status: CustomerStatus
    is_guest: bool
    registered_at: datetime
    last_visit_at: datetime | None
    company: str | None = b2b("company")
    siret: str | None = b2b("siret")
    ape: str | None = b2b("ape")
    website: str | None = b2b("website")


class VerificationSentResponse(ResponseModel):
    """POST /store/register (202): the address must be confirmed by the link mailed to it."""

    status: Literal["verification_sent"]


class UpdateMeResponse(MeResponse):
    """PATCH /store/me: the profile, plus a fresh `token` when a new password or e-mail ended
    every other session (absent otherwise)."""

    token: str | None = None
    expires_at: datetime | None = None


class StoreSessionResponse(ResponseModel):
    token: str | None
    expires_at: datetime | None
    customer: MeResponse
    # The guest cart (login's `cart_token`) now attached to this customer, if any.
    cart_id: str | None = None
