"""Shop settings and social titles contracts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints, field_validator

from chalicelib.domain.config import Gender
from chalicelib.schemas.common import Name, RequestModel, ResponseModel

# Fields a merchant may make mandatory (seed: "Set required fields for this section").
CUSTOMER_REQUIRABLE = (
    "title_id",
    "birthday",
    "newsletter",
    "optin",
    "company",
    "siret",
    "ape",
    "website",
)
ADDRESS_REQUIRABLE = (
    "company",
    "vat_number",
    "dni",
    "address2",
    "postcode",
    "state",
    "phone",
    "phone_mobile",
    "other",
)
CustomerRequirable = Literal[
    "title_id", "birthday", "newsletter", "optin", "company", "siret", "ape", "website"
]
AddressRequirable = Literal[
    "company",
    "vat_number",
    "dni",
    "address2",
    "postcode",
    "state",
    "phone",
    "phone_mobile",
    "other",
]


class PasswordPolicy(RequestModel):
    min_length: Annotated[int, Field(ge=8, le=128)] = 8
    require_upper: bool = False
    require_lower: bool = False
    require_digit: bool = False
    require_symbol: bool = False


class RequiredFields(RequestModel):
    customer: list[CustomerRequirable] = Field(default_factory=list)
    address: list[AddressRequirable] = Field(default_factory=list)

    @field_validator("customer", "address")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        return sorted(set(value))


class AbandonedCartSettings(RequestModel):
    idle_minutes: Annotated[int, Field(ge=5, le=60 * 24 * 30)] = 60
    remind: bool = False
    voucher_percent: Annotated[Decimal, Field(ge=0, le=100, decimal_places=2)] = Decimal("0")
    voucher_days: Annotated[int, Field(ge=1, le=365)] = 7
    delete_after_days: Annotated[int, Field(ge=1, le=3650)] = 90


class ImapSettings(RequestModel):
    url: Annotated[str, StringConstraints(max_length=255)] = ""
    port: Annotated[int, Field(ge=0, le=65535)] = 0
    user: Annotated[str, StringConstraints(max_length=255)] = ""
    delete_messages: bool = False
    create_new_threads: bool = True
    pop3: bool = False
    norsh: bool = False
    ssl: bool = True
    validate_cert: bool = True
    novalidate_cert: bool = False
    tls: bool = False
    notls: bool = False
    mailbox: Annotated[str, StringConstraints(min_length=1, max_length=255)] = "INBOX"


class CustomerServiceSettings(RequestModel):
    allow_uploads: bool = True
    default_message: Annotated[str, StringConstraints(max_length=5000)] = ""
    imap: ImapSettings = Field(default_factory=ImapSettings)


class ShopSettings(RequestModel):
    """The whole settings document (GET returns it; PATCH merges a partial one into it)."""

    registration_mode: Literal["disabled", "optional", "required"] = "optional"
    guest_checkout: bool = True
    b2b_mode: bool = False
    password_policy: PasswordPolicy = Field(default_factory=PasswordPolicy)
    required_fields: RequiredFields = Field(default_factory=RequiredFields)
    abandoned_cart: AbandonedCartSettings = Field(default_factory=AbandonedCartSettings)
    customer_service: CustomerServiceSettings = Field(default_factory=CustomerServiceSettings)
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "EUR"
    shop_email: EmailStr | None = None
    shop_name: Annotated[str, StringConstraints(min_length=1, max_length=128)] = "My shop"
    # Where the storefront serves its pages; account e-mails link to <storefront_url>/password/reset.
    storefront_url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=255)] = (
        "https://shop.example.com"
    )


class TitleRequest(RequestModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    gender: Gender


class UpdateTitleRequest(RequestModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    gender: Gender | None = None


class TitleResponse(ResponseModel):
    id: str
    name: str
    gender: Gender
    is_default: bool


class PublicTitleResponse(ResponseModel):
    id: str
    name: str
    gender: Gender


class GroupNameResponse(ResponseModel):
    id: str
    name: Name
