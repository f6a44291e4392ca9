"""Employees, throttles and configuration: the fakes and DynamoDB follow one contract."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.core.errors import AlreadyExistsError, ConflictError, NotFoundError
from chalicelib.shop.domain import ConfigEntry, Title
from chalicelib.shop.repository import DynamoConfigRepository
from chalicelib.staff.domain import Employee
from chalicelib.staff.repository import DynamoEmployeeRepository
from chalicelib.throttle.repository import DynamoThrottleRepository
from tests.factories import FIXED_NOW, FixedClock
from tests.fakes.shop import MemoryConfigRepository
from tests.fakes.staff import MemoryEmployeeRepository
from tests.fakes.throttle import MemoryThrottleRepository


@pytest.fixture(params=["memory", "dynamodb"])
def repos(request: pytest.FixtureRequest) -> Iterator[dict[str, Any]]:
    if request.param == "memory":
        yield {
            "employees": MemoryEmployeeRepository(),
            "config": MemoryConfigRepository(),
            "throttles": MemoryThrottleRepository(),
        }
        return
    with mock_aws():
        bootstrap.ensure_table()
        yield {
            "employees": DynamoEmployeeRepository(),
            "config": DynamoConfigRepository(FixedClock()),
            "throttles": DynamoThrottleRepository(),
        }


def employee(number: int, **overrides: Any) -> Employee:
    base = Employee(
        id=f"01EMP{number:021d}",
        email=f"staff{number}@example.com",
        first_name="Sam",
        last_name="Staff",
        role="support",
        password_hash="$argon2id$fake",
        created_at=FIXED_NOW,
        updated_at=FIXED_NOW,
    )
    return replace(base, **overrides)


def test_employees_by_id_and_email_with_unique_emails(repos: dict[str, Any]) -> None:
    employees = repos["employees"]
    employees.create(employee(1))
    assert employees.get(employee(1).id) == replace(employee(1), version=1)
    assert employees.get_by_email("STAFF1@example.com").id == employee(1).id
    with pytest.raises(AlreadyExistsError):
        employees.create(employee(2, email="Staff1@Example.com"))
    assert employees.get(employee(2).id) is None
    assert employees.count() == 1


def test_employee_update_moves_email_and_checks_version(repos: dict[str, Any]) -> None:
    employees = repos["employees"]
    employees.create(employee(1))
    employees.create(employee(2))
    stored = replace(employee(1), version=1)
    with pytest.raises(AlreadyExistsError):
        employees.update(stored, replace(stored, email="staff2@example.com"))
    employees.update(stored, replace(stored, email="moved@example.com", role="admin"))
    assert employees.get_by_email("staff1@example.com") is None
    assert employees.get_by_email("moved@example.com").role == "admin"
    with pytest.raises(ConflictError):
        employees.update(stored, replace(stored, first_name="Stale"))
    employees.delete(employees.get(stored.id))
    assert employees.get(stored.id) is None
    with pytest.raises(NotFoundError):
        employees.delete(stored)


def test_employee_pages(repos: dict[str, Any]) -> None:
    employees = repos["employees"]
    for number in range(5):
        employees.create(employee(number))
    seen, position = [], None
    while True:
        page = employees.list_page(2, position)
        seen += [e.id for e in page.items]
        position = page.next_position
        if position is None:
            break
    assert seen == sorted(employee(n).id for n in range(5))


def test_throttle_counts_per_subject_and_window(repos: dict[str, Any]) -> None:
    throttles = repos["throttles"]
    window = FIXED_NOW
    expires = FIXED_NOW + timedelta(minutes=16)
    assert throttles.failures("login", "a@example.com", window) == 0
    assert throttles.add_failure("login", "a@example.com", window, expires) == 1
    assert throttles.add_failure("login", "a@example.com", window, expires) == 2
    assert throttles.failures("login", "a@example.com", window) == 2
    assert throttles.failures("login", "b@example.com", window) == 0
    assert throttles.failures("login", "a@example.com", window + timedelta(minutes=15)) == 0


def test_configuration_is_one_document_with_conditional_seeding(repos: dict[str, Any]) -> None:
    config = repos["config"]
    assert config.save_settings({"shop_name": "A"}, only_if_absent=True) is True
    assert config.save_settings({"shop_name": "B"}, only_if_absent=True) is False
    assert config.put_entry(Title("1", "Mr", "male", True).to_entry(), only_if_absent=True) is True
    assert config.put_entry(Title("1", "Sr", "male", True).to_entry(), only_if_absent=True) is False
    config.put_entry(Title("9", "Dr", "neutral").to_entry())
    config.put_entry(ConfigEntry("GROUP", "vip", {"name": "VIP", "reduction_percent": "5"}))
    loaded = config.load()
    assert loaded.settings == {"shop_name": "A"}
    assert sorted((t.id, t.data["name"]) for t in loaded.of("TITLE")) == [("1", "Mr"), ("9", "Dr")]
    assert [(g.id, g.data["reduction_percent"], g.count) for g in loaded.of("GROUP")] == [("vip", "5", 0)]
    assert config.delete_entry("TITLE", "9", only_if_unused=False) == "deleted"
    assert config.delete_entry("TITLE", "9", only_if_unused=False) == "missing"
