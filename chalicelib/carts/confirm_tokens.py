"""Double opt-in links for guest cart reminders: an HMAC of the address's hash and an expiry.

A token is `<sha256(normalised e-mail)>.<expiry, epoch seconds>.<signature>`, signed with a key
only this purpose uses (an unsubscribe or cart token never verifies here). It never carries the
address itself, and nothing is stored until the owner confirms.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.core.signing import DottedTokenSigner
from chalicelib.core.text import email_hash


class ConfirmTokens:
    def __init__(self, secret: str) -> None:
        self._signer = DottedTokenSigner("reminder-confirm", secret)

    def issue(self, email: str, valid_until: datetime) -> str:
        return self._signer.sign(email_hash(email), str(int(valid_until.timestamp())))

    def read(self, token: str | None, now: datetime) -> str | None:
        """The e-mail hash a valid, unexpired token confirms, or None."""
        fields = self._signer.open(token, 2)
        if fields is None:
            return None
        subject, expiry = fields
        if not expiry.isdigit() or int(expiry) <= now.timestamp() or len(subject) != 64:
            return None
        return subject
