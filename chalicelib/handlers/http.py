"""HTTP plumbing shared by every Blueprint: one route decorator that parses and validates the
request, checks the caller's role, maps domain errors to responses (the one mapping table) and
records the route for the OpenAPI document.

A route is declared with a typed `RouteSpec[Body, Query, Principal]` and its view takes the
matching `Call[Body, Query]` (or `AuthenticatedCall[Body, Query]` where a principal is
guaranteed): mypy checks that the view's body, query and principal types are the ones the spec
validates, so a view never re-checks what the decorator already did.

Chalice turns a view's exception into a response before middleware sees it, so errors are mapped
here, on the views, not in middleware.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import traceback
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from functools import wraps
from pathlib import Path
from typing import Any, Concatenate, Generic, Literal, ParamSpec, TypeAlias, TypeVar, cast

from chalice.app import Blueprint, Request, Response
from pydantic import BaseModel

from chalicelib.core.errors import (
    AlreadyExistsError,
    ConflictError,
    DomainError,
    ForbiddenError,
    InvalidCursorError,
    InvalidInputError,
    InvalidTokenError,
    NotFoundError,
    OriginRequiredError,
    RetryLaterError,
    RuleViolationError,
    ServiceUnavailableError,
    ThrottledError,
    UnauthenticatedError,
)
from chalicelib.core.observability import logger
from chalicelib.core.principal import Principal, Role
from chalicelib.core.settings import get_settings
from chalicelib.core.validation import validate
from chalicelib.handlers.idempotency import Replay, replay_or_run
from chalicelib.wiring import container
from chalicelib.wiring.base import origin_secret

# Domain error → HTTP status: the one mapping table.
STATUS_OF: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInputError, 400),
    (InvalidCursorError, 400),
    (InvalidTokenError, 400),
    (UnauthenticatedError, 401),
    (ForbiddenError, 403),
    (NotFoundError, 404),
    (AlreadyExistsError, 409),
    (ConflictError, 409),
    (RuleViolationError, 422),
    (ThrottledError, 429),
    (ServiceUnavailableError, 503),
)

Caller = Role | Literal["customer", "shopper"]

# The three type parameters of a route: its parsed body, its parsed query and its caller. The
# defaults are what a route without a body / query / sign-in gets, so `Call` alone means "no body,
# no query, maybe a principal". Covariant: a view that takes `Call[object, object]` accepts any.
B = TypeVar("B", default=None, covariant=True)
Q = TypeVar("Q", default=None, covariant=True)
P = TypeVar("P", bound=Principal | None, default=Principal | None, covariant=True)
# A view's path parameters and answer. Their defaults only let them follow B, Q and P in the
# `View` alias below (a type parameter without a default cannot come after one with a default);
# mypy infers both from each view.
PathParams = ParamSpec("PathParams", default=...)
R = TypeVar("R", default=Any)

# For readability in view signatures: `Call[CreateCustomerRequest, NoQuery]`.
type NoBody = None
type NoQuery = None
# What a merge-patch view receives: the JSON object as sent (see MergePatch).
type JsonObject = dict[str, Any]


@dataclass(frozen=True)
class Roles(Generic[P]):
    """Who may call a route. `P` is the principal the view is then guaranteed: `Principal` when
    a token is required, `None` on public routes, `Principal | None` for storefront shoppers."""

    callers: tuple[Caller, ...]


ADMIN: Roles[Principal] = Roles(("admin",))
STAFF: Roles[Principal] = Roles(("admin", "support"))
CUSTOMER: Roles[Principal] = Roles(("customer",))
PUBLIC: Roles[None] = Roles(())
# Storefront carts: a guest (no Authorization, the cart token decides) or a signed-in customer.
SHOPPER: Roles[Principal | None] = Roles(("shopper",))


class HttpError(DomainError):
    """Request-shape problems found before any service runs (body size, content type, JSON)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class BodyShape(Generic[B]):
    """A body the decorator reads in a way of its own (not validated into one model); `B` is what
    the view then gets as `call.body`, `model` what the OpenAPI document shows."""

    model: type[BaseModel]


class MergePatch(BodyShape[JsonObject]):
    """A PATCH body merged into a document: the view gets the JSON object as is (the service
    validates the merged result) and the OpenAPI document shows `model`."""


@dataclass(frozen=True)
class RouteSpec(Generic[B, Q, P]):
    """How a route is called and answered; `route()` enforces it before the view runs.

    `body` is validated into `call.body` (400 with `Fields` when not valid); `optional_body`
    routes treat an empty body as `{}` (every field of `body` has a default). `query` is
    validated into `call.query`. `doc_body` documents a body the view reads itself (e.g. JSON or
    multipart, with `accepts` listing the media types). `idempotent` routes honour an
    `Idempotency-Key` header: a retry with the same key and body gets the first answer again
    instead of doing the write twice. They need a `replay`, `(call, StoredResponse,
    **path_params) -> body`, that rebuilds that answer from the status and ids the record keeps
    (records never hold response bodies: see handlers/idempotency.py). `storefront_key` routes
    are for the shop's own server: they need a valid X-Storefront-Key, checked before anything
    else (before the caller's token, the body and the view). `response`, `status` and
    `content_type` document the success answer; `also` documents other success answers the view
    returns itself, e.g. `((202, Model),)`.
    """

    summary: str
    roles: Roles[P]
    # Every other option is named: `RouteSpec("Get an address", STAFF, response=AddressResponse)`.
    _: KW_ONLY
    body: type[B] | BodyShape[B] | None = None
    query: type[Q] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    content_type: str = "application/json"
    optional_body: bool = False
    doc_body: type[BaseModel] | None = None
    accepts: tuple[str, ...] = ("application/json",)
    idempotent: bool = False
    replay: Replay | None = None
    storefront_key: bool = False
    also: tuple[tuple[int, type[BaseModel]], ...] = ()

    def __post_init__(self) -> None:
        if self.idempotent and self.replay is None:
            raise TypeError(f"{self.summary!r}: an idempotent route needs a replay function")

    def documented_body(self) -> type[BaseModel] | None:
        """The body model the OpenAPI document shows."""
        if isinstance(self.body, BodyShape):
            return self.body.model
        return _model(self.body) or self.doc_body

    def query_model(self) -> type[BaseModel] | None:
        return _model(self.query)


def _model(declared: type[Any] | None) -> type[BaseModel] | None:
    if declared is None or issubclass(declared, BaseModel):
        return declared
    raise TypeError(f"{declared.__name__} is not a Pydantic model")


@dataclass(frozen=True)
class RouteDoc:
    """A registered route as the OpenAPI document sees it."""

    path: str
    method: str
    summary: str
    roles: tuple[Caller, ...]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    content_type: str = "application/json"
    storefront_key: bool = False
    # Other success answers the view may give (status, body model), for the OpenAPI document.
    also: tuple[tuple[int, type[BaseModel]], ...] = ()


@dataclass
class RouteRegistry:
    routes: list[RouteDoc] = field(default_factory=list)


REGISTRY = RouteRegistry()


@dataclass(frozen=True, kw_only=True)
class Call(Generic[B, Q, P]):
    """What a view receives: the validated body and query, the caller and the raw request (path
    parameters are the view's keyword arguments)."""

    body: B
    query: Q
    principal: P
    request: Request
    source_ip: str
    lambda_context: Any = None


# A call on a route whose roles require a token (ADMIN, STAFF, CUSTOMER): the principal is there.
AuthenticatedCall: TypeAlias = Call[B, Q, Principal]
# What helpers that serve any route take (they read no body or query, or check it themselves).
type AnyCall = Call[object, object, Principal | None]


def error_response(status: int, code: str, message: str, **extra: Any) -> Response:
    body: dict[str, Any] = {"Code": code, "Message": message}
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
    if extra.get("fields"):
        body["Fields"] = extra["fields"]
    if "retry_after" in extra:
        headers["Retry-After"] = str(extra["retry_after"])
    return Response(body=body, status_code=status, headers=headers)


def response_for(error: DomainError) -> Response:
    if isinstance(error, HttpError):
        return error_response(error.status, error.code, error.message)
    for error_type, status in STATUS_OF:
        if isinstance(error, error_type):
            if isinstance(error, InvalidInputError):
                return error_response(status, error.code, error.message, fields=error.fields)
            if isinstance(error, RetryLaterError):
                return error_response(
                    status, error.code, error.message, retry_after=error.retry_after_seconds
                )
            return error_response(status, error.code, error.message)
    return error_response(500, "InternalError", "An unexpected error occurred.")


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise UnauthenticatedError("A bearer token is required.")
    return token.strip()


def _principal(request: Request, roles: tuple[Caller, ...]) -> Principal | None:
    """The caller, never None when `roles` names anyone but the shopper (a token is required)."""
    if not roles:
        return None
    if roles == SHOPPER.callers and not request.headers.get("authorization"):
        return None
    if roles in (CUSTOMER.callers, SHOPPER.callers):
        # Customer tokens carry another audience: an employee token is refused here, and a
        # customer token is refused on /admin.
        return container().accounts.authenticate(_bearer(request))
    principal = container().auth.authenticate(_bearer(request))
    if principal.role not in roles:
        raise ForbiddenError("Your role does not allow this action.")
    return principal


def raw_body(request: Request, allowed: tuple[str, ...], max_bytes: int | None = None) -> tuple[bytes, str]:
    """The body as bytes with its media type, for routes that take more than JSON.

    Raises: HttpError (too large, 413; media type not in `allowed`, 415)."""
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode()
    if len(raw) > (max_bytes or get_settings().max_body_bytes):
        raise HttpError(413, "PayloadTooLarge", "The request body is too large.")
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    if media not in allowed:
        raise HttpError(415, "UnsupportedMediaType", f"Send the body as one of: {', '.join(allowed)}.")
    return raw, media


def _json_body(request: Request) -> Any:
    raw = request.raw_body or b""
    if isinstance(raw, str):
        raw = raw.encode()
    if len(raw) > get_settings().max_body_bytes:
        raise HttpError(413, "PayloadTooLarge", "The request body is too large.")
    content_type = (request.headers.get("content-type") or "application/json").lower()
    if "json" not in content_type:
        raise HttpError(415, "UnsupportedMediaType", "Send the body as application/json.")
    if not raw.strip():
        raise InvalidInputError("A JSON body is required.", {"body": "required"})
    return parse_json(raw)


# No document the API takes nests deeper than a few levels; a cap keeps every later step (merges,
# validation, serialising) far from Python's recursion limit.
MAX_JSON_DEPTH = 32


def _too_deep(document: Any, limit: int) -> bool:
    """Whether `document` nests containers deeper than `limit` (iterative: no recursion to blow)."""
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > limit:
                    return True
                pending.append((child, depth + 1))
    return False


def parse_json(raw: bytes | str) -> Any:
    """The one JSON parser for request bodies. The standard library's decoder recurses once per
    nesting level, so a deeply nested body raises RecursionError: that is bad input (400), like
    any other malformed JSON.

    Raises: HttpError (400 BadRequest)."""
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise HttpError(400, "BadRequest", "The body is not valid JSON.") from None
    if _too_deep(document, MAX_JSON_DEPTH):
        raise HttpError(400, "BadRequest", f"The body nests deeper than {MAX_JSON_DEPTH} levels.")
    return document


def _parse_body(request: Request, body: type[Any] | BodyShape[Any] | None, optional: bool) -> Any:
    if isinstance(body, MergePatch):
        document = _json_body(request)
        if not isinstance(document, dict):
            raise InvalidInputError("The body must be a JSON object.", {"body": "must be an object"})
        return document
    if isinstance(body, BodyShape):
        raise TypeError(f"no parser for {type(body).__name__}")
    if body is not None and optional and not (request.raw_body or b"").strip():
        return validate(body, {})
    if body is not None:
        return validate(body, _json_body(request))
    return None


def _query(request: Request, model: type[Any] | None) -> Any:
    if model is None:
        return None
    params = dict(request.query_params or {})
    return validate(model, params, message="The query parameters are not valid.")


# CloudFront adds this header with the deployment's secret (infra); see Settings.origin_secret.
ORIGIN_HEADER = "x-clientele-origin-verify"
STOREFRONT_KEY_HEADER = "x-storefront-key"
BUYER_IP_HEADER = "x-buyer-ip"
# The routes a storefront or the back-office calls: behind CloudFront they must come through it.
_GUARDED_PREFIXES = ("/store/", "/admin/")


def _ip(value: str | None) -> str | None:
    """A valid IP in canonical form, or None. Headers are never echoed or logged."""
    if not value or len(value) > 64:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def _viewer_ip(value: str | None) -> str | None:
    """CloudFront-Viewer-Address is `ip:port`, IPv6 without brackets (`2001:db8::1:443`)."""
    if not value or ":" not in value:
        return None
    return _ip(value.rsplit(":", 1)[0])


def _source_ip(request: Request, path: str, key_required: bool) -> str:
    """The client's IP for throttles and last connections; checks the origin and storefront key.

    1. When an origin secret is configured, /store and /admin calls must carry it (constant-time
       compare) and CloudFront-Viewer-Address is the caller (unless the shop's `trusted_proxy`
       setting is "none"); otherwise API Gateway's sourceIp is.
       X-Forwarded-For is never read: any client can write it.
    2. A valid X-Storefront-Key marks the shop's own server, which may name its shopper's IP in
       X-Buyer-IP (missing or malformed: the server's own IP). A key that is sent is always
       checked, so a misconfigured server fails loudly instead of being counted as one shopper.

    Raises: OriginRequiredError, StorefrontKeyRequiredError, InvalidStorefrontKeyError,
    StorefrontKeyRevokedError."""
    headers = request.headers
    identity = (request.context or {}).get("identity") or {}
    caller = str(identity.get("sourceIp") or "0.0.0.0")  # noqa: S104 - a placeholder, not a bind
    secret = origin_secret(container().settings)
    if secret and path.startswith(_GUARDED_PREFIXES):
        presented = headers.get(ORIGIN_HEADER) or ""
        if not hmac.compare_digest(presented.encode(), secret.encode()):
            raise OriginRequiredError("Call the API through the shop's own address.")
        if container().config.settings().trusted_proxy == "cloudfront":  # cached, no request
            caller = _viewer_ip(headers.get("cloudfront-viewer-address")) or caller
    if not path.startswith("/store/"):
        return caller
    key = headers.get(STOREFRONT_KEY_HEADER)
    if key or key_required:
        container().storefront_keys.verify(key)
        return _ip(headers.get(BUYER_IP_HEADER)) or caller
    return caller


def _raised_at(error: BaseException) -> str:
    """`module:function:line` of the innermost frame: enough to find the bug, nothing of the input."""
    frames = traceback.extract_tb(error.__traceback__)
    if not frames:
        return "unknown"
    last = frames[-1]
    return f"{Path(last.filename).stem}:{last.name}:{last.lineno}"


def _to_response(result: Any, status: int) -> Response:
    if isinstance(result, Response):
        return result
    if result is None and status == 204:
        # A 204 view returns nothing: the empty answer is written here, once, not in every view.
        return Response(body="", status_code=204)
    headers: dict[str, str | list[str]] = {"Content-Type": "application/json"}
    if isinstance(result, BaseModel):
        # pydantic-core writes the JSON itself (UTF-8, compact): half the time of a Python dict
        # passed to json.dumps, a third of a 50-row list page's edge (devtools/bench_overhead.py).
        return Response(body=result.model_dump_json(by_alias=True), status_code=status, headers=headers)
    return Response(body=json.dumps(result), status_code=status, headers=headers)


# A view of a route whose spec is `RouteSpec[B, Q, P]`, and what registers it (unchanged).
View: TypeAlias = Callable[Concatenate[Call[B, Q, P], PathParams], R]
ViewDecorator: TypeAlias = Callable[[View[B, Q, P, PathParams, R]], View[B, Q, P, PathParams, R]]


def route(
    blueprint: Blueprint, path: str, method: str, spec: RouteSpec[B, Q, P]
) -> ViewDecorator[B, Q, P, PathParams, R]:
    """Register a view: `def view(call: Call[Body, Query], **path_params) -> BaseModel | dict |
    Response` (or `-> None` on a `status=204` route), called once `spec`'s storefront key, roles,
    body and query have been checked."""

    REGISTRY.routes.append(
        RouteDoc(
            path,
            method,
            spec.summary,
            spec.roles.callers,
            spec.documented_body(),
            spec.query_model(),
            spec.response,
            spec.status,
            spec.content_type,
            storefront_key=spec.storefront_key,
            also=spec.also,
        )
    )
    roles = spec.roles.callers
    status = spec.status

    def decorator(view: View[B, Q, P, PathParams, R]) -> View[B, Q, P, PathParams, R]:
        # Path parameters reach the view as keyword arguments, which a ParamSpec cannot express.
        run: Callable[..., Any] = view

        @wraps(view)
        def handler(**path_params: str) -> Response:
            request: Request = blueprint.current_request
            try:
                source_ip = _source_ip(request, path, spec.storefront_key)
                call: Call[B, Q, P] = Call(
                    # `_principal` returns None only for PUBLIC, or SHOPPER without a token, the
                    # two Roles typed with a None principal: the cast states what it enforced.
                    principal=cast(P, _principal(request, roles)),
                    body=_parse_body(request, spec.body, spec.optional_body),
                    query=_query(request, spec.query),
                    request=request,
                    source_ip=source_ip,
                    lambda_context=blueprint.lambda_context,
                )
                key = request.headers.get("idempotency-key") if spec.idempotent else None
                if key and spec.replay is not None:
                    rebuild = spec.replay
                    return replay_or_run(
                        key,
                        call,
                        lambda: _to_response(run(call, **path_params), status),
                        method,
                        path,
                        lambda stored: _to_response(rebuild(call, stored, **path_params), stored.status),
                    )
                return _to_response(run(call, **path_params), status)
            except DomainError as error:
                if isinstance(error, ServiceUnavailableError):
                    logger.warning("dependency unavailable", route=path, method=method)
                return response_for(error)
            except Exception as error:
                # The type, the route and where it was raised, never the exception's text or
                # traceback: messages quote their input (Pydantic's `input_value=...`), and the
                # input may be a token or someone's personal data.
                logger.error(
                    "unhandled error",
                    route=path,
                    method=method,
                    error_type=type(error).__name__,
                    raised_at=_raised_at(error),
                )
                return error_response(500, "InternalError", "An unexpected error occurred.")

        blueprint.route(path, methods=[method], cors=False, content_types=list(spec.accepts))(handler)
        return view

    return decorator


@dataclass(frozen=True)
class Routes:
    """One Blueprint's routes, declared by method: `@api.get(path, RouteSpec(...))` is
    `@route(blueprint, path, "GET", RouteSpec(...))`, with the same typed view checking."""

    blueprint: Blueprint

    def get(self, path: str, spec: RouteSpec[B, Q, P]) -> ViewDecorator[B, Q, P, PathParams, R]:
        return route(self.blueprint, path, "GET", spec)

    def post(self, path: str, spec: RouteSpec[B, Q, P]) -> ViewDecorator[B, Q, P, PathParams, R]:
        return route(self.blueprint, path, "POST", spec)

    def put(self, path: str, spec: RouteSpec[B, Q, P]) -> ViewDecorator[B, Q, P, PathParams, R]:
        return route(self.blueprint, path, "PUT", spec)

    def patch(self, path: str, spec: RouteSpec[B, Q, P]) -> ViewDecorator[B, Q, P, PathParams, R]:
        return route(self.blueprint, path, "PATCH", spec)

    def delete(self, path: str, spec: RouteSpec[B, Q, P]) -> ViewDecorator[B, Q, P, PathParams, R]:
        return route(self.blueprint, path, "DELETE", spec)
