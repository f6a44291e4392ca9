"""Customer-service contracts (API.md "Customer service")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints, field_validator, model_validator

from chalicelib.core.schemas import Email, Identifier, ListResponse, PageParams, RequestModel, ResponseModel
from chalicelib.core.text import one_line
from chalicelib.customers.schemas import BoolParam
from chalicelib.support.domain import EventKind, MessageSource, Sender, ThreadStatus

MessageText = Annotated[str, StringConstraints(min_length=1, max_length=10_000)]
Ref = Annotated[str, StringConstraints(min_length=1, max_length=64)]
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024


class ContactFormRequest(RequestModel):
    contact_id: Identifier
    email: Email
    message: MessageText
    subject: Annotated[str, StringConstraints(max_length=255)] | None = None
    order_id: Ref | None = None

    @field_validator("subject")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        # It becomes a mail's Subject: line breaks and control characters are folded away.
        return one_line(value) if value is not None else None

    product_id: Ref | None = None
    language: Literal["en", "fr", "es"] | None = None


class ContactFormResponse(ResponseModel):
    thread_id: str | None
    message_id: str | None
    stored: bool


class ListThreadsParams(PageParams):
    contact_id: Identifier | None = None
    status: ThreadStatus | None = None
    customer_id: Ref | None = None
    email: Annotated[str, StringConstraints(min_length=3, max_length=254)] | None = None
    unread: BoolParam | None = None
    assigned_employee_id: Ref | None = None


class ReplyRequest(RequestModel):
    message: Annotated[str, StringConstraints(max_length=10_000)] = ""
    # A predefined order message to insert after the text (in the customer's language).
    order_message_id: Identifier | None = None

    @model_validator(mode="after")
    def _something(self) -> ReplyRequest:
        if not self.message and not self.order_message_id:
            raise ValueError("give a message or an order_message_id")
        return self


class ThreadStatusRequest(RequestModel):
    status: ThreadStatus


class ForwardRequest(RequestModel):
    employee_id: Ref | None = None
    email: Email | None = None
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _one_target(self) -> ForwardRequest:
        if (self.employee_id is None) == (self.email is None):
            raise ValueError("give either employee_id or email")
        return self


class SummaryParams(RequestModel):
    date_from: date | None = None
    date_to: date | None = None


class AttachmentResponse(ResponseModel):
    name: str
    size: int
    content_type: str
    url: str


class MessageResponse(ResponseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    id: str
    thread_id: str
    # "from" on the wire (a Python keyword), `sender` on the domain object it validates from.
    from_: Sender = Field(alias="from", validation_alias="sender")
    employee_id: str | None
    email: str | None
    subject: str | None
    text: str
    html: str | None
    attachments: list[AttachmentResponse]
    message_id: str | None
    in_reply_to: str | None
    received_at: datetime
    read: bool
    auto_submitted: bool
    source: MessageSource
    # What parsing worked around, and attachments listed but not kept.
    notes: list[str] = Field(default_factory=list)


class ThreadEventResponse(ResponseModel):
    id: str
    kind: EventKind
    at: datetime
    employee_id: str | None
    data: dict[str, Any]


class ThreadResponse(ResponseModel):
    id: str
    contact_id: str
    customer_id: str | None
    email: str
    order_id: str | None
    product_id: str | None
    status: ThreadStatus
    subject: str
    unread: bool
    assigned_employee_id: str | None
    created_at: datetime
    updated_at: datetime
    last_message_at: datetime
    last_message_from: Sender
    message_count: int
    tag: str
    sender_verified: bool


class CustomerSummaryResponse(ResponseModel):
    id: str
    first_name: str
    last_name: str
    email: str
    orders_count: int
    total_spent: str
    registered_at: datetime
    is_guest: bool


class TimelineEntry(ResponseModel):
    kind: Literal["order", "message"]
    id: str
    at: datetime
    summary: str


class ReplyDefaults(ResponseModel):
    default_message: str
    order_messages: list[dict[str, str]]


class ThreadViewResponse(ResponseModel):
    thread: ThreadResponse
    messages: list[MessageResponse]
    events: list[ThreadEventResponse]
    customer: CustomerSummaryResponse | None
    timeline: list[TimelineEntry]
    reply_defaults: ReplyDefaults


class ThreadListResponse(ListResponse[ThreadResponse]):
    pass


class ContactBox(ResponseModel):
    contact_id: str
    name: str
    open: int
    pending: int
    unread: int


class StatisticsResponse(ResponseModel):
    date_from: date
    date_to: date
    threads: int
    messages: int
    pending: int
    responses: int
    average_first_response_seconds: int | None


class SummaryResponse(ResponseModel):
    contacts: list[ContactBox]
    statistics: StatisticsResponse
    statuses: dict[str, str]
