"""Customer-service answers that hold more than a domain object: presigned attachment URLs, the
read state (a message's, seen from its thread), the timeline beside the customer. Everything else
validates straight from the domain objects (`ThreadResponse.model_validate(thread)`)."""

from __future__ import annotations

from chalicelib.carts.domain import Order
from chalicelib.core.files import FileStore
from chalicelib.core.schemas import Attributes
from chalicelib.customers.domain import Customer
from chalicelib.support.attachments import ATTACHMENT_URL_TTL
from chalicelib.support.domain import Message, Thread, ThreadView
from chalicelib.support.schemas import (
    CustomerSummaryResponse,
    MessageResponse,
    ReplyDefaults,
    ThreadEventResponse,
    ThreadResponse,
    ThreadViewResponse,
    TimelineEntry,
)


def message_response(message: Message, thread: Thread, files: FileStore | None) -> MessageResponse:
    from chalicelib.support.threads import (
        read_state,  # loads with the feature's first call, not at cold start
    )

    return MessageResponse.model_validate(
        Attributes(
            message,
            attachments=[
                Attributes(
                    a, url=files.download_url(a.key, ATTACHMENT_URL_TTL, a.name) if files and a.key else ""
                )
                for a in message.attachments
            ],
            read=read_state(thread, message),
        )
    )


def thread_view_response(
    view: ThreadView,
    customer: Customer | None,
    orders: list[Order],
    files: FileStore,
    defaults: ReplyDefaults,
) -> ThreadViewResponse:
    """The thread beside the customer: their summary and a timeline of orders and messages."""
    timeline = [
        TimelineEntry(kind="order", id=o.id, at=o.created_at, summary=f"{o.total} {o.currency} · {o.status}")
        for o in orders
    ] + [
        TimelineEntry(kind="message", id=m.id, at=m.received_at, summary=f"{m.sender}: {m.text[:80]}")
        for m in view.messages
    ]
    timeline.sort(key=lambda entry: entry.at, reverse=True)
    return ThreadViewResponse(
        thread=ThreadResponse.model_validate(view.thread),
        messages=[message_response(m, view.thread, files) for m in view.messages],
        events=[ThreadEventResponse.model_validate(e) for e in view.events],
        customer=CustomerSummaryResponse.model_validate(customer) if customer else None,
        timeline=timeline,
        reply_defaults=defaults,
    )
