"""What the employee and sign-in services need from storage."""

from __future__ import annotations

from typing import Any, Protocol

from chalicelib.models.paging import Page
from chalicelib.staff.domain import Employee


class EmployeeRepository(Protocol):
    def create(self, employee: Employee) -> None:
        """Raises: AlreadyExistsError when the e-mail is taken."""

    def get(self, employee_id: str) -> Employee | None: ...

    def get_by_email(self, email: str) -> Employee | None: ...

    def update(self, before: Employee, after: Employee) -> None:
        """Raises: ConflictError, AlreadyExistsError, NotFoundError."""

    def delete(self, employee: Employee) -> None:
        """Raises: NotFoundError."""

    def list_page(self, limit: int, position: dict[str, Any] | None) -> Page[Employee]: ...

    def count(self) -> int:
        """How many employees exist (bounded read of the EMPLOYEES partition)."""
