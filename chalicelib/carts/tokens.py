"""Guest cart tokens and voucher codes: HMACs of the cart id, so nothing secret is stored.

A cart token is `<cart id>.<signature>`: whoever holds it may use that guest cart (and nothing
else), the abandoned-cart reminder can rebuild it for its link, and a wrong or forged token is
indistinguishable from a missing cart (404).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

_MAX_TOKEN_LENGTH = 128
# A guest's cart calls (lines, checkout, reads) send the same token one after another: a token
# whose signature was checked once is remembered (tokens never expire: the same token opens the same
# cart for as long as the secret stays), as the bearer tokens are (core/jwt.py). Only tokens issued
# here are kept, so made-up tokens cannot push them out faster than other traffic.
OPENED_TOKENS_KEPT = 1024
_VOUCHER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class _NotIssuedHereError(Exception):
    pass


class CartTokens:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(("cart:" + secret).encode()).digest()
        self._opened = lru_cache(maxsize=OPENED_TOKENS_KEPT)(self._signed_cart_id)

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
        try:
            return self._opened(token)
        except _NotIssuedHereError:
            return None

    def _signed_cart_id(self, token: str) -> str:
        """Raises: _NotIssuedHereError (raised, not returned as None, so that it is not cached)."""
        cart_id = token.split(".", 1)[0]
        if not hmac.compare_digest(self.issue(cart_id).encode(), token.encode()):
            raise _NotIssuedHereError
        return cart_id

    def voucher_code(self, cart_id: str, abandoned_at: str) -> str:
        """The same code for the same abandonment: a redelivered sweep re-derives, never re-mints."""
        digest = self._mac("voucher", f"{cart_id}\x00{abandoned_at}")
        return "".join(_VOUCHER_ALPHABET[byte % len(_VOUCHER_ALPHABET)] for byte in digest[:10])
