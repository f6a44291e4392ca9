"""Pydantic validation errors → the API's `Fields` map (reasons only, never the input)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from chalicelib.core.errors import InvalidInputError

_REASONS = {
    "extra_forbidden": "unknown field",
    "missing": "required",
}


def fields_of(error: ValidationError, prefix: str = "") -> dict[str, str]:
    fields: dict[str, str] = {}
    for item in error.errors(include_input=False, include_url=False):
        path = ".".join(str(part) for part in item["loc"]) or "body"
        reason = _REASONS.get(item["type"], item["msg"])
        # Union types report one error per member; the first reason is the useful one.
        fields.setdefault(f"{prefix}{path}", reason)
    return fields


def validate[M: BaseModel](model: type[M], data: Any, *, message: str = "The request is not valid.") -> M:
    """Raises: InvalidInputError with a reason per field."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InvalidInputError(message, fields_of(error)) from None
