"""`Idempotency-Key` for retried writes, on Powertools' idempotency utility.

A record holds no response body: only the first answer's status and the ids it named (the created
customer, order, cart, thread...). Bodies carry personal data and secrets — session and cart
tokens, presigned upload URLs — and a record outlives the erasure of the person it is about, so a
replay rebuilds its body by re-reading those ids through the route's `replay` function (a session
is signed in afresh from the retried request's own credentials, a cart token is derived again,
an upload URL is signed again): nothing secret is ever read back from storage (issue 16 §4).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from chalice.app import Request, Response

from chalicelib.core.errors import ConflictError, InvalidInputError, NotFoundError
from chalicelib.core.principal import Principal

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

_MAX_KEY_LENGTH = 255
# The response fields a record may keep: ids only, never names, e-mails, texts or tokens.
_ID_FIELDS = ("id", "thread_id", "message_id", "import_id", "order_id", "cart_id")
_ID_SHAPE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")


@dataclass(frozen=True)
class StoredResponse:
    """What a record keeps of the first answer: its status and the ids it named."""

    status: int
    ids: dict[str, str] = field(default_factory=dict)

    def id(self, name: str = "id") -> str:
        """Raises: NotFoundError (the first answer named no such id)."""
        value = self.ids.get(name)
        if value is None:
            raise NotFoundError("The original result of this request is no longer available.")
        return value


# A route's replay: (call, what was stored, path parameters) → the body to answer with.
Replay = Callable[..., Any]


def ids_of(body: Any) -> dict[str, str]:
    """The ids a response body names (top level, and the `customer` of a session)."""
    try:
        document = json.loads(body) if isinstance(body, (str, bytes)) else body
    except ValueError:
        return {}
    if not isinstance(document, dict):
        return {}
    found: dict[str, str] = {}
    customer = document.get("customer")
    if isinstance(customer, dict) and isinstance(customer.get("id"), str):
        found["customer_id"] = customer["id"]
    for name in _ID_FIELDS:
        value = document.get(name)
        if isinstance(value, str):
            found[name] = value
    return {name: value for name, value in found.items() if _ID_SHAPE.match(value)}


def _config(lambda_context: Any) -> IdempotencyConfig:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig

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


class Call(Protocol):
    """What a replay reads of the request: http.Call has it (naming http.Call here would make the two
    modules import each other, and http.py runs every route through replay_or_run)."""

    @property
    def principal(self) -> Principal | None: ...
    @property
    def request(self) -> Request: ...
    @property
    def source_ip(self) -> str: ...
    @property
    def lambda_context(self) -> Any: ...


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


def replay_or_run(
    key: str,
    call: Call,
    run: Callable[[], Response],
    method: str,
    path: str,
    rebuild: Callable[[StoredResponse], Response],
) -> Response:
    """Run `run` once per (caller, route, key); for retries, `rebuild` the answer from the stored
    status and ids.

    Raises: InvalidInputError (bad key, or same key with another body), ConflictError (in progress).
    """
    if len(key) > _MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInputError("The Idempotency-Key header is not valid.", {"Idempotency-Key": "invalid"})
    # Powertools' idempotency and its store (boto3 with s3transfer, ~130 ms) load with the first
    # request that sends a key, not at the API's cold start: most first requests send none.
    from aws_lambda_powertools.utilities.idempotency import idempotent_function
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    from chalicelib.handlers.idempotency_store import persistence_layer

    caller = _caller(call)
    body = call.request.raw_body or b""
    request = {
        "key": f"{caller}:{method}:{call.request.path}:{key}",
        "body_hash": hashlib.sha256(body if isinstance(body, bytes) else body.encode()).hexdigest(),
    }

    executed: list[Response] = []

    def execute(request: dict[str, Any]) -> dict[str, Any]:
        response = run()
        executed.append(response)
        if response.status_code >= 400:
            # Failures are not remembered: raising makes Powertools drop the in-progress record.
            raise _Failed(response)
        return {"status": response.status_code, "ids": ids_of(response.body)}

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
    if executed:
        response = executed[0]
        replayed = "false"
    else:
        # A record from before this layout kept the whole response: it is not read back.
        ids = stored.get("ids")
        kept = {str(k): str(v) for k, v in ids.items()} if isinstance(ids, dict) else {}
        response = rebuild(StoredResponse(int(stored["status"]), kept))
        replayed = "true"
    headers = dict(response.headers or {}) | {"Idempotent-Replayed": replayed}
    return Response(body=response.body, status_code=response.status_code, headers=headers)


class _Failed(Exception):  # noqa: N818 - internal control flow, never leaves this module
    def __init__(self, response: Response) -> None:
        super().__init__("request failed")
        self.response = response
