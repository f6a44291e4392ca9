"""Customer service: the storefront contact form and the back-office threads."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from typing import TYPE_CHECKING, Any

from chalice.app import Blueprint, Response

from chalicelib.core.errors import InvalidInputError, NotFoundError
from chalicelib.core.validation import validate
from chalicelib.handlers.http import (
    SHOPPER,
    STAFF,
    AuthenticatedCall,
    Call,
    HttpError,
    NoBody,
    NoQuery,
    Routes,
    RouteSpec,
    parse_json,
    raw_body,
)
from chalicelib.handlers.idempotency import StoredResponse
from chalicelib.handlers.thread_presenters import message_response, thread_view_response
from chalicelib.support.schemas import (
    MAX_ATTACHMENT_BYTES,
    ContactBox,
    ContactFormRequest,
    ContactFormResponse,
    ForwardRequest,
    ListThreadsParams,
    MessageResponse,
    ReplyDefaults,
    ReplyRequest,
    StatisticsResponse,
    SummaryParams,
    SummaryResponse,
    ThreadListResponse,
    ThreadResponse,
    ThreadStatusRequest,
    ThreadViewResponse,
)
from chalicelib.wiring import container

if TYPE_CHECKING:
    from chalicelib.support.contact_form import Upload

threads = Blueprint(__name__)
api = Routes(threads)

_FORM_FIELDS = set(ContactFormRequest.model_fields)


def _form(raw: bytes, content_type: str) -> tuple[dict[str, Any], Upload | None]:
    """A multipart/form-data body: its text fields and at most one file (`attachment`)."""
    from chalicelib.support.contact_form import (
        Upload,  # loads with the feature's first call, not at cold start
    )

    try:
        header = content_type.encode("ascii")
    except UnicodeEncodeError:
        raise HttpError(400, "BadRequest", "The Content-Type header is not valid.") from None
    document = BytesParser(policy=policy.default).parsebytes(b"Content-Type: " + header + b"\r\n\r\n" + raw)
    if not document.is_multipart():
        raise HttpError(400, "BadRequest", "The multipart body could not be read.")
    fields: dict[str, Any] = {}
    upload: Upload | None = None
    for part in document.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if not isinstance(name, str) or not isinstance(payload, bytes):
            continue
        if name == "attachment":
            if upload is not None:
                raise InvalidInputError("The message is not valid.", {"attachment": "one file at most"})
            upload = Upload(part.get_filename() or "attachment", payload)
        else:
            try:
                fields[name] = payload.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidInputError("The message is not valid.", {name: "not UTF-8 text"}) from None
    return fields, upload


@api.post(
    "/store/contact",
    RouteSpec(
        "Contact form (JSON, or multipart/form-data with one `attachment` when uploads are on)",
        SHOPPER,
        response=ContactFormResponse,
        status=201,
        doc_body=ContactFormRequest,
        accepts=("application/json", "multipart/form-data"),
        idempotent=True,
        replay=lambda call, stored: _contact_replayed(stored),
    ),
)
def contact(call: Call) -> Response | ContactFormResponse:
    # The body limit is raised to fit a 5 MB file plus the form's text.
    raw, media = raw_body(
        call.request, ("application/json", "multipart/form-data"), MAX_ATTACHMENT_BYTES + 65_536
    )
    upload = None
    if media == "multipart/form-data":
        fields, upload = _form(raw, call.request.headers.get("content-type", ""))
    else:
        fields = parse_json(raw or b"null")
    request = validate(ContactFormRequest, fields)
    customer_id = call.principal.subject_id if call.principal else None
    outcome = container().contact_form.submit(request, customer_id, call.source_ip, upload)
    body = ContactFormResponse.model_validate(outcome)
    if not outcome.stored:
        return Response(
            body=body.model_dump(mode="json"), status_code=202, headers={"Content-Type": "application/json"}
        )
    return body


def _contact_replayed(stored: StoredResponse) -> Response:
    # 201: stored in a thread; 202: accepted but kept aside (see `contact`).
    body = ContactFormResponse(
        thread_id=stored.ids.get("thread_id"),
        message_id=stored.ids.get("message_id"),
        stored=stored.status == 201,
    )
    return Response(
        body=body.model_dump(mode="json"),
        status_code=stored.status,
        headers={"Content-Type": "application/json"},
    )


@api.get(
    "/admin/threads",
    RouteSpec(
        "Threads, newest activity first (filters: contact, status, customer, e-mail, unread, assigned)",
        STAFF,
        query=ListThreadsParams,
        response=ThreadListResponse,
    ),
)
def list_threads(call: Call[NoBody, ListThreadsParams]) -> ThreadListResponse:
    items, cursor = container().threads.list_page(call.query)
    return ThreadListResponse.page(items, cursor)


@api.get(
    "/admin/threads/next-unanswered",
    RouteSpec(
        "The oldest open or pending thread whose last message is the customer's",
        STAFF,
        response=ThreadResponse,
    ),
)
def next_unanswered(call: Call) -> ThreadResponse:
    return ThreadResponse.model_validate(container().threads.next_unanswered())


@api.get(
    "/admin/threads/{thread_id}",
    RouteSpec(
        "A thread: messages, customer summary, orders-and-messages timeline (marks it read)",
        STAFF,
        response=ThreadViewResponse,
    ),
)
def view_thread(call: Call, thread_id: str) -> ThreadViewResponse:
    services = container()
    view = services.threads.view(thread_id)
    customer = services.threads.customer_of(view.thread)
    orders = services.orders.for_customer(customer.id) if customer else []
    default_message, order_messages = services.threads.reply_defaults(view.thread)
    defaults = ReplyDefaults(default_message=default_message, order_messages=order_messages)
    return thread_view_response(view, customer, orders, services.files, defaults)


@api.post(
    "/admin/threads/{thread_id}/reply",
    RouteSpec(
        "Reply by e-mail (threading headers, reply token); Idempotency-Key sends once",
        STAFF,
        body=ReplyRequest,
        response=MessageResponse,
        status=201,
        idempotent=True,
        replay=lambda call, stored, thread_id: _reply_replayed(thread_id, stored),
    ),
)
def reply(call: AuthenticatedCall[ReplyRequest, NoQuery], thread_id: str) -> MessageResponse:
    services = container()
    message = services.threads.reply(thread_id, call.body, call.principal.subject_id)
    return message_response(message, services.threads.get(thread_id), services.files)


def _reply_replayed(thread_id: str, stored: StoredResponse) -> MessageResponse:
    services = container()
    message_id = stored.id()
    for message in services.threads.messages_of(thread_id):
        if message.id == message_id:
            return message_response(message, services.threads.get(thread_id), services.files)
    raise NotFoundError("Message not found.")


@api.post(
    "/admin/threads/{thread_id}/status",
    RouteSpec(
        "Set a thread's status (open, closed, pending1, pending2)",
        STAFF,
        body=ThreadStatusRequest,
        response=ThreadResponse,
    ),
)
def set_status(call: AuthenticatedCall[ThreadStatusRequest, NoQuery], thread_id: str) -> ThreadResponse:
    thread = container().threads.set_status(thread_id, call.body.status, call.principal.subject_id)
    return ThreadResponse.model_validate(thread)


@api.post(
    "/admin/threads/{thread_id}/forward",
    RouteSpec(
        "Forward to an employee (assigns the thread) or to an e-mail address with a comment",
        STAFF,
        body=ForwardRequest,
        response=ThreadResponse,
        idempotent=True,
        replay=lambda call, stored, thread_id: ThreadResponse.model_validate(
            container().threads.get(thread_id)
        ),
    ),
)
def forward(call: AuthenticatedCall[ForwardRequest, NoQuery], thread_id: str) -> ThreadResponse:
    return ThreadResponse.model_validate(
        container().threads.forward(thread_id, call.body, call.principal.subject_id)
    )


@api.get(
    "/admin/customer-service/summary",
    RouteSpec(
        "Per contact open / pending / unread counts; a period's statistics",
        STAFF,
        query=SummaryParams,
        response=SummaryResponse,
    ),
)
def summary(call: Call[NoBody, SummaryParams]) -> SummaryResponse:
    service = container().threads
    stats = service.statistics(call.query.date_from, call.query.date_to)
    boxes = [
        ContactBox(
            contact_id=entry.id,
            name=str(entry.data.get("name", entry.id)),
            open=entry.counters.get("open_count", 0),
            pending=entry.counters.get("pending_count", 0),
            unread=entry.counters.get("unread_count", 0),
        )
        for entry in service.boxes()
    ]
    from chalicelib.support.threads import (
        STATUS_LEGEND,  # loads with the feature's first call, not at cold start
    )

    return SummaryResponse(
        contacts=boxes,
        statistics=StatisticsResponse.model_validate(stats),
        statuses=STATUS_LEGEND,
    )
