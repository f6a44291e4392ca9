"""Privacy contracts (API.md "Privacy"): consents, erasure, unsubscribe."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from chalicelib.core.schemas import ItemsResponse, LinkToken, RequestModel, ResponseModel
from chalicelib.customers.domain import ConsentChannel, ConsentSource, ConsentState, OptInLevel
from chalicelib.customers.schemas import CustomerResponse


class ConsentResponse(ResponseModel):
    channel: ConsentChannel
    state: ConsentState
    level: OptInLevel | None
    source: ConsentSource | None
    at: datetime | None


class ConsentsResponse(ResponseModel):
    current: list[ConsentResponse]
    history: list[ConsentResponse]


class SetConsentRequest(RequestModel):
    state: Literal["subscribed", "unsubscribed"]
    level: OptInLevel = "single"


class ImportRowResponse(ResponseModel):
    import_id: str
    line: int
    action: Literal["created", "updated"]
    at: datetime


class ErasureResponse(ResponseModel):
    """The erasure job, which is also its audit record: ids and times, no personal data."""

    customer_id: str
    requested_by: str
    started_at: datetime
    step: str
    done: bool
    finished_at: datetime | None
    items_changed: int


class ErasureListResponse(ItemsResponse[ErasureResponse]):
    pass


class UnsubscribeRequest(RequestModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class UnsubscribeResponse(ResponseModel):
    channel: ConsentChannel
    state: Literal["unsubscribed"] = "unsubscribed"


class ReminderConfirmRequest(RequestModel):
    token: Annotated[str, StringConstraints(min_length=1, max_length=200)]


class ReminderConfirmResponse(ResponseModel):
    channel: Literal["cart_reminders"] = "cart_reminders"
    state: Literal["confirmed"] = "confirmed"


class EraseConfirmRequest(RequestModel):
    token: LinkToken


class ConnectionRecordResponse(ResponseModel):
    at: datetime
    ip: str
    user_agent: str | None = None


class PersonalDataResponse(ResponseModel):
    """Everything held about a customer (GET /admin/customers/{id}/personal-data and
    /store/me/personal-data): profile with the private note, groups, connections, addresses,
    consents and their history, the import rows that created or changed the customer, carts,
    orders with their status history, vouchers, threads with messages (attachments as presigned
    URLs) and events, the copies in file storage, and the erasure job if one ran."""

    exported_at: datetime
    profile: CustomerResponse
    groups: list[str]
    last_connections: list[ConnectionRecordResponse]
    addresses: list[dict[str, object]]
    consents: list[ConsentResponse]
    consent_history: list[ConsentResponse]
    import_rows: list[ImportRowResponse]
    carts: list[dict[str, object]]
    orders: list[dict[str, object]]
    vouchers: list[dict[str, object]]
    threads: list[dict[str, object]]
    # Password-reset / set-password / erasure links sent and not used yet (never the token).
    open_links: list[dict[str, object]]
    # A registration with this address waiting for its verification link: when it was asked,
    # until when the link works, and the details it was asked with (never the password's hash).
    pending_registration: dict[str, object] | None = None
    erasure: ErasureResponse | None = None
    # Consents confirmed as a guest with this e-mail (double opt-in link): {channel, source, at}.
    guest_consents: list[dict[str, str]]
    # Copies in file storage that hold data about the customer: raw received mail, kept
    # (unprocessed) mail, import files and error reports — each as {kind, ref}. Export files are
    # not listed: they are whole-list snapshots, deleted by an erasure.
    stored_files: list[dict[str, str]] = Field(default_factory=list)
