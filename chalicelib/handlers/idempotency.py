"""`Idempotency-Key` for retried writes, on Powertools' idempotency utility."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from chalice.app import Response

from chalicelib.errors import ConflictError, InvalidInputError
from chalicelib.repositories.idempotency import persistence_layer

if TYPE_CHECKING:
    from chalicelib.handlers.http import Call

_MAX_KEY_LENGTH = 255


def _config(lambda_context: Any) -> IdempotencyConfig:
    # A retry within a day returns the first answer; after that the key may be reused.
    config = IdempotencyConfig(
        event_key_jmespath="key",
        payload_validation_jmespath="body_hash",
        expires_after_seconds=24 * 3600,
        raise_on_no_idempotency_key=True,
    )
    if hasattr(lambda_context, "get_remaining_time_in_millis"):
        # Lets Powertools expire an in-progress record when the Lambda times out mid-request.
        config.register_lambda_context(lambda_context)
    return config


def _caller(call: Call) -> str:
    """Whose keys these are. Anonymous storefront callers are told apart by their cart token, else
    by their address: one guest's key never replays another guest's answer (a cart token, a
    thread id)."""
    if call.principal is not None:
        return call.principal.subject_id
    cart_token = call.request.headers.get("x-cart-token")
    if cart_token:
        return "cart:" + hashlib.sha256(cart_token.encode("utf-8", "replace")).hexdigest()
    return "ip:" + call.source_ip


def replay_or_run(key: str, call: Call, run: Callable[[], Response], method: str, path: str) -> Response:
    """Run `run` once per (caller, route, key); replay its response for retries.

    Raises: InvalidInputError (bad key, or same key with another body), ConflictError (in progress).
    """
    if len(key) > _MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInputError("The Idempotency-Key header is not valid.", {"Idempotency-Key": "invalid"})
    caller = _caller(call)
    body = call.request.raw_body or b""
    request = {
        "key": f"{caller}:{method}:{call.request.path}:{key}",
        "body_hash": hashlib.sha256(body if isinstance(body, bytes) else body.encode()).hexdigest(),
    }

    executed: list[bool] = []

    def execute(request: dict[str, Any]) -> dict[str, Any]:
        executed.append(True)
        response = run()
        if response.status_code >= 400:
            # Failures are not remembered: raising makes Powertools drop the in-progress record.
            raise _Failed(response)
        raw = response.body
        return {
            "status": response.status_code,
            "headers": dict(response.headers or {}),
            "body": raw if isinstance(raw, str) else json.dumps(raw),
        }

    guarded: Callable[..., dict[str, Any]] = idempotent_function(
        execute,
        data_keyword_argument="request",
        persistence_store=persistence_layer(),
        config=_config(call.lambda_context),
    )
    try:
        stored = guarded(request=request)
    except _Failed as failed:
        return failed.response
    except IdempotencyValidationError:
        raise InvalidInputError(
            "This Idempotency-Key was used with another request body.",
            {"Idempotency-Key": "reused with a different body"},
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise ConflictError("A request with this Idempotency-Key is still in progress.") from None
    headers = dict(stored["headers"]) | {"Idempotent-Replayed": "false" if executed else "true"}
    return Response(body=stored["body"], status_code=int(stored["status"]), headers=headers)


class _Failed(Exception):  # noqa: N818 - internal control flow, never leaves this module
    def __init__(self, response: Response) -> None:
        super().__init__("request failed")
        self.response = response
