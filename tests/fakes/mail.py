"""A mailer that keeps what it sends and an in-memory sent-mail log, for tests and benchmarks (no SES,
no table). The log runs the same contract tests as mail.repository's DynamoSentMailLog."""

from __future__ import annotations

from chalicelib.mail.domain import OutboundMail
from chalicelib.mail.ports import Mailer, SentMailLog


class MemoryMailer:
    def __init__(self) -> None:
        self.sent: list[OutboundMail] = []

    def send(self, mail: OutboundMail) -> str:
        self.sent.append(mail)
        # Like SES and the outbox (mail.repository.to_mime): a mail that names its Message-ID keeps it.
        return mail.headers.get("Message-ID") or f"<{len(self.sent)}@memory>"


class MemorySentMailLog:
    def __init__(self) -> None:
        self.keys: set[str] = set()

    def claim(self, event_key: str) -> bool:
        if event_key in self.keys:
            return False
        self.keys.add(event_key)
        return True

    def release(self, event_key: str) -> None:
        self.keys.discard(event_key)


# mypy checks each fake against its port: a method the port gains fails here until the fake has it
# (tests/unit/test_fakes_conform.py makes sure every fake in tests/fakes/ has such a check).
def _port_check_mailer(fake: MemoryMailer) -> Mailer:
    return fake


def _port_check_sent_log(fake: MemorySentMailLog) -> SentMailLog:
    return fake
