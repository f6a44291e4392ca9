"""Mail into customer service: the SES inbound object handler and the scheduled IMAP/POP3 poll, each
a Lambda function of its own.

Their Handlers in the template are `chalicelib.handlers.mail.inbound_mail` and `.mail_poll`: Lambda
imports this module, not app.py (Chalice names a blueprint's event handler by the blueprint's
module), so each function's cold start is what this module imports: no route, no schema, no
service before the first event. The back-office mail routes are in mail_routes.py.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from chalice.app import Blueprint, CloudWatchEvent

from chalicelib.core.errors import NotFoundError
from chalicelib.core.observability import logger
from chalicelib.handlers.events import object_created, remaining_time
from chalicelib.handlers.middleware import with_lambda_middleware
from chalicelib.wiring import container

mail = Blueprint(__name__)

INBOUND_PREFIX = "inbound/"


@mail.on_cw_event(object_created(INBOUND_PREFIX), name="inbound_mail")
def inbound_mail(event: CloudWatchEvent) -> None:
    """SES stored a received mail under inbound/. Safe to run twice (Message-ID dedupe)."""
    key = str(event.detail.get("object", {}).get("key", ""))
    services = container()
    try:
        stream, _size, _type = services.files.open(key)
    except NotFoundError:
        logger.warning("inbound object gone before it was read")
        return
    with stream:
        raw = stream.read()
    result = services.ingestion.ingest(raw, "ses", raw_key=key)
    logger.info("inbound mail handled", outcome=result.outcome, thread_id=result.thread_id)


@mail.schedule("rate(5 minutes)", name="mail-poll")
def mail_poll(event: CloudWatchEvent) -> dict[str, Any]:
    return asdict(container().mail_poll.run(remaining_ms=remaining_time(event)))


with_lambda_middleware(inbound_mail, mail_poll)
