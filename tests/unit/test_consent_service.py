"""ConsentService against in-memory fakes: records, flags, unsubscribe links, reminder consent."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.errors import InvalidTokenError, NotFoundError
from chalicelib.repositories.memory import (
    MemoryConfigRepository,
    MemoryCustomerRepository,
    MemorySuppressionRepository,
)
from chalicelib.schemas.customers import CreateCustomerRequest
from chalicelib.security.cursors import CursorCodec
from chalicelib.security.unsubscribe_tokens import UnsubscribeTokens
from chalicelib.services.config import ConfigService
from chalicelib.services.consents import ConsentService
from chalicelib.services.customers import CustomerService
from tests.factories import FixedClock, sequential_ids

SECRET = "k" * 40


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def world(clock: FixedClock) -> tuple[ConsentService, CustomerService, MemorySuppressionRepository]:
    config = ConfigService(MemoryConfigRepository(), monotonic=lambda: 0.0)
    config.seed_defaults()
    repository = MemoryCustomerRepository()
    customers = CustomerService(repository, config, CursorCodec(SECRET), clock, sequential_ids())
    suppressions = MemorySuppressionRepository()
    return (
        ConsentService(repository, suppressions, config, UnsubscribeTokens(SECRET), clock),
        customers,
        suppressions,
    )


def _token(url: str) -> str:
    return parse_qs(urlsplit(url).query)["token"][0]


def test_set_records_once_and_moves_the_profile_flag(world, clock) -> None:  # type: ignore[no-untyped-def]
    consents, customers, _ = world
    ana = customers.create(CreateCustomerRequest(first_name="Ana", last_name="R", email="ana@example.com"))
    assert consents.overview(ana.id).history == []  # nothing ticked, nothing recorded
    clock.advance(minutes=1)
    after = consents.set(ana.id, "email_marketing", "subscribed", "confirmed", "storefront")
    assert after.newsletter is True
    assert (
        consents.set(ana.id, "email_marketing", "subscribed", "confirmed", "admin").version == after.version
    )
    history = consents.overview(ana.id).history
    assert [(c.channel, c.state, c.level, c.source) for c in history] == [
        ("email_marketing", "subscribed", "confirmed", "storefront")
    ]
    with pytest.raises(NotFoundError):
        consents.set("01NOBODY", "email_marketing", "subscribed", "single", "admin")


def test_customer_link_unsubscribes_the_channel_and_is_idempotent(world) -> None:  # type: ignore[no-untyped-def]
    consents, customers, _ = world
    ana = customers.create(
        CreateCustomerRequest(first_name="Ana", last_name="R", email="ana@example.com", newsletter=True)
    )
    link = consents.link("email_marketing", customer_id=ana.id, email=None)
    assert link.headers["List-Unsubscribe"] == f"<{link.url}>"
    assert link.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert consents.check(_token(link.url)) == "email_marketing"  # reading the link changes nothing
    assert customers.get(ana.id).newsletter is True
    assert consents.unsubscribe(_token(link.url)) == "email_marketing"
    consents.unsubscribe(_token(link.url))
    assert customers.get(ana.id).newsletter is False
    assert [c.source for c in consents.overview(ana.id).history] == ["admin", "unsubscribe_link"]
    with pytest.raises(InvalidTokenError):
        consents.unsubscribe(_token(link.url)[:-2] + "xx")


def test_reminder_consent(world) -> None:  # type: ignore[no-untyped-def]
    consents, customers, suppressions = world
    plain = customers.create(CreateCustomerRequest(first_name="P", last_name="L", email="plain@example.com"))
    news = customers.create(
        CreateCustomerRequest(first_name="N", last_name="W", email="news@example.com", newsletter=True)
    )
    assert consents.reminder_consent(plain, plain.email, cart_box=False) == "service"
    assert consents.reminder_consent(plain, plain.email, cart_box=True) == "marketing"
    assert consents.reminder_consent(news, news.email, cart_box=False) == "marketing"
    quiet = consents.set(news.id, "cart_reminders", "unsubscribed", "single", "storefront")
    assert consents.reminder_consent(quiet, quiet.email, cart_box=True) is None
    assert consents.reminder_consent(None, "guest@example.com", cart_box=True) == "marketing"
    link = consents.link("cart_reminders", customer_id=None, email="Guest@Example.com")
    consents.unsubscribe(_token(link.url))
    assert len(suppressions.entries) == 1
    assert consents.reminder_consent(None, "guest@example.com", cart_box=True) is None
