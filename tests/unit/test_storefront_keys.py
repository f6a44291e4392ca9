"""The storefront key check: shape, hash, revocation and its brief in-process cache."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import (
    InvalidStorefrontKeyError,
    StorefrontKeyRequiredError,
    StorefrontKeyRevokedError,
)
from chalicelib.storefront_keys.service import StorefrontKeyService
from tests.factories import FixedClock, sequential_ids
from tests.fakes.storefront_keys import MemoryStorefrontKeyRepository


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def service(repository: MemoryStorefrontKeyRepository, ticks: Ticks) -> StorefrontKeyService:
    return StorefrontKeyService(repository, FixedClock(), sequential_ids("01KEY"), monotonic=ticks)


def test_a_key_is_checked_with_one_read_then_from_the_cache_for_60_seconds() -> None:
    repository, ticks = MemoryStorefrontKeyRepository(), Ticks()
    keys = service(repository, ticks)
    key, plain = keys.create("Main shop")
    assert key.secret_hash not in plain and plain.startswith(f"csk_{key.id}_")
    assert keys.verify(plain).id == key.id
    assert keys.verify(plain).id == key.id
    assert repository.reads == 1
    ticks.now = 61
    keys.verify(plain)
    assert repository.reads == 2


def test_a_revoke_applies_at_once_here_and_within_the_cache_time_elsewhere() -> None:
    repository, ticks = MemoryStorefrontKeyRepository(), Ticks()
    here, elsewhere = service(repository, ticks), service(repository, ticks)
    key, plain = here.create("Main shop")
    elsewhere.verify(plain)
    here.revoke(key.id)
    with pytest.raises(StorefrontKeyRevokedError):
        here.verify(plain)
    assert elsewhere.verify(plain)  # still cached on the other instance
    ticks.now = 60
    with pytest.raises(StorefrontKeyRevokedError):
        elsewhere.verify(plain)
    assert here.revoke(key.id).revoked_at == repository.keys[key.id].revoked_at  # idempotent


@pytest.mark.parametrize("presented", ["", None])
def test_no_key(presented: str | None) -> None:
    with pytest.raises(StorefrontKeyRequiredError):
        service(MemoryStorefrontKeyRepository(), Ticks()).verify(presented)


def test_malformed_or_forged_keys_are_invalid_without_a_read_for_malformed_ones() -> None:
    repository = MemoryStorefrontKeyRepository()
    keys = service(repository, Ticks())
    _, plain = keys.create("Main shop")
    for bad in ("csk_x", "0.01", plain + "x", "x" * 5000, plain.replace("csk_", "sk_")):
        with pytest.raises(InvalidStorefrontKeyError):
            keys.verify(bad)
    assert repository.reads == 0
    with pytest.raises(InvalidStorefrontKeyError):
        keys.verify(plain[:-4] + ("AAAA" if not plain.endswith("AAAA") else "BBBB"))
