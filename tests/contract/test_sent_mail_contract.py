"""The sent-mail log port: the in-memory fake and DynamoSentMailLog (moto) must agree."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.mail.ports import SentMailLog
from chalicelib.mail.repository import DynamoSentMailLog
from tests.factories import FIXED_NOW
from tests.fakes.mail import MemorySentMailLog


@pytest.fixture(params=["memory", "dynamodb"])
def log(request: pytest.FixtureRequest) -> Iterator[SentMailLog]:
    if request.param == "memory":
        yield MemorySentMailLog()
        return
    with mock_aws():
        bootstrap.ensure_table()
        yield DynamoSentMailLog(lambda: FIXED_NOW)


def test_an_event_is_claimed_once(log: SentMailLog) -> None:
    assert log.claim("order-shipped:01ORDER") is True
    assert log.claim("order-shipped:01ORDER") is False


def test_events_are_claimed_independently(log: SentMailLog) -> None:
    assert log.claim("order-shipped:01ORDER") is True
    assert log.claim("order-shipped:01OTHER") is True
    assert log.claim("welcome:01ORDER") is True


def test_a_released_claim_can_be_taken_again(log: SentMailLog) -> None:
    log.claim("welcome:01CUST")
    log.release("welcome:01CUST")

    assert log.claim("welcome:01CUST") is True
    assert log.claim("welcome:01CUST") is False


def test_releasing_an_unclaimed_event_is_harmless(log: SentMailLog) -> None:
    log.release("never-claimed")

    assert log.claim("never-claimed") is True
