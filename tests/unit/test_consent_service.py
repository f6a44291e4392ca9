"""ConsentService against in-memory fakes: records, flags, unsubscribe links, reminder consent."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib.carts.confirm_tokens import ConfirmTokens
from chalicelib.carts.reminder_opt_in import ReminderOptInService
from chalicelib.core.clock import iso
from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import InvalidTokenError, NotFoundError
from chalicelib.core.text import email_hash
from chalicelib.customers.schemas import CreateCustomerRequest
from chalicelib.customers.service import CustomerService
from chalicelib.mail.notifications import Notifier
from chalicelib.privacy.consents import ConsentService
from chalicelib.privacy.unsubscribe_tokens import UnsubscribeTokens
from chalicelib.shop.service import ConfigService
from tests.factories import FixedClock, sequential_ids
from tests.fakes.customers import MemoryCustomerRepository
from tests.fakes.mail import MemoryMailer, MemorySentMailLog
from tests.fakes.privacy import MemorySuppressionRepository
from tests.fakes.shop import MemoryConfigRepository

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
    # A guest's address is reminded only once its owner confirmed it (issue 16 §2.2).
    assert consents.reminder_consent(None, "guest@example.com", cart_box=True) is None
    suppressions.confirm_opt_in(email_hash("Guest@example.com"), "cart_reminders", "double_opt_in", "t")
    assert consents.reminder_consent(None, "guest@example.com", cart_box=True) == "marketing"
    link = consents.link("cart_reminders", customer_id=None, email="Guest@Example.com")
    consents.unsubscribe(_token(link.url))
    assert len(suppressions.entries) == 1
    assert consents.reminder_consent(None, "guest@example.com", cart_box=True) is None


# -- double opt-in for guest cart reminders (issue 16 §2.2) --------------------------------------
@pytest.fixture
def opt_in(clock: FixedClock) -> tuple[ReminderOptInService, MemoryMailer, MemorySuppressionRepository]:
    config = ConfigService(MemoryConfigRepository(), monotonic=lambda: 0.0)
    config.seed_defaults()
    mailer = MemoryMailer()
    privacy = MemorySuppressionRepository()
    service = ReminderOptInService(
        privacy, config, Notifier(mailer, MemorySentMailLog(), config), ConfirmTokens(SECRET), clock
    )
    return service, mailer, privacy


def test_one_confirmation_mail_per_address_per_day(opt_in, clock) -> None:  # type: ignore[no-untyped-def]
    service, mailer, _ = opt_in
    assert service.request("Guest@Example.com", "fr") is True
    for _ in range(3):
        assert service.request("guest@example.com", "fr") is False
    assert [m.to for m in mailer.sent] == ["Guest@Example.com"]
    assert "Confirmez" in mailer.sent[0].subject and "/store/reminders/confirm?token=" in mailer.sent[0].text
    clock.advance(days=1)
    assert service.request("guest@example.com", "en") is True and len(mailer.sent) == 2


def test_confirming_records_the_double_opt_in_once(opt_in, clock) -> None:  # type: ignore[no-untyped-def]
    service, mailer, privacy = opt_in
    service.request("guest@example.com", "en")
    token = _link_token(mailer)
    service.check(token)
    assert not service.is_confirmed("guest@example.com")  # the GET page changes nothing
    assert service.confirm(token) is True and service.confirm(token) is False
    assert privacy.opt_in(email_hash("guest@example.com"), "cart_reminders") == (
        "double_opt_in",
        iso(clock.now),
    )
    assert service.is_confirmed("GUEST@example.com")
    assert service.request("guest@example.com", "en") is False  # confirmed: no more mails


def test_confirmation_links_are_purpose_bound_and_expire(opt_in, clock) -> None:  # type: ignore[no-untyped-def]
    service, mailer, _ = opt_in
    service.request("guest@example.com", "en")
    token = _link_token(mailer)
    unsubscribe = UnsubscribeTokens(SECRET).for_email("guest@example.com", "cart_reminders")
    for bad in (None, "", "x.y.z", unsubscribe, token[:-2] + "xx", "a" * 300):
        with pytest.raises(InvalidTokenError):
            service.confirm(bad)
    clock.advance(days=2)
    with pytest.raises(InvalidTokenError):
        service.check(token)


def test_no_confirmation_mail_to_an_unsubscribed_guest(opt_in) -> None:  # type: ignore[no-untyped-def]
    service, mailer, privacy = opt_in
    privacy.suppress(email_hash("guest@example.com"), "cart_reminders", "unsubscribe_link", "t")
    assert service.request("guest@example.com", "en") is False and mailer.sent == []


def _link_token(mailer: MemoryMailer) -> str:
    return mailer.sent[-1].text.split("/store/reminders/confirm?token=", 1)[1].split()[0]
