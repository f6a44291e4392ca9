"""Privacy through the routes (moto, fixed clock): personal-data export, erasure, consents,
one-click unsubscribe, the sweep honouring consent, retention."""

from __future__ import annotations

import re
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import boto3
import pytest

from chalicelib.core.errors import ServiceUnavailableError
from chalicelib.core.settings import get_settings
from chalicelib.core.text import email_hash
from chalicelib.mail.repository import to_mime
from chalicelib.privacy.repository import DynamoPrivacyRepository
from chalicelib.wiring import build_container, container, use_container
from devtools.events import invoke_schedule
from tests.factories import FixedClock
from tests.fakes.mail import MemoryMailer
from tests.integration.conftest import Api
from tests.integration.test_carts_orders import confirm_reminders
from tests.integration.test_customer_service import PNG, multipart

PASSWORD = "Correct-horse-42"
EMAIL = "lea.privacy@example.com"
FIRST, LAST = "Léopoldine", "Quassowski"
PHONE = "+33 6 12 34 56 78"
STREET = "17 rue des Érables"
REMIND = {"abandoned_cart": {"remind": True, "idle_minutes": 60, "voucher_percent": "10", "voucher_days": 7}}


@pytest.fixture
def anonymous(shop_server: Api) -> Api:
    """Storefront calls here come from the shop's server with its key: writing cart lines and
    checking out need it (issue 16 §2.1); tests/integration/test_storefront_keys.py covers the rest."""
    return shop_server


@pytest.fixture(autouse=True)
def clock(aws: None, mailbox: MemoryMailer) -> FixedClock:
    fixed = FixedClock()
    use_container(build_container(get_settings(), mailer=mailbox, clock=fixed))
    return fixed


def schedule(name: str, at: Any) -> dict[str, Any]:
    from app import app

    result: dict[str, Any] = invoke_schedule(app, name, at)
    return result


def register(
    anonymous: Api, email: str = EMAIL, headers: dict[str, str] | None = None, **fields: Any
) -> tuple[Api, str]:
    body = {"first_name": FIRST, "last_name": LAST, "email": email, "password": PASSWORD} | fields
    status, session = anonymous.json("POST", "/store/register", body, headers=headers or {})
    assert status == 201, session
    return anonymous.as_customer(session["token"]), session["customer"]["id"]


def raw_mail(subject: str, text: str, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"{FIRST} {LAST} <{EMAIL}>"
    message["To"] = "support@shop-example.com"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message.as_bytes()


def object_created(key: str) -> None:
    """The S3 "Object Created" event for `key`, delivered to the handler that takes it."""
    from app import app
    from devtools.events import LambdaContext

    settings = get_settings()
    head = boto3.client("s3", region_name=settings.region).head_object(Bucket=settings.bucket_name, Key=key)
    name = {"inbound/": "inbound_mail", "imports/": "import_uploaded", "exports/": "export_requested"}[
        key[: key.index("/") + 1]
    ]
    event = {
        "version": "0",
        "id": f"event-{key}",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "000000000000",
        "time": "2026-11-23T10:00:00Z",
        "region": settings.region,
        "resources": [],
        "detail": {
            "bucket": {"name": settings.bucket_name},
            "object": {"key": key, "size": head["ContentLength"], "etag": head["ETag"].strip('"')},
        },
    }
    app.handler_map[name](event, LambdaContext(name, "r1", f"arn:aws:lambda:us-east-1:0:function:{name}"))


def every_copy(admin: Api, anonymous: Api, clock: FixedClock) -> dict[str, Any]:
    """Copies of the customer's data outside the items rich_customer makes: a mail received
    through SES (raw copy under inbound/), an auto-reply kept unprocessed from SES and one from
    the mailbox poll (raw copy under unprocessed/), an import uploaded to S3 (imports/, with an
    error report under reports/) and an asynchronous export (exports/)."""
    files = container().files
    files.put("inbound/lea-1", raw_mail("About my order", f"{FIRST} here, {PHONE}"), "message/rfc822")
    object_created("inbound/lea-1")
    auto = raw_mail("Out of office", f"{FIRST} {LAST} is away", Auto_Submitted="auto-replied")
    files.put("inbound/lea-2", auto, "message/rfc822")
    object_created("inbound/lea-2")
    assert container().ingestion.ingest(auto.replace(b"away", b"still away"), "imap").outcome == "unprocessed"
    status, created = admin.json("POST", "/admin/imports", {"kind": "customers", "filename": "lea.csv"})
    assert status == 201, created
    csv = (
        "Email address;First Name;Last name;Birthday\n"
        f"{EMAIL};{FIRST};{LAST};1990-05-17\n{EMAIL};{FIRST};{LAST};nope\n"  # line 3: an error row
    )
    key = f"imports/{created['import_id']}/lea.csv"
    files.put(key, csv.encode(), "text/csv")
    object_created(key)
    _, job = admin.json("GET", f"/admin/imports/{created['import_id']}")
    assert job["status"] == "completed_with_errors" and job["updated"] == 1, job
    status, started = admin.json("GET", "/admin/customers/export?async=true")
    assert status == 202, started
    object_created(f"exports/{started['export_id']}/request.json")
    return {"import_id": created["import_id"]}


def put_line(api: Api, cart_id: str, headers: dict[str, str] | None = None) -> None:
    body = {"quantity": 2, "unit_price": "12.50", "product_name": "Mug"}
    status, cart = api.json("PUT", f"/store/carts/{cart_id}/lines/sku-1", body, headers=headers or {})
    assert status == 200, cart


def scan_table() -> list[dict[str, Any]]:
    """Every item of the table (a Scan: tests only)."""
    client = boto3.client("dynamodb", region_name=get_settings().region)
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=get_settings().table_name):
        items += page["Items"]
    return items


def bucket_objects() -> dict[str, bytes]:
    s3 = boto3.client("s3", region_name=get_settings().region)
    bucket = get_settings().bucket_name
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.get_object(Bucket=bucket, Key=key)["Body"].read() for key in keys}


def rich_customer(admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock) -> dict[str, Any]:
    """A customer with every kind of item the table can hold about one: profile, e-mail item,
    membership, consents and their history, a connection, an address, an ordered cart with its
    (delivered) order, an abandoned cart with a voucher, a thread with an attachment and a reply,
    an open password-reset link and an import row."""
    admin.json("PATCH", "/admin/contacts/customer-service", {"email": "support@shop-example.com"})
    admin.json("PATCH", "/admin/settings", REMIND)
    me, customer_id = register(anonymous, newsletter=True, headers={"Idempotency-Key": "register-1"})
    status, _ = anonymous.json("POST", "/store/login", {"email": EMAIL, "password": PASSWORD})
    assert status == 200
    status, address = me.json(
        "POST",
        "/store/me/addresses",
        {
            "first_name": FIRST,
            "last_name": LAST,
            "address1": STREET,
            "city": "Lyon",
            "country": "FR",
            "phone": PHONE,
        },
        headers={"Idempotency-Key": "address-1"},
    )
    assert status == 201, address
    _, cart = me.json("POST", "/store/carts")
    put_line(me, cart["id"])
    status, order = me.json(
        "POST",
        f"/store/carts/{cart['id']}/checkout",
        {"payment_method": "card", "delivery_address_id": address["id"]},
    )
    assert status == 201, order
    for step in ("processing", "shipped", "delivered"):
        assert admin.json("POST", f"/admin/orders/{order['id']}/status", {"status": step})[0] == 200
    _, idle = me.json("POST", "/store/carts")
    put_line(me, idle["id"])
    clock.advance(hours=2)
    assert schedule("abandoned-cart-sweep", clock.now)["reminded"] == 1
    form = {"contact_id": "customer-service", "email": EMAIL, "message": f"I am {FIRST} {LAST}, call {PHONE}"}
    body, content_type = multipart(form, ("damage.png", PNG))
    response = anonymous.call("POST", "/store/contact", body, headers={"Content-Type": content_type})
    assert response.status_code == 201, response.body
    thread_id = response.json_body["thread_id"]
    status, _ = admin.json("POST", f"/admin/threads/{thread_id}/reply", {"message": f"Hello {FIRST}"})
    assert status == 201
    anonymous.json("POST", "/store/password/forgot", {"email": EMAIL})
    schedule("password-reset-outbox", clock.now)  # the worker mails the queued reset link
    rows = {"rows": [{"Email address": EMAIL, "First Name": FIRST, "Last name": LAST, "Opt.": True}]}
    status, job = admin.json("POST", "/admin/customers/import", rows)
    assert status == 200 and job["updated"] == 1, job
    # A cart opened as a guest with the same e-mail, never attached to the account.
    status, guest = anonymous.json("POST", "/store/carts", {"email": EMAIL.upper(), "cart_reminders": True})
    assert status == 201, guest
    confirm_reminders(anonymous, mailbox, EMAIL.upper())  # the double opt-in, given as a guest
    return {
        "id": customer_id,
        "me": me,
        "order": order,
        "thread_id": thread_id,
        "import_id": job["id"],
        "cart_ids": {cart["id"], idle["id"], guest["id"]},
    }


# -- export ------------------------------------------------------------------------------------
# Every entity type that can hold something about a customer, and the export section showing it.
# A new entity type that references a customer fails the walk below until it is exported.
EXPORTED_AS = {
    "CUSTOMER": "profile",
    "CUSTOMER_PRIVATE": "profile",  # the profile's private part (note, consents, provenance)
    "CUSTOMER_EMAIL": "profile",  # the uniqueness item holds the profile's e-mail
    "GROUP_MEMBER": "groups",
    "CONNECTION": "last_connections",
    "ADDRESS": "addresses",
    "CONSENT": "consent_history",
    "CART": "carts",
    "ORDER": "orders",
    "VOUCHER": "vouchers",
    "ACCOUNT_TOKEN": "open_links",
    "PENDING_REGISTRATION": "pending_registration",
    "THREAD": "threads",
    "THREAD_MESSAGE": "threads",
    "THREAD_EVENT": "threads",
    "MESSAGE_ID": "threads",  # lookup items holding only the thread id
    "THREAD_TAG": "threads",
    "ERASURE": "erasure",
}


def _values(item: dict[str, Any]) -> str:
    return " ".join(str(v) for v in item.values()).lower()


def test_export_walks_every_entity_type_held_about_a_customer(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock
) -> None:
    lea = rich_customer(admin, anonymous, mailbox, clock)
    status, export = admin.json("GET", f"/admin/customers/{lea['id']}/personal-data")
    assert status == 200, export
    markers = {lea["id"].lower(), EMAIL, lea["thread_id"].lower()}
    held = {
        item["entity_type"]["S"]
        for item in scan_table()
        if "entity_type" in item and any(marker in _values(item) for marker in markers)
    }
    assert {"CUSTOMER", "ADDRESS", "ORDER", "VOUCHER", "THREAD_MESSAGE", "CONSENT"} <= held
    for entity_type in held:
        assert entity_type in EXPORTED_AS, f"{entity_type} items hold customer data the export does not show"
        section = export[EXPORTED_AS[entity_type]]
        assert section, f"{entity_type} is held but the export's {EXPORTED_AS[entity_type]} is empty"
    assert export["profile"]["email"] == EMAIL and export["profile"]["optin"] is True
    assert [o["history"][-1]["status"] for o in export["orders"]] == ["delivered"]
    assert [h["status"] for h in export["orders"][0]["history"]] == [
        "pending",
        "processing",
        "shipped",
        "delivered",
    ]
    [thread] = export["threads"]
    assert [m["from"] for m in thread["messages"]] == ["customer", "employee"]
    [attachment] = thread["messages"][0]["attachments"]
    assert "Signature=" in attachment["url"]
    assert {(c["channel"], c["source"]) for c in export["consent_history"]} == {
        ("email_marketing", "storefront"),
        ("partner_offers", "import"),
    }
    assert [(r["import_id"], r["line"], r["action"]) for r in export["import_rows"]] == [
        (lea["import_id"], 2, "updated")
    ]
    assert [link["purpose"] for link in export["open_links"]] == ["reset"]
    assert [(c["channel"], c["source"]) for c in export["guest_consents"]] == [
        ("cart_reminders", "double_opt_in")
    ]
    assert {c["id"] for c in export["carts"]} == lea["cart_ids"]
    status, own = lea["me"].json("GET", "/store/me/personal-data")
    assert status == 200 and own["profile"]["id"] == lea["id"] and len(own["orders"]) == 1


def test_claiming_an_address_does_not_export_its_owners_conversations(admin: Api, anonymous: Api) -> None:
    """An account's address is not proven (e-mail verification off, or an e-mail change): its own
    export must not hand over what someone else wrote from that address before."""
    form = {"contact_id": "customer-service", "email": EMAIL, "message": f"I am {FIRST}, call {PHONE}"}
    assert anonymous.json("POST", "/store/contact", form)[0] == 201
    _, cart = anonymous.json("POST", "/store/carts", {"email": EMAIL})
    attacker, attacker_id = register(anonymous)  # claims the victim's address, verification off
    status, own = attacker.json("GET", "/store/me/personal-data")
    assert status == 200 and own["threads"] == [] and own["carts"] == []
    assert PHONE not in str(own)
    _, full = admin.json("GET", f"/admin/customers/{attacker_id}/personal-data")
    assert len(full["threads"]) == 1 and cart["id"] in {c["id"] for c in full["carts"]}


def test_export_lists_the_raw_copies_held_about_the_customer(
    admin: Api, anonymous: Api, clock: FixedClock
) -> None:
    admin.json("PATCH", "/admin/contacts/customer-service", {"email": "support@shop-example.com"})
    _, customer_id = register(anonymous)
    copies = every_copy(admin, anonymous, clock)
    _, export = admin.json("GET", f"/admin/customers/{customer_id}/personal-data")
    kinds = sorted(f["kind"] for f in export["stored_files"])
    assert kinds == ["import_report", "raw_mail", "unprocessed_mail", "unprocessed_mail"], export[
        "stored_files"
    ]
    assert {"kind": "import_report", "ref": copies["import_id"]} in export["stored_files"]
    [thread] = export["threads"]
    [raw] = [f for f in export["stored_files"] if f["kind"] == "raw_mail"]
    assert raw["ref"] == f"{thread['id']}/{thread['messages'][0]['id']}"


def test_a_pending_registration_is_exported_and_erased(admin: Api, anonymous: Api) -> None:
    # Someone registered with a guest's address (issue 16 §1.1): the waiting registration holds
    # names and a password hash about that address until its link is used or it expires.
    _, guest = admin.json(
        "POST", "/admin/customers", {"first_name": "G", "last_name": "U", "email": EMAIL, "is_guest": True}
    )
    body = {"first_name": FIRST, "last_name": LAST, "email": EMAIL, "password": PASSWORD}
    assert anonymous.json("POST", "/store/register", body)[0] == 202
    status, export = admin.json("GET", f"/admin/customers/{guest['id']}/personal-data")
    assert status == 200
    pending = export["pending_registration"]
    assert pending["details"]["first_name"] == FIRST and "password" not in str(pending).lower()
    held = {
        item["entity_type"]["S"] for item in scan_table() if "entity_type" in item and EMAIL in _values(item)
    }
    assert "PENDING_REGISTRATION" in held
    for entity_type in held:
        assert entity_type in EXPORTED_AS, f"{entity_type} items hold customer data the export does not show"
        assert export[EXPORTED_AS[entity_type]], entity_type
    status, job = admin.json("POST", f"/admin/customers/{guest['id']}/erase")
    assert status in (200, 202) and job["done"], job
    assert not [i for i in scan_table() if EMAIL in _values(i) or FIRST.lower() in _values(i)]


def test_export_is_for_admins(admin: Api, support: Api, anonymous: Api) -> None:
    _, customer_id = register(anonymous)
    assert support.json("GET", f"/admin/customers/{customer_id}/personal-data")[0] == 403
    assert support.json("POST", f"/admin/customers/{customer_id}/erase")[0] == 403
    assert admin.json("GET", "/admin/customers/01NOPE/personal-data")[0] == 404


# -- erasure -----------------------------------------------------------------------------------
def test_erasure_removes_personal_data_and_keeps_orders(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock
) -> None:
    lea = rich_customer(admin, anonymous, mailbox, clock)
    order = lea["order"]
    assert any(key.startswith(f"attachments/{lea['thread_id']}/") for key in bucket_objects())
    status, job = admin.json("POST", f"/admin/customers/{lea['id']}/erase")
    assert status == 200 and job["done"] is True and job["step"] == "done", job

    needles = [EMAIL, FIRST.lower(), LAST.lower(), PHONE.lower(), STREET.lower(), "photo", "damage.png"]
    for item in scan_table():
        text = _values(item)
        found = [n for n in needles if n in text]
        assert not found, (item["PK"], item["SK"], found)
    for key, data in bucket_objects().items():
        assert not key.startswith("attachments/"), key
        assert EMAIL.encode() not in data and LAST.encode() not in data, key
    status, kept = admin.json("GET", f"/admin/orders/{order['id']}")
    assert status == 200
    assert (kept["total"], kept["status"], kept["customer_id"], kept["created_at"]) == (
        order["total"],
        "delivered",
        lea["id"],
        order["created_at"],
    )
    assert kept["delivery_address"]["last_name"] == "[erased]" and kept["delivery_address"]["country"] == "FR"
    _, thread = admin.json("GET", f"/admin/threads/{lea['thread_id']}")
    assert {m["text"] for m in thread["messages"]} == {"[erased]"} and thread["thread"]["email"] != EMAIL
    assert lea["me"].json("GET", "/store/me")[0] == 401  # sessions are gone
    for cart_id in lea["cart_ids"]:
        assert admin.json("GET", f"/admin/carts/{cart_id}")[0] == 404
    # The cart-reminder confirmation given as a guest with the e-mail is forgotten too.
    assert DynamoPrivacyRepository().opt_ins(email_hash(EMAIL)) == []
    register(anonymous)  # the e-mail is free again
    _, audit = admin.json("GET", "/admin/erasures")
    [record] = audit["items"]
    assert record["customer_id"] == lea["id"] and record["requested_by"].startswith("employee:")
    assert EMAIL not in str(record) and FIRST not in str(record)


def test_erasure_leaves_no_trace_in_the_table_or_the_bucket(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock
) -> None:
    """Issue 16 §4: after an erasure, no item of the table (idempotency records included) and no
    object of the bucket (inbound/, unprocessed/, imports/, reports/, exports/, attachments/)
    holds the customer's e-mail, names, phone, street or session token."""
    lea = rich_customer(admin, anonymous, mailbox, clock)  # registered and addressed with Idempotency-Keys
    customer_id, token = lea["id"], lea["me"].token
    every_copy(admin, anonymous, clock)
    objects = bucket_objects()
    for prefix in ("inbound/", "unprocessed/", "exports/"):
        assert any(k.startswith(prefix) and EMAIL.encode() in v for k, v in objects.items()), prefix
    _, export = admin.json("GET", f"/admin/customers/{customer_id}/personal-data")
    assert {f["kind"] for f in export["stored_files"]} >= {"raw_mail", "unprocessed_mail", "import_report"}

    status, job = admin.json("POST", f"/admin/customers/{customer_id}/erase")
    assert status == 200 and job["done"] is True, job
    needles = [EMAIL, FIRST.lower(), LAST.lower(), PHONE.lower(), STREET.lower(), token.lower()]
    for item in scan_table():
        found = [n for n in needles if n in _values(item)]
        assert not found, (item["PK"], item["SK"], found)
    for key, data in bucket_objects().items():
        text = data.decode("utf-8", "replace").lower()
        found = [n for n in needles if n in text]
        assert not found, (key, found)


def test_erasing_twice_returns_the_same_finished_job(admin: Api, anonymous: Api) -> None:
    _, customer_id = register(anonymous)
    status, first = admin.json("POST", f"/admin/customers/{customer_id}/erase")
    assert status == 200 and first["done"]
    status, second = admin.json("POST", f"/admin/customers/{customer_id}/erase")
    assert status == 200 and second == first
    assert admin.json("GET", f"/admin/customers/{customer_id}")[0] == 404
    assert admin.json("GET", f"/admin/customers/{customer_id}/erasure")[1]["done"] is True


def test_erasure_waits_for_open_orders(admin: Api, anonymous: Api) -> None:
    me, customer_id = register(anonymous)
    _, cart = me.json("POST", "/store/carts")
    put_line(me, cart["id"])
    _, order = me.json(
        "POST",
        f"/store/carts/{cart['id']}/checkout",
        {"payment_method": "card", "first_name": FIRST, "last_name": LAST},
    )
    for step in ("pending", "processing", "shipped"):
        if step != "pending":
            admin.json("POST", f"/admin/orders/{order['id']}/status", {"status": step})
        status, body = admin.json("POST", f"/admin/customers/{customer_id}/erase")
        assert status == 409, (step, body)
    admin.json("POST", f"/admin/orders/{order['id']}/status", {"status": "delivered"})
    assert admin.json("POST", f"/admin/customers/{customer_id}/erase")[0] == 200


def test_an_interrupted_erasure_resumes_where_it_stopped(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    lea = rich_customer(admin, anonymous, mailbox, clock)

    def unavailable(*_args: Any) -> Any:
        raise ServiceUnavailableError("DynamoDB is throttling")

    monkeypatch.setattr(DynamoPrivacyRepository, "anonymise_orders", unavailable)
    status, _ = admin.json("POST", f"/admin/customers/{lea['id']}/erase")
    assert status == 503
    _, job = admin.json("GET", f"/admin/customers/{lea['id']}/erasure")
    assert (job["step"], job["done"]) == ("orders", False)  # threads are done, orders not yet
    _, thread = admin.json("GET", f"/admin/threads/{lea['thread_id']}")
    assert thread["thread"]["email"] != EMAIL
    assert admin.json("GET", f"/admin/customers/{lea['id']}")[0] == 200  # the profile is still there
    monkeypatch.undo()
    # The daily cleanup resumes unfinished erasures (a second POST would too).
    assert schedule("retention-cleanup", clock.now)["erasures_resumed"] == 1
    _, job = admin.json("GET", f"/admin/customers/{lea['id']}/erasure")
    assert job["done"] is True
    assert not [i for i in scan_table() if EMAIL in _values(i)]


def test_self_service_erasure_by_confirmation_link(anonymous: Api, mailbox: MemoryMailer, admin: Api) -> None:
    me, customer_id = register(anonymous, language="fr")
    status, _ = me.json("POST", "/store/me/erase-request")
    assert status == 202
    [mail] = [m for m in mailbox.sent if "suppression" in m.subject.lower()]
    token = parse_qs(urlsplit(re.findall(r"https?://\S+", mail.text)[0]).query)["token"][0]
    assert anonymous.json("POST", "/store/erase/confirm", {"token": "forged"})[0] == 400
    status, job = anonymous.json("POST", "/store/erase/confirm", {"token": token})
    assert status == 200 and job["done"] and job["requested_by"] == "customer"
    assert anonymous.json("POST", "/store/erase/confirm", {"token": token})[0] == 400  # single use
    assert admin.json("GET", f"/admin/customers/{customer_id}")[0] == 404


# -- consents and unsubscribe ------------------------------------------------------------------
def _unsubscribe_url(mail: Any, clock: FixedClock) -> str:
    header = str(to_mime(mail, clock.now)["List-Unsubscribe"])
    return header.strip("<>")


def test_consent_history_from_storefront_admin_import_and_link(
    admin: Api, anonymous: Api, clock: FixedClock
) -> None:
    me, customer_id = register(anonymous, newsletter=True)
    clock.advance(minutes=1)
    assert admin.json("PATCH", f"/admin/customers/{customer_id}", {"optin": True})[0] == 200
    clock.advance(minutes=1)
    rows = {"rows": [{"Email address": EMAIL, "First Name": FIRST, "Last name": LAST, "Opt.": False}]}
    assert admin.json("POST", "/admin/customers/import", rows)[1]["updated"] == 1
    clock.advance(minutes=1)
    status, consents = me.json(
        "PUT", "/store/me/consents/cart_reminders", {"state": "subscribed", "level": "confirmed"}
    )
    assert status == 200, consents
    clock.advance(minutes=1)
    link = container().consents.link("email_marketing", customer_id=customer_id, email=None)
    token = parse_qs(urlsplit(link.url).query)["token"][0]
    status, body = anonymous.json("POST", "/store/unsubscribe", {"token": token})
    assert status == 200 and body == {"channel": "email_marketing", "state": "unsubscribed"}
    assert anonymous.json("POST", "/store/unsubscribe", {"token": token})[0] == 200  # idempotent
    status, consents = admin.json("GET", f"/admin/customers/{customer_id}/consents")
    assert status == 200
    assert [(c["channel"], c["state"], c["source"]) for c in consents["history"]] == [
        ("email_marketing", "subscribed", "storefront"),
        ("partner_offers", "subscribed", "admin"),
        ("partner_offers", "unsubscribed", "import"),
        ("cart_reminders", "subscribed", "storefront"),
        ("email_marketing", "unsubscribed", "unsubscribe_link"),
    ]
    current = {c["channel"]: (c["state"], c["level"]) for c in consents["current"]}
    assert current == {
        "email_marketing": ("unsubscribed", "single"),
        "partner_offers": ("unsubscribed", "single"),
        "cart_reminders": ("subscribed", "confirmed"),
    }
    _, view = admin.json("GET", f"/admin/customers/{customer_id}")
    assert (view["profile"]["newsletter"], view["profile"]["optin"]) == (False, False)
    assert (
        admin.json("PUT", f"/admin/customers/{customer_id}/consents/nope", {"state": "subscribed"})[0] == 400
    )


def test_unsubscribe_page_asks_and_one_click_post_unsubscribes(anonymous: Api, admin: Api) -> None:
    _, customer_id = register(anonymous, newsletter=True)
    link = container().consents.link("email_marketing", customer_id=customer_id, email=None)
    path = link.url.removeprefix(container().config.settings().public_api_url)
    page = anonymous.client.http.get(path)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    text = page.body.decode()
    assert '<form method="post"' in text and "<script" not in text
    assert (
        admin.json("GET", f"/admin/customers/{customer_id}")[1]["profile"]["newsletter"] is True
    )  # GET changed nothing
    # RFC 8058: the mail client posts "List-Unsubscribe=One-Click" to the header's URL.
    response = anonymous.client.http.post(
        path,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        body=b"List-Unsubscribe=One-Click",
    )
    assert response.status_code == 200
    assert admin.json("GET", f"/admin/customers/{customer_id}")[1]["profile"]["newsletter"] is False
    assert anonymous.client.http.get("/store/unsubscribe?token=c.x.m.forged").status_code == 400
    assert anonymous.json("POST", "/store/unsubscribe", {"token": "c.x.m.forged"})[0] == 400


def test_sweep_mails_only_with_consent_and_carries_unsubscribe_headers(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock
) -> None:
    admin.json("PATCH", "/admin/settings", REMIND)
    subscriber, _ = register(anonymous, "news@example.com", newsletter=True)
    plain, _ = register(anonymous, "plain@example.com")
    for api in (subscriber, plain):
        _, cart = api.json("POST", "/store/carts")
        put_line(api, cart["id"])
    _, guest = anonymous.json("POST", "/store/carts", {"email": "guest@example.com", "cart_reminders": True})
    confirm_reminders(anonymous, mailbox, "guest@example.com")
    put_line(anonymous, guest["id"], {"X-Cart-Token": guest["cart_token"]})
    clock.advance(hours=2)
    assert schedule("abandoned-cart-sweep", clock.now)["reminded"] == 2
    assert sorted(m.to for m in mailbox.sent if "cart" in m.subject.lower()) == [
        "guest@example.com",
        "news@example.com",
    ]
    for mail in mailbox.sent:
        if "cart" not in mail.subject.lower():
            continue
        mime = to_mime(mail, clock.now)
        assert mime["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert b"\nList-Unsubscribe: <http://127.0.0.1:8000/store/unsubscribe?token=" in mime.as_bytes()
        url = _unsubscribe_url(mail, clock)
        assert url.startswith("http://127.0.0.1:8000/store/unsubscribe?token=") and url in mail.text
        # Both unsubscribe from cart reminders through their link (guest: a suppression by hash).
        path = url.removeprefix("http://127.0.0.1:8000")
        assert (
            anonymous.client.http.post(
                path,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                body=b"List-Unsubscribe=One-Click",
            ).status_code
            == 200
        )
    mailbox.sent.clear()
    for api in (subscriber,):
        _, cart = api.json("POST", "/store/carts")
        put_line(api, cart["id"])
    _, again = anonymous.json("POST", "/store/carts", {"email": "GUEST@example.com", "cart_reminders": True})
    put_line(anonymous, again["id"], {"X-Cart-Token": again["cart_token"]})
    clock.advance(hours=2)
    result = schedule("abandoned-cart-sweep", clock.now)
    assert (result["abandoned"], result["reminded"]) == (2, 0) and not mailbox.sent


def test_one_service_reminder_without_consent_when_the_settings_allow(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock
) -> None:
    admin.json(
        "PATCH", "/admin/settings", {"abandoned_cart": REMIND["abandoned_cart"] | {"service_reminder": True}}
    )
    plain, _ = register(anonymous, "plain@example.com")
    for _ in range(2):
        _, cart = plain.json("POST", "/store/carts")
        put_line(plain, cart["id"])
        clock.advance(hours=2)
        schedule("abandoned-cart-sweep", clock.now)
    [reminder] = [m for m in mailbox.sent if m.to == "plain@example.com"]
    assert "%" not in reminder.text  # no voucher in a service reminder
    assert to_mime(reminder, clock.now)["List-Unsubscribe"]


# -- retention ---------------------------------------------------------------------------------
def test_retention_erases_old_guests_without_orders_and_old_abandoned_carts(
    admin: Api, anonymous: Api, clock: FixedClock
) -> None:
    status, lonely = admin.json(
        "POST",
        "/admin/customers",
        {"first_name": FIRST, "last_name": LAST, "email": "old.guest@example.com", "is_guest": True},
    )
    assert status == 201, lonely
    _, guest_cart = anonymous.json("POST", "/store/carts", {"email": "buyer@example.com"})
    put_line(anonymous, guest_cart["id"], {"X-Cart-Token": guest_cart["cart_token"]})
    status, order = anonymous.json(
        "POST",
        f"/store/carts/{guest_cart['id']}/checkout",
        {"payment_method": "card", "email": "buyer@example.com", "first_name": "Bu", "last_name": "Yer"},
        headers={"X-Cart-Token": guest_cart["cart_token"]},
    )
    assert status == 201, order
    _, idle = anonymous.json("POST", "/store/carts", {"email": "idle@example.com"})
    put_line(anonymous, idle["id"], {"X-Cart-Token": idle["cart_token"]})
    clock.advance(hours=2)
    assert schedule("abandoned-cart-sweep", clock.now)["abandoned"] == 1
    assert schedule("retention-cleanup", clock.now) == {
        "erasures_resumed": 0,
        "guests_erased": 0,
        "carts_deleted": 0,
        "unprocessed_deleted": 0,
        "stopped_early": False,
    }
    later = clock.now + timedelta(days=400)
    result = schedule("retention-cleanup", later)
    assert (result["guests_erased"], result["carts_deleted"]) == (1, 1)
    assert admin.json("GET", f"/admin/customers/{lonely['id']}")[0] == 404
    assert admin.json("GET", f"/admin/customers/{order['customer_id']}")[0] == 200  # it ordered: kept
    assert admin.json("GET", f"/admin/carts/{idle['id']}")[0] == 404
    assert schedule("retention-cleanup", later)["guests_erased"] == 0


def test_export_and_erasure_use_keyed_requests_only(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    from chalicelib.models.base import TableRecord
    from devtools.bench import Counter

    lea = rich_customer(admin, anonymous, mailbox, clock)
    services = container()
    counter = Counter()
    events = TableRecord._get_connection().connection.client.meta.events
    events.register("after-call.dynamodb", counter.after_call)
    try:
        services.personal_data.export(lea["id"])
        exported = dict(counter.requests)
        counter.reset()
        assert services.erasure.erase(lea["id"], "employee:test").done
        erased = dict(counter.requests)
    finally:
        events.unregister("after-call.dynamodb", counter.after_call)
    with capsys.disabled():
        print(f"\nexport: {exported}\nerasure: {erased}")
    assert "Scan" not in exported and "Scan" not in erased
    assert sum(exported.values()) <= 15 and sum(erased.values()) <= 60


def test_privacy_flows_log_no_personal_data(
    admin: Api, anonymous: Api, mailbox: MemoryMailer, clock: FixedClock, app_logs: Any
) -> None:
    lea = rich_customer(admin, anonymous, mailbox, clock)
    admin.json("GET", f"/admin/customers/{lea['id']}/personal-data")
    link = container().consents.link("email_marketing", customer_id=lea["id"], email=None)
    token = parse_qs(urlsplit(link.url).query)["token"][0]
    anonymous.json("POST", "/store/unsubscribe", {"token": token})
    lea["me"].json("POST", "/store/me/erase-request")
    admin.json("POST", f"/admin/customers/{lea['id']}/erase")
    logs = app_logs.getvalue()
    assert "erasure finished" in logs and "consent recorded" in logs  # the log was captured
    for secret in (EMAIL, FIRST, LAST, PHONE, STREET, token):
        assert secret not in logs
