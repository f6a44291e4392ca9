"""Signed bearer tokens (JWT, HS256) with expiry and an audience per caller kind."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import jwt

from chalicelib.core.errors import UnauthenticatedError

Audience = Literal["clientele:admin", "clientele:store"]
_ALGORITHM = "HS256"


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
        # Expiry is checked against the injected clock so tests can move time.
        if int(claims["exp"]) <= int(now.timestamp()):
            raise UnauthenticatedError("The token has expired.")
        subject, role, generation = claims.get("sub"), claims.get("role"), claims.get("gen", 0)
        if not isinstance(subject, str) or not isinstance(role, str) or not isinstance(generation, int):
            raise UnauthenticatedError("The token is invalid.")
        return TokenClaims(
            subject=subject,
            role=role,
            audience=audience,
            issued_at=datetime.fromtimestamp(int(claims["iat"]), tz=now.tzinfo),
            generation=generation,
        )
