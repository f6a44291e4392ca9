"""What the notifier needs: a mail transport and the sent-mail log.

The transports are in mail.repository (SES, the local outbox; tests/fakes/mail.py keeps mail in a
list); the log's DynamoDB implementation is there too, and its in-memory fake in tests/fakes/mail.py
runs the same contract tests (tests/contract/)."""

from __future__ import annotations

from typing import Protocol

from chalicelib.mail.domain import OutboundMail


class Mailer(Protocol):
    def send(self, mail: OutboundMail) -> str:
        """Send one mail; returns its Message-ID. Raises: ServiceUnavailableError."""


class SentMailLog(Protocol):
    def claim(self, event_key: str) -> bool:
        """Reserve the right to send the mail of one event; False if it was already taken."""

    def release(self, event_key: str) -> None:
        """Give the claim back after a failed send, so a retry can send."""
