"""Storefront access keys: created and revoked by an admin, checked on storefront-server calls.

A key reads `csk_<id>_<secret>`: the id finds the record with one GetItem, the secret (256 random
bits) is compared as a sha256 in constant time. The plain key is returned once, at creation.
Checks are cached in-process for `cache_seconds` (60 s by default): a revoke applies at once on
the instance that handled it and within that time everywhere else.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
import time
from collections.abc import Callable

from chalicelib.core.clock import Clock, IdFactory, new_id, utc_now
from chalicelib.core.errors import (
    InvalidStorefrontKeyError,
    StorefrontKeyRequiredError,
    StorefrontKeyRevokedError,
)
from chalicelib.core.observability import logger
from chalicelib.storefront_keys.domain import StorefrontKey
from chalicelib.storefront_keys.ports import StorefrontKeyRepository

PREFIX = "csk_"
_SHAPE = re.compile(r"^csk_([0-9A-Z]{26})_([A-Za-z0-9_-]{43})$")
_CACHE_LIMIT = 1024


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class StorefrontKeyService:
    def __init__(
        self,
        repository: StorefrontKeyRepository,
        clock: Clock = utc_now,
        ids: IdFactory = new_id,
        *,
        new_secret: Callable[[], str] = lambda: secrets.token_urlsafe(32),
        cache_seconds: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._repository = repository
        self._clock = clock
        self._ids = ids
        self._new_secret = new_secret
        self._cache_seconds = cache_seconds
        self._monotonic = monotonic
        # id → (read at, key or None): the local stack serves requests on threads.
        self._cache: dict[str, tuple[float, StorefrontKey | None]] = {}
        self._lock = threading.Lock()

    def create(self, name: str) -> tuple[StorefrontKey, str]:
        """A new key and its plain value (shown once, never stored)."""
        secret = self._new_secret()
        key = StorefrontKey(self._ids(), name, _digest(secret), self._clock())
        self._repository.create(key)
        logger.info("storefront key created", storefront_key_id=key.id)
        return key, f"{PREFIX}{key.id}_{secret}"

    def list(self) -> list[StorefrontKey]:
        return self._repository.list()

    def revoke(self, key_id: str) -> StorefrontKey:
        """Raises: NotFoundError. Revoking twice keeps the first revocation time."""
        key = self._repository.revoke(key_id, self._clock())
        with self._lock:
            self._cache.pop(key_id, None)
        logger.info("storefront key revoked", storefront_key_id=key_id)
        return key

    def verify(self, presented: str | None) -> StorefrontKey:
        """Raises: StorefrontKeyRequiredError, InvalidStorefrontKeyError, StorefrontKeyRevokedError."""
        if not presented:
            raise StorefrontKeyRequiredError("This call needs the shop server's X-Storefront-Key.")
        match = _SHAPE.match(presented.strip())
        if match is None:
            raise InvalidStorefrontKeyError("The storefront key is not valid.")
        key_id, secret = match.groups()
        key = self._lookup(key_id)
        if key is None or not hmac.compare_digest(key.secret_hash, _digest(secret)):
            raise InvalidStorefrontKeyError("The storefront key is not valid.")
        if key.revoked:
            raise StorefrontKeyRevokedError("This storefront key was revoked.")
        return key

    def _lookup(self, key_id: str) -> StorefrontKey | None:
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(key_id)
        if cached is not None and now - cached[0] < self._cache_seconds:
            return cached[1]
        key = self._repository.get(key_id)
        with self._lock:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()  # unknown ids cannot grow it without bound
            self._cache[key_id] = (now, key)
        return key
