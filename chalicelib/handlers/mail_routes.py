"""Mail into customer service: the back-office views of the mail sources and of the messages kept
unprocessed. The SES inbound object handler and the IMAP/POP3 poll are in mail.py (their Lambda
functions import that module, not this one)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalice.app import Blueprint

from chalicelib.core.schemas import Attributes, ListResponse, PageParams, ResponseModel
from chalicelib.handlers.http import ADMIN, STAFF, Call, NoBody, NoQuery, Routes, RouteSpec
from chalicelib.shop.schemas import MailboxPasswordRequest
from chalicelib.wiring import container

mail_routes = Blueprint(__name__)
api = Routes(mail_routes)

_RAW_URL_TTL = timedelta(minutes=15)


class MailSourceResponse(ResponseModel):
    source: str
    last_poll_at: Any = None
    last_result: str | None = None
    last_error: str | None = None
    last_fetched: int = 0
    fetched_total: int = 0
    duration_ms: int = 0


class MailboxResponse(ResponseModel):
    configured: bool
    protocol: str
    host: str
    port: int
    user: str
    mailbox: str
    password_set: bool
    options: dict[str, bool]
    sources: list[MailSourceResponse]


class UnprocessedResponse(ResponseModel):
    id: str
    received_at: Any
    reason: str
    size: int
    source: str
    attempts: int
    raw_url: str


class UnprocessedListResponse(ListResponse[UnprocessedResponse]):
    pass


class RetryResponse(ResponseModel):
    outcome: str
    thread_id: str | None
    reason: str | None


# -- routes ------------------------------------------------------------------------------------
@api.get(
    "/admin/customer-service/mailbox",
    RouteSpec(
        "The mail sources' state: last poll, result, messages fetched, last error (no password)",
        STAFF,
        response=MailboxResponse,
    ),
)
def mailbox(call: Call) -> MailboxResponse:
    services = container()
    imap = services.config.settings().customer_service.imap
    return MailboxResponse(
        configured=bool(imap.url and imap.user),
        protocol="pop3" if imap.pop3 else "imap",
        host=imap.url,
        port=imap.port,
        user=imap.user,
        mailbox=imap.mailbox,
        password_set=services.imap_password.get() is not None,
        options={
            name: bool(getattr(imap, name))
            for name in (
                "ssl",
                "tls",
                "notls",
                "validate_cert",
                "novalidate_cert",
                "norsh",
                "delete_messages",
                "create_new_threads",
            )
        },
        sources=[MailSourceResponse.model_validate(state) for state in services.mailboxes.states()],
    )


@api.put(
    "/admin/customer-service/mailbox/password",
    RouteSpec(
        "Set the mailbox password (write-only: stored as a secret, never returned or logged)",
        ADMIN,
        body=MailboxPasswordRequest,
        status=204,
    ),
)
def set_mailbox_password(call: Call[MailboxPasswordRequest, NoQuery]) -> None:
    container().imap_password.put(call.body.password)


@api.get(
    "/admin/customer-service/unprocessed",
    RouteSpec(
        "Inbound messages kept but not threaded, with their reason and raw copy",
        STAFF,
        query=PageParams,
        response=UnprocessedListResponse,
    ),
)
def unprocessed(call: Call[NoBody, PageParams]) -> UnprocessedListResponse:
    services = container()
    items, cursor = services.ingestion.unprocessed_page(call.query.limit, call.query.cursor)
    return UnprocessedListResponse.page(
        [
            Attributes(
                kept, raw_url=services.files.download_url(kept.raw_key, _RAW_URL_TTL, f"{kept.id}.eml")
            )
            for kept in items
        ],
        cursor,
    )


@api.post(
    "/admin/customer-service/unprocessed/{unprocessed_id}/retry",
    RouteSpec("Run ingestion again on a kept message", STAFF, response=RetryResponse),
)
def retry_unprocessed(call: Call, unprocessed_id: str) -> RetryResponse:
    result = container().ingestion.retry(unprocessed_id)
    return RetryResponse.model_validate(result)
