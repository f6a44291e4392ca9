"""Customer service through the routes (moto, fixed clock): contact form, threads, replies by
mail with threading headers, statuses and counters, forwarding, summary."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest

from chalicelib.core.settings import get_settings
from chalicelib.mail.repository import to_mime
from chalicelib.support.domain import Message, counters_of
from chalicelib.wiring import build_container, container, use_container
from tests.factories import FixedClock
from tests.fakes.mail import MemoryMailer
from tests.integration.conftest import Api

PASSWORD = "Correct-horse-42"
SUPPORT_BOX = "support@shop-example.com"


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


@pytest.fixture
def shop(admin: Api) -> Api:
    status, body = admin.json("PATCH", "/admin/contacts/customer-service", {"email": SUPPORT_BOX})
    assert status == 200, body
    return admin


def send(api: Api, **fields: Any) -> tuple[int, Any]:
    body = {"contact_id": "customer-service", "email": "ana@example.com", "message": "Where is my parcel?"}
    headers = fields.pop("headers", {})
    return api.json("POST", "/store/contact", body | fields, headers=headers)


def boxes(admin: Api) -> dict[str, dict[str, int]]:
    status, summary = admin.json("GET", "/admin/customer-service/summary")
    assert status == 200, summary
    return {box["contact_id"]: box for box in summary["contacts"]}


def test_contact_form_opens_a_thread_and_acknowledges(
    shop: Api, anonymous: Api, mailbox: MemoryMailer
) -> None:
    status, sent = send(anonymous, subject="Parcel", language="fr")
    assert status == 201 and sent["stored"] is True, sent
    status, page = shop.json("GET", "/admin/threads")
    assert [t["id"] for t in page["items"]] == [sent["thread_id"]]
    thread = page["items"][0]
    assert (thread["status"], thread["unread"], thread["last_message_from"]) == ("open", True, "customer")
    # Anonymous: the address is only a claim (issue 16 §2.3).
    assert (thread["sender_verified"], thread["customer_id"]) == (False, None)
    assert boxes(shop)["customer-service"].items() >= {"open": 1, "unread": 1, "pending": 0}.items()
    [ack] = mailbox.sent
    mime = to_mime(ack, container().threads.clock())
    assert ack.to == "ana@example.com" and f"[#{thread['tag']}]" in ack.subject
    assert "Nous avons bien reçu" in ack.subject
    # The acknowledgement never quotes the message: it would let anyone mail any text to any address.
    assert "Where is my parcel?" not in ack.text and "Where is my parcel?" not in (ack.html or "")
    reply_to = mime["Reply-To"]
    token = reply_to.split("@")[0].split("+", 1)[1]
    assert (
        reply_to.endswith("@shop-example.com")
        and container().threads.reply_tokens.thread_of(token) == sent["thread_id"]
    )
    assert mime["Message-ID"]


def _signed_in(anonymous: Api, email: str = "ana@example.com") -> tuple[Api, str]:
    status, session = anonymous.json(
        "POST",
        "/store/register",
        {"first_name": "Ana", "last_name": "B", "email": email, "password": PASSWORD},
    )
    assert status == 201, session
    return Api(anonymous.client, session["token"]), session["customer"]["id"]


def test_continues_the_signed_in_owners_open_thread_for_the_same_contact_and_order(
    shop: Api, anonymous: Api
) -> None:
    ana, ana_id = _signed_in(anonymous)
    first = send(ana)[1]["thread_id"]
    assert send(ana, message="Any news?")[1]["thread_id"] == first
    assert send(ana, contact_id="webmaster")[1]["thread_id"] != first
    shop.json("POST", f"/admin/threads/{first}/status", {"status": "closed"})
    assert send(ana, message="New question")[1]["thread_id"] != first
    _, view = shop.json("GET", f"/admin/threads/{first}")
    assert [m["text"] for m in view["messages"]] == ["Where is my parcel?", "Any news?"]
    assert (view["thread"]["sender_verified"], view["thread"]["customer_id"]) == (True, ana_id)
    # Signed in but writing from another address: that address is not proven either.
    other = send(ana, email="someone.else@example.com")[1]["thread_id"]
    assert shop.json("GET", f"/admin/threads/{other}")[1]["thread"]["sender_verified"] is False


def test_an_anonymous_post_never_joins_someone_elses_thread_nor_their_account(
    shop: Api, anonymous: Api, mailbox: MemoryMailer
) -> None:
    """Issue 16 §2.3: knowing a customer's e-mail used to be enough to write into their open
    thread (and be linked to their account)."""
    ana, ana_id = _signed_in(anonymous)
    mine = send(ana)[1]["thread_id"]
    status, forged = send(anonymous, message="Please send the refund to IBAN FR76 ...")
    assert status == 201 and forged["thread_id"] != mine
    _, view = shop.json("GET", f"/admin/threads/{mine}")
    assert [m["text"] for m in view["messages"]] == ["Where is my parcel?"]
    _, other = shop.json("GET", f"/admin/threads/{forged['thread_id']}")
    assert (other["thread"]["sender_verified"], other["thread"]["customer_id"]) == (False, None)
    assert other["customer"] is None
    _, linked = shop.json("GET", f"/admin/threads?customer_id={ana_id}")
    assert [t["id"] for t in linked["items"]] == [mine]
    # Two anonymous posts open two threads: none continues another by its claimed address.
    assert send(anonymous, message="Again")[1]["thread_id"] not in (mine, forged["thread_id"])
    assert all("IBAN" not in mail.text for mail in mailbox.sent)


def test_contact_without_saving_only_mails(shop: Api, anonymous: Api, mailbox: MemoryMailer) -> None:
    shop.json("PATCH", "/admin/contacts/webmaster", {"save_messages": False, "email": "web@shop-example.com"})
    status, body = send(anonymous, contact_id="webmaster", subject="Broken link")
    assert status == 202 and body == {"thread_id": None, "message_id": None, "stored": False}
    assert shop.json("GET", "/admin/threads")[1]["items"] == []
    [mail] = mailbox.sent
    assert mail.to == "web@shop-example.com" and "Where is my parcel?" in mail.text
    assert to_mime(mail, container().threads.clock())["Reply-To"] == "ana@example.com"


@pytest.mark.parametrize(
    ("fields", "status", "field"),
    [
        ({"email": "not-an-email"}, 400, "email"),
        ({"message": ""}, 400, "message"),
        ({"message": "x" * 10_001}, 400, "message"),
        ({"colour": "red"}, 400, "colour"),
        ({"contact_id": "nobody"}, 404, None),
        ({"order_id": "missing"}, 404, None),
    ],
)
def test_contact_form_validation(
    anonymous: Api, fields: dict[str, Any], status: int, field: str | None
) -> None:
    got, body = send(anonymous, **fields)
    assert got == status, body
    if field:
        assert field in body["Fields"]


def test_contact_form_bad_bodies(anonymous: Api) -> None:
    assert anonymous.json("POST", "/store/contact", "{not json")[0] == 400
    assert anonymous.json("POST", "/store/contact", [1, 2])[0] == 400
    response = anonymous.call("POST", "/store/contact", b"x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415


def test_hidden_contact_is_404(shop: Api, anonymous: Api) -> None:
    shop.json("PATCH", "/admin/contacts/webmaster", {"hidden": True})
    assert send(anonymous, contact_id="webmaster")[0] == 404


def test_contact_form_is_throttled(anonymous: Api) -> None:
    for number in range(5):
        assert send(anonymous, email=f"n{number}@example.com")[0] == 201
    status, body = send(anonymous, email="late@example.com")
    assert (status, body["Code"]) == (429, "Throttled")


def test_order_must_belong_to_the_sender(shop: Api, anonymous: Api) -> None:
    _, session = anonymous.json(
        "POST",
        "/store/register",
        {"first_name": "Ana", "last_name": "B", "email": "ana@example.com", "password": PASSWORD},
    )
    ana = anonymous.as_customer(session["token"])
    _, cart = ana.json("POST", "/store/carts")
    ana.json(
        "PUT",
        f"/store/carts/{cart['id']}/lines/p1",
        {"quantity": 1, "unit_price": "9.00", "product_name": "Cup"},
    )
    _, order = ana.json("POST", f"/store/carts/{cart['id']}/checkout", {"payment_method": "card"})
    assert send(ana, order_id=order["id"])[0] == 201
    assert send(anonymous, order_id=order["id"])[0] == 201  # a guest with the order's e-mail
    assert send(anonymous, order_id=order["id"], email="eve@example.com")[0] == 404
    _, bob = anonymous.json(
        "POST",
        "/store/register",
        {"first_name": "Bob", "last_name": "C", "email": "bob@example.com", "password": PASSWORD},
    )
    assert send(anonymous.as_customer(bob["token"]), order_id=order["id"], email="bob@example.com")[0] == 404
    _, threads = shop.json("GET", f"/admin/threads?customer_id={session['customer']['id']}")
    assert {t["order_id"] for t in threads["items"]} == {order["id"]}
    _, view = shop.json("GET", f"/admin/threads/{threads['items'][0]['id']}")
    assert view["customer"]["orders_count"] == 1 and view["customer"]["total_spent"] == "9.00"
    assert {entry["kind"] for entry in view["timeline"]} == {"order", "message"}
    _, customer_view = shop.json("GET", f"/admin/customers/{session['customer']['id']}")
    assert len(customer_view["threads"]) == 1


def multipart(fields: dict[str, str], file: tuple[str, bytes] | None) -> tuple[bytes, str]:
    boundary = "----clientele-test-boundary"
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    if file:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="{file[0]}"\r\n'
        parts.append(head.encode() + b"Content-Type: application/octet-stream\r\n\r\n" + file[1] + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = {"contact_id": "customer-service", "email": "ana@example.com", "message": "Photo of the damage"}


def test_attachment_upload(shop: Api, anonymous: Api) -> None:
    body, content_type = multipart(FORM, ("../../damage photo.png", PNG))
    response = anonymous.call("POST", "/store/contact", body, headers={"Content-Type": content_type})
    assert response.status_code == 201, response.body
    _, page = shop.json("GET", "/admin/threads")
    _, view = shop.json("GET", f"/admin/threads/{page['items'][0]['id']}")
    [attachment] = view["messages"][0]["attachments"]
    assert (attachment["name"], attachment["content_type"], attachment["size"]) == (
        "damage_photo.png",
        "image/png",
        len(PNG),
    )
    assert attachment["url"].startswith(("http://", "https://")) and "Signature=" in attachment["url"]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00", "only PDF"),
        (b"%PDF-" + b"0" * (5 * 1024 * 1024), "larger than 5 MB"),
    ],
)
def test_attachment_rules(anonymous: Api, data: bytes, reason: str) -> None:
    body, content_type = multipart(FORM, ("file.pdf", data))
    response = anonymous.call("POST", "/store/contact", body, headers={"Content-Type": content_type})
    assert response.status_code == 400 and reason in response.json_body["Fields"]["attachment"]


def test_uploads_can_be_turned_off(admin: Api, anonymous: Api) -> None:
    admin.json("PATCH", "/admin/settings", {"customer_service": {"allow_uploads": False}})
    body, content_type = multipart(FORM, ("a.png", PNG))
    response = anonymous.call("POST", "/store/contact", body, headers={"Content-Type": content_type})
    assert response.status_code == 400


def test_reading_marks_read_and_reply_sets_threading_headers(
    shop: Api, support: Api, anonymous: Api, mailbox: MemoryMailer
) -> None:
    thread_id = send(anonymous, subject="Parcel")[1]["thread_id"]
    ack = to_mime(mailbox.sent[0], container().threads.clock())
    _, view = support.json("GET", f"/admin/threads/{thread_id}")
    assert view["messages"][0]["read"] is True and view["thread"]["unread"] is False
    assert boxes(shop)["customer-service"]["unread"] == 0
    headers = {"Idempotency-Key": "reply-1"}
    status, reply = support.json(
        "POST", f"/admin/threads/{thread_id}/reply", {"message": "It ships today."}, headers=headers
    )
    assert status == 201, reply
    again = support.json(
        "POST", f"/admin/threads/{thread_id}/reply", {"message": "It ships today."}, headers=headers
    )
    assert again[1]["id"] == reply["id"]
    replies = [m for m in mailbox.sent if m.to == "ana@example.com" and "It ships today." in m.text]
    assert len(replies) == 1
    mime = to_mime(replies[0], container().threads.clock())
    assert mime["Message-ID"] == reply["message_id"]
    assert mime["In-Reply-To"] == ack["Message-ID"]
    assert ack["Message-ID"] in mime["References"]
    assert mime["Subject"].startswith(f"[#{view['thread']['tag']}] Re: Parcel")
    assert mime["From"] == SUPPORT_BOX and "Auto-Submitted" not in mime
    token = mime["Reply-To"].split("@")[0].split("+", 1)[1]
    assert container().threads.reply_tokens.thread_of(token) == thread_id
    _, view = support.json("GET", f"/admin/threads/{thread_id}")
    assert [m["from"] for m in view["messages"]] == ["customer", "employee"]
    assert view["thread"]["last_message_from"] == "employee"


def test_reply_with_a_predefined_order_message(shop: Api, anonymous: Api, mailbox: MemoryMailer) -> None:
    _, message = shop.json(
        "POST", "/admin/order-messages", {"name": "Delay", "message": "Your order is delayed."}
    )
    thread_id = send(anonymous)[1]["thread_id"]
    _, view = shop.json("GET", f"/admin/threads/{thread_id}")
    assert view["reply_defaults"]["order_messages"][0]["id"] == message["id"]
    status, reply = shop.json(
        "POST", f"/admin/threads/{thread_id}/reply", {"message": "Sorry.", "order_message_id": message["id"]}
    )
    assert status == 201 and reply["text"] == "Sorry.\n\nYour order is delayed."
    assert shop.json("POST", f"/admin/threads/{thread_id}/reply", {})[0] == 400


def test_customer_message_reopens_a_closed_thread_but_an_auto_reply_does_not(
    shop: Api, anonymous: Api, clock: FixedClock
) -> None:
    thread_id = send(anonymous)[1]["thread_id"]
    shop.json("POST", f"/admin/threads/{thread_id}/status", {"status": "closed"})
    assert boxes(shop)["customer-service"]["open"] == 0
    service = container().threads
    clock.advance(minutes=5)
    auto = Message(
        "M-AUTO",
        thread_id,
        "customer",
        clock.now,
        "I am away",
        email="ana@example.com",
        auto_submitted=True,
        source="mail",
    )
    assert service.add_customer_message(thread_id, auto).status == "closed"
    clock.advance(minutes=5)
    again = Message(
        "M-2", thread_id, "customer", clock.now, "Still missing", email="ana@example.com", source="mail"
    )
    assert service.add_customer_message(thread_id, again).status == "open"
    assert boxes(shop)["customer-service"].items() >= {"open": 1, "unread": 1}.items()


def test_status_changes_are_recorded_and_counters_stay_exact(shop: Api, support: Api, anonymous: Api) -> None:
    ids = [send(anonymous, email=f"c{n}@example.com")[1]["thread_id"] for n in range(4)]
    rng = random.Random(7)
    for _ in range(30):
        thread_id = rng.choice(ids)
        if rng.random() < 0.3:
            support.json("GET", f"/admin/threads/{thread_id}")
        else:
            status = rng.choice(["open", "closed", "pending1", "pending2"])
            assert support.json("POST", f"/admin/threads/{thread_id}/status", {"status": status})[0] == 200
    threads = [container().threads.get(thread_id) for thread_id in ids]
    expected = {"open": 0, "pending": 0, "unread": 0}
    for thread in threads:
        counts = counters_of(thread)
        expected = {
            "open": expected["open"] + counts["open_count"],
            "pending": expected["pending"] + counts["pending_count"],
            "unread": expected["unread"] + counts["unread_count"],
        }
    box = boxes(shop)["customer-service"]
    assert {key: box[key] for key in expected} == expected
    _, view = support.json("GET", f"/admin/threads/{ids[0]}")
    assert all(e["kind"] == "status" and e["employee_id"] for e in view["events"])


def test_forward_to_an_employee_or_an_address(
    shop: Api, support: Api, anonymous: Api, mailbox: MemoryMailer
) -> None:
    thread_id = send(anonymous)[1]["thread_id"]
    _, employees = shop.json("GET", "/admin/employees")
    helper = next(e for e in employees["items"] if e["role"] == "support")
    status, thread = shop.json(
        "POST", f"/admin/threads/{thread_id}/forward", {"employee_id": helper["id"], "comment": "Yours"}
    )
    assert status == 200 and thread["assigned_employee_id"] == helper["id"]
    _, mine = support.json("GET", f"/admin/threads?assigned_employee_id={helper['id']}")
    assert [t["id"] for t in mine["items"]] == [thread_id]
    assert mailbox.sent[-1].to == helper["email"] and "Yours" in mailbox.sent[-1].text
    status, _ = shop.json(
        "POST",
        f"/admin/threads/{thread_id}/forward",
        {"email": "carrier@example.com", "comment": "Please check"},
    )
    assert (
        status == 200
        and mailbox.sent[-1].to == "carrier@example.com"
        and "Where is my parcel?" in mailbox.sent[-1].text
    )
    _, view = shop.json("GET", f"/admin/threads/{thread_id}")
    assert [e["kind"] for e in view["events"]] == ["forward", "forward"]
    assert shop.json("POST", f"/admin/threads/{thread_id}/forward", {"employee_id": "nobody"})[0] == 404
    assert shop.json("POST", f"/admin/threads/{thread_id}/forward", {})[0] == 400


def test_next_unanswered_is_the_oldest_waiting(shop: Api, anonymous: Api, clock: FixedClock) -> None:
    assert shop.json("GET", "/admin/threads/next-unanswered")[0] == 404
    first = send(anonymous, email="a@example.com")[1]["thread_id"]
    clock.advance(minutes=1)
    second = send(anonymous, email="b@example.com")[1]["thread_id"]
    assert shop.json("GET", "/admin/threads/next-unanswered")[1]["id"] == first
    shop.json("POST", f"/admin/threads/{first}/reply", {"message": "Done"})
    assert shop.json("GET", "/admin/threads/next-unanswered")[1]["id"] == second
    shop.json("POST", f"/admin/threads/{second}/status", {"status": "closed"})
    assert shop.json("GET", "/admin/threads/next-unanswered")[0] == 404


def test_summary_statistics(shop: Api, anonymous: Api, clock: FixedClock) -> None:
    first = send(anonymous, email="a@example.com")[1]["thread_id"]
    send(anonymous, email="b@example.com")
    clock.advance(minutes=30)
    shop.json("POST", f"/admin/threads/{first}/reply", {"message": "Answer"})
    shop.json("POST", f"/admin/threads/{first}/status", {"status": "pending1"})
    _, summary = shop.json("GET", "/admin/customer-service/summary")
    stats = summary["statistics"]
    assert (stats["threads"], stats["messages"], stats["responses"], stats["pending"]) == (2, 3, 1, 1)
    assert stats["average_first_response_seconds"] == 1800
    assert set(summary["statuses"]) == {"open", "closed", "pending1", "pending2"}
    day = clock.now.date()
    _, empty = shop.json(
        "GET",
        f"/admin/customer-service/summary?date_from={day + timedelta(days=1)}"
        f"&date_to={day + timedelta(days=2)}",
    )
    assert empty["statistics"]["threads"] == 0
    assert (
        shop.json(
            "GET", f"/admin/customer-service/summary?date_from={day}&date_to={day - timedelta(days=1)}"
        )[0]
        == 422
    )


def test_thread_list_filters_and_pages(shop: Api, anonymous: Api, clock: FixedClock) -> None:
    ids = []
    for number in range(5):
        ids.append(send(anonymous, email=f"p{number}@example.com")[1]["thread_id"])
        clock.advance(minutes=1)
    shop.json("POST", f"/admin/threads/{ids[1]}/status", {"status": "pending2"})
    _, page = shop.json("GET", "/admin/threads?limit=2")
    seen = [t["id"] for t in page["items"]]
    while page["next_cursor"]:
        _, page = shop.json("GET", f"/admin/threads?limit=2&cursor={page['next_cursor']}")
        seen += [t["id"] for t in page["items"]]
    assert seen == list(reversed(ids))
    _, pending = shop.json("GET", "/admin/threads?contact_id=customer-service&status=pending2")
    assert [t["id"] for t in pending["items"]] == [ids[1]]
    _, by_email = shop.json("GET", "/admin/threads?email=P3@Example.com")
    assert [t["id"] for t in by_email["items"]] == [ids[3]]
    shop.json("GET", f"/admin/threads/{ids[0]}")
    _, unread = shop.json("GET", "/admin/threads?unread=1")
    assert ids[0] not in [t["id"] for t in unread["items"]] and len(unread["items"]) == 4
    assert shop.json("GET", "/admin/threads?cursor=forged")[0] == 400
    assert shop.json("GET", "/admin/threads?status=lost")[0] == 400
    assert shop.json("GET", "/admin/threads/missing")[0] == 404
    assert shop.json("POST", "/admin/threads/missing/reply", {"message": "x"})[0] == 404
    assert shop.json("POST", f"/admin/threads/{ids[0]}/status", {"status": "done"})[0] == 400


def test_customer_service_routes_need_staff(anonymous: Api, support: Api) -> None:
    for method, path in (
        ("GET", "/admin/threads"),
        ("GET", "/admin/threads/next-unanswered"),
        ("GET", "/admin/customer-service/summary"),
    ):
        assert anonymous.json(method, path)[0] == 401
        assert support.json(method, path)[0] in (200, 404)


def test_subjects_with_line_breaks_are_folded(shop: Api, anonymous: Api, mailbox: MemoryMailer) -> None:
    shop.json("PATCH", "/admin/contacts/webmaster", {"save_messages": False, "email": "web@shop-example.com"})
    status, _ = send(anonymous, contact_id="webmaster", subject="Broken\r\nBcc: victim@example.com")
    assert status == 202
    mime = to_mime(mailbox.sent[-1], container().threads.clock())
    assert "Bcc" not in mime and mime["Subject"].endswith("Broken Bcc: victim@example.com")
    thread_id = send(anonymous, subject="Parcel\u2028late\x85again")[1]["thread_id"]
    status, reply = shop.json("POST", f"/admin/threads/{thread_id}/reply", {"message": "On its way"})
    assert status == 201, reply
    assert reply["subject"].endswith("Re: Parcel late again")


def test_multipart_with_a_bad_content_type_header(anonymous: Api) -> None:
    response = anonymous.call(
        "POST", "/store/contact", b"--x--", headers={"Content-Type": "multipart/form-data; boundary=\u20ac"}
    )
    assert response.status_code == 400
