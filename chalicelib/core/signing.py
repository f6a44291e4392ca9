"""Dotted tokens signed with an HMAC whose key only one purpose uses (a reminder-confirm link never
verifies as an unsubscribe link): `<field>.<field>...<signature>`, nothing stored server-side."""

from __future__ import annotations

import base64
import hashlib
import hmac

_MAX_TOKEN_LENGTH = 200


class DottedTokenSigner:
    def __init__(self, purpose: str, secret: str) -> None:
        self._key = hashlib.sha256(f"{purpose}:{secret}".encode()).digest()

    def _signature(self, body: str) -> str:
        # 18 bytes (144 bits) keep the links short; base64 of 18 bytes has no padding.
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(mac).decode()

    def sign(self, *fields: str) -> str:
        body = ".".join(fields)
        return f"{body}.{self._signature(body)}"

    def open(self, token: str | None, fields: int) -> list[str] | None:
        """The `fields` fields of a token signed here, or None (checked before anything is read)."""
        if not token or len(token) > _MAX_TOKEN_LENGTH or token.count(".") != fields:
            return None
        body, signature = token.rsplit(".", 1)
        # Bytes, not str: compare_digest raises TypeError on a non-ASCII str, and a link is caller input.
        if not hmac.compare_digest(self._signature(body).encode(), signature.encode()):
            return None
        return body.split(".")
