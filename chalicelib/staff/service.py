"""Back-office staff: employees CRUD and the first administrator."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from chalicelib.core.clock import Clock, IdFactory, new_id, utc_now
from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import NotFoundError, RuleViolationError
from chalicelib.core.passwords import generate_password, hash_password
from chalicelib.core.text import normalise_email
from chalicelib.core.validation import validate
from chalicelib.shop.password_policy import check_password
from chalicelib.shop.schemas import PasswordPolicy
from chalicelib.staff.domain import Employee
from chalicelib.staff.ports import EmployeeRepository
from chalicelib.staff.schemas import CreateEmployeeRequest, UpdateEmployeeRequest

# Staff accounts open the whole back-office: they get a stricter floor than the shop's policy.
STAFF_POLICY = PasswordPolicy(min_length=12)


@dataclass(frozen=True, slots=True)
class EmployeeService:
    repository: EmployeeRepository
    cursors: CursorCodec
    clock: Clock = utc_now
    ids: IdFactory = new_id

    def create(self, request: CreateEmployeeRequest) -> Employee:
        """Raises: InvalidInputError (password), AlreadyExistsError (e-mail)."""
        check_password(request.password, STAFF_POLICY)
        now = self.clock()
        employee = Employee(
            id=self.ids(),
            email=request.email,
            first_name=request.first_name,
            last_name=request.last_name,
            role=request.role,
            password_hash=hash_password(request.password),
            language=request.language,
            created_at=now,
            updated_at=now,
        )
        self.repository.create(employee)
        return replace(employee, version=1)

    def get(self, employee_id: str) -> Employee:
        """Raises: NotFoundError."""
        employee = self.repository.get(employee_id)
        if employee is None:
            raise NotFoundError("Employee not found.")
        return employee

    def list_page(self, limit: int, cursor: str | None) -> tuple[list[Employee], str | None]:
        """Raises: InvalidCursorError."""
        position = self.cursors.decode(cursor, "employees")
        page = self.repository.list_page(limit, position)
        return page.items, self.cursors.encode(page.next_position, "employees")

    def _active_admins(self) -> list[Employee]:
        admins: list[Employee] = []
        position: dict[str, Any] | None = None
        while True:
            page = self.repository.list_page(200, position)
            admins.extend(e for e in page.items if e.role == "admin" and e.active)
            position = page.next_position
            if position is None:
                return admins

    def update(self, employee_id: str, request: UpdateEmployeeRequest) -> Employee:
        """Raises: NotFoundError, InvalidInputError, RuleViolationError (last admin),
        ConflictError, AlreadyExistsError.
        """
        before = self.get(employee_id)
        changes: dict[str, Any] = {
            name: getattr(request, name)
            for name in ("email", "first_name", "last_name", "role", "active", "language")
            if name in request.model_fields_set and getattr(request, name) is not None
        }
        if request.password is not None:
            check_password(request.password, STAFF_POLICY)
            changes["password_hash"] = hash_password(request.password)
        after = replace(before, **changes, updated_at=self.clock())
        if (
            "password_hash" in changes
            or normalise_email(after.email) != normalise_email(before.email)
            or (before.active and not after.active)
        ):
            # A changed password or e-mail, or disabling, ends every session of the employee.
            after = replace(after, session_generation=before.session_generation + 1)
        losing_admin = (
            before.role == "admin" and before.active and not (after.role == "admin" and after.active)
        )
        if losing_admin and len(self._active_admins()) <= 1:
            raise RuleViolationError("The last active administrator cannot be demoted or disabled.")
        self.repository.update(before, after)
        return replace(after, version=before.version + 1)

    def delete(self, employee_id: str) -> None:
        """Raises: NotFoundError, RuleViolationError (last admin)."""
        employee = self.get(employee_id)
        if employee.role == "admin" and employee.active and len(self._active_admins()) <= 1:
            raise RuleViolationError("The last active administrator cannot be deleted.")
        self.repository.delete(employee)

    def create_admin(self, email: str, password: str | None = None) -> tuple[Employee, str]:
        """An administrator with the given or a generated password. Raises: AlreadyExistsError."""
        password = password or generate_password()
        request = validate(
            CreateEmployeeRequest,
            {
                "email": email,
                "first_name": "Shop",
                "last_name": "Administrator",
                "role": "admin",
                "password": password,
            },
            message="The administrator is not valid.",
        )
        return self.create(request), password

    def any_exist(self) -> bool:
        return self.repository.count() > 0

    def ensure_first_admin(self, email: str, password: str) -> bool:
        """Create the first admin only when no employee exists yet. Returns True when created."""
        if self.repository.count() > 0:
            return False
        self.create_admin(email, password)
        return True
