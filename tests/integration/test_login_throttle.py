"""Sign-in throttling against DynamoDB (moto): the attempt is reserved atomically before argon2."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from chalicelib.core.errors import DomainError, ThrottledError, UnauthenticatedError
from chalicelib.core.settings import get_settings
from chalicelib.customers import accounts as accounts_module
from chalicelib.customers.account_schemas import RegisterRequest
from chalicelib.staff import auth as auth_module
from chalicelib.staff.schemas import CreateEmployeeRequest
from chalicelib.wiring import build_container, container, use_container
from tests.factories import FixedClock
from tests.fakes.mail import MemoryMailer

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def fixed_clock(aws: None) -> None:
    # Fixed windows: a real clock could cross a window boundary in the middle of a test.
    use_container(build_container(get_settings(), mailer=MemoryMailer(), clock=FixedClock()))


def _count_argon2(monkeypatch: pytest.MonkeyPatch, module: Any) -> list[int]:
    calls: list[int] = []
    real = module.verify_password

    def counting(stored: str | None, password: str, *cookie_key: Any) -> bool:
        calls.append(1)
        return bool(real(stored, password, *cookie_key))

    monkeypatch.setattr(module, "verify_password", counting)
    return calls


def _parallel(login: Callable[[], object], times: int) -> list[type[DomainError]]:
    def one(_: int) -> type[DomainError]:
        try:
            login()
        except DomainError as error:
            return type(error)
        raise AssertionError("a wrong password signed in")

    with ThreadPoolExecutor(max_workers=times) as pool:
        return list(pool.map(one, range(times)))


def test_parallel_wrong_admin_logins_cannot_all_reach_argon2(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    container().employees.create(
        CreateEmployeeRequest(
            email="boss@example.com", first_name="Bo", last_name="Ss", role="admin", password=PASSWORD
        )
    )
    argon2 = _count_argon2(monkeypatch, auth_module)
    outcomes = _parallel(lambda: container().auth.login("boss@example.com", "wrong", "198.51.100.7"), 20)
    assert len(argon2) == 5
    assert outcomes.count(UnauthenticatedError) == 5
    assert outcomes.count(ThrottledError) == 15
    # The pair is blocked; the owner at another IP signs in.
    with pytest.raises(ThrottledError):
        container().auth.login("boss@example.com", PASSWORD, "198.51.100.7")
    assert container().auth.login("boss@example.com", PASSWORD, "192.0.2.1").employee.email


def test_parallel_wrong_store_logins_cannot_all_reach_argon2(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    container().accounts.register(
        RegisterRequest(
            first_name="Lea", last_name="Roux", email="lea@example.com", password="Passw0rd!-long"
        )
    )
    argon2 = _count_argon2(monkeypatch, accounts_module)
    outcomes = _parallel(lambda: container().accounts.login("lea@example.com", "wrong", "198.51.100.7"), 20)
    assert len(argon2) == 5
    assert outcomes.count(ThrottledError) == 15
    assert container().accounts.login("lea@example.com", "Passw0rd!-long", "192.0.2.1").token


def test_credential_stuffing_from_one_ip_is_blocked_across_accounts(
    aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(accounts_module, "verify_password", lambda stored, password, *key: False)  # fast
    for number in range(50):
        with pytest.raises(UnauthenticatedError):
            container().accounts.login(f"victim{number}@example.com", "guess", "203.0.113.66")
    with pytest.raises(ThrottledError):
        container().accounts.login("someone-else@example.com", "guess", "203.0.113.66")
    with pytest.raises(UnauthenticatedError):  # another IP is not affected
        container().accounts.login("someone-else@example.com", "guess", "203.0.113.67")
