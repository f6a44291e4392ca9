"""In-memory employee repository, for unit tests (same contract as DynamoEmployeeRepository)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.core.errors import (
    AlreadyExistsError,
    ConflictError,
    NotFoundError,
)
from chalicelib.core.text import normalise_email
from chalicelib.models.paging import Page
from chalicelib.staff.domain import Employee
from chalicelib.staff.ports import EmployeeRepository


class MemoryEmployeeRepository:
    def __init__(self) -> None:
        self.employees: dict[str, Employee] = {}

    def _email_owner(self, email: str) -> str | None:
        key = normalise_email(email)
        return next((e.id for e in self.employees.values() if normalise_email(e.email) == key), None)

    def create(self, employee: Employee) -> None:
        if employee.id in self.employees or self._email_owner(employee.email):
            raise AlreadyExistsError("An employee with this e-mail already exists.")
        self.employees[employee.id] = replace(employee, version=1)

    def get(self, employee_id: str) -> Employee | None:
        return self.employees.get(employee_id)

    def get_by_email(self, email: str) -> Employee | None:
        owner = self._email_owner(email)
        return self.employees.get(owner) if owner else None

    def update(self, before: Employee, after: Employee) -> None:
        current = self.employees.get(before.id)
        if current is None:
            raise NotFoundError("Employee not found.")
        if current.version != before.version:
            raise ConflictError("The employee was changed by someone else; reload and try again.")
        owner = self._email_owner(after.email)
        if owner not in (None, after.id):
            raise AlreadyExistsError("An employee with this e-mail already exists.")
        self.employees[after.id] = replace(after, version=before.version + 1)

    def delete(self, employee: Employee) -> None:
        if self.employees.pop(employee.id, None) is None:
            raise NotFoundError("Employee not found.")

    def list_page(self, limit: int, position: dict[str, Any] | None) -> Page[Employee]:
        rows = sorted(self.employees.values(), key=lambda e: e.id)
        if position:
            rows = [e for e in rows if e.id > str(position["after"])]
        more = len(rows) > limit
        page = rows[:limit]
        return Page(page, {"after": page[-1].id} if more else None)

    def count(self) -> int:
        return len(self.employees)


# mypy checks the fake against its port: a method the port gains fails here until the fake has it
# (tests/unit/test_fakes_conform.py makes sure every fake in tests/fakes/ has such a check).
def _port_check(fake: MemoryEmployeeRepository) -> EmployeeRepository:
    return fake
