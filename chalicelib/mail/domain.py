"""Outbound mail as the services describe it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OutboundMail:
    to: str
    sender: str
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Recipient(Protocol):
    """Whom a customer mail greets and in which language: a customer, as mail needs to know one
    (customers.domain.Customer is one), so mail stays below the customers feature."""

    @property
    def email(self) -> str: ...
    @property
    def first_name(self) -> str: ...
    @property
    def last_name(self) -> str: ...
    @property
    def language(self) -> str: ...
