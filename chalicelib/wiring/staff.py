"""The staff's parts: employees and the back-office sign-in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.wiring.base import part
from chalicelib.wiring.throttle import ThrottleParts

if TYPE_CHECKING:
    from chalicelib.staff.auth import AuthService
    from chalicelib.staff.ports import EmployeeRepository
    from chalicelib.staff.service import EmployeeService


class StaffParts(ThrottleParts):
    @part
    def employee_repository(self) -> EmployeeRepository:
        from chalicelib.staff.repository import DynamoEmployeeRepository

        return self.given.employees or DynamoEmployeeRepository()

    @part
    def employees(self) -> EmployeeService:
        from chalicelib.staff.service import EmployeeService

        return EmployeeService(self.employee_repository, self.cursors, self.clock)

    @part
    def auth(self) -> AuthService:
        from chalicelib.staff.auth import AuthService

        return AuthService(
            self.employee_repository,
            self.login_throttle("admin-login"),
            self.signer,
            token_ttl=self.token_ttl,
            clock=self.clock,
        )
