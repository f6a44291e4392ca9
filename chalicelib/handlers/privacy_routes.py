"""Privacy: personal-data export, erasure (admin and self-service), consents, one-click unsubscribe.
The retention schedule is in privacy.py (its Lambda function imports that module, not this one)."""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from chalice.app import Blueprint, Response
from pydantic import BaseModel

from chalicelib.addresses.schemas import AddressResponse
from chalicelib.carts.domain import Voucher
from chalicelib.carts.schemas import CartSummaryResponse, OrderResponse
from chalicelib.core.errors import InvalidInputError, InvalidTokenError
from chalicelib.core.files import FileStore
from chalicelib.core.schemas import Attributes
from chalicelib.core.validation import validate
from chalicelib.customers.domain import (
    CONSENT_CHANNELS,
    Consent,
    ConsentChannel,
    ConsentSource,
    PendingRegistration,
)
from chalicelib.customers.schemas import CustomerResponse
from chalicelib.handlers.http import (
    ADMIN,
    CUSTOMER,
    PUBLIC,
    STAFF,
    AnyCall,
    AuthenticatedCall,
    Call,
    NoQuery,
    Routes,
    RouteSpec,
    parse_json,
)
from chalicelib.handlers.thread_presenters import message_response
from chalicelib.privacy.schemas import (
    ConsentResponse,
    ConsentsResponse,
    EraseConfirmRequest,
    ErasureListResponse,
    ErasureResponse,
    PersonalDataResponse,
    ReminderConfirmRequest,
    ReminderConfirmResponse,
    SetConsentRequest,
    UnsubscribeRequest,
    UnsubscribeResponse,
)
from chalicelib.support.schemas import ThreadEventResponse, ThreadResponse
from chalicelib.wiring import container

if TYPE_CHECKING:
    from chalicelib.privacy.consents import ConsentOverview
    from chalicelib.privacy.export import PersonalData

privacy_routes = Blueprint(__name__)
api = Routes(privacy_routes)

_CHANNELS: tuple[ConsentChannel, ...] = ("email_marketing", "partner_offers", "cart_reminders")
_FORM = "application/x-www-form-urlencoded"
# The unsubscribe pages: no script, no outside resources, the form may only post back here.
_PAGE_HEADERS: dict[str, str | list[str]] = {
    "Content-Type": "text/html; charset=utf-8",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _channel(channel: str) -> ConsentChannel:
    for known in _CHANNELS:
        if known == channel:
            return known
    raise InvalidInputError("Unknown consent channel.", {"channel": f"one of {', '.join(_CHANNELS)}"})


def _me(call: AuthenticatedCall[object, object]) -> str:
    return call.principal.subject_id


# -- answers -----------------------------------------------------------------------------------
def current_consents(consents: tuple[Consent, ...]) -> list[ConsentResponse]:
    """Every channel, those never set as `not_subscribed`."""
    by_channel = {c.channel: c for c in consents}
    return [
        ConsentResponse.model_validate(by_channel[channel])
        if channel in by_channel
        else ConsentResponse(channel=channel, state="not_subscribed", level=None, source=None, at=None)
        for channel in CONSENT_CHANNELS
    ]


def consents_response(overview: ConsentOverview) -> ConsentsResponse:
    return ConsentsResponse.model_validate(Attributes(overview, current=current_consents(overview.current)))


def _consents_of(customer_id: str) -> ConsentsResponse:
    return consents_response(container().consents.overview(customer_id))


def _set_consent(
    customer_id: str, channel: str, request: SetConsentRequest, source: ConsentSource
) -> ConsentsResponse:
    """The back office's and the customer's own consent change: the same rule, another source."""
    container().consents.set(customer_id, _channel(channel), request.state, request.level, source)
    return _consents_of(customer_id)


def _voucher(voucher: Voucher) -> dict[str, object]:
    return {
        "code": voucher.code,
        "cart_id": voucher.cart_id,
        "percent": format(voucher.percent.normalize(), "f"),
        "valid_until": voucher.valid_until.isoformat(),
        "created_at": voucher.created_at.isoformat(),
        "used_by_order": voucher.used_by_order,
    }


def _pending(registration: PendingRegistration | None) -> dict[str, object] | None:
    if registration is None:
        return None
    return {
        "requested_at": registration.requested_at.isoformat(),
        "valid_until": registration.valid_until.isoformat(),
        "details": dict(registration.profile),
    }


def personal_data_response(data: PersonalData, files: FileStore) -> PersonalDataResponse:
    customer = data.view.customer
    addresses = [AddressResponse.model_validate(a).model_dump(mode="json") for a in data.view.addresses]
    threads = [
        ThreadResponse.model_validate(view.thread).model_dump(mode="json")
        | {
            "messages": [
                message_response(m, view.thread, files).model_dump(mode="json", by_alias=True)
                for m in view.messages
            ],
            "events": [ThreadEventResponse.model_validate(e).model_dump(mode="json") for e in view.events],
        }
        for view in data.threads
    ]
    return PersonalDataResponse.model_validate(
        Attributes(
            data,
            profile=CustomerResponse.model_validate(customer),
            groups=list(customer.group_ids),
            last_connections=data.view.connections,
            addresses=addresses,
            consents=current_consents(customer.consents),
            import_rows=customer.import_rows,
            carts=[CartSummaryResponse.model_validate(cart).model_dump(mode="json") for cart in data.carts],
            orders=[OrderResponse.model_validate(order).model_dump(mode="json") for order in data.orders],
            vouchers=[_voucher(v) for v in data.vouchers],
            threads=threads,
            open_links=[
                {"purpose": purpose, "valid_until": until.isoformat()} for purpose, until in data.open_links
            ],
            guest_consents=[
                {"channel": channel, "source": source, "at": at}
                for channel, source, at in data.guest_consents
            ],
            stored_files=[{"kind": f.kind, "ref": f.ref} for f in data.stored_files],
            pending_registration=_pending(data.pending_registration),
        )
    )


# -- export ------------------------------------------------------------------------------------
def _export(customer_id: str, *, by_address: bool = True) -> PersonalDataResponse:
    services = container()
    data = services.personal_data.export(customer_id, by_address=by_address)
    return personal_data_response(data, services.files)


@api.get(
    "/admin/customers/{customer_id}/personal-data",
    RouteSpec("Everything held about a customer (JSON)", ADMIN, response=PersonalDataResponse),
)
def customer_personal_data(call: Call, customer_id: str) -> PersonalDataResponse:
    return _export(customer_id)


@api.get(
    "/store/me/personal-data",
    RouteSpec("Everything the shop holds about me", CUSTOMER, response=PersonalDataResponse),
)
def my_personal_data(call: AuthenticatedCall) -> PersonalDataResponse:
    # Only what is linked to the account by id: see PersonalDataService.export.
    return _export(_me(call), by_address=False)


# -- erasure -----------------------------------------------------------------------------------
def _job_response(job_response: ErasureResponse) -> Response:
    return Response(
        body=job_response.model_dump_json(),
        status_code=200 if job_response.done else 202,
        headers={"Content-Type": "application/json"},
    )


@api.post(
    "/admin/customers/{customer_id}/erase",
    RouteSpec(
        "Erase a customer's personal data (orders kept, anonymised); 202 while unfinished, "
        "call again to resume; 409 while an order is pending, processing or shipped",
        ADMIN,
        response=ErasureResponse,
    ),
)
def erase_customer(call: AuthenticatedCall, customer_id: str) -> Response:
    job = container().erasure.erase(customer_id, f"employee:{call.principal.subject_id}")
    return _job_response(ErasureResponse.model_validate(job))


@api.get(
    "/admin/customers/{customer_id}/erasure",
    RouteSpec("The customer's erasure job (audit record)", ADMIN, response=ErasureResponse),
)
def erasure_status(call: Call, customer_id: str) -> ErasureResponse:
    return ErasureResponse.model_validate(container().erasure.status(customer_id))


@api.get(
    "/admin/erasures",
    RouteSpec("Erasures, newest first (who, when, which customer id)", ADMIN, response=ErasureListResponse),
)
def list_erasures(call: Call) -> ErasureListResponse:
    return ErasureListResponse.of(container().erasure.audit(200))


@api.post(
    "/store/me/erase-request",
    RouteSpec(
        "Ask for the erasure of my data: mails a single-use confirmation link (202)", CUSTOMER, status=202
    ),
)
def request_erasure(call: AuthenticatedCall) -> Response:
    container().erasure.request(_me(call))
    return Response(
        body={"Message": "A confirmation link is on its way to your e-mail address."},
        status_code=202,
        headers={"Content-Type": "application/json"},
    )


@api.post(
    "/store/erase/confirm",
    RouteSpec(
        "Confirm an erasure with the mailed link's token (works once)",
        PUBLIC,
        body=EraseConfirmRequest,
        response=ErasureResponse,
    ),
)
def confirm_erasure(call: Call[EraseConfirmRequest, NoQuery]) -> Response:
    return _job_response(ErasureResponse.model_validate(container().erasure.confirm(call.body.token)))


# -- consents ----------------------------------------------------------------------------------
@api.get(
    "/admin/customers/{customer_id}/consents",
    RouteSpec("A customer's consent per channel and its history", STAFF, response=ConsentsResponse),
)
def customer_consents(call: Call, customer_id: str) -> ConsentsResponse:
    return _consents_of(customer_id)


@api.put(
    "/admin/customers/{customer_id}/consents/{channel}",
    RouteSpec(
        "Record a customer's consent to a channel (source admin)",
        ADMIN,
        body=SetConsentRequest,
        response=ConsentsResponse,
    ),
)
def set_customer_consent(
    call: Call[SetConsentRequest, NoQuery], customer_id: str, channel: str
) -> ConsentsResponse:
    return _set_consent(customer_id, channel, call.body, "admin")


@api.get("/store/me/consents", RouteSpec("My consents", CUSTOMER, response=ConsentsResponse))
def my_consents(call: AuthenticatedCall) -> ConsentsResponse:
    return _consents_of(_me(call))


@api.put(
    "/store/me/consents/{channel}",
    RouteSpec(
        "Subscribe to or unsubscribe from a channel (source storefront)",
        CUSTOMER,
        body=SetConsentRequest,
        response=ConsentsResponse,
    ),
)
def set_my_consent(call: AuthenticatedCall[SetConsentRequest, NoQuery], channel: str) -> ConsentsResponse:
    return _set_consent(_me(call), channel, call.body, "storefront")


# -- one-click unsubscribe ---------------------------------------------------------------------
def _page(title: str, body: str, status: int = 200) -> Response:
    document = (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        f'<body style="font-family: sans-serif; max-width: 32em; margin: 3em auto">{body}</body></html>'
    )
    return Response(body=document, status_code=status, headers=dict(_PAGE_HEADERS))


def _confirm_page(
    title: str, question: str, token: str, *, action: str, button: str, after: str = ""
) -> Response:
    """The page a mailed link opens: it asks, and only its form's POST (the token sent back)
    acts, so mail scanners that follow links change nothing. `question` and `after` are trusted
    HTML; the token is escaped."""
    return _page(
        title,
        f'{question}<form method="post" action="{action}">'
        f'<input type="hidden" name="token" value="{html.escape(token, quote=True)}">'
        f'<button type="submit">{button}</button></form>{after}',
    )


_CHANNEL_NAMES = {
    "email_marketing": "newsletters and offers",
    "partner_offers": "partner offers",
    "cart_reminders": "cart reminders",
}


@api.get(
    "/store/unsubscribe",
    RouteSpec(
        "The unsubscribe link's page: asks for confirmation (changes nothing, so mail scanners "
        "following links unsubscribe nobody)",
        PUBLIC,
        content_type="text/html",
    ),
)
def unsubscribe_page(call: Call) -> Response:
    token = _query_token(call)
    try:
        channel = container().consents.check(token)
    except InvalidTokenError:
        return _page("Unsubscribe", "<h1>This link is not valid</h1><p>It may be incomplete.</p>", 400)
    assert token is not None
    return _confirm_page(
        "Unsubscribe",
        f"<h1>Unsubscribe</h1><p>Stop receiving {_CHANNEL_NAMES[channel]} from this shop?</p>",
        token,
        action="unsubscribe",
        button="Unsubscribe",
    )


def _query_token(call: AnyCall) -> str | None:
    params: dict[str, str] = dict(call.request.query_params or {})
    return params.get("token")


def _unsubscribe_token(call: AnyCall) -> tuple[str | None, bool]:
    """The token from the query string (RFC 8058 one-click posts to the header's URL), a JSON body
    or a form field; and whether the caller posted a form (then it gets a page back)."""
    request = call.request
    media = (request.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
    raw = request.raw_body or b""
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    token = _query_token(call)
    if media == "application/json" and text.strip():
        # A JSON body must be {"token": "..."}: anything else is a 400 naming the field, never
        # the value (the token is a credential).
        token = validate(UnsubscribeRequest, parse_json(text)).token
    elif media == _FORM:
        fields = parse_qs(text).get("token") or []
        token = token or (fields[0] if fields else None)
    return token, media != "application/json"


@api.post(
    "/store/unsubscribe",
    RouteSpec(
        "Unsubscribe with a link's token (query string, JSON {token} or form; RFC 8058 one-click)",
        PUBLIC,
        doc_body=UnsubscribeRequest,
        response=UnsubscribeResponse,
        accepts=("application/json", _FORM, "multipart/form-data"),
    ),
)
def unsubscribe(call: Call) -> Response | UnsubscribeResponse:
    return _follow_link(
        call,
        "Unsubscribe",
        lambda token: UnsubscribeResponse(channel=container().consents.unsubscribe(token)),
        lambda done: (
            "Unsubscribed",
            f"<h1>Done</h1><p>You will not receive {_CHANNEL_NAMES[done.channel]} any more.</p>",
        ),
    )


def _follow_link[Answer: BaseModel](
    call: AnyCall,
    title: str,
    act: Callable[[str | None], Answer],
    done_page: Callable[[Answer], tuple[str, str]],
) -> Answer | Response:
    """Run a mailed link's action with the token the caller sent back. A JSON caller gets the
    action's answer, or its InvalidTokenError (400); a form post (the link's own page) gets a page
    either way: `done_page(answer)` is its title and trusted HTML body."""
    token, form = _unsubscribe_token(call)
    try:
        answer = act(token)
    except InvalidTokenError:
        if form:
            return _page(title, "<h1>This link is not valid</h1>", 400)
        raise
    return _page(*done_page(answer)) if form else answer


# -- double opt-in for guest cart reminders (issue 16 §2.2) -------------------------------------
@api.get(
    "/store/reminders/confirm",
    RouteSpec(
        "The cart-reminder confirmation link's page: asks for confirmation (changes nothing, "
        "so mail scanners following links confirm nobody)",
        PUBLIC,
        content_type="text/html",
    ),
)
def reminder_confirm_page(call: Call) -> Response:
    token = _query_token(call)
    try:
        container().reminder_opt_in.check(token)
    except InvalidTokenError:
        return _page(
            "Cart reminders", "<h1>This link is not valid</h1><p>It may be incomplete or expired.</p>", 400
        )
    assert token is not None
    return _confirm_page(
        "Cart reminders",
        "<h1>Cart reminders</h1><p>Receive e-mail reminders about the carts you leave at this shop?</p>",
        token,
        action="confirm",
        button="Yes, remind me",
        after="<p>If you did not ask for this, close this page: nothing changes.</p>",
    )


@api.post(
    "/store/reminders/confirm",
    RouteSpec(
        "Confirm a guest's address for cart reminders with the link's token (JSON {token} or "
        "form); using a link again changes nothing",
        PUBLIC,
        doc_body=ReminderConfirmRequest,
        response=ReminderConfirmResponse,
        accepts=("application/json", _FORM, "multipart/form-data"),
    ),
)
def reminder_confirm(call: Call) -> Response | ReminderConfirmResponse:
    return _follow_link(
        call,
        "Cart reminders",
        _confirm_reminders,
        lambda done: ("Cart reminders", "<h1>Thank you</h1><p>Your cart reminders are confirmed.</p>"),
    )


def _confirm_reminders(token: str | None) -> ReminderConfirmResponse:
    container().reminder_opt_in.confirm(token)
    return ReminderConfirmResponse()
