"""A mailer that keeps what it sends, for tests and benchmarks (no SES)."""

from __future__ import annotations

from chalicelib.mail.domain import OutboundMail


class MemoryMailer:
    def __init__(self) -> None:
        self.sent: list[OutboundMail] = []

    def send(self, mail: OutboundMail) -> str:
        self.sent.append(mail)
        return f"<{len(self.sent)}@memory>"
