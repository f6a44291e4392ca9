"""Outbound mail as the services describe it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OutboundMail:
    to: str
    sender: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
