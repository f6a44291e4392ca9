"""Signed bearer tokens (JWT, HS256) with expiry and an audience per caller kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Literal

import jwt

from chalicelib.core.errors import UnauthenticatedError

Audience = Literal["clientele:admin", "clientele:store"]
_ALGORITHM = "HS256"
# A warm function sees the same bearer token call after call (one back-office session, one signed-in
# shopper), and verifying it again is a third of a cached read's time in the edge: each token's
# signature and audience are checked once per signer and remembered. Expiry is still compared with the
# clock on every call, and the services still re-read the employee or customer behind the claims (role
# changes, sign-out everywhere). Forged or malformed tokens raise, so they are never remembered.
VERIFIED_TOKENS_KEPT = 1024


@dataclass(frozen=True)
class _VerifiedToken:
    subject: str
    role: str
    generation: int
    issued_at: int
    expires_at: int


@dataclass(frozen=True)
class TokenClaims:
    subject: str
    role: str
    audience: Audience
    issued_at: datetime
    generation: int = 0


class TokenSigner:
    def __init__(self, secret: str, ttl: timedelta) -> None:
        self._secret = secret
        self._ttl = ttl
        self._verified = lru_cache(maxsize=VERIFIED_TOKENS_KEPT)(self._verify_signature)

    def issue(
        self, subject: str, role: str, audience: Audience, now: datetime, *, generation: int = 0
    ) -> str:
        claims = {
            "sub": subject,
            "role": role,
            "gen": generation,
            "aud": audience,
            "iat": int(now.timestamp()),
            "exp": int((now + self._ttl).timestamp()),
        }
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def verify(self, token: str, audience: Audience, now: datetime) -> TokenClaims:
        """Raises: UnauthenticatedError for a forged, expired or wrong-audience token."""
        verified = self._verified(token, audience)
        # Expiry is checked against the injected clock so tests can move time.
        if verified.expires_at <= int(now.timestamp()):
            raise UnauthenticatedError("The token has expired.")
        return TokenClaims(
            subject=verified.subject,
            role=verified.role,
            audience=audience,
            issued_at=datetime.fromtimestamp(verified.issued_at, tz=now.tzinfo),
            generation=verified.generation,
        )

    def _verify_signature(self, token: str, audience: Audience) -> _VerifiedToken:
        """The claims of a token signed with this secret for `audience`, whatever its expiry.

        Raises: UnauthenticatedError."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                audience=audience,
                options={"require": ["sub", "exp", "iat", "aud"], "verify_exp": False},
            )
        except jwt.PyJWTError:
            raise UnauthenticatedError("The token is invalid.") from None
        subject, role, generation = claims.get("sub"), claims.get("role"), claims.get("gen", 0)
        if not isinstance(subject, str) or not isinstance(role, str) or not isinstance(generation, int):
            raise UnauthenticatedError("The token is invalid.")
        return _VerifiedToken(subject, role, generation, int(claims["iat"]), int(claims["exp"]))
