"""Signed reply tokens for plus-addresses (`support+<token>@shop.example`).

The token is `<thread id>-<signature>`, lower case (some mail servers fold the local part), so an
answer to our mail threads back by its recipient address alone, and a made-up address threads
nowhere.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_MAX = 96


class ReplyTokens:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(("reply:" + secret).encode()).digest()

    def _signature(self, thread_id: str) -> str:
        digest = hmac.new(self._key, thread_id.upper().encode(), hashlib.sha256).digest()[:10]
        return base64.b32encode(digest).decode().lower().rstrip("=")

    def issue(self, thread_id: str) -> str:
        return f"{thread_id.lower()}-{self._signature(thread_id)}"

    def thread_of(self, token: str | None) -> str | None:
        if not token or len(token) > _MAX or "-" not in token or not token.isascii():
            return None
        thread_id, _, signature = token.lower().rpartition("-")
        if not thread_id or not hmac.compare_digest(signature.encode(), self._signature(thread_id).encode()):
            return None
        return thread_id.upper()

    def address(self, mailbox: str, thread_id: str) -> str:
        """`local+token@domain` for the mailbox that receives customer-service mail."""
        local, _, domain = mailbox.partition("@")
        return f"{local.split('+', 1)[0]}+{self.issue(thread_id)}@{domain}"

    @staticmethod
    def token_in(address: str) -> str | None:
        local = address.strip().strip("<>").partition("@")[0]
        return local.split("+", 1)[1] if "+" in local else None
