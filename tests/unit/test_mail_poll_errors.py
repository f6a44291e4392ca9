"""The mailbox state's `last_error` (issue 16 §5): an error class and a reason written by us, never
the remote server's banner or NO/BAD text (support staff read it in the back-office)."""

from __future__ import annotations

import imaplib
import poplib
import socket
import ssl
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib.shop.schemas import ShopSettings
from chalicelib.support.domain import MailboxState
from chalicelib.support.mail_poll import MailPoller, describe

BANNER = "* OK [ALERT] Visit http://phish.example/login <b>now</b> mail.victim.example ready"


class FakeMailboxes:
    def __init__(self) -> None:
        self.saved: list[MailboxState] = []

    def state(self, source: str) -> MailboxState:
        return MailboxState(source)

    def save_state(self, state: MailboxState) -> None:
        self.saved.append(state)


class FailingImap:
    """Connects, then answers LOGIN with the server's own (hostile) words."""

    def __init__(self, failure: BaseException) -> None:
        self.failure = failure

    def login(self, user: str, password: str) -> None:
        raise self.failure

    def logout(self) -> None:
        pass


def _poller(pop3: bool = False) -> tuple[MailPoller, FakeMailboxes]:
    settings = ShopSettings.model_validate(
        {"customer_service": {"imap": {"url": "mail.example.com", "user": "shop", "pop3": pop3}}}
    )
    mailboxes = FakeMailboxes()
    config = SimpleNamespace(settings=lambda: settings)
    secret = SimpleNamespace(get=lambda: "Mail-Secret-1")
    poller = MailPoller(
        SimpleNamespace(), mailboxes, config, secret, clock=lambda: datetime(2026, 1, 1, tzinfo=UTC)
    )  # type: ignore[arg-type]
    return poller, mailboxes


def test_a_login_refusal_stores_a_class_and_our_reason_not_the_servers_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    poller, mailboxes = _poller()
    failure = imaplib.IMAP4.error(f"b'[AUTHENTICATIONFAILED] {BANNER}'")
    monkeypatch.setattr(MailPoller, "_imap_connect", lambda _self, settings: FailingImap(failure))
    result = poller.run()
    stored = mailboxes.saved[-1].last_error
    assert stored == result.error == "AuthenticationFailed: the server refused the user name or password"
    assert "phish" not in str(stored) and "victim" not in str(stored)


def test_a_pop3_greeting_failure_is_described_without_the_banner(monkeypatch: pytest.MonkeyPatch) -> None:
    poller, mailboxes = _poller(pop3=True)

    def refuse(_self: MailPoller, settings: Any) -> Any:
        raise poplib.error_proto(f"-ERR {BANNER}".encode())

    monkeypatch.setattr(MailPoller, "_pop3_connect", refuse)
    poller.run()
    stored = str(mailboxes.saved[-1].last_error)
    assert stored.startswith("ConnectionFailed: ") and "phish" not in stored


@pytest.mark.parametrize(
    ("error", "stage", "expected"),
    [
        (
            ssl.SSLCertVerificationError(1, f"certificate verify failed: {BANNER}"),
            "connect",
            "CertificateNotTrusted",
        ),
        (ssl.SSLError(1, BANNER), "connect", "TlsFailed"),
        (TimeoutError(BANNER), "fetch", "Timeout"),
        (socket.gaierror(-2, BANNER), "connect", "HostNotFound"),
        (ConnectionRefusedError(111, BANNER), "connect", "ConnectionRefused"),
        (imaplib.IMAP4.abort(BANNER), "fetch", "ConnectionLost"),
        (EOFError(BANNER), "fetch", "ConnectionLost"),
        (OSError(BANNER), "connect", "ConnectionFailed"),
        (imaplib.IMAP4.error(BANNER), "mailbox", "MailboxUnavailable"),
        (imaplib.IMAP4.error(BANNER), "fetch", "ProtocolError"),
        (poplib.error_proto(BANNER), "login", "AuthenticationFailed"),
    ],
)
def test_every_failure_has_a_class_and_a_safe_reason(error: BaseException, stage: str, expected: str) -> None:
    text = describe(error, stage)
    name, _, reason = text.partition(": ")
    assert name == expected and reason and len(text) < 120
    assert "phish" not in text and "ALERT" not in text
