"""Storefront accounts end to end through the routes (moto), mail captured in memory."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import boto3
import pytest

from chalicelib.core.clock import utc_now
from chalicelib.core.settings import get_settings
from chalicelib.handlers.idempotency_store import IDEMPOTENCY_PARTITION
from devtools.events import invoke_schedule
from tests.fakes.mail import MemoryMailer
from tests.integration.conftest import Api

PASSWORD = "Correct-horse-42"


def register(api: Api, **fields: object) -> tuple[int, dict]:
    body = {"first_name": "Léa", "last_name": "Martin", "email": "lea@example.com", "password": PASSWORD}
    return api.json("POST", "/store/register", body | fields)


def login(
    api: Api, email: str = "lea@example.com", password: str = PASSWORD, **kw: object
) -> tuple[int, dict]:
    return api.json("POST", "/store/login", {"email": email, "password": password}, **kw)


def link_token(mail_text: str) -> str:
    match = re.search(r"/password/reset\?token=([A-Za-z0-9_\-]+)", mail_text)
    assert match, "no reset link in the mail"
    return match.group(1)


def as_customer(anonymous: Api, token: str) -> Api:
    return Api(anonymous.client, token)


def send_queued_resets() -> dict[str, Any]:
    """What the password-reset-outbox schedule does a minute (at most) after the request."""
    from app import app

    result: dict[str, Any] = invoke_schedule(app, "password-reset-outbox", utc_now())
    return result


# -- registration modes ----------------------------------------------------------------------------
def test_optional_registration_signs_the_customer_in(anonymous: Api) -> None:
    status, session = register(anonymous)
    assert status == 201, session
    assert session["customer"]["status"] == "active" and session["token"]
    me = as_customer(anonymous, session["token"])
    status, profile = me.json("GET", "/store/me")
    assert status == 200 and profile["email"] == "lea@example.com"
    assert "note" not in profile and "group_ids" not in profile


def test_disabled_registration_is_403(admin: Api, anonymous: Api) -> None:
    admin.json("PATCH", "/admin/settings", {"registration_mode": "disabled"})
    status, body = register(anonymous)
    assert (status, body["Code"]) == (403, "RegistrationDisabled")


def test_required_mode_waits_for_approval_then_mails_once(
    admin: Api, anonymous: Api, mailbox: MemoryMailer
) -> None:
    admin.json("PATCH", "/admin/settings", {"registration_mode": "required"})
    status, session = register(anonymous, language="es")
    assert status == 201 and session["token"] is None
    assert session["customer"]["status"] == "pending_approval"
    status, body = login(anonymous)
    assert (status, body["Code"]) == (403, "PendingApproval")
    customer_id = session["customer"]["id"]
    assert admin.json("POST", f"/admin/customers/{customer_id}/approve")[1]["status"] == "active"
    assert admin.json("POST", f"/admin/customers/{customer_id}/approve")[0] == 200
    assert [m.subject for m in mailbox.sent] == ["Tu cuenta en My shop ha sido aprobada"]
    assert login(anonymous)[0] == 200
    assert admin.json("POST", "/admin/customers/nope/approve")[0] == 404


def test_registration_validates_and_honours_the_policy(admin: Api, anonymous: Api) -> None:
    admin.json("PATCH", "/admin/settings", {"password_policy": {"min_length": 10, "require_symbol": True}})
    status, body = register(anonymous, password="Abcdefghij1")
    assert status == 400 and body["Fields"] == {"password": "must contain a symbol"}
    assert register(anonymous, status="active")[0] == 400  # no mass assignment
    assert register(anonymous, email="nope")[0] == 400
    assert register(anonymous)[0] == 201
    assert register(anonymous)[1]["Code"] == "EmailTaken"


# -- sign-in -----------------------------------------------------------------------------------------
def test_unknown_email_and_wrong_password_look_the_same(anonymous: Api) -> None:
    register(anonymous)
    assert login(anonymous, email="ghost@example.com") == login(anonymous, password="Wrong-password-1")
    assert login(anonymous, email="ghost@example.com")[0] == 401


def test_failed_sign_ins_are_throttled_per_account(anonymous: Api) -> None:
    register(anonymous)
    for _ in range(5):
        assert login(anonymous, password="Wrong-password-1")[0] == 401
    response = anonymous.call("POST", "/store/login", {"email": "lea@example.com", "password": PASSWORD})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0


def test_sign_in_records_the_visit_and_the_ip(admin: Api, anonymous: Api) -> None:
    customer_id = register(anonymous)[1]["customer"]["id"]
    status, session = login(anonymous)
    assert status == 200 and session["customer"]["last_visit_at"]
    _, view = admin.json("GET", f"/admin/customers/{customer_id}")
    assert len(view["last_connections"]) == 1
    ip = view["last_connections"][0]["ip"]
    _, found = admin.json("GET", f"/admin/search?by=ip&q={ip}")
    assert [c["id"] for c in found["items"]] == [customer_id]


def test_disabled_accounts_cannot_sign_in(admin: Api, anonymous: Api) -> None:
    session = register(anonymous)[1]
    admin.json("PATCH", f"/admin/customers/{session['customer']['id']}", {"enabled": False})
    assert login(anonymous)[1]["Code"] == "AccountDisabled"
    assert login(anonymous, password="Wrong-password-1")[0] == 401
    assert as_customer(anonymous, session["token"]).json("GET", "/store/me")[0] == 401


def test_token_audiences_are_separate(admin: Api, anonymous: Api) -> None:
    token = register(anonymous)[1]["token"]
    assert as_customer(anonymous, token).json("GET", "/admin/customers")[0] == 401
    assert admin.json("GET", "/store/me")[0] == 401
    assert anonymous.json("GET", "/store/me")[0] == 401


# -- password reset ----------------------------------------------------------------------------------
def test_forgot_and_reset_password(anonymous: Api, mailbox: MemoryMailer) -> None:
    old_token = register(anonymous)[1]["token"]
    unknown = anonymous.json("POST", "/store/password/forgot", {"email": "ghost@example.com"})
    known = anonymous.json("POST", "/store/password/forgot", {"email": "LEA@example.com"})
    assert unknown == known and known[0] == 202
    assert mailbox.sent == []  # the route only queues (issue 16 §1.6)
    assert send_queued_resets() == {"handled": 2}
    assert len(mailbox.sent) == 1
    mail = mailbox.sent[0]
    assert mail.to == "lea@example.com" and "Reset your password" in mail.subject
    token = link_token(mail.text)
    assert token in (mail.html or "")
    status, body = anonymous.json("POST", "/store/password/reset", {"token": token, "password": "short"})
    assert status == 400 and "password" in body["Fields"]
    assert (
        anonymous.call(
            "POST", "/store/password/reset", {"token": token, "password": "New-passw0rd!"}
        ).status_code
        == 204
    )
    # single use, forged, and the old session is revoked
    status, body = anonymous.json(
        "POST", "/store/password/reset", {"token": token, "password": "Other-passw0rd!"}
    )
    assert (status, body["Code"]) == (400, "InvalidToken")
    assert (
        anonymous.json("POST", "/store/password/reset", {"token": "forged", "password": "Other-passw0rd!"})[0]
        == 400
    )
    assert as_customer(anonymous, old_token).json("GET", "/store/me")[0] == 401
    assert login(anonymous)[0] == 401
    assert login(anonymous, password="New-passw0rd!")[0] == 200


def test_a_retried_registration_keeps_no_token_or_email_and_signs_in_afresh(anonymous: Api) -> None:
    """Issue 16 §4: the idempotency record of a registration held the e-mail and the session
    token, and a replay handed that stored token out again."""
    headers = {"Idempotency-Key": "register-1"}
    body = {"first_name": "Léa", "last_name": "Martin", "email": "lea@example.com", "password": PASSWORD}
    status, first = anonymous.json("POST", "/store/register", body, headers=headers)
    assert status == 201, first
    records = [i for i in _table_items() if i["PK"]["S"] == IDEMPOTENCY_PARTITION]
    assert records
    for record in records:
        text = json.dumps(record)
        assert first["token"] not in text and "lea@example.com" not in text and "Martin" not in text, text
    again = anonymous.call("POST", "/store/register", body, headers=headers)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    replayed = json.loads(again.body)
    assert replayed["customer"]["id"] == first["customer"]["id"]
    # The replay signed in with the retried request's own password: its token works.
    assert as_customer(anonymous, replayed["token"]).json("GET", "/store/me")[0] == 200
    other = body | {"password": "Another-passw0rd!"}
    assert anonymous.json("POST", "/store/register", other, headers=headers)[0] == 400  # another body


def _table_items() -> list[dict[str, Any]]:
    client = boto3.client("dynamodb", region_name=get_settings().region)
    return client.scan(TableName=get_settings().table_name)["Items"]


def test_a_retried_forgot_request_mails_once(anonymous: Api, mailbox: MemoryMailer) -> None:
    register(anonymous)
    headers = {"Idempotency-Key": "forgot-1"}
    for _ in range(2):
        assert (
            anonymous.json("POST", "/store/password/forgot", {"email": "lea@example.com"}, headers=headers)[0]
            == 202
        )
    send_queued_resets()
    assert len(mailbox.sent) == 1


def test_forgot_password_does_the_same_work_for_known_and_unknown_addresses(
    anonymous: Api, mailbox: MemoryMailer
) -> None:
    """Issue 16 §1.6: the known address used to cost an account lookup, a token write and the
    mail inside the request (22-34 ms against 9-13 ms). Now both answers come from the same
    DynamoDB requests, and no mail is sent before the response."""
    from chalicelib.models.base import TableRecord
    from devtools.bench import Counter

    register(anonymous)
    mailbox.sent.clear()
    counter = Counter()
    events = TableRecord._get_connection().connection.client.meta.events
    events.register("after-call.dynamodb", counter.after_call)
    work = {}
    try:
        for email in ("lea@example.com", "ghost@example.com"):
            counter.reset()
            answer = anonymous.json("POST", "/store/password/forgot", {"email": email})
            work[email] = (answer, dict(counter.requests), len(mailbox.sent))
    finally:
        events.unregister("after-call.dynamodb", counter.after_call)
    assert work["lea@example.com"] == work["ghost@example.com"], work
    assert work["ghost@example.com"][2] == 0
    assert send_queued_resets() == {"handled": 2}
    assert [mail.to for mail in mailbox.sent] == ["lea@example.com"]


def test_a_redelivered_reset_request_mails_once(
    anonymous: Api, mailbox: MemoryMailer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At-least-once: a worker that crashed after mailing (before dropping the request), or two
    overlapping runs, handle the same queued request twice; it is mailed once."""
    from chalicelib.customers.reset_requests import DynamoResetRequestQueue

    register(anonymous)
    anonymous.json("POST", "/store/password/forgot", {"email": "lea@example.com"})
    with monkeypatch.context() as patched:
        patched.setattr(DynamoResetRequestQueue, "delete", lambda self, request: None)  # the crash
        assert send_queued_resets() == {"handled": 1}
    assert send_queued_resets() == {"handled": 1}  # redelivered: handled again, not mailed again
    assert send_queued_resets() == {"handled": 0}
    assert len(mailbox.sent) == 1


# -- guests -------------------------------------------------------------------------------------------
def verify_token(mail_text: str) -> str:
    match = re.search(r"/verify\?token=([A-Za-z0-9_\-]+)", mail_text)
    assert match, "no verification link in the mail"
    return match.group(1)


def test_registering_with_a_guest_email_needs_the_mailed_link(
    admin: Api, anonymous: Api, mailbox: MemoryMailer
) -> None:
    # Issue 16 §1.1: knowing a guest's address is not owning it.
    _, guest = admin.json(
        "POST",
        "/admin/customers",
        {"first_name": "G", "last_name": "Uest", "email": "lea@example.com", "is_guest": True},
    )
    admin.json(
        "POST",
        f"/admin/customers/{guest['id']}/addresses",
        {
            "alias": "Home",
            "first_name": "G",
            "last_name": "Uest",
            "address1": "1 rue Secrète",
            "postcode": "75001",
            "city": "Paris",
            "country": "FR",
            "phone": "+33600000000",
        },
    )
    status, body = register(anonymous)
    assert (status, body) == (202, {"status": "verification_sent"})
    [mail] = mailbox.sent
    assert mail.to == "lea@example.com" and "Léa" not in mail.text  # no caller text in the mail
    token = verify_token(mail.text)
    # Nothing changed yet: still a guest, and the chosen password does not sign in.
    assert admin.json("GET", f"/admin/customers/{guest['id']}")[1]["profile"]["is_guest"] is True
    status, body = login(anonymous)
    assert (status, body["Code"]) == (403, "EmailNotVerified")
    assert login(anonymous, password="Wrong-password-1")[0] == 401  # never revealed without it
    # However often someone registers, the address gets one mail per 10 minutes.
    for _ in range(3):
        assert register(anonymous, password="Other-passw0rd!")[0] == 202
    assert len(mailbox.sent) == 1
    # The link is a verification link only: it resets no password.
    assert (
        anonymous.json("POST", "/store/password/reset", {"token": token, "password": "X-passw0rd-42"})[0]
        == 400
    )
    status, session = anonymous.json("POST", "/store/verify", {"token": token})
    assert status == 200, session
    assert session["customer"]["id"] == guest["id"] and session["customer"]["is_guest"] is False
    me = as_customer(anonymous, session["token"])
    status, addresses = me.json("GET", "/store/me/addresses")
    assert status == 200 and [a["city"] for a in addresses["items"]] == ["Paris"]
    assert anonymous.json("POST", "/store/verify", {"token": token})[0] == 400  # single use
    assert anonymous.json("POST", "/store/verify", {"token": "forged"})[0] == 400
    assert login(anonymous)[0] == 200
    _, profile = admin.json("GET", f"/admin/customers/{guest['id']}")
    assert profile["profile"]["group_ids"] == ["customer"] and profile["profile"]["first_name"] == "Léa"


def test_required_email_verification(admin: Api, anonymous: Api, mailbox: MemoryMailer) -> None:
    assert admin.json("GET", "/admin/settings")[1]["email_verification"] == "off"
    assert admin.json("PATCH", "/admin/settings", {"email_verification": "required"})[0] == 200
    assert admin.json("PATCH", "/admin/settings", {"email_verification": "sometimes"})[0] == 400
    assert register(anonymous)[0] == 202
    assert admin.json("GET", "/admin/customers?email=lea@example.com")[1]["items"] == []
    assert login(anonymous)[1]["Code"] == "EmailNotVerified"
    status, session = anonymous.json("POST", "/store/verify", {"token": verify_token(mailbox.sent[0].text)})
    assert status == 200 and session["token"] and session["customer"]["status"] == "active"
    assert as_customer(anonymous, session["token"]).json("GET", "/store/me")[0] == 200
    assert register(anonymous)[0] == 409  # an account now
    # With approval too: verify first, then wait for the shop.
    admin.json("PATCH", "/admin/settings", {"registration_mode": "required"})
    assert register(anonymous, email="zoe@example.com")[0] == 202
    assert login(anonymous, email="zoe@example.com")[1]["Code"] == "EmailNotVerified"
    status, session = anonymous.json("POST", "/store/verify", {"token": verify_token(mailbox.sent[-1].text)})
    assert status == 200 and session["token"] is None
    assert session["customer"]["status"] == "pending_approval"
    assert login(anonymous, email="zoe@example.com")[1]["Code"] == "PendingApproval"


def test_a_password_link_dies_with_the_address_it_was_mailed_to(
    admin: Api, anonymous: Api, mailbox: MemoryMailer
) -> None:
    body = {"first_name": "Zoé", "last_name": "G", "email": "zoe@exampel.com", "is_guest": True}
    _, guest = admin.json("POST", "/admin/customers", body)
    assert admin.json("POST", f"/admin/customers/{guest['id']}/convert-guest")[0] == 200
    token = link_token(mailbox.sent[-1].text)  # went to the typo'd address
    assert admin.json("PATCH", f"/admin/customers/{guest['id']}", {"email": "zoe@example.com"})[0] == 200
    status, answer = anonymous.json(
        "POST", "/store/password/reset", {"token": token, "password": "Zoe-passw0rd!"}
    )
    assert (status, answer["Code"]) == (400, "InvalidToken")


def test_convert_guest_mails_a_set_password_link(admin: Api, anonymous: Api, mailbox: MemoryMailer) -> None:
    _, guest = admin.json(
        "POST",
        "/admin/customers",
        {
            "first_name": "Zoé",
            "last_name": "G",
            "email": "zoe@example.com",
            "is_guest": True,
            "language": "fr",
        },
    )
    status, converted = admin.json("POST", f"/admin/customers/{guest['id']}/convert-guest")
    # The guest stays a guest until its link is used (the address proves itself).
    assert status == 200 and converted["is_guest"] is True
    assert admin.json("POST", "/admin/customers/nope/convert-guest")[0] == 404
    assert [m.subject for m in mailbox.sent] == ["Votre compte My shop est prêt"]
    token = link_token(mailbox.sent[0].text)
    assert anonymous.json("POST", "/store/verify", {"token": token})[0] == 400  # not a verify link
    assert (
        anonymous.call(
            "POST", "/store/password/reset", {"token": token, "password": "Zoe-passw0rd!"}
        ).status_code
        == 204
    )
    assert login(anonymous, email="zoe@example.com", password="Zoe-passw0rd!")[0] == 200
    _, profile = admin.json("GET", f"/admin/customers/{guest['id']}")
    assert profile["profile"]["is_guest"] is False and profile["profile"]["group_ids"] == ["customer"]
    assert admin.json("POST", f"/admin/customers/{guest['id']}/convert-guest")[0] == 409


# -- own profile ---------------------------------------------------------------------------------------
def test_own_profile_changes(anonymous: Api) -> None:
    me = as_customer(anonymous, register(anonymous)[1]["token"])
    status, profile = me.json("PATCH", "/store/me", {"first_name": "Lea", "newsletter": True})
    assert status == 200 and (profile["first_name"], profile["newsletter"]) == ("Lea", True)
    for forbidden in ({"status": "active"}, {"group_ids": ["vip"]}, {"note": "x"}, {"risk_rating": "low"}):
        assert me.json("PATCH", "/store/me", forbidden)[0] == 400, forbidden
    status, body = me.json("PATCH", "/store/me", {"email": "new@example.com"})
    assert status == 400 and "current_password" in body["Fields"]
    status, profile = me.json(
        "PATCH", "/store/me", {"email": "new@example.com", "current_password": PASSWORD}
    )
    assert status == 200 and profile["email"] == "new@example.com"
    me = as_customer(anonymous, profile["token"])  # the e-mail change ended the old session
    register(anonymous, email="other@example.com")
    status, body = me.json("PATCH", "/store/me", {"email": "OTHER@example.com", "current_password": PASSWORD})
    assert status == 409


def test_own_personal_data(anonymous: Api) -> None:
    token = register(anonymous)[1]["token"]
    login(anonymous)
    status, data = as_customer(anonymous, token).json("GET", "/store/me/personal-data")
    assert status == 200
    assert data["profile"]["email"] == "lea@example.com"
    assert data["groups"] == ["customer"] and len(data["last_connections"]) == 1
    assert set(data) >= {"addresses", "carts", "orders", "threads"}


def test_no_pii_or_secret_in_logs(anonymous: Api, mailbox: MemoryMailer, app_logs: io.StringIO) -> None:
    register(anonymous)
    login(anonymous)
    login(anonymous, password="Wrong-password-1")
    anonymous.json("POST", "/store/password/forgot", {"email": "lea@example.com"})
    send_queued_resets()
    token = link_token(mailbox.sent[0].text)
    anonymous.json("POST", "/store/password/reset", {"token": token, "password": "New-passw0rd!"})
    logs = app_logs.getvalue()
    assert "customer signed in" in logs and "password reset" in logs  # the log was captured
    for secret in ("lea@example.com", "Léa", "Martin", PASSWORD, "New-passw0rd!", token):
        assert secret not in logs


# -- token purposes (issue 16 §1.3) --------------------------------------------------------------------
def test_an_erase_link_does_not_reset_the_password(anonymous: Api, mailbox: MemoryMailer) -> None:
    me = as_customer(anonymous, register(anonymous)[1]["token"])
    assert me.json("POST", "/store/me/erase-request")[0] == 202
    match = re.search(r"/privacy/erase\?token=([A-Za-z0-9_\-]+)", mailbox.sent[-1].text)
    assert match
    erase_token = match.group(1)
    status, body = anonymous.json(
        "POST", "/store/password/reset", {"token": erase_token, "password": "Taken-over-42!"}
    )
    assert status == 400 and body["Code"] == "InvalidToken"
    assert login(anonymous, password="Taken-over-42!")[0] == 401
    # ...and a reset link does not confirm an erasure.
    anonymous.json("POST", "/store/password/forgot", {"email": "lea@example.com"})
    send_queued_resets()
    reset_token = link_token(mailbox.sent[-1].text)
    assert anonymous.json("POST", "/store/erase/confirm", {"token": reset_token})[0] == 400
    assert login(anonymous)[0] == 200
    # Each link still works for its own flow.
    assert (
        anonymous.call(
            "POST", "/store/password/reset", {"token": reset_token, "password": "New-passw0rd!"}
        ).status_code
        == 204
    )


# -- a new password or e-mail ends the other sessions (issue 16 §1.2) ---------------------------------
def test_a_new_password_ends_every_other_session(anonymous: Api) -> None:
    first = register(anonymous)[1]["token"]
    second = login(anonymous)[1]["token"]
    me = as_customer(anonymous, first)
    status, body = me.json("PATCH", "/store/me", {"first_name": "Lea"})
    assert status == 200 and body["token"] is None  # nothing sensitive changed: sessions stay
    assert as_customer(anonymous, second).json("GET", "/store/me")[0] == 200
    status, body = me.json(
        "PATCH", "/store/me", {"password": "Brand-new-pass-1", "current_password": PASSWORD}
    )
    assert status == 200 and body["token"] and body["expires_at"]
    assert as_customer(anonymous, second).json("GET", "/store/me")[0] == 401
    assert as_customer(anonymous, first).json("GET", "/store/me")[0] == 401
    fresh = as_customer(anonymous, body["token"])
    assert fresh.json("GET", "/store/me")[0] == 200
    # An e-mail change does the same.
    status, body = fresh.json(
        "PATCH", "/store/me", {"email": "lea.new@example.com", "current_password": "Brand-new-pass-1"}
    )
    assert status == 200 and body["token"]
    assert fresh.json("GET", "/store/me")[0] == 401
    assert as_customer(anonymous, body["token"]).json("GET", "/store/me")[0] == 200


def test_an_admin_password_change_ends_the_customers_sessions(admin: Api, anonymous: Api) -> None:
    session = register(anonymous)[1]
    customer = as_customer(anonymous, session["token"])
    assert admin.json("PATCH", f"/admin/customers/{session['customer']['id']}", {"note": "vip"})[0] == 200
    assert customer.json("GET", "/store/me")[0] == 200
    status, _ = admin.json(
        "PATCH", f"/admin/customers/{session['customer']['id']}", {"password": "Admin-set-pass-1"}
    )
    assert status == 200
    assert customer.json("GET", "/store/me")[0] == 401
    assert login(anonymous, password="Admin-set-pass-1")[0] == 200


def test_an_employees_password_change_ends_their_sessions(admin: Api, support: Api) -> None:
    assert support.json("GET", "/admin/customers")[0] == 200
    _, employees = admin.json("GET", "/admin/employees")
    [sam] = [e for e in employees["items"] if e["role"] == "support"]
    assert admin.json("PATCH", f"/admin/employees/{sam['id']}", {"first_name": "Samuel"})[0] == 200
    assert support.json("GET", "/admin/customers")[0] == 200
    status, _ = admin.json("PATCH", f"/admin/employees/{sam['id']}", {"password": "Another-staff-pass-9"})
    assert status == 200
    assert support.json("GET", "/admin/customers")[0] == 401
    assert admin.json("GET", "/admin/customers")[0] == 200  # the admin's own session is untouched
