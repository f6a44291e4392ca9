"""Opaque, tamper-proof list cursors: base64url(JSON) + HMAC-SHA256, bound to the query shape."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from chalicelib.core.errors import InvalidCursorError

_MAX_CURSOR_LENGTH = 2048


class CursorCodec:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(("cursor:" + secret).encode()).digest()

    def _mac(self, payload: bytes, scope: str) -> bytes:
        return hmac.new(self._key, scope.encode() + b"\x00" + payload, hashlib.sha256).digest()[:16]

    def encode(self, position: dict[str, Any] | None, scope: str) -> str | None:
        """Sign a repository position for one query shape (`scope`: a list, its filters, sort)."""
        if position is None:
            return None
        payload = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
        token = self._mac(payload, scope) + payload
        return base64.urlsafe_b64encode(token).decode().rstrip("=")

    def decode(self, cursor: str | None, scope: str) -> dict[str, Any] | None:
        """Raises: InvalidCursorError for anything not produced by encode() for the same scope."""
        if cursor is None or cursor == "":
            return None
        if len(cursor) > _MAX_CURSOR_LENGTH:
            raise InvalidCursorError("The cursor is not valid for this list.")
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (ValueError, TypeError):
            raise InvalidCursorError("The cursor is not valid for this list.") from None
        mac, payload = raw[:16], raw[16:]
        if len(mac) != 16 or not hmac.compare_digest(mac, self._mac(payload, scope)):
            raise InvalidCursorError("The cursor is not valid for this list.")
        try:
            position = json.loads(payload)
        except ValueError:
            raise InvalidCursorError("The cursor is not valid for this list.") from None
        if not isinstance(position, dict):
            raise InvalidCursorError("The cursor is not valid for this list.")
        return position
