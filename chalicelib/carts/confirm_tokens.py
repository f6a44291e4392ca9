"""Double opt-in links for guest cart reminders: an HMAC of the address's hash and an expiry.

A token is `<sha256(normalised e-mail)>.<expiry, epoch seconds>.<signature>`, signed with a key
only this purpose uses (an unsubscribe or cart token never verifies here). It never carries the
address itself, and nothing is stored until the owner confirms.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

from chalicelib.privacy.unsubscribe_tokens import email_hash

_MAX_TOKEN_LENGTH = 200


class ConfirmTokens:
    def __init__(self, secret: str) -> None:
        self._key = hashlib.sha256(("reminder-confirm:" + secret).encode()).digest()

    def _sign(self, body: str) -> str:
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).digest()[:18]
        return base64.urlsafe_b64encode(mac).decode()

    def issue(self, email: str, valid_until: datetime) -> str:
        body = f"{email_hash(email)}.{int(valid_until.timestamp())}"
        return f"{body}.{self._sign(body)}"

    def read(self, token: str | None, now: datetime) -> str | None:
        """The e-mail hash a valid, unexpired token confirms, or None."""
        if not token or len(token) > _MAX_TOKEN_LENGTH or token.count(".") != 2:
            return None
        subject, expiry, signature = token.split(".")
        if not hmac.compare_digest(self._sign(f"{subject}.{expiry}"), signature):
            return None
        if not expiry.isdigit() or int(expiry) <= now.timestamp() or len(subject) != 64:
            return None
        return subject
