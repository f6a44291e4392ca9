"""SES transport against moto: raw MIME keeps our headers."""

from __future__ import annotations

import boto3
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.ses import ses_backends

from chalicelib.core.settings import get_settings
from chalicelib.mail.domain import OutboundMail
from chalicelib.mail.repository import SesMailer


def test_ses_mailer_sends_raw_mime_with_our_message_id() -> None:
    with mock_aws():
        boto3.client("ses", region_name="us-east-1").verify_email_identity(EmailAddress="shop@example.com")
        message_id = SesMailer(get_settings()).send(
            OutboundMail(
                to="ana@example.com",
                sender="shop@example.com",
                subject="Hola",
                text="Texto",
                headers={"In-Reply-To": "<abc@example.com>"},
            )
        )
        sent = ses_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].sent_messages
        assert len(sent) == 1
        raw = sent[0].raw_data
        assert message_id in raw and "In-Reply-To: <abc@example.com>" in raw
