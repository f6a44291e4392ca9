"""One-click unsubscribe tokens: an HMAC of who and which channel, so nothing is stored.

A token is `<kind>.<subject>.<channel>.<signature>`: kind `c` with a customer id, or `e` with the
SHA-256 of a guest's normalised e-mail (the token never carries the address itself). Tokens don't
expire: an unsubscribe link must keep working as long as the mail it came in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Literal, cast

from chalicelib.core.text import normalise_email
from chalicelib.privacy.domain import CONSENT_CHANNELS, ConsentChannel

_MAX_TOKEN_LENGTH = 200
_CHANNEL_CODES: dict[ConsentChannel, str] = {
    "email_marketing": "m",
    "partner_offers": "p",
    "cart_reminders": "r",
}


def email_hash(email: str) -> str:
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


@dataclass(frozen=True)
class UnsubscribeSubject:
    kind: Literal["c", "e"]
    subject: str  # a customer id, or an e-mail hash
    channel: ConsentChannel


class UnsubscribeTokens:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(("unsubscribe:" + secret).encode()).digest()

    def _sign(self, body: str) -> str:
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(mac).decode()

    def for_customer(self, customer_id: str, channel: ConsentChannel) -> str:
        body = f"c.{customer_id}.{_CHANNEL_CODES[channel]}"
        return f"{body}.{self._sign(body)}"

    def for_email(self, email: str, channel: ConsentChannel) -> str:
        body = f"e.{email_hash(email)}.{_CHANNEL_CODES[channel]}"
        return f"{body}.{self._sign(body)}"

    def read(self, token: str | None) -> UnsubscribeSubject | None:
        """Who and what a token unsubscribes, or None for anything not issued here."""
        if not token or len(token) > _MAX_TOKEN_LENGTH or token.count(".") != 3:
            return None
        kind, subject, code, signature = token.split(".")
        if not hmac.compare_digest(self._sign(f"{kind}.{subject}.{code}"), signature):
            return None
        channel = next((c for c in CONSENT_CHANNELS if _CHANNEL_CODES[c] == code), None)
        if kind not in ("c", "e") or channel is None or not subject:
            return None
        return UnsubscribeSubject(cast(Literal["c", "e"], kind), subject, channel)
