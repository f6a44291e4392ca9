"""The mail transport port: the in-memory mailer, SES (moto) and the local outbox must agree on the
Message-ID `send` returns — the mail's own when it names one (support replies thread on it), else a
fresh one per mail."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from chalicelib.core.settings import get_settings
from chalicelib.mail.domain import OutboundMail
from chalicelib.mail.ports import Mailer
from chalicelib.mail.repository import OutboxMailer, SesMailer
from tests.factories import FIXED_NOW
from tests.fakes.mail import MemoryMailer


@pytest.fixture(params=["memory", "ses", "outbox"])
def mailer(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Mailer]:
    if request.param == "memory":
        yield MemoryMailer()
    elif request.param == "outbox":
        yield OutboxMailer(tmp_path / "outbox", lambda: FIXED_NOW)
    else:
        with mock_aws():
            boto3.client("ses", region_name="us-east-1").verify_email_identity(
                EmailAddress="shop@example.com"
            )
            yield SesMailer(get_settings(), lambda: FIXED_NOW)


def mail(**headers: str) -> OutboundMail:
    return OutboundMail("ana@example.com", "shop@example.com", "Hola", "Texto", headers=headers)


def test_send_returns_the_mails_own_message_id(mailer: Mailer) -> None:
    assert mailer.send(mail(**{"Message-ID": "<reply-1@example.com>"})) == "<reply-1@example.com>"


def test_send_gives_each_mail_a_fresh_message_id(mailer: Mailer) -> None:
    first, second = mailer.send(mail()), mailer.send(mail())
    assert first != second
    for message_id in (first, second):
        assert message_id.startswith("<") and message_id.endswith(">") and "@" in message_id
