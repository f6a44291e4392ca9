"""One-click unsubscribe tokens: an HMAC of who and which channel, so nothing is stored.

A token is `<kind>.<subject>.<channel>.<signature>`: kind `c` with a customer id, or `e` with the
SHA-256 of a guest's normalised e-mail (the token never carries the address itself). Tokens don't
expire: an unsubscribe link must keep working as long as the mail it came in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from chalicelib.core.signing import DottedTokenSigner
from chalicelib.core.text import email_hash
from chalicelib.customers.domain import CONSENT_CHANNELS, ConsentChannel

_CHANNEL_CODES: dict[ConsentChannel, str] = {
    "email_marketing": "m",
    "partner_offers": "p",
    "cart_reminders": "r",
}


@dataclass(frozen=True)
class UnsubscribeSubject:
    kind: Literal["c", "e"]
    subject: str  # a customer id, or an e-mail hash
    channel: ConsentChannel


class UnsubscribeTokens:
    def __init__(self, secret: str) -> None:
        self._signer = DottedTokenSigner("unsubscribe", secret)

    def for_customer(self, customer_id: str, channel: ConsentChannel) -> str:
        return self._signer.sign("c", customer_id, _CHANNEL_CODES[channel])

    def for_email(self, email: str, channel: ConsentChannel) -> str:
        return self._signer.sign("e", email_hash(email), _CHANNEL_CODES[channel])

    def read(self, token: str | None) -> UnsubscribeSubject | None:
        """Who and what a token unsubscribes, or None for anything not issued here."""
        fields = self._signer.open(token, 3)
        if fields is None:
            return None
        kind, subject, code = fields
        channel = next((c for c in CONSENT_CHANNELS if _CHANNEL_CODES[c] == code), None)
        if kind not in ("c", "e") or channel is None or not subject:
            return None
        return UnsubscribeSubject(cast(Literal["c", "e"], kind), subject, channel)
