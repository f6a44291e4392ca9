"""Customer-service responses (domain objects → API shapes)."""

from __future__ import annotations

from chalicelib.carts.domain import Order
from chalicelib.core.files import FileStore
from chalicelib.customers.domain import Customer
from chalicelib.support.attachments import ATTACHMENT_URL_TTL
from chalicelib.support.domain import Message, Thread, ThreadEvent, ThreadView
from chalicelib.support.schemas import (
    AttachmentResponse,
    CustomerSummaryResponse,
    MessageResponse,
    ReplyDefaults,
    ThreadEventResponse,
    ThreadResponse,
    ThreadViewResponse,
    TimelineEntry,
)
from chalicelib.support.threads import read_state


def thread_response(thread: Thread) -> ThreadResponse:
    return ThreadResponse(
        id=thread.id,
        contact_id=thread.contact_id,
        customer_id=thread.customer_id,
        email=thread.email,
        order_id=thread.order_id,
        product_id=thread.product_id,
        status=thread.status,
        subject=thread.subject,
        unread=thread.unread,
        assigned_employee_id=thread.assigned_employee_id,
        created_at=thread.created_at,
        updated_at=thread.updated_at,
        last_message_at=thread.last_message_at,
        last_message_from=thread.last_message_from,
        message_count=thread.message_count,
        tag=thread.tag,
        sender_verified=thread.sender_verified,
    )


def message_response(message: Message, thread: Thread, files: FileStore | None) -> MessageResponse:
    return MessageResponse(
        id=message.id,
        thread_id=message.thread_id,
        from_=message.sender,
        employee_id=message.employee_id,
        email=message.email,
        subject=message.subject,
        text=message.text,
        html=message.html,
        attachments=[
            AttachmentResponse(
                name=a.name,
                size=a.size,
                content_type=a.content_type,
                url=files.download_url(a.key, ATTACHMENT_URL_TTL, a.name) if files and a.key else "",
            )
            for a in message.attachments
        ],
        message_id=message.message_id,
        in_reply_to=message.in_reply_to,
        received_at=message.received_at,
        read=read_state(thread, message),
        auto_submitted=message.auto_submitted,
        source=message.source,
        notes=list(message.notes),
    )


def _event(event: ThreadEvent) -> ThreadEventResponse:
    return ThreadEventResponse(
        id=event.id, kind=event.kind, at=event.at, employee_id=event.employee_id, data=dict(event.data)
    )


def customer_summary(customer: Customer | None) -> CustomerSummaryResponse | None:
    if customer is None:
        return None
    return CustomerSummaryResponse(
        id=customer.id,
        first_name=customer.first_name,
        last_name=customer.last_name,
        email=customer.email,
        orders_count=customer.orders_count,
        total_spent=customer.total_spent,
        registered_at=customer.registered_at,
        is_guest=customer.is_guest,
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
        thread=thread_response(view.thread),
        messages=[message_response(m, view.thread, files) for m in view.messages],
        events=[_event(e) for e in view.events],
        customer=customer_summary(customer),
        timeline=timeline,
        reply_defaults=defaults,
    )
