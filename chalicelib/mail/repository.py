"""Mail transports (SES in AWS, .eml files in the local outbox) and the sent-mail log that makes each
event mail at most once (the ports are in mail.ports; the in-memory fakes in tests/fakes/mail.py)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

import boto3

from chalicelib.core.clock import Clock, iso, utc_now
from chalicelib.core.errors import ServiceUnavailableError
from chalicelib.core.observability import logger
from chalicelib.core.settings import Settings
from chalicelib.mail.domain import OutboundMail
from chalicelib.models import keys
from chalicelib.models.customers import SentMailRecord
from chalicelib.models.errors import conditional, dynamo_errors

# Headers are folded at 998 characters (RFC 5322's limit), not 78: the default policy turns a long
# header without spaces — a List-Unsubscribe URL — into RFC 2047 encoded words mail clients can't use.
_MIME_POLICY = policy.default.clone(max_line_length=998)


def to_mime(mail: OutboundMail, now: datetime) -> EmailMessage:
    message = EmailMessage(policy=_MIME_POLICY)
    message["From"] = mail.sender
    message["To"] = mail.to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(now)
    domain = mail.sender.rpartition("@")[2] or "clientele.local"
    message["Message-ID"] = mail.headers.get("Message-ID") or make_msgid(domain=domain)
    for name, value in mail.headers.items():
        if name != "Message-ID":
            message[name] = value
    message.set_content(mail.text)
    if mail.html is not None:
        message.add_alternative(mail.html, subtype="html")
    return message


class SesMailer:
    """Raw MIME through SES v2 (keeps our Message-ID and threading headers intact)."""

    def __init__(self, settings: Settings, clock: Clock = utc_now) -> None:
        self._client: Any = boto3.client(
            "sesv2", region_name=settings.region, endpoint_url=settings.endpoint_url
        )
        self._clock = clock

    def send(self, mail: OutboundMail) -> str:
        message = to_mime(mail, self._clock())
        try:
            self._client.send_email(
                FromEmailAddress=mail.sender,
                Destination={"ToAddresses": [mail.to]},
                Content={"Raw": {"Data": message.as_bytes()}},
            )
        except Exception as error:
            # The error code only: SES messages name the addresses involved.
            code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
            logger.error("mail not sent", code=code)
            raise ServiceUnavailableError("Mail could not be sent; try again.") from None
        return str(message["Message-ID"])


class OutboxMailer:
    """Local stack: each mail becomes an .eml file in $CLIENTELE_DATA_DIR/outbox/."""

    def __init__(self, directory: Path, clock: Clock = utc_now) -> None:
        self._directory = directory
        self._clock = clock

    def send(self, mail: OutboundMail) -> str:
        now = self._clock()
        message = to_mime(mail, now)
        self._directory.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256(str(message["Message-ID"]).encode()).hexdigest()[:12]
        path = self._directory / f"{now.strftime('%Y%m%dT%H%M%S')}-{digest}.eml"
        path.write_bytes(message.as_bytes())
        path.chmod(0o600)
        return str(message["Message-ID"])


def _event_hash(event_key: str) -> str:
    return hashlib.sha256(event_key.encode()).hexdigest()


class DynamoSentMailLog:
    def __init__(self, clock: Clock = utc_now) -> None:
        self._clock = clock

    def claim(self, event_key: str) -> bool:
        record = SentMailRecord(
            keys.sent_mail_pk(_event_hash(event_key)), "MAIL", status="sent", at=iso(self._clock())
        )
        with dynamo_errors(), conditional() as outcome:
            record.save(condition=SentMailRecord.pk.does_not_exist())
        return outcome.passed

    def release(self, event_key: str) -> None:
        with dynamo_errors():
            SentMailRecord(keys.sent_mail_pk(_event_hash(event_key)), "MAIL").delete()
