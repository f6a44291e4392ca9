"""MIME parsing against a corpus of well-formed and malformed messages (no I/O)."""

from __future__ import annotations

import pytest

from chalicelib.support.mail_parsing import MAX_HEADER_BYTES, oversized_headers, parse_mail, trim_quoted

PLAIN = (
    b"From: Ana <Ana@Example.com>\r\nTo: support+tok@shop-example.com, other@example.com\r\n"
    b"Cc: copy@example.com\r\nSubject: Re: [#abcdefghij] Parcel\r\nMessage-ID: <m1@example.com>\r\n"
    b"In-Reply-To: <r1@shop-example.com>\r\nReferences: <a@x> <b@y>\r\n\r\nThanks!\r\n\r\n"
    b"On Mon, 23 Nov 2026, Shop wrote:\r\n> old text\r\n"
)


def test_a_plain_reply() -> None:
    mail = parse_mail(PLAIN)
    assert (mail.sender, mail.sender_name, mail.message_id) == ("ana@example.com", "Ana", "<m1@example.com>")
    assert mail.recipients == ("support+tok@shop-example.com", "other@example.com", "copy@example.com")
    assert (mail.in_reply_to, mail.references, mail.thread_tag) == (
        "<r1@shop-example.com>",
        ("<a@x>", "<b@y>"),
        "abcdefghij",
    )
    assert trim_quoted(mail.text) == "Thanks!"
    assert not mail.auto_submitted and mail.html is None


def test_encoded_word_subject_carries_the_tag() -> None:
    raw = b"From: a@example.com\r\nSubject: =?UTF-8?B?UkU6IFsjMDEyMzQ1Njc4OV0gw4lsw6lwaGFudA==?=\r\n\r\nbody\r\n"
    mail = parse_mail(raw)
    assert mail.subject == "RE: [#0123456789] Éléphant" and mail.thread_tag == "0123456789"


@pytest.mark.parametrize(
    "headers",
    [
        b"Auto-Submitted: auto-replied\r\n",
        b"X-Autoreply: yes\r\n",
        b"X-Autorespond: yes\r\n",
        b"Precedence: bulk\r\n",
        b"Precedence: auto_reply\r\n",
    ],
)
def test_auto_replies_are_flagged(headers: bytes) -> None:
    assert parse_mail(
        b"From: a@example.com\r\n" + headers + b"Subject: Away\r\n\r\nI am away\r\n"
    ).auto_submitted


def test_auto_submitted_no_is_a_person() -> None:
    assert not parse_mail(b"From: a@example.com\r\nAuto-Submitted: no\r\n\r\nhi\r\n").auto_submitted


def test_a_bounce_is_flagged() -> None:
    raw = (
        b"From: MAILER-DAEMON@mx.example.com\r\nSubject: Undelivered\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n"
        b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--b--\r\n"
    )
    mail = parse_mail(raw)
    assert mail.auto_submitted and "Delivery failed" in mail.text


MALFORMED = {
    "broken boundary": (
        b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="zzz"\r\n\r\n'
        b"--yyy\r\nContent-Type: text/plain\r\n\r\nlost part\r\n"
    ),
    "bad charset uft-8": b"From: a@example.com\r\nContent-Type: text/plain; charset=uft-8\r\n\r\nh\xc3\xa9llo\r\n",
    "windows-1257": b"From: a@example.com\r\nContent-Type: text/plain; charset=windows-1257\r\n\r\n\xe0\xe8\r\n",
    "iso-2022-jp": (
        b"From: a@example.com\r\nSubject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\r\n"
        b"Content-Type: text/plain; charset=iso-2022-jp\r\n\r\n\x1b$B$3$s$K$A$O\x1b(B\r\n"
    ),
    "missing Message-ID": b"From: a@example.com\r\nSubject: none\r\n\r\nbody\r\n",
    "8-bit headers": b"From: J\xfcrgen <j@example.com>\r\nSubject: Gr\xfc\xdfe \x80\r\n\r\nbody\r\n",
    "8-bit UTF-8 headers": b"From: J\xc3\xbcrgen <j@example.com>\r\nSubject: Gr\xc3\xbc\xc3\x9fe \xe2\x82\xac\r\n\r\nbody\r\n",
    "empty body": b"From: a@example.com\r\nSubject: empty\r\n\r\n",
    "huge header line": b"From: a@example.com\r\nX-Long: "
    + b"x" * 200_000
    + b"\r\nSubject: long\r\n\r\nok\r\n",
    "bad encoded word": b"From: a@example.com\r\nSubject: =?bogus-charset?Q?caf=E9?=\r\n\r\nok\r\n",
    "bad address": b"From: <<<@@@>>>\r\nTo: ,,,;;\r\nSubject: x\r\n\r\nok\r\n",
    "base64 garbage": (
        b"From: a@example.com\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64***\r\n"
    ),
    "html only": b"From: a@example.com\r\nContent-Type: text/html\r\n\r\n<p>Hi <script>alert(1)</script><b>there</b></p>\r\n",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_messages_parse_without_raising(name: str) -> None:
    mail = parse_mail(MALFORMED[name])
    assert mail.message_id.startswith("<") and mail.message_id.endswith(">")
    assert isinstance(mail.text, str) and isinstance(mail.subject, str)


def test_what_the_corpus_turns_into() -> None:
    assert "lost part" not in parse_mail(MALFORMED["empty body"]).text
    assert parse_mail(MALFORMED["bad charset uft-8"]).text.strip() == "héllo"
    assert parse_mail(MALFORMED["windows-1257"]).text.strip() == "ąč"
    japanese = parse_mail(MALFORMED["iso-2022-jp"])
    assert japanese.subject == "こんにちは" and japanese.text.strip() == "こんにちは"
    missing = parse_mail(MALFORMED["missing Message-ID"])
    assert missing.message_id.endswith("@no-message-id.invalid>")
    assert missing.message_id == parse_mail(MALFORMED["missing Message-ID"]).message_id
    for name in ("8-bit headers", "8-bit UTF-8 headers"):
        eight_bit = parse_mail(MALFORMED[name])
        assert (eight_bit.subject, eight_bit.sender_name, eight_bit.sender) == (
            "Grüße €",
            "Jürgen",
            "j@example.com",
        )
    assert "lost part" in parse_mail(MALFORMED["broken boundary"]).text
    html = parse_mail(MALFORMED["html only"])
    assert html.html is not None and "<script>" not in html.html and "<b>there</b>" in html.html
    assert html.text == "Hi there"


def test_attachments_are_extracted() -> None:
    raw = (
        b'From: a@example.com\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        b'--b\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename="=?UTF-8?Q?ph=C3=B6to.png?="\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n"
    )
    mail = parse_mail(raw)
    [attachment] = mail.attachments
    assert (attachment.name, attachment.content_type, attachment.data) == (
        "phöto.png",
        "image/png",
        b"\x89PNG\r\n\x1a\n",
    )
    assert mail.text.strip() == "see attached"


def test_not_a_mail_at_all() -> None:
    with pytest.raises(ValueError, match="no headers"):
        parse_mail(b"")


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Merci\n\nLe lun. 23 nov. 2026, Shop a écrit :\n> ancien", "Merci"),
        ("Gracias\nEl lun, 23 nov 2026, Shop escribió:\n> viejo", "Gracias"),
        ("Thanks\n-----Original Message-----\nFrom: shop", "Thanks"),
        ("> only quoted", "> only quoted"),
    ],
)
def test_quoted_history_is_trimmed(text: str, kept: str) -> None:
    assert trim_quoted(text) == kept


# -- header bounds, checked before any parsing (issue 16 §3.2) ------------------------------------
def with_header(name: str, value: bytes, body: bytes = b"Hi\r\n") -> bytes:
    return b"From: ana@example.com\r\nSubject: x\r\n" + name.encode() + b": " + value + b"\r\n\r\n" + body


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        # 2.2 MB of References (22 s to parse) and 100k ids (6.4 s): refused on size alone.
        (with_header("References", b"<" + b"a" * 2_200_000 + b"@x>"), "header field is larger than 32 KB"),
        (with_header("References", b" ".join(b"<%d@x>" % n for n in range(100_000))), "larger than 32 KB"),
        # The same ids folded over many lines are still one field.
        (with_header("References", b"\r\n ".join(b"<%d@x>" % n for n in range(10_000))), "larger than 32 KB"),
        (b"".join(b"X-N%d: v\r\n" % n for n in range(501)) + b"\r\nbody", "more than 500 header fields"),
        (
            b"".join(b"X-N%d: %s\r\n" % (n, b"v" * 300) for n in range(400)) + b"\r\nb",
            "headers larger than 100 KB",
        ),
        # Lone CRs end lines for the standard library too: they are counted the same way.
        (b"".join(b"X-N%d: v\r" % n for n in range(600)) + b"\r\r\nbody", "more than 500 header fields"),
    ],
    ids=["2mb-references", "100k-ids", "folded", "many-fields", "large-block", "lone-cr"],
)
def test_oversized_headers_are_found_without_parsing(raw: bytes, reason: str) -> None:
    found = oversized_headers(raw)
    assert found is not None and reason in found and "kept unparsed" in found


def test_ordinary_and_large_bodied_mail_is_within_the_bounds() -> None:
    assert oversized_headers(PLAIN) is None
    assert oversized_headers(with_header("X-Long", b"v" * 30_000, body=b"x" * (5 * MAX_HEADER_BYTES))) is None
    assert oversized_headers(b"From: a@example.com\r\nSubject: headers only") is None
    # A body that starts without the empty line (the parser's rule: the first non-header line).
    assert oversized_headers(b"From: a@example.com\r\nnot a header line\r\n" + b"x" * 300_000) is None
