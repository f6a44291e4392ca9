"""In-memory suppression list (the fake of privacy.repository's), for unit tests."""

from __future__ import annotations


class MemorySuppressionRepository:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], tuple[str, str]] = {}
        self.opt_ins: dict[tuple[str, str], tuple[str, str]] = {}

    def suppress(self, email_hash: str, channel: str, source: str, at: str) -> None:
        self.entries.setdefault((email_hash, channel), (source, at))

    def is_suppressed(self, email_hash: str, channel: str) -> bool:
        return (email_hash, channel) in self.entries

    def confirm_opt_in(self, email_hash: str, channel: str, source: str, at: str) -> bool:
        if (email_hash, channel) in self.opt_ins:
            return False
        self.opt_ins[(email_hash, channel)] = (source, at)
        return True

    def opt_in(self, email_hash: str, channel: str) -> tuple[str, str] | None:
        return self.opt_ins.get((email_hash, channel))
