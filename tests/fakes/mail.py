"""A mailer that keeps what it sends and an in-memory sent-mail log, for tests and benchmarks (no SES,
no table). The log runs the same contract tests as mail.repository's DynamoSentMailLog."""

from __future__ import annotations

from chalicelib.mail.domain import OutboundMail


class MemoryMailer:
    def __init__(self) -> None:
        self.sent: list[OutboundMail] = []

    def send(self, mail: OutboundMail) -> str:
        self.sent.append(mail)
        return f"<{len(self.sent)}@memory>"


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
