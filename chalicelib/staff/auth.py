"""Back-office sign-in: throttled, enumeration-resistant, token-based."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from datetime import datetime, timedelta

from chalicelib.core.clock import Clock, utc_now
from chalicelib.core.errors import UnauthenticatedError
from chalicelib.core.jwt import TokenSigner
from chalicelib.core.passwords import verify_password
from chalicelib.core.principal import Principal
from chalicelib.core.text import normalise_email
from chalicelib.staff.domain import Employee
from chalicelib.staff.ports import EmployeeRepository
from chalicelib.throttle.service import LoginThrottle

_BAD_CREDENTIALS = "The e-mail address or password is incorrect."


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: datetime
    employee: Employee


@dataclass(frozen=True, slots=True)
class AuthService:
    employees: EmployeeRepository
    throttle: LoginThrottle
    signer: TokenSigner
    _: KW_ONLY
    token_ttl: timedelta
    clock: Clock = utc_now

    def login(self, email: str, password: str, ip: str) -> LoginResult:
        """Raises: ThrottledError (too many failures for this e-mail from this IP, or from this IP
        across e-mails), UnauthenticatedError."""
        now = self.clock()
        # Reserved before argon2, so parallel guesses cannot all get past the limit.
        attempt = self.throttle.reserve(normalise_email(email), ip)
        employee = self.employees.get_by_email(email)
        # verify_password always runs argon2, so unknown e-mails take as long as wrong passwords.
        valid = verify_password(employee.password_hash if employee else None, password)
        if employee is None or not valid or not employee.active:
            raise UnauthenticatedError(_BAD_CREDENTIALS)
        self.throttle.succeeded(attempt)
        token = self.signer.issue(
            employee.id, employee.role, "clientele:admin", now, generation=employee.session_generation
        )
        return LoginResult(token=token, expires_at=now + self.token_ttl, employee=employee)

    def authenticate(self, token: str) -> Principal:
        """The employee behind a bearer token, re-read so role changes apply at once.

        Raises: UnauthenticatedError.
        """
        claims = self.signer.verify(token, "clientele:admin", self.clock())
        employee = self.employees.get(claims.subject)
        if employee is None or not employee.active:
            raise UnauthenticatedError("The token is no longer valid.")
        if claims.generation != employee.session_generation:
            raise UnauthenticatedError("The token is no longer valid.")
        return Principal(subject_id=employee.id, role=employee.role)
