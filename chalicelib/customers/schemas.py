"""Customer contracts (API.md "Customers")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AliasPath,
    AwareDatetime,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from chalicelib.core.schemas import (
    Cursor,
    Email,
    Identifier,
    ItemsResponse,
    Language,
    Limit,
    ListResponse,
    Name,
    Password,
    RequestModel,
    ResponseModel,
    ShortText,
    TypedEmail,
)
from chalicelib.customers.domain import SORT_FIELDS, CustomerStatus

RiskRating = Literal["none", "low", "medium", "high"]
Note = Annotated[str, StringConstraints(max_length=10_000)]
Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
GroupIds = Annotated[list[Identifier], Field(max_length=50)]


def b2b(name: str) -> Any:
    """A B2B response field: the domain keeps the B2B fields in `Customer.b2b` (absent → None)."""
    return Field(default=None, validation_alias=AliasPath("b2b", name))


def _not_in_future(value: date | None) -> date | None:
    if value is not None and value > date.today():
        raise ValueError("must not be in the future")
    if value is not None and value.year < 1900:
        raise ValueError("must be after 1900")
    return value


# The B2B identity a customer gives (the account form and the back office take the same).
Siret = Annotated[str, StringConstraints(max_length=14)]
Ape = Annotated[str, StringConstraints(max_length=6)]
Website = Annotated[str, StringConstraints(max_length=255)]


class _CustomerFields(RequestModel):
    title_id: Identifier | None = None
    birthday: date | None = None
    enabled: bool | None = None
    newsletter: bool | None = None
    optin: bool | None = None
    status: CustomerStatus | None = None
    language: Language | None = None
    group_ids: GroupIds | None = None
    default_group_id: Identifier | None = None
    note: Note | None = None
    company: ShortText | None = None
    siret: Siret | None = None
    ape: Ape | None = None
    website: Website | None = None
    outstanding_allowed: Money | None = None
    max_payment_days: Annotated[int, Field(ge=0, le=3650)] | None = None
    risk_rating: RiskRating | None = None

    _birthday = field_validator("birthday")(_not_in_future)


class CreateCustomerRequest(_CustomerFields):
    first_name: Name
    last_name: Name
    email: Email
    password: Password | None = None
    is_guest: bool = False
    registered_at: AwareDatetime | None = None
    last_visit_at: AwareDatetime | None = None


class UpdateCustomerRequest(_CustomerFields):
    first_name: Name | None = None
    last_name: Name | None = None
    email: Email | None = None
    password: Password | None = None
    is_guest: bool | None = None


class NoteRequest(RequestModel):
    note: Note


class CustomerResponse(ResponseModel):
    id: str
    title_id: str | None
    first_name: str
    last_name: str
    email: str
    birthday: date | None
    enabled: bool
    newsletter: bool
    optin: bool
    is_guest: bool
    status: CustomerStatus
    language: str
    group_ids: list[str]
    default_group_id: str | None
    registered_at: datetime
    last_visit_at: datetime | None
    note: str | None
    company: str | None = b2b("company")
    siret: str | None = b2b("siret")
    ape: str | None = b2b("ape")
    website: str | None = b2b("website")
    outstanding_allowed: str | None = b2b("outstanding_allowed")
    max_payment_days: int | None = b2b("max_payment_days")
    risk_rating: str | None = b2b("risk_rating")
    orders_count: int
    total_spent: str
    last_order_at: datetime | None
    version: int


class CustomerStats(ResponseModel):
    orders_count: int
    total_spent: str
    last_order_at: datetime | None


class GroupSummary(ResponseModel):
    id: str
    name: str


class ConnectionResponse(ResponseModel):
    at: datetime
    ip: str


class OrdersSection(ResponseModel):
    valid: list[dict[str, object]]
    invalid: list[dict[str, object]]
    valid_total: str
    invalid_total: str


class CustomerViewResponse(ResponseModel):
    profile: CustomerResponse
    addresses: list[dict[str, object]]
    groups: list[GroupSummary]
    carts: list[dict[str, object]]
    orders: OrdersSection
    threads: list[dict[str, object]]
    note: str | None
    last_connections: list[ConnectionResponse]
    stats: CustomerStats


BoolParam = Literal["0", "1", "true", "false", "yes", "no"]
SortParam = Literal[
    "id",
    "-id",
    "last_name",
    "-last_name",
    "first_name",
    "-first_name",
    "email",
    "-email",
    "registered_at",
    "-registered_at",
    "last_visit_at",
    "-last_visit_at",
    "age",
    "-age",
]
assert {s.lstrip("-") for s in SortParam.__args__} == set(SORT_FIELDS)  # type: ignore[attr-defined]


class ListCustomersParams(RequestModel):
    """Query string of GET /admin/customers (and the export)."""

    id: Identifier | None = None
    title_id: Identifier | None = None
    first_name: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    last_name: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    email: TypedEmail | None = None
    enabled: BoolParam | None = None
    newsletter: BoolParam | None = None
    optin: BoolParam | None = None
    group_id: Identifier | None = None
    company: Annotated[str, StringConstraints(min_length=1, max_length=255)] | None = None
    registered_from: AwareDatetime | date | None = None
    registered_to: AwareDatetime | date | None = None
    last_visit_from: AwareDatetime | date | None = None
    last_visit_to: AwareDatetime | date | None = None
    age_min: Annotated[int, Field(ge=0, le=150)] | None = None
    age_max: Annotated[int, Field(ge=0, le=150)] | None = None
    is_guest: BoolParam | None = None
    status: CustomerStatus | None = None
    sort: SortParam = "id"
    limit: Limit = 50
    cursor: Cursor | None = None


class SearchParams(RequestModel):
    q: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    by: Literal["all", "name", "ip"] = "all"
    limit: Limit = 50


# Validated from a Customer with `context={"titles": {title id: name}}` (no docstring: it would
# become the schema's description in the OpenAPI document).
class SearchResultResponse(ResponseModel):
    id: str
    title: str | None = Field(validation_alias="title_id")
    first_name: str
    last_name: str
    email: str
    birthday: date | None
    registered_at: datetime
    orders_count: int
    enabled: bool

    @field_validator("title", mode="after")
    @classmethod
    def _title_name(cls, title_id: str | None, info: ValidationInfo) -> str | None:
        # The row shows the title's name; the customer holds its id. No context is a bug (KeyError).
        titles: dict[str, str] = (info.context or {})["titles"]
        return titles.get(title_id) if title_id else None


class DeleteCustomerParams(RequestModel):
    allow_reregistration: BoolParam = "true"


class CustomerListResponse(ListResponse[CustomerResponse]):
    pass


class SearchResponse(ItemsResponse[SearchResultResponse]):
    pass
