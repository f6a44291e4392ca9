"""Privacy contracts (API.md "Privacy"): consents, erasure, unsubscribe."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import StringConstraints

from chalicelib.core.schemas import RequestModel, ResponseModel
from chalicelib.privacy.domain import ConsentChannel, ConsentSource, ConsentState, OptInLevel


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


class ErasureListResponse(ResponseModel):
    items: list[ErasureResponse]


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
    token: Annotated[str, StringConstraints(min_length=1, max_length=512)]
