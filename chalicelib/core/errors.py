"""Domain errors. No HTTP knowledge here: handlers/http.py maps them to responses."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the services raise on purpose."""

    code = "DomainError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInputError(DomainError):
    """Input broke a rule; `fields` maps a field path to a reason (never the value)."""

    code = "ValidationError"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = fields or {}


class InvalidCursorError(DomainError):
    code = "InvalidCursor"


class InvalidTokenError(DomainError):
    """A reset / set-password / verification / erase token that is unknown, used, expired, forged
    or minted for another flow."""

    code = "InvalidToken"


class UnauthenticatedError(DomainError):
    code = "Unauthenticated"


class ForbiddenError(DomainError):
    code = "Forbidden"


class PendingApprovalError(ForbiddenError):
    code = "PendingApproval"


class AccountDisabledError(ForbiddenError):
    code = "AccountDisabled"


class EmailNotVerifiedError(ForbiddenError):
    """The right password for an account whose e-mail address is not confirmed yet."""

    code = "EmailNotVerified"


class RegistrationDisabledError(ForbiddenError):
    code = "RegistrationDisabled"


class NotFoundError(DomainError):
    code = "NotFound"


class AlreadyExistsError(DomainError):
    code = "AlreadyExists"


class MerchantRefTakenError(AlreadyExistsError):
    """Another customer already has this reference of the shop's previous system (merchant_ref)."""


class ConflictError(DomainError):
    code = "Conflict"


class RuleViolationError(DomainError):
    code = "RuleViolation"


class DefaultGroupError(RuleViolationError):
    code = "DefaultGroup"


class GroupHasMembersError(RuleViolationError):
    code = "GroupHasMembers"


class ContactInUseError(RuleViolationError):
    code = "ContactInUse"


class RetryLaterError(DomainError):
    """An error whose answer tells the caller when to try again (`Retry-After`)."""

    def __init__(self, message: str, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class ThrottledError(RetryLaterError):
    code = "Throttled"


class ServiceUnavailableError(DomainError):
    """A dependency (DynamoDB, S3) failed in a way the caller may retry."""

    code = "ServiceUnavailable"


class StorageThrottledError(ServiceUnavailableError, RetryLaterError):
    """DynamoDB refused a request for throughput (after botocore's own retries): nothing was
    written, and the same request succeeds once the partition's load drops, so the caller is told
    when to come back rather than that the record changed under it."""


class StorefrontKeyRequiredError(UnauthenticatedError):
    """A storefront-server route called without `X-Storefront-Key`."""

    code = "StorefrontKeyRequired"


class InvalidStorefrontKeyError(UnauthenticatedError):
    code = "InvalidStorefrontKey"


class StorefrontKeyRevokedError(ForbiddenError):
    code = "StorefrontKeyRevoked"


class OriginRequiredError(ForbiddenError):
    """The API was called around the deployment's CloudFront (no secret origin header)."""

    code = "OriginRequired"
