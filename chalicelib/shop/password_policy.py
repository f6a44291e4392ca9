"""The shop's password policy (settings.password_policy), with a reason naming the unmet rule."""

from __future__ import annotations

import string

from chalicelib.core.errors import InvalidInputError
from chalicelib.shop.schemas import PasswordPolicy


def unmet_rule(password: str, policy: PasswordPolicy) -> str | None:
    if len(password) < policy.min_length:
        return f"must be at least {policy.min_length} characters"
    if policy.require_upper and not any(c.isupper() for c in password):
        return "must contain an upper-case letter"
    if policy.require_lower and not any(c.islower() for c in password):
        return "must contain a lower-case letter"
    if policy.require_digit and not any(c.isdigit() for c in password):
        return "must contain a digit"
    if policy.require_symbol and not any(c in string.punctuation or not c.isalnum() for c in password):
        return "must contain a symbol"
    return None


def check_password(password: str, policy: PasswordPolicy, field: str = "password") -> None:
    """Raises: InvalidInputError naming the unmet rule (never echoing the password)."""
    reason = unmet_rule(password, policy)
    if reason is not None:
        raise InvalidInputError("The password does not meet the password policy.", {field: reason})
