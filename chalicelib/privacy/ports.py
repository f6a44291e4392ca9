"""What the privacy services need from storage: the suppression list of erased addresses."""

from __future__ import annotations

from typing import Protocol


class SuppressionRepository(Protocol):
    def suppress(self, email_hash: str, channel: str, source: str, at: str) -> None:
        """Record that a guest address unsubscribed from a channel (idempotent)."""

    def is_suppressed(self, email_hash: str, channel: str) -> bool: ...

    def confirm_opt_in(self, email_hash: str, channel: str, source: str, at: str) -> bool:
        """Record a guest's double opt-in; False when it was already recorded."""

    def opt_in(self, email_hash: str, channel: str) -> tuple[str, str] | None: ...
