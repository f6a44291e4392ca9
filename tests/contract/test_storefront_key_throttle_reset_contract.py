"""One contract, two implementations, for the small ports: storefront keys, throttle counters and the
forgot-password outbox — the in-memory fakes and DynamoDB (moto) must agree on what they store, their
errors and their order."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.core.errors import AlreadyExistsError, NotFoundError
from chalicelib.customers.domain import ResetRequest
from chalicelib.customers.ports import ResetRequestQueue
from chalicelib.customers.reset_requests import DynamoResetRequestQueue
from chalicelib.storefront_keys.domain import StorefrontKey
from chalicelib.storefront_keys.ports import StorefrontKeyRepository
from chalicelib.storefront_keys.repository import DynamoStorefrontKeyRepository
from chalicelib.throttle.ports import ThrottleRepository
from chalicelib.throttle.repository import DynamoThrottleRepository
from tests.factories import FIXED_NOW
from tests.fakes.customers import MemoryResetRequestQueue
from tests.fakes.storefront_keys import MemoryStorefrontKeyRepository
from tests.fakes.throttle import MemoryThrottleRepository


@dataclass
class Store:
    keys: StorefrontKeyRepository
    throttle: ThrottleRepository
    resets: ResetRequestQueue


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    if request.param == "memory":
        yield Store(MemoryStorefrontKeyRepository(), MemoryThrottleRepository(), MemoryResetRequestQueue())
        return
    with mock_aws():
        bootstrap.ensure_table()
        yield Store(DynamoStorefrontKeyRepository(), DynamoThrottleRepository(), DynamoResetRequestQueue())


def key(number: int, minutes: int = 0) -> StorefrontKey:
    return StorefrontKey(
        id=f"sk_{number:04d}",
        name=f"Shop {number}",
        secret_hash=f"{number:064x}",
        created_at=FIXED_NOW + timedelta(minutes=minutes),
    )


def test_a_storefront_key_is_created_once(store: Store) -> None:
    store.keys.create(key(1))
    assert store.keys.get("sk_0001") == key(1)
    assert store.keys.get("sk_9999") is None
    with pytest.raises(AlreadyExistsError):
        store.keys.create(key(1, minutes=5))
    assert store.keys.get("sk_0001") == key(1)  # the first one is kept


def test_storefront_keys_list_oldest_first_revoked_ones_included(store: Store) -> None:
    store.keys.create(key(2, minutes=1))
    store.keys.create(key(3, minutes=2))
    store.keys.create(key(1, minutes=1))  # same time as key 2: the id breaks the tie
    store.keys.revoke("sk_0003", FIXED_NOW + timedelta(hours=1))
    assert [(k.id, k.status) for k in store.keys.list()] == [
        ("sk_0001", "active"),
        ("sk_0002", "active"),
        ("sk_0003", "revoked"),
    ]


def test_a_revoke_keeps_its_first_time_and_a_missing_key_is_not_found(store: Store) -> None:
    store.keys.create(key(1))
    first = FIXED_NOW + timedelta(hours=1)
    revoked = store.keys.revoke("sk_0001", first)
    assert (revoked.id, revoked.revoked_at, revoked.secret_hash) == ("sk_0001", first, key(1).secret_hash)
    assert store.keys.revoke("sk_0001", first + timedelta(hours=1)).revoked_at == first
    stored = store.keys.get("sk_0001")
    assert stored is not None and stored.revoked_at == first
    with pytest.raises(NotFoundError):
        store.keys.revoke("sk_9999", first)
    assert store.keys.get("sk_9999") is None  # a revoke never creates a key


def test_throttle_counters_add_up_per_scope_subject_and_window(store: Store) -> None:
    window, expires = FIXED_NOW, FIXED_NOW + timedelta(minutes=15)
    assert store.throttle.failures("login", "ana@example.com", window) == 0
    assert store.throttle.add_failure("login", "ana@example.com", window, expires) == 1
    assert store.throttle.add_failure("login", "ana@example.com", window, expires, amount=3) == 4
    assert store.throttle.failures("login", "ana@example.com", window) == 4
    # Another scope, subject or window is another counter.
    assert store.throttle.failures("reset", "ana@example.com", window) == 0
    assert store.throttle.failures("login", "bob@example.com", window) == 0
    assert store.throttle.failures("login", "ana@example.com", window + timedelta(minutes=15)) == 0
    assert store.throttle.add_failure("login", "bob@example.com", window, expires) == 1


def request_at(number: int, minutes: int) -> ResetRequest:
    return ResetRequest(
        f"01RESET{number:019d}", f"person{number}@example.com", FIXED_NOW + timedelta(minutes=minutes)
    )


def test_reset_requests_come_out_oldest_first(store: Store) -> None:
    assert store.resets.oldest(10) == []
    for number, minutes in ((1, 5), (2, 1), (3, 3), (4, 1)):
        store.resets.put(request_at(number, minutes))
    assert [r.id[-1] for r in store.resets.oldest(10)] == ["2", "4", "3", "1"]
    assert store.resets.oldest(2) == [request_at(2, 1), request_at(4, 1)]


def test_a_reset_request_is_put_once_and_deleted_idempotently(store: Store) -> None:
    store.resets.put(request_at(1, 1))
    store.resets.put(request_at(1, 1))  # a repeated delivery queues no second request
    store.resets.put(request_at(2, 2))
    assert store.resets.oldest(10) == [request_at(1, 1), request_at(2, 2)]
    store.resets.delete(request_at(1, 1))
    store.resets.delete(request_at(1, 1))  # deleted already: not an error
    store.resets.delete(request_at(9, 9))  # never queued: not an error
    assert store.resets.oldest(10) == [request_at(2, 2)]
