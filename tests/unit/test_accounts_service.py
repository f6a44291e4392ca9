"""Account rules that need a clock: link expiry, throttles, revocation; mail rendering."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import timedelta
from pathlib import Path

import pytest

from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import InvalidTokenError, ServiceUnavailableError, UnauthenticatedError
from chalicelib.core.jwt import TokenSigner
from chalicelib.customers.account_schemas import RegisterRequest, UpdateMeRequest
from chalicelib.customers.accounts import AccountService, Session, VerificationSent, token_hash
from chalicelib.customers.domain import AccountToken
from chalicelib.customers.schemas import CreateCustomerRequest
from chalicelib.customers.service import CustomerService
from chalicelib.mail.domain import OutboundMail
from chalicelib.mail.notifications import Notifier
from chalicelib.mail.rendering import render
from chalicelib.mail.repository import OutboxMailer
from chalicelib.shop.service import ConfigService
from chalicelib.throttle.service import LoginThrottle, Throttle
from tests.factories import FixedClock, sequential_ids
from tests.fakes.customers import MemoryCustomerRepository, MemoryResetRequestQueue
from tests.fakes.mail import MemoryMailer, MemorySentMailLog
from tests.fakes.shop import MemoryConfigRepository
from tests.fakes.throttle import MemoryThrottleRepository

SECRET = "k" * 40
PASSWORD = "Correct-horse-42"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def mailer() -> MemoryMailer:
    return MemoryMailer()


@pytest.fixture
def accounts(clock: FixedClock, mailer: MemoryMailer) -> AccountService:
    config = ConfigService(MemoryConfigRepository(), monotonic=lambda: 0.0)
    config.seed_defaults()
    repository = MemoryCustomerRepository()
    customers = CustomerService(repository, config, CursorCodec(SECRET), clock, sequential_ids())
    throttle = Throttle(MemoryThrottleRepository(), max_failures=3, window=timedelta(minutes=15), clock=clock)
    return AccountService(
        repository,
        customers,
        config,
        Notifier(mailer, MemorySentMailLog(), config),
        throttle,
        TokenSigner(SECRET, timedelta(hours=8)),
        reset_queue=MemoryResetRequestQueue(),
        token_ttl=timedelta(hours=8),
        login_throttle=LoginThrottle(
            MemoryThrottleRepository(),
            scope="store-login",
            pair_max=3,
            ip_max=5,
            window=timedelta(minutes=15),
            clock=clock,
        ),
        clock=clock,
        ids=sequential_ids(),
    )


def forgot(accounts: AccountService, email: str) -> None:
    """The route's part, then the worker's (issue 16 §1.6: the mail goes after the answer)."""
    accounts.forgot_password(email)
    accounts.send_queued_resets()


def register(accounts: AccountService, **fields: object) -> str:
    body = {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.com", "password": PASSWORD}
    session = accounts.register(RegisterRequest.model_validate(body | fields))
    assert isinstance(session, Session) and session.token is not None
    return session.token


def reset_link_token(mailer: MemoryMailer) -> str:
    match = re.search(r"token=([A-Za-z0-9_\-]+)", mailer.sent[-1].text)
    assert match
    return match.group(1)


def test_reset_links_expire_after_an_hour(
    accounts: AccountService, mailer: MemoryMailer, clock: FixedClock
) -> None:
    register(accounts)
    forgot(accounts, "ana@example.com")
    token = reset_link_token(mailer)
    clock.advance(minutes=60)
    with pytest.raises(InvalidTokenError):
        accounts.reset_password(token, "New-passw0rd!")


def test_reset_revokes_earlier_tokens_only(
    accounts: AccountService, mailer: MemoryMailer, clock: FixedClock
) -> None:
    before = register(accounts)
    forgot(accounts, "ana@example.com")
    accounts.reset_password(reset_link_token(mailer), "New-passw0rd!")
    with pytest.raises(UnauthenticatedError):
        accounts.authenticate(before)
    after = accounts.login("ana@example.com", "New-passw0rd!", "10.0.0.1").token
    assert after is not None and accounts.authenticate(after).role == "customer"


def test_customer_tokens_expire(accounts: AccountService, clock: FixedClock) -> None:
    token = register(accounts)
    clock.advance(hours=8)
    with pytest.raises(UnauthenticatedError):
        accounts.authenticate(token)


def test_reset_mails_are_capped_per_address(
    accounts: AccountService, mailer: MemoryMailer, clock: FixedClock
) -> None:
    register(accounts)
    for _ in range(5):
        forgot(accounts, "ana@example.com")
    assert len(mailer.sent) == 3
    clock.advance(minutes=15)
    forgot(accounts, "ana@example.com")
    assert len(mailer.sent) == 4


def test_a_failed_reset_mail_stays_queued_for_the_next_run(
    accounts: AccountService, mailer: MemoryMailer, monkeypatch: pytest.MonkeyPatch
) -> None:
    register(accounts)
    accounts.forgot_password("ana@example.com")
    with monkeypatch.context() as patched:

        def refuse(mail: OutboundMail) -> str:
            raise ServiceUnavailableError("SES is down")

        patched.setattr(mailer, "send", refuse)
        assert accounts.send_queued_resets() == 0
    assert accounts.send_queued_resets() == 1
    assert len(mailer.sent) == 1 and accounts.send_queued_resets() == 0


def test_the_reset_worker_stops_before_the_lambda_deadline(
    accounts: AccountService, mailer: MemoryMailer
) -> None:
    register(accounts)
    accounts.forgot_password("ana@example.com")
    assert accounts.send_queued_resets(lambda: 5_000) == 0 and mailer.sent == []
    assert accounts.send_queued_resets(lambda: 60_000) == 1


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("en", "Reset your password at Tienda <Ñ>"),
        ("fr", "Réinitialisez votre mot de passe sur Tienda <Ñ>"),
        ("es", "Restablece tu contraseña en Tienda <Ñ>"),
        ("de", "Reset your password at Tienda <Ñ>"),
    ],
)
def test_templates_in_three_languages_escape_html(language: str, subject: str) -> None:
    context = {
        "shop_name": "Tienda <Ñ>",
        "shop_email": "",
        "first_name": "<script>",
        "last_name": "x",
        "link": "https://shop.example.com/password/reset?token=abc",
        "valid_minutes": 60,
    }
    rendered = render("password_reset", language, context)
    assert rendered.subject == subject
    assert (
        "<script>" in rendered.text and "&lt;script&gt;" in rendered.html and "<script>" not in rendered.html
    )
    assert "token=abc" in rendered.text and "token=abc" in rendered.html


@pytest.mark.parametrize(
    ("language", "subject"),
    [
        ("en", "Confirm your e-mail address at Tienda <Ñ>"),
        ("fr", "Confirmez votre adresse e-mail sur Tienda <Ñ>"),
        ("es", "Confirma tu dirección de correo en Tienda <Ñ>"),
    ],
)
def test_verification_mail_in_three_languages(language: str, subject: str) -> None:
    link = "https://shop.example.com/verify?token=abc"
    context = {"shop_name": "Tienda <Ñ>", "shop_email": "", "link": link, "valid_hours": 24}
    rendered = render("verify_email", language, context)
    assert rendered.subject == subject and "24" in rendered.text
    assert "token=abc" in rendered.text and "token=abc" in rendered.html
    assert "&lt;Ñ&gt;" in (rendered.html or "")


def test_outbox_writes_a_readable_eml(tmp_path: Path, clock: FixedClock) -> None:
    OutboxMailer(tmp_path, clock).send(
        OutboundMail(
            to="ana@example.com", sender="shop@example.com", subject="Hola", text="Texto ñ", html="<p>ñ</p>"
        )
    )
    (path,) = tmp_path.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert (message["To"], message["Subject"]) == ("ana@example.com", "Hola")
    assert message["Message-ID"].endswith("@example.com>")
    assert message.get_body(("plain",)).get_content().strip() == "Texto ñ"  # type: ignore[union-attr]
    assert "ñ" in message.get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_a_failed_send_releases_the_claim(clock: FixedClock) -> None:
    class Broken(MemoryMailer):
        def send(self, mail: OutboundMail) -> str:
            raise RuntimeError("smtp down")

    config = ConfigService(MemoryConfigRepository(), monotonic=lambda: 0.0)
    config.seed_defaults()
    log = MemorySentMailLog()
    from chalicelib.customers.domain import Customer

    customer = Customer(
        id="c1",
        email="a@example.com",
        first_name="A",
        last_name="B",
        registered_at=clock(),
        created_at=clock(),
        updated_at=clock(),
    )
    # Any transport failure becomes a 503-mapped error (never a 500), and the claim goes back.
    with pytest.raises(ServiceUnavailableError):
        Notifier(Broken(), log, config).send_to_customer("event-1", customer, "account_approved", {})
    working = MemoryMailer()
    assert Notifier(working, log, config).send_to_customer("event-1", customer, "account_approved", {})
    assert not Notifier(working, log, config).send_to_customer("event-1", customer, "account_approved", {})
    assert len(working.sent) == 1


@pytest.mark.parametrize("purpose", ["erase", "verify_email"])
def test_only_password_links_reset_a_password(
    accounts: AccountService, clock: FixedClock, purpose: str
) -> None:
    # Issue 16 §1.3: a link minted for another flow (here stored straight into the repository)
    # must not be accepted by the reset route.
    register(accounts)
    customer = accounts.repository.get_by_email("ana@example.com")
    assert customer is not None
    accounts.repository.put_account_token(
        AccountToken(token_hash("other-flow"), customer.id, purpose, clock.now + timedelta(hours=1))  # type: ignore[arg-type]
    )
    with pytest.raises(InvalidTokenError):
        accounts.reset_password("other-flow", "Taken-over-42!")


def _guest(accounts: AccountService) -> str:
    guest = accounts.customers.create(
        CreateCustomerRequest(first_name="G", last_name="U", email="ana@example.com", is_guest=True)
    )
    return guest.id


def _register_guest_address(accounts: AccountService, password: str = PASSWORD) -> object:
    body = {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.com", "password": password}
    return accounts.register(RegisterRequest.model_validate(body))


def test_a_guests_address_gets_one_verification_mail_per_ten_minutes(
    accounts: AccountService, mailer: MemoryMailer, clock: FixedClock
) -> None:
    guest_id = _guest(accounts)
    for _ in range(4):
        assert isinstance(_register_guest_address(accounts), VerificationSent)
    assert len(mailer.sent) == 1
    first_link = re.search(r"/verify\?token=([A-Za-z0-9_\-]+)", mailer.sent[0].text)
    assert first_link
    clock.advance(minutes=10, seconds=1)
    _register_guest_address(accounts, "Second-passw0rd!")
    assert len(mailer.sent) == 2
    # The newer registration supersedes the older link.
    with pytest.raises(InvalidTokenError):
        accounts.verify_email(first_link.group(1))
    second_link = re.search(r"/verify\?token=([A-Za-z0-9_\-]+)", mailer.sent[1].text)
    assert second_link
    session = accounts.verify_email(second_link.group(1))
    assert session.customer.id == guest_id and not session.customer.is_guest
    assert accounts.login("ana@example.com", "Second-passw0rd!", "10.0.0.1").token


def test_verification_links_expire_after_a_day(
    accounts: AccountService, mailer: MemoryMailer, clock: FixedClock
) -> None:
    _guest(accounts)
    _register_guest_address(accounts)
    link = re.search(r"/verify\?token=([A-Za-z0-9_\-]+)", mailer.sent[0].text)
    assert link
    clock.advance(hours=24)
    with pytest.raises(InvalidTokenError):
        accounts.verify_email(link.group(1))
    with pytest.raises(UnauthenticatedError):  # an expired registration no longer says "verify"
        accounts.login("ana@example.com", PASSWORD, "10.0.0.1")


def test_a_new_password_or_email_hands_over_a_fresh_token(accounts: AccountService) -> None:
    # Issue 16 §1.2: the change ends every earlier session; the caller gets the only valid token.
    before = register(accounts)
    customer_id = accounts.authenticate(before).subject_id
    same = accounts.update_me(customer_id, UpdateMeRequest(first_name="Anna"), "10.0.0.1")
    assert same.token is None and accounts.authenticate(before)
    changed = accounts.update_me(
        customer_id,
        UpdateMeRequest(password="Brand-new-pass-1", current_password=PASSWORD),
        "10.0.0.1",
    )
    assert changed.token is not None
    with pytest.raises(UnauthenticatedError):
        accounts.authenticate(before)
    assert accounts.authenticate(changed.token).subject_id == customer_id
