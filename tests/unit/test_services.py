"""Services against the in-memory fakes: no network, fixed clock and ids."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import (
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
    ThrottledError,
    UnauthenticatedError,
)
from chalicelib.core.jwt import TokenSigner
from chalicelib.customers.schemas import CreateCustomerRequest, ListCustomersParams, UpdateCustomerRequest
from chalicelib.customers.service import CustomerService
from chalicelib.shop.service import ConfigService
from chalicelib.staff.auth import AuthService
from chalicelib.staff.service import EmployeeService
from chalicelib.throttle.service import LoginThrottle, client_network
from tests.factories import FixedClock, sequential_ids
from tests.fakes.customers import MemoryCustomerRepository
from tests.fakes.shop import MemoryConfigRepository
from tests.fakes.staff import MemoryEmployeeRepository
from tests.fakes.throttle import MemoryThrottleRepository

SECRET = "k" * 40
PASSWORD = "twelve chars or more"


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def config() -> ConfigService:
    service = ConfigService(MemoryConfigRepository(), ids=sequential_ids("T"), monotonic=lambda: 0.0)
    service.seed_defaults()
    return service


@pytest.fixture
def customers(config: ConfigService, clock: FixedClock) -> CustomerService:
    return CustomerService(MemoryCustomerRepository(), config, CursorCodec(SECRET), clock, sequential_ids())


@pytest.fixture
def employees(clock: FixedClock) -> MemoryEmployeeRepository:
    return MemoryEmployeeRepository()


@pytest.fixture
def staff(employees: MemoryEmployeeRepository, clock: FixedClock) -> EmployeeService:
    return EmployeeService(employees, CursorCodec(SECRET), clock, sequential_ids("E"))


@pytest.fixture
def auth(employees: MemoryEmployeeRepository, clock: FixedClock) -> AuthService:
    throttle = LoginThrottle(
        MemoryThrottleRepository(),
        scope="admin-login",
        pair_max=3,
        ip_max=5,
        window=timedelta(minutes=15),
        clock=clock,
    )
    return AuthService(
        employees,
        throttle,
        TokenSigner(SECRET, timedelta(hours=8)),
        token_ttl=timedelta(hours=8),
        clock=clock,
    )


def new(**fields: object) -> CreateCustomerRequest:
    return CreateCustomerRequest.model_validate(
        {"first_name": "Ana", "last_name": "Ruiz", "email": "ana@example.com"} | fields
    )


# -- config --------------------------------------------------------------------------------------
def test_seeding_twice_keeps_changes(config: ConfigService) -> None:
    config.patch_settings({"shop_name": "Tienda"})
    config.seed_defaults()
    assert config.settings().shop_name == "Tienda"
    assert [t.name for t in config.titles()] == ["Mr", "Mrs"]
    assert config.group_ids() == {"visitor", "guest", "customer"}


def test_settings_are_validated_once_per_load_and_follow_every_change() -> None:
    repository = MemoryConfigRepository()
    now = [0.0]
    config = ConfigService(repository, ids=sequential_ids("T"), monotonic=lambda: now[0])
    config.seed_defaults()
    first = config.settings()
    assert config.settings() is first  # the cached load, validated once
    config.patch_settings({"shop_name": "Tienda"})  # this process's change: seen at once
    assert config.settings().shop_name == "Tienda"
    # Another instance's change: seen once the cache has expired and the configuration is reloaded.
    repository.save_settings(config.settings().model_dump(mode="json") | {"shop_name": "Boutique"})
    assert config.settings().shop_name == "Tienda"
    now[0] = 60.0
    assert config.settings().shop_name == "Boutique"


def test_settings_patch_reports_each_bad_field(config: ConfigService) -> None:
    with pytest.raises(InvalidInputError) as error:
        config.patch_settings({"currency": "euro", "abandoned_cart": {"voucher_percent": 150}})
    assert set(error.value.fields) == {"currency", "abandoned_cart.voucher_percent"}


# -- customers -----------------------------------------------------------------------------------
def test_guests_join_the_guest_group(customers: CustomerService) -> None:
    guest = customers.create(new(is_guest=True))
    assert (guest.group_ids, guest.default_group_id) == (("guest",), "guest")


def test_password_policy_names_the_unmet_rule(customers: CustomerService, config: ConfigService) -> None:
    config.patch_settings({"password_policy": {"min_length": 10, "require_digit": True}})
    with pytest.raises(InvalidInputError) as error:
        customers.create(new(password="abcdefghijk"))
    assert error.value.fields == {"password": "must contain a digit"}
    created = customers.create(new(password="abcdefghij1"))
    assert created.password_hash and created.password_hash.startswith("$argon2id$")


def test_status_maps_to_enabled_and_approval(customers: CustomerService) -> None:
    pending = customers.create(new(status="pending_approval"))
    assert pending.status == "pending_approval"
    approved = customers.update(pending.id, UpdateCustomerRequest(status="active"))
    assert (approved.status, approved.enabled) == ("active", True)
    disabled = customers.update(pending.id, UpdateCustomerRequest(enabled=False))
    assert disabled.status == "disabled"


def test_age_filters_turn_into_birthday_ranges(customers: CustomerService, clock: FixedClock) -> None:
    today = clock().date()
    forty = customers.create(new(email="a@x.io", birthday=date(today.year - 40, today.month, today.day)))
    customers.create(new(email="b@x.io", birthday=date(today.year - 30, 1, 1)))
    rows, _ = customers.list_page(ListCustomersParams(age_min=40, age_max=40))
    assert [c.id for c in rows] == [forty.id]


def test_unknown_customer(customers: CustomerService) -> None:
    with pytest.raises(NotFoundError):
        customers.update("nope", UpdateCustomerRequest(first_name="X"))


# -- staff and sign-in ---------------------------------------------------------------------------
def test_first_admin_only_when_nobody_exists(staff: EmployeeService) -> None:
    assert staff.ensure_first_admin("boss@example.com", PASSWORD) is True
    assert staff.ensure_first_admin("other@example.com", PASSWORD) is False
    employee, generated = staff.create_admin("second@example.com")
    assert len(generated) >= 20 and employee.role == "admin"


def test_the_last_admin_is_protected(staff: EmployeeService) -> None:
    employee, _ = staff.create_admin("boss@example.com")
    with pytest.raises(RuleViolationError):
        staff.delete(employee.id)


def test_login_blocks_the_account_and_ip_pair_and_recovers_after_the_window(
    staff: EmployeeService, auth: AuthService, clock: FixedClock
) -> None:
    staff.create_admin("boss@example.com", PASSWORD)
    for _ in range(3):
        with pytest.raises(UnauthenticatedError):
            auth.login("boss@example.com", "wrong", "10.0.0.1")
    with pytest.raises(ThrottledError) as throttled:
        auth.login("BOSS@example.com", PASSWORD, "10.0.0.1")
    assert 0 < throttled.value.retry_after_seconds <= 15 * 60 + 1
    clock.advance(minutes=15)
    assert auth.login("boss@example.com", PASSWORD, "10.0.0.1").employee.email == "boss@example.com"


def test_wrong_passwords_from_one_ip_never_lock_the_account_out(
    staff: EmployeeService, auth: AuthService
) -> None:
    staff.create_admin("boss@example.com", PASSWORD)
    for _ in range(3):
        with pytest.raises(UnauthenticatedError):
            auth.login("boss@example.com", "wrong", "10.6.6.6")
    # The attacker's IP is blocked for this account; the owner, elsewhere, signs in.
    with pytest.raises(ThrottledError):
        auth.login("boss@example.com", "wrong", "10.6.6.6")
    assert auth.login("boss@example.com", PASSWORD, "10.0.0.2").employee.email == "boss@example.com"


def test_login_throttles_per_ip_across_emails(staff: EmployeeService, auth: AuthService) -> None:
    staff.create_admin("boss@example.com", PASSWORD)
    for number in range(5):
        with pytest.raises(UnauthenticatedError):
            auth.login(f"guess{number}@example.com", "wrong", "10.9.9.9")
    with pytest.raises(ThrottledError):
        auth.login("boss@example.com", PASSWORD, "10.9.9.9")
    assert auth.login("boss@example.com", PASSWORD, "10.0.0.2").employee.email == "boss@example.com"


def test_rotating_ipv6_addresses_within_one_64_buys_no_more_guesses(
    staff: EmployeeService, auth: AuthService
) -> None:
    staff.create_admin("boss@example.com", PASSWORD)
    for host in range(3):  # one subscriber's /64 holds 2^64 addresses: each is a new source
        with pytest.raises(UnauthenticatedError):
            auth.login("boss@example.com", "wrong", f"2001:db8:1:2::{host + 1:x}")
    with pytest.raises(ThrottledError):
        auth.login("boss@example.com", "wrong", "2001:db8:1:2:ffff::9")
    # Another network, and IPv4-mapped IPv6 counts as its IPv4 address.
    assert auth.login("boss@example.com", PASSWORD, "2001:db8:1:3::1").employee.email == "boss@example.com"
    for _ in range(3):
        with pytest.raises(UnauthenticatedError):
            auth.login("boss@example.com", "wrong", "::ffff:198.51.100.7")
    with pytest.raises(ThrottledError):
        auth.login("boss@example.com", PASSWORD, "198.51.100.7")


def test_client_network_counts_ipv6_per_64() -> None:
    assert client_network("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert client_network("::ffff:203.0.113.9") == "203.0.113.9"
    assert client_network("203.0.113.9") == "203.0.113.9"
    assert client_network("unknown") == "unknown"


def test_successful_sign_ins_do_not_count_as_failures(staff: EmployeeService, auth: AuthService) -> None:
    staff.create_admin("boss@example.com", PASSWORD)
    for _ in range(10):
        auth.login("boss@example.com", PASSWORD, "10.0.0.1")
    for _ in range(2):
        with pytest.raises(UnauthenticatedError):
            auth.login("boss@example.com", "wrong", "10.0.0.1")
    assert auth.login("boss@example.com", PASSWORD, "10.0.0.1").employee.email == "boss@example.com"


def test_tokens_expire_with_the_clock(staff: EmployeeService, auth: AuthService, clock: FixedClock) -> None:
    staff.create_admin("boss@example.com", PASSWORD)
    token = auth.login("boss@example.com", PASSWORD, "10.0.0.1").token
    assert auth.authenticate(token).role == "admin"
    clock.advance(hours=8)
    with pytest.raises(UnauthenticatedError):
        auth.authenticate(token)
