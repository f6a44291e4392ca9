"""Storefront accounts: register, sign in, password reset, own profile. The password-reset outbox
schedule is in store.py (its Lambda function imports that module, not this one)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from chalicelib.core.schemas import Attributes
from chalicelib.customers.account_schemas import (
    ForgotPasswordRequest,
    MeResponse,
    RegisterRequest,
    ResetPasswordRequest,
    StoreLoginRequest,
    StoreSessionResponse,
    UpdateMeRequest,
    UpdateMeResponse,
    VerificationSentResponse,
    VerifyEmailRequest,
)
from chalicelib.handlers.http import CUSTOMER, PUBLIC, AuthenticatedCall, Call, NoQuery, Routes, RouteSpec
from chalicelib.handlers.idempotency import StoredResponse
from chalicelib.wiring import container

store_routes = Blueprint(__name__)
api = Routes(store_routes)


@api.post(
    "/store/register",
    RouteSpec(
        "Create a customer account (honours the registration mode)",
        PUBLIC,
        body=RegisterRequest,
        response=StoreSessionResponse,
        status=201,
        idempotent=True,
        replay=lambda call, stored: _register_replayed(call, stored),
        also=((202, VerificationSentResponse),),
    ),
)
def register(call: Call[RegisterRequest, NoQuery]) -> StoreSessionResponse | Response:
    from chalicelib.customers.accounts import (
        VerificationSent,  # loads with the feature's first call, not at cold start
    )

    outcome = container().accounts.register(call.body)
    if isinstance(outcome, VerificationSent):
        # A guest's address, or the shop verifies every address: nothing is signed in until the
        # mailed link is used (POST /store/verify).
        return Response(
            body=VerificationSentResponse(status="verification_sent").model_dump(mode="json"),
            status_code=202,
            headers={"Content-Type": "application/json"},
        )
    return StoreSessionResponse.model_validate(outcome)


@api.post(
    "/store/verify",
    RouteSpec(
        "Confirm the e-mail address of a registration (the mailed link's token); signs in",
        PUBLIC,
        body=VerifyEmailRequest,
        response=StoreSessionResponse,
    ),
)
def verify_email(call: Call[VerifyEmailRequest, NoQuery]) -> StoreSessionResponse:
    return StoreSessionResponse.model_validate(container().accounts.verify_email(call.body.token))


@api.post(
    "/store/login",
    RouteSpec("Customer sign-in", PUBLIC, body=StoreLoginRequest, response=StoreSessionResponse),
)
def login(call: Call[StoreLoginRequest, NoQuery]) -> StoreSessionResponse:
    agent = call.request.headers.get("user-agent")
    services = container()
    session = services.accounts.login(call.body.email, call.body.password, call.source_ip, agent)
    response = StoreSessionResponse.model_validate(session)
    if call.body.cart_token:
        response.cart_id = services.carts.attach(call.body.cart_token, session.customer)
    return response


@api.post(
    "/store/password/forgot",
    RouteSpec(
        "Mail a password-reset link (always 202)",
        PUBLIC,
        body=ForgotPasswordRequest,
        status=202,
        idempotent=True,
        replay=lambda call, stored: _forgot_answer(),
    ),
)
def forgot_password(call: Call[ForgotPasswordRequest, NoQuery]) -> Response:
    container().accounts.forgot_password(call.body.email)
    return _forgot_answer()


def _forgot_answer() -> Response:
    return Response(
        body={"Message": "If an account exists for this address, a reset link is on its way."},
        status_code=202,
        headers={"Content-Type": "application/json"},
    )


def _register_replayed(call: Call[RegisterRequest, NoQuery], stored: StoredResponse) -> Any:
    """A retried registration. The first answer's session token is not kept anywhere: a retry
    that carries the same body (so the same password) is signed in afresh, as a login would."""
    if stored.status != 201:
        # Nothing was signed in (e.g. a verification link was sent): the same answer again.
        return Response(
            body={"status": "verification_sent"},
            status_code=stored.status,
            headers={"Content-Type": "application/json"},
        )
    agent = call.request.headers.get("user-agent")
    return StoreSessionResponse.model_validate(
        container().accounts.login(call.body.email, call.body.password, call.source_ip, agent)
    )


@api.post(
    "/store/password/reset",
    RouteSpec("Set a new password with a reset link's token", PUBLIC, body=ResetPasswordRequest, status=204),
)
def reset_password(call: Call[ResetPasswordRequest, NoQuery]) -> None:
    container().accounts.reset_password(call.body.token, call.body.password)


@api.get("/store/me", RouteSpec("Own profile", CUSTOMER, response=MeResponse))
def get_me(call: AuthenticatedCall) -> MeResponse:
    return MeResponse.model_validate(container().accounts.me(call.principal.subject_id))


@api.patch(
    "/store/me",
    RouteSpec(
        "Change own profile (e-mail and password need current_password)",
        CUSTOMER,
        body=UpdateMeRequest,
        response=UpdateMeResponse,
    ),
)
def update_me(call: AuthenticatedCall[UpdateMeRequest, NoQuery]) -> UpdateMeResponse:
    session = container().accounts.update_me(call.principal.subject_id, call.body, call.source_ip)
    # A new password or e-mail ended every session, this one too: its replacement rides along.
    return UpdateMeResponse.model_validate(
        Attributes(session.customer, token=session.token, expires_at=session.expires_at)
    )
