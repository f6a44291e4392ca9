"""Guest cart tokens and voucher codes: HMACs of the cart id, so nothing secret is stored.

A cart token is `<cart id>.<signature>`: whoever holds it may use that guest cart (and nothing
else), the abandoned-cart reminder can rebuild it for its link, and a wrong or forged token is
indistinguishable from a missing cart (404).
"""

from __future__ import annotations

import base64
import hashlib
import hmac

_MAX_TOKEN_LENGTH = 128
_VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class CartTokens:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(("cart:" + secret).encode()).digest()

    def _mac(self, purpose: str, value: str) -> bytes:
        # The one-shot form: every cart call checks a token, and it skips building an HMAC object.
        return hmac.digest(self._key, f"{purpose}\x00{value}".encode(), "sha256")

    def issue(self, cart_id: str) -> str:
        signature = base64.urlsafe_b64encode(self._mac("token", cart_id)[:18]).decode()
        return f"{cart_id}.{signature}"

    def cart_id_of(self, token: str | None) -> str | None:
        """The cart a token opens, or None for anything not issued here."""
        if not token or len(token) > _MAX_TOKEN_LENGTH or "." not in token or not token.isascii():
            return None
        cart_id = token.split(".", 1)[0]
        return cart_id if hmac.compare_digest(self.issue(cart_id).encode(), token.encode()) else None

    def voucher_code(self, cart_id: str, abandoned_at: str) -> str:
        """The same code for the same abandonment: a redelivered sweep re-derives, never re-mints."""
        digest = self._mac("voucher", f"{cart_id}\x00{abandoned_at}")
        return "".join(_VOUCHER_ALPHABET[byte % len(_VOUCHER_ALPHABET)] for byte in digest[:10])
