"""Shop settings and social titles contracts."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, EmailStr, Field, StringConstraints, field_validator, model_validator

from chalicelib.core.schemas import ItemsResponse, Name, RequestModel, ResponseModel
from chalicelib.shop.domain import ConfigEntry, Gender

# Fields a merchant may make mandatory (seed: "Set required fields for this section").
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
    # A recipient without marketing or cart-reminder consent gets at most this one reminder, ever
    # (a "service" reminder, without voucher); off by default.
    service_reminder: bool = False


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


class MailboxPasswordRequest(RequestModel):
    """The mailbox password: write-only, kept in the secret store, never in the settings."""

    password: Annotated[str, StringConstraints(min_length=1, max_length=255, strip_whitespace=False)]


class CustomerServiceSettings(RequestModel):
    allow_uploads: bool = True
    default_message: Annotated[str, StringConstraints(max_length=5000)] = ""
    imap: ImapSettings = Field(default_factory=ImapSettings)


class RetentionSettings(RequestModel):
    """How long data without a purpose is kept (abandoned carts: abandoned_cart.delete_after_days)."""

    # Guest customers who never ordered are erased this long after they were created.
    guest_customers_days: Annotated[int, Field(ge=1, le=3650)] = 365
    # Inbound mail kept unprocessed (unparseable, no contact) is deleted after this many days.
    unprocessed_mail_days: Annotated[int, Field(ge=1, le=3650)] = 90


# The seeded `public_api_url`, which the local stack reads as "this API" (ConfigService). A constant,
# not ShopSettings.model_fields[...].default: reading model_fields at import builds the model (and
# loads email_validator for shop_email) in every function that imports the shop's service.
SEEDED_PUBLIC_API_URL = "http://127.0.0.1:8000"


class ShopSettings(RequestModel):
    """The whole settings document (GET returns it; PATCH merges a partial one into it)."""

    registration_mode: Literal["disabled", "optional", "required"] = "optional"
    # "required": every new account confirms its e-mail address by a mailed link before it can
    # sign in (registering with a guest's address always does, whatever this says).
    email_verification: Literal["off", "required"] = "off"
    # Which proxy may name the client's IP: "cloudfront" trusts CloudFront-Viewer-Address, but only
    # on calls that carry the deployment's origin secret (without one configured it is ignored
    # anyway); "none" always counts API Gateway's sourceIp. It can narrow trust, never widen it.
    trusted_proxy: Literal["cloudfront", "none"] = "cloudfront"
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
    # The API's own public address (the stack's WebUrl output in AWS): one-click unsubscribe
    # links in mail point at <public_api_url>/store/unsubscribe.
    public_api_url: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=255)] = (
        SEEDED_PUBLIC_API_URL
    )
    retention: RetentionSettings = Field(default_factory=RetentionSettings)


class ImportSecretsPatch(RequestModel):
    """PATCH /admin/settings `import`: the shop's PrestaShop 1.6 `_COOKIE_KEY_`, write-only (kept
    in the secret store, never in the settings). The read-only `prestashop_cookie_key_set` a GET
    returns may come back in a PATCH: it is ignored."""

    prestashop_cookie_key: (
        Annotated[str, StringConstraints(min_length=1, max_length=255, strip_whitespace=False)] | None
    ) = None
    prestashop_cookie_key_set: bool | None = None


class ImportSettingsView(ResponseModel):
    # Only whether the key is set: the key itself is never returned.
    prestashop_cookie_key_set: bool = False


class ShopSettingsPatch(ShopSettings):
    """What PATCH /admin/settings documents (the view merges a partial document): the settings
    plus the write-only `import.prestashop_cookie_key`."""

    import_: ImportSecretsPatch = Field(default_factory=ImportSecretsPatch, alias="import")


class ShopSettingsResponse(ShopSettings):
    """The settings as GET and PATCH return them: the stored document, plus what the secret store
    says about the write-only secrets."""

    import_: ImportSettingsView = Field(default_factory=ImportSettingsView, alias="import")


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


# -- localized names -----------------------------------------------------------------------------
LanguageCode = Literal["en", "fr", "es"]
ShortName = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]
Description = Annotated[str, StringConstraints(max_length=1000)]


def _unique_categories(value: list[CategoryReduction]) -> list[CategoryReduction]:
    seen = [item.category_id for item in value]
    if len(seen) != len(set(seen)):
        raise ValueError("each category may appear once")
    return value


# -- groups ----------------------------------------------------------------------------------------
# A payment method or carrier as the shop's own server names it (a module name, a carrier id): free
# text, since the catalogue of modules lives in the shop, not here.
RestrictionId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
# An empty list is "no restriction": every method (carrier) the shop offers is allowed to the group.
RestrictionList = Annotated[list[RestrictionId], Field(max_length=100)]


def _unique_ids(value: list[str] | None) -> list[str] | None:
    """The ids in their first order, each once (a method ticked twice is one method)."""
    return None if value is None else list(dict.fromkeys(value))


class CategoryReduction(RequestModel):
    category_id: Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
    reduction_percent: Percent


class GroupRequest(RequestModel):
    name: ShortName
    names: dict[LanguageCode, ShortName] = Field(default_factory=dict)
    reduction_percent: Percent = Decimal("0")
    price_display: Literal["tax_incl", "tax_excl"] = "tax_incl"
    show_prices: bool = True
    category_reductions: Annotated[list[CategoryReduction], Field(max_length=500)] = Field(
        default_factory=list
    )
    payment_methods: RestrictionList = Field(default_factory=list)
    carriers: RestrictionList = Field(default_factory=list)

    _categories = field_validator("category_reductions")(_unique_categories)
    _restrictions = field_validator("payment_methods", "carriers")(_unique_ids)


class UpdateGroupRequest(RequestModel):
    name: ShortName | None = None
    names: dict[LanguageCode, ShortName] | None = None
    reduction_percent: Percent | None = None
    price_display: Literal["tax_incl", "tax_excl"] | None = None
    show_prices: bool | None = None
    category_reductions: Annotated[list[CategoryReduction], Field(max_length=500)] | None = None
    payment_methods: RestrictionList | None = None
    carriers: RestrictionList | None = None

    _restrictions = field_validator("payment_methods", "carriers")(_unique_ids)

    @field_validator("category_reductions")
    @classmethod
    def _unique(cls, value: list[CategoryReduction] | None) -> list[CategoryReduction] | None:
        return None if value is None else _unique_categories(value)


class EntryResponse(ResponseModel):
    """A configuration entry's response, validated from the ConfigEntry: its document, read with
    the defaults of the request model that writes it (entries stored before a key existed lack
    it), plus its id, default flag and usage counter (named `counter`)."""

    document_model: ClassVar[type[RequestModel]]
    counter: ClassVar[str | None] = None

    @model_validator(mode="before")
    @classmethod
    def _from_entry(cls, value: Any) -> Any:
        if not isinstance(value, ConfigEntry):
            return value
        defaults = {
            name: field.get_default(call_default_factory=True)
            for name, field in cls.document_model.model_fields.items()
            if not field.is_required()
        }
        document = defaults | value.data | {"id": value.id, "is_default": value.is_default}
        if cls.counter is not None:
            document[cls.counter] = value.count
        # Only the response's own fields: a key an older document kept is not an error.
        return {name: item for name, item in document.items() if name in cls.model_fields}


# Stored as a number or text; shown with two decimals.
PercentText = Annotated[str, BeforeValidator(lambda value: f"{Decimal(str(value)):.2f}")]


class CategoryReductionResponse(ResponseModel):
    category_id: str
    reduction_percent: PercentText


class GroupResponse(EntryResponse):
    document_model = GroupRequest
    counter = "member_count"

    id: str
    name: str
    names: dict[str, str]
    reduction_percent: PercentText
    price_display: Literal["tax_incl", "tax_excl"]
    show_prices: bool
    category_reductions: list[CategoryReductionResponse]
    payment_methods: list[str]
    carriers: list[str]
    is_default: bool
    member_count: int


class DeleteGroupParams(RequestModel):
    reassign_to: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class PricingParams(RequestModel):
    customer_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    category_id: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None


class PricingResponse(ResponseModel):
    customer_id: str | None
    group_id: str
    category_id: str | None
    reduction_percent: str
    reduction_source: Literal["group", "category"]
    price_display: Literal["tax_incl", "tax_excl"]
    show_prices: bool
    allowed_payment_methods: list[str] | None = Field(
        description="Payment methods the customer's groups allow (any group allowing one is enough); "
        "null when at least one of them sets no restriction: every method is allowed."
    )
    allowed_carriers: list[str] | None = Field(
        description="Carriers the customer's groups allow, combined as allowed_payment_methods."
    )


# -- contacts --------------------------------------------------------------------------------------
class ContactRequest(RequestModel):
    name: ShortName
    names: dict[LanguageCode, ShortName] = Field(default_factory=dict)
    email: EmailStr | None = None
    save_messages: bool = True
    description: Description = ""
    descriptions: dict[LanguageCode, Description] = Field(default_factory=dict)
    hidden: bool = False


class UpdateContactRequest(RequestModel):
    name: ShortName | None = None
    names: dict[LanguageCode, ShortName] | None = None
    email: EmailStr | None = None
    save_messages: bool | None = None
    description: Description | None = None
    descriptions: dict[LanguageCode, Description] | None = None
    hidden: bool | None = None


class ContactResponse(EntryResponse):
    document_model = ContactRequest
    counter = "thread_count"

    id: str
    name: str
    names: dict[str, str]
    email: str | None
    save_messages: bool
    description: str
    descriptions: dict[str, str]
    hidden: bool
    is_default: bool
    thread_count: int


class PublicContactResponse(ResponseModel):
    id: str
    name: str
    description: str


class LanguageParams(RequestModel):
    language: LanguageCode = "en"


# -- order messages --------------------------------------------------------------------------------
MessageText = Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class OrderMessageRequest(RequestModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    message: MessageText
    messages: dict[LanguageCode, MessageText] = Field(default_factory=dict)


class UpdateOrderMessageRequest(RequestModel):
    name: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    message: MessageText | None = None
    messages: dict[LanguageCode, MessageText] | None = None


class OrderMessageResponse(EntryResponse):
    document_model = OrderMessageRequest

    id: str
    name: str
    message: str
    messages: dict[str, str]


class TitleListResponse(ItemsResponse[TitleResponse]):
    pass


class PublicTitleListResponse(ItemsResponse[PublicTitleResponse]):
    pass


class GroupListResponse(ItemsResponse[GroupResponse]):
    pass


class ContactListResponse(ItemsResponse[ContactResponse]):
    pass


class PublicContactListResponse(ItemsResponse[PublicContactResponse]):
    pass


class OrderMessageListResponse(ItemsResponse[OrderMessageResponse]):
    pass
