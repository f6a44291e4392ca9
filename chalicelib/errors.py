"""Domain errors. No HTTP knowledge here: handlers/http.py maps them to responses."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the services raise on purpose."""

    code = "DomainError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationFailed(DomainError):
    """Input broke a rule; `fields` maps a field path to a reason (never the value)."""

    code = "ValidationError"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class InvalidCursor(DomainError):
    code = "InvalidCursor"


class Unauthenticated(DomainError):
    code = "Unauthenticated"


class Forbidden(DomainError):
    code = "Forbidden"


class NotFound(DomainError):
    code = "NotFound"


class AlreadyExists(DomainError):
    code = "AlreadyExists"


class Conflict(DomainError):
    code = "Conflict"


class RuleViolation(DomainError):
    code = "RuleViolation"


class Throttled(DomainError):
    code = "Throttled"

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class ServiceUnavailable(DomainError):
    """A dependency (DynamoDB, S3) failed in a way the caller may retry."""

    code = "ServiceUnavailable"
