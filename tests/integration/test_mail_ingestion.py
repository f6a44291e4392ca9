"""Mail into customer service: ingestion (threading, dedupe, auto-replies, unprocessed mail), the
SES inbound handler, and the IMAP/POP3 poll against a real dovecot on 127.0.0.1."""

from __future__ import annotations

import imaplib
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from chalicelib.core.errors import NotFoundError
from chalicelib.core.secrets import FileSecret
from chalicelib.core.settings import get_settings
from chalicelib.mail.repository import to_mime
from chalicelib.wiring import build_container, container, use_container
from tests.factories import FixedClock
from tests.fakes.mail import MemoryMailer
from tests.integration.conftest import Api
from tests.integration.mailserver import MailServer, start_mail_server

SUPPORT_BOX = "support@shop-example.com"


@pytest.fixture(autouse=True)
def clock(aws: None, mailbox: MemoryMailer, tmp_path: Path) -> FixedClock:
    fixed = FixedClock()
    secret = FileSecret(tmp_path / "imap-password")
    use_container(build_container(get_settings(), mailer=mailbox, clock=fixed, imap_password=secret))
    return fixed


@pytest.fixture
def shop(admin: Api) -> Api:
    assert admin.json("PATCH", "/admin/contacts/customer-service", {"email": SUPPORT_BOX})[0] == 200
    return admin


@pytest.fixture(scope="module")
def server() -> Iterator[MailServer]:
    running = start_mail_server()
    yield running
    running.stop()


def mail(
    subject: str = "Hello",
    body: str = "Hi there",
    sender: str = "ana@example.com",
    to: str = SUPPORT_BOX,
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("message_id", make_msgid(domain="example.com"))
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def thread_of(shop: Api, thread_id: str) -> dict[str, Any]:
    status, view = shop.json("GET", f"/admin/threads/{thread_id}")
    assert status == 200, view
    return view


def form_thread(anonymous: Api, shop: Api, mailbox: MemoryMailer) -> tuple[str, Any, Any]:
    """A thread opened by the contact form and answered once; returns (thread id, ack, reply)."""
    status, sent = anonymous.json(
        "POST",
        "/store/contact",
        {
            "contact_id": "customer-service",
            "email": "ana@example.com",
            "message": "Where?",
            "subject": "Parcel",
        },
    )
    assert status == 201, sent
    shop.json("POST", f"/admin/threads/{sent['thread_id']}/reply", {"message": "Tomorrow."})
    now = container().threads.clock()
    ack, reply = (to_mime(m, now) for m in mailbox.sent[-2:])
    return sent["thread_id"], ack, reply


def ingest(raw: bytes, source: str = "ses") -> Any:
    return container().ingestion.ingest(raw, source)


# -- threading ---------------------------------------------------------------------------------
def test_reply_token_in_the_recipient_threads_it(shop: Api, anonymous: Api, mailbox: MemoryMailer) -> None:
    thread_id, _ack, reply = form_thread(anonymous, shop, mailbox)
    result = ingest(mail("anything", "Thanks", to=reply["Reply-To"]))
    assert (result.outcome, result.thread_id) == ("threaded", thread_id)
    view = thread_of(shop, thread_id)
    assert [m["text"] for m in view["messages"]][-1] == "Thanks" and view["messages"][-1]["source"] == "mail"


def test_in_reply_to_threads_it(shop: Api, anonymous: Api, mailbox: MemoryMailer) -> None:
    thread_id, _ack, reply = form_thread(anonymous, shop, mailbox)
    result = ingest(mail("Re: Parcel", "ok", In_Reply_To=reply["Message-ID"]))
    assert (result.outcome, result.thread_id) == ("threaded", thread_id)


def test_a_reply_with_only_references(shop: Api, anonymous: Api, mailbox: MemoryMailer) -> None:
    thread_id, ack, _reply = form_thread(anonymous, shop, mailbox)
    result = ingest(mail("Re: Parcel", "ok", References=f"<unknown@elsewhere> {ack['Message-ID']}"))
    assert (result.outcome, result.thread_id) == ("threaded", thread_id)


def test_an_outlook_style_reply_threads_by_the_subject_tag(
    shop: Api, anonymous: Api, mailbox: MemoryMailer
) -> None:
    thread_id, _ack, reply = form_thread(anonymous, shop, mailbox)
    outlook = mail(f"AW: {reply['Subject']}", "Danke\r\n\r\n-----Original Message-----\r\nFrom: shop\r\nold")
    result = ingest(outlook)
    assert (result.outcome, result.thread_id) == ("threaded", thread_id)
    assert thread_of(shop, thread_id)["messages"][-1]["text"] == "Danke"


def test_an_encoded_word_subject_carrying_the_tag(shop: Api, anonymous: Api, mailbox: MemoryMailer) -> None:
    thread_id, _ack, reply = form_thread(anonymous, shop, mailbox)
    tag = reply["Subject"].split("]")[0] + "]"
    import base64

    encoded = "=?UTF-8?B?" + base64.b64encode(f"Ré: {tag} Colis".encode()).decode() + "?="
    raw = mail("placeholder", "merci").replace(b"Subject: placeholder", f"Subject: {encoded}".encode())
    result = ingest(raw)
    assert (result.outcome, result.thread_id) == ("threaded", thread_id)


def test_new_mail_opens_a_thread_for_the_contact_and_links_the_customer(shop: Api, anonymous: Api) -> None:
    shop.json("PATCH", "/admin/contacts/webmaster", {"email": "web@shop-example.com"})
    anonymous.json(
        "POST",
        "/store/register",
        {"first_name": "Ana", "last_name": "B", "email": "ana@example.com", "password": "Correct-horse-42"},
    )
    result = ingest(mail("Broken page", "The cart page fails", to="Web <web@shop-example.com>"))
    assert result.outcome == "new_thread"
    view = thread_of(shop, result.thread_id)
    assert view["thread"]["contact_id"] == "webmaster" and view["customer"]["email"] == "ana@example.com"
    assert ingest(mail("Other", "x", to="someone@elsewhere.example"))  # no contact address → default
    _, boxes = shop.json("GET", "/admin/customer-service/summary")
    assert {b["contact_id"]: b["open"] for b in boxes["contacts"]} == {"customer-service": 1, "webmaster": 1}


def test_same_mail_twice_is_stored_once(shop: Api) -> None:
    raw = mail("Question", "Is it in stock?")
    first, second = ingest(raw), ingest(raw, "imap")
    assert (first.outcome, second.outcome) == ("new_thread", "duplicate")
    assert len(thread_of(shop, first.thread_id)["messages"]) == 1
    without_id = b"From: bob@example.com\r\nTo: support@shop-example.com\r\nSubject: no id\r\n\r\nhello\r\n"
    assert [ingest(without_id).outcome, ingest(without_id).outcome] == ["new_thread", "duplicate"]


def test_an_auto_reply_to_a_closed_thread_keeps_it_closed(
    shop: Api, anonymous: Api, mailbox: MemoryMailer
) -> None:
    thread_id, _ack, reply = form_thread(anonymous, shop, mailbox)
    shop.json("POST", f"/admin/threads/{thread_id}/status", {"status": "closed"})
    sent = len(mailbox.sent)
    result = ingest(
        mail("Out of office", "Back Monday", In_Reply_To=reply["Message-ID"], Auto_Submitted="auto-replied")
    )
    assert (result.outcome, result.auto_submitted) == ("threaded", True)
    view = thread_of(shop, thread_id)
    assert view["thread"]["status"] == "closed" and view["messages"][-1]["auto_submitted"] is True
    assert len(mailbox.sent) == sent
    person = ingest(mail("Re: Parcel", "Still nothing", In_Reply_To=reply["Message-ID"]))
    assert person.outcome == "threaded" and thread_of(shop, thread_id)["thread"]["status"] == "open"


def test_a_bounce(shop: Api, anonymous: Api, mailbox: MemoryMailer) -> None:
    thread_id, _ack, reply = form_thread(anonymous, shop, mailbox)
    bounce = (
        f"From: MAILER-DAEMON@mx.example.com\r\nTo: {SUPPORT_BOX}\r\nSubject: Undelivered Mail\r\n"
        f"Message-ID: <bounce-1@mx.example.com>\r\nIn-Reply-To: {reply['Message-ID']}\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nUser unknown\r\n--b\r\n"
        "Content-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n"
    ).encode()
    result = ingest(bounce)
    assert (result.outcome, result.thread_id, result.auto_submitted) == ("threaded", thread_id, True)
    orphan = bounce.replace(reply["Message-ID"].encode(), b"<nothing@nowhere>").replace(
        b"bounce-1", b"bounce-2"
    )
    assert ingest(orphan).outcome == "unprocessed"


def test_unparseable_and_unplaced_mail_is_kept_and_retryable(shop: Api, support: Api) -> None:
    shop.json("PATCH", "/admin/settings", {"customer_service": {"imap": {"create_new_threads": False}}})
    assert ingest(mail("New", "no thread")).outcome == "unprocessed"
    assert ingest(b"").outcome == "unprocessed"
    status, listing = support.json("GET", "/admin/customer-service/unprocessed")
    assert status == 200 and len(listing["items"]) == 2
    reasons = sorted(item["reason"] for item in listing["items"])
    assert reasons[0].startswith("no thread to join") and reasons[1].startswith("unparseable")
    assert all(item["raw_url"] for item in listing["items"])
    placeable = next(item for item in listing["items"] if item["reason"].startswith("no thread"))
    shop.json("PATCH", "/admin/settings", {"customer_service": {"imap": {"create_new_threads": True}}})
    status, retried = support.json("POST", f"/admin/customer-service/unprocessed/{placeable['id']}/retry")
    assert status == 200 and retried["outcome"] == "new_thread"
    assert len(support.json("GET", "/admin/customer-service/unprocessed")[1]["items"]) == 1
    assert support.json("POST", "/admin/customer-service/unprocessed/nope/retry")[0] == 404


def test_attachments_are_stored_within_limits(shop: Api) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "ana@example.com", SUPPORT_BOX, "Photos"
    message["Message-ID"] = "<photos@example.com>"
    message.set_content("two photos")
    for number in range(12):
        message.add_attachment(
            b"\x89PNG\r\n\x1a\n" + bytes([number]), maintype="image", subtype="png", filename=f"p{number}.png"
        )
    result = ingest(message.as_bytes())
    [stored] = thread_of(shop, result.thread_id)["messages"]
    kept = [a for a in stored["attachments"] if a["url"]]
    assert len(stored["attachments"]) == 12 and len(kept) == 10
    assert sum("not kept" in note for note in stored["notes"]) == 2


# -- SES inbound -------------------------------------------------------------------------------
def test_ses_inbound_object_is_ingested_once(shop: Api) -> None:
    from app import app
    from devtools.events import LambdaContext

    raw = mail("From SES", "hello via SES", message_id="<ses-1@example.com>")
    services = container()
    services.files.put("inbound/abc123", raw, "message/rfc822")
    event = {
        "version": "0",
        "id": "e1",
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": "000000000000",
        "time": "2026-11-23T10:00:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": {"bucket": {"name": get_settings().bucket_name}, "object": {"key": "inbound/abc123"}},
    }
    handler = app.handler_map["inbound_mail"]
    context = LambdaContext("inbound_mail", "r1", "arn:aws:lambda:us-east-1:0:function:inbound_mail")
    handler(event, context)
    handler(event, context)  # redelivered
    _, threads = shop.json("GET", "/admin/threads")
    assert len(threads["items"]) == 1
    gone = event | {"detail": {"bucket": event["detail"]["bucket"], "object": {"key": "inbound/missing"}}}
    handler(gone, context)  # nothing to read: logged, no crash


def test_the_stored_mail_names_its_raw_copy_and_a_second_ses_copy_is_deleted(shop: Api) -> None:
    """Issue 16 §4: erasure can only delete the raw mail a message names."""
    from app import app
    from devtools.events import LambdaContext

    raw = mail("Twice", "sent twice by SES", message_id="<ses-twice@example.com>")
    services = container()
    handler = app.handler_map["inbound_mail"]
    context = LambdaContext("inbound_mail", "r1", "arn:aws:lambda:us-east-1:0:function:inbound_mail")

    def deliver(key: str) -> None:
        detail = {"bucket": {"name": get_settings().bucket_name}, "object": {"key": key}}
        event = {
            "version": "0",
            "id": f"e-{key}",
            "detail-type": "Object Created",
            "source": "aws.s3",
            "account": "000000000000",
            "time": "2026-11-23T10:00:00Z",
            "region": "us-east-1",
            "resources": [],
            "detail": detail,
        }
        handler(event, context)

    services.files.put("inbound/first", raw, "message/rfc822")
    deliver("inbound/first")
    services.files.put("inbound/second", raw, "message/rfc822")
    deliver("inbound/second")  # SES stored the same mail twice
    deliver("inbound/first")  # the first event, redelivered
    _, threads = shop.json("GET", "/admin/threads")
    [thread] = threads["items"]
    [message] = services.threads.messages_of(thread["id"])
    assert message.raw_key == "inbound/first"
    assert _exists("inbound/first") and not _exists("inbound/second")


def _exists(key: str) -> bool:
    s3 = boto3.client("s3", region_name=get_settings().region)
    return "Contents" in s3.list_objects_v2(Bucket=get_settings().bucket_name, Prefix=key)


# -- IMAP / POP3 poll --------------------------------------------------------------------------
def configure(shop: Api, server: MailServer, **options: Any) -> str:
    user = server.new_user()
    imap = {
        "url": "127.0.0.1",
        "port": server.imaps,
        "user": user,
        "ssl": True,
        "novalidate_cert": True,
    } | options
    assert shop.json("PATCH", "/admin/settings", {"customer_service": {"imap": imap}})[0] == 200
    assert shop.json("PUT", "/admin/customer-service/mailbox/password", {"password": "mail-pass-1"})[0] == 204
    return user


def poll(shop: Api) -> dict[str, Any]:
    from app import app
    from devtools.events import invoke_schedule

    result: dict[str, Any] = invoke_schedule(app, "mail-poll", container().threads.clock())
    return result


@pytest.mark.parametrize(
    "options",
    [
        {"ssl": True},
        {"ssl": False, "notls": True, "port": "imap"},
        {"ssl": False, "tls": True, "port": "imap"},
    ],
    ids=["imaps", "plain", "starttls"],
)
def test_imap_poll_over_each_transport(shop: Api, server: MailServer, options: dict[str, Any]) -> None:
    if options.get("port") == "imap":
        options = options | {"port": server.imap}
    user = configure(shop, server, **options)
    server.deliver(user, mail("One", "first"), mail("Two", "second"))
    result = poll(shop)
    assert (result["fetched"], result["stored"], result["error"]) == (2, 2, None)
    assert poll(shop)["fetched"] == 0  # checkpoint: nothing again
    assert server.count(user) == 2  # delete_messages off: left on the server
    _, state = shop.json("GET", "/admin/customer-service/mailbox")
    imap = next(s for s in state["sources"] if s["source"] == "imap")
    assert (imap["last_result"], imap["fetched_total"], state["password_set"]) == ("ok", 2, True)
    assert "mail-pass-1" not in str(state)


def test_certificates_are_validated_when_asked(shop: Api, server: MailServer) -> None:
    configure(shop, server, novalidate_cert=False, validate_cert=True)
    result = poll(shop)
    assert result["fetched"] == 0 and result["error"].startswith("CertificateNotTrusted: ")


def test_wrong_password_is_recorded_without_the_password(
    shop: Api, server: MailServer, app_logs: Any
) -> None:
    configure(shop, server)
    shop.json("PUT", "/admin/customer-service/mailbox/password", {"password": "Wrong-Secret-9"})
    result = poll(shop)
    assert result["error"] and "Wrong-Secret-9" not in result["error"]
    _, state = shop.json("GET", "/admin/customer-service/mailbox")
    imap = next(s for s in state["sources"] if s["source"] == "imap")
    # Our words, not the server's (its text is whatever the remote end chose to send).
    assert imap["last_error"] == "AuthenticationFailed: the server refused the user name or password"
    assert imap["last_result"] == "error" and "AUTHENTICATIONFAILED" not in imap["last_error"]
    assert "Wrong-Secret-9" not in app_logs.getvalue()


def test_delete_messages_only_after_they_are_stored(shop: Api, server: MailServer) -> None:
    user = configure(shop, server, delete_messages=True)
    server.deliver(user, mail("A", "a"), mail("B", "b"))
    assert poll(shop)["deleted"] == 2 and server.count(user) == 0
    _, threads = shop.json("GET", "/admin/threads")
    assert len(threads["items"]) == 2


def test_a_connection_dropped_mid_fetch(
    shop: Api, server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = configure(shop, server)
    server.deliver(user, *(mail(f"M{n}", f"body {n}") for n in range(4)))
    original = imaplib.IMAP4.uid
    calls = {"fetch": 0}

    def flaky(self: imaplib.IMAP4, command: str, *args: Any) -> Any:
        if command == "FETCH":
            calls["fetch"] += 1
            if calls["fetch"] == 3:
                raise imaplib.IMAP4.abort("socket error: connection reset")
        return original(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", flaky)
    first = poll(shop)
    assert first["stored"] == 2 and first["error"]
    monkeypatch.undo()
    second = poll(shop)
    assert second["error"] is None and second["stored"] + second["duplicates"] >= 2
    _, threads = shop.json("GET", "/admin/threads")
    assert len(threads["items"]) == 4


def test_uidvalidity_change_refetches_without_doubles(shop: Api, server: MailServer) -> None:
    user = configure(shop, server, mailbox="Support")
    messages = [mail("X", "x"), mail("Y", "y")]
    server.deliver(user, *messages, mailbox="Support")
    assert poll(shop)["stored"] == 2
    client = server.imap_client(user)
    client.delete("Support")
    client.logout()
    server.deliver(user, *messages, mailbox="Support")  # recreated: a new UIDVALIDITY
    again = poll(shop)
    assert (again["fetched"], again["duplicates"], again["stored"]) == (2, 2, 0)


def test_the_same_mail_via_ses_and_imap_is_stored_once(shop: Api, server: MailServer) -> None:
    user = configure(shop, server)
    raw = mail("Both ways", "hello", message_id="<both@example.com>")
    assert ingest(raw).outcome == "new_thread"
    server.deliver(user, raw)
    result = poll(shop)
    assert (result["fetched"], result["duplicates"]) == (1, 1)


@pytest.mark.parametrize("delete", [False, True])
def test_pop3_poll(shop: Api, server: MailServer, delete: bool) -> None:
    user = configure(shop, server, pop3=True, port=server.pop3s, delete_messages=delete)
    server.deliver(user, mail("P1", "one"), mail("P2", "two"))
    result = poll(shop)
    assert (result["source"], result["stored"], result["error"]) == ("pop3", 2, None)
    assert poll(shop)["fetched"] == 0
    assert server.count(user) == (0 if delete else 2)


def test_pop3_plain_with_starttls(shop: Api, server: MailServer) -> None:
    user = configure(shop, server, pop3=True, ssl=False, tls=True, port=server.pop3)
    server.deliver(user, mail("P", "p"))
    assert poll(shop)["stored"] == 1


def test_poll_without_configuration_or_password(shop: Api) -> None:
    assert "not configured" in poll(shop)["error"]
    shop.json("PATCH", "/admin/settings", {"customer_service": {"imap": {"url": "127.0.0.1", "user": "x"}}})
    assert "no password" in poll(shop)["error"]


def test_mailbox_routes_need_roles(anonymous: Api, support: Api) -> None:
    assert anonymous.json("GET", "/admin/customer-service/mailbox")[0] == 401
    assert support.json("GET", "/admin/customer-service/mailbox")[0] == 200
    assert support.json("PUT", "/admin/customer-service/mailbox/password", {"password": "x"})[0] == 403


def test_retention_forgets_old_unprocessed_mail(shop: Api, support: Api, clock: FixedClock) -> None:
    from app import app
    from devtools.events import invoke_schedule

    assert ingest(b"").outcome == "unprocessed"
    [kept] = support.json("GET", "/admin/customer-service/unprocessed")[1]["items"]
    clock.advance(days=30)
    invoke_schedule(app, "retention-cleanup", clock.now)
    # (staff tokens have expired by now: the service is asked directly)
    assert len(container().ingestion.unprocessed_page(50, None)[0]) == 1
    clock.advance(days=61)  # past retention.unprocessed_mail_days (90)
    result = invoke_schedule(app, "retention-cleanup", clock.now)
    assert result["unprocessed_deleted"] == 1
    assert container().ingestion.unprocessed_page(50, None)[0] == []
    raw_key = f"unprocessed/{kept['id']}.eml"
    with pytest.raises(NotFoundError):
        container().files.open(raw_key)


def test_hostile_mail_is_stored_bounded_or_kept(shop: Api, support: Api) -> None:
    huge = mail("Huge", "x" * 450_000)
    result = ingest(huge)
    assert result.outcome == "new_thread"
    [stored] = thread_of(shop, result.thread_id)["messages"]
    assert len(stored["text"]) == 100_000
    assert ingest(mail("Token", "hi", to="support+ab-\u00e9@shop-example.com")).outcome == "new_thread"
    weird = mail("placeholder", "x").replace(
        b"Subject: placeholder", b"Subject: =?utf-8?q?Hi=E2=80=A8there?="
    )
    thread_id = ingest(weird).thread_id
    assert thread_of(shop, thread_id)["thread"]["subject"] == "Hi there"
    assert shop.json("POST", f"/admin/threads/{thread_id}/reply", {"message": "Hello"})[0] == 201


def test_mail_attachment_types_are_sniffed(shop: Api) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "ana@example.com", SUPPORT_BOX, "Files"
    message.set_content("see files")
    message.add_attachment(b"MZ\x90\x00binary", maintype="image", subtype="png", filename="photo.png.exe")
    message.add_attachment(b"%PDF-1.7 ...", maintype="application", subtype="octet-stream", filename="a.pdf")
    result = ingest(message.as_bytes())
    [stored] = thread_of(shop, result.thread_id)["messages"]
    types = {a["name"]: a["content_type"] for a in stored["attachments"]}
    assert types == {"photo.png.exe": "application/octet-stream", "a.pdf": "application/pdf"}


# -- huge headers and messages that end every run (issue 16 §3.2) --------------------------------
def huge_references() -> bytes:
    """2 MB of References (100,000 ids), which the standard library took seconds to parse; built
    as bytes, since an EmailMessage would parse (and fold) the header itself."""
    ids = b" ".join(b"<%d.rrrrrrrr@example.com>" % n for n in range(100_000))
    return mail("Huge headers", "body").replace(
        b"Subject: Huge headers", b"Subject: Huge headers\nReferences: " + ids
    )


def parsed_subjects(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every message handed to the parser (the raw bytes' first 4 KB), recorded."""
    import chalicelib.support.ingestion as ingestion_module

    seen: list[bytes] = []
    real = ingestion_module.parse_mail

    def spy(raw: bytes) -> Any:
        seen.append(raw)
        return real(raw)

    monkeypatch.setattr(ingestion_module, "parse_mail", spy)
    return seen


def test_huge_headers_are_kept_unprocessed_without_being_parsed(
    shop: Api, support: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = parsed_subjects(monkeypatch)
    raw = huge_references()
    assert len(raw) > 2_000_000
    result = ingest(raw)
    assert result.outcome == "unprocessed" and "larger than 32 KB" in (result.reason or "")
    assert parsed == []  # the parser never saw it
    _, listing = support.json("GET", "/admin/customer-service/unprocessed")
    [kept] = listing["items"]
    assert kept["size"] == len(raw) and kept["raw_url"]
    assert requests.get(kept["raw_url"], timeout=5).content == raw  # the raw copy, whole
    # Retrying it keeps it listed, still unparsed.
    assert (
        support.json("POST", f"/admin/customer-service/unprocessed/{kept['id']}/retry")[1]["outcome"]
        == "unprocessed"
    )
    assert parsed == []


def test_the_poll_moves_past_a_message_with_huge_headers(
    shop: Api, server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = configure(shop, server)
    server.deliver(user, huge_references(), mail("After", "the next one"))
    parsed = parsed_subjects(monkeypatch)
    result = poll(shop)
    assert (result["fetched"], result["unprocessed"], result["stored"], result["error"]) == (2, 1, 1, None)
    assert len(parsed) == 1 and b"Subject: After" in parsed[0]
    assert poll(shop)["fetched"] == 0


def test_a_message_that_ends_every_run_is_kept_unparsed_and_the_poll_moves_on(
    shop: Api, server: MailServer, support: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = configure(shop, server)
    server.deliver(user, mail("Poison", "p"), mail("After", "the next one"))
    ingestion = container().ingestion
    real = ingestion.ingest

    def dies_on_poison(_self: object, raw: bytes, source: str, raw_key: str | None = None) -> Any:
        if b"Subject: Poison" in raw:
            raise RuntimeError("the invocation died")  # as a timeout or a crash would end it
        return real(raw, source, raw_key)

    monkeypatch.setattr(type(ingestion), "ingest", dies_on_poison)  # services are frozen
    for _ in range(3):
        with pytest.raises(RuntimeError):
            poll(shop)
    result = poll(shop)
    assert (result["fetched"], result["unprocessed"], result["stored"], result["error"]) == (2, 1, 1, None)
    _, listing = support.json("GET", "/admin/customer-service/unprocessed")
    assert [item["reason"] for item in listing["items"]] == ["could not be ingested in 3 runs: kept unparsed"]
    _, state = shop.json("GET", "/admin/customer-service/mailbox")
    assert next(s for s in state["sources"] if s["source"] == "imap")["last_result"] == "ok"
