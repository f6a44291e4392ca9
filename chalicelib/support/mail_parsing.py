"""Raw MIME → what customer service stores: pure functions, no I/O.

Parsing never raises for a bad message: each header falls back from the `default` policy to
`compat32` to the raw bytes decoded as UTF-8 with replacement, unknown or misspelt charsets decode
as UTF-8 with replacement, and what went wrong is listed in `defects`.
"""

from __future__ import annotations

import hashlib
import html as html_module
import re
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import decode_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from typing import Any

import nh3

from chalicelib.core.text import one_line

# Attachments kept per message and the largest one kept; the others are listed, not stored.
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
_TAG = re.compile(r"\[#([a-z0-9]{10})\]", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_QUOTE_HEADERS = re.compile(
    r"^(On .+ wrote:|Le .+ a écrit\s*:|El .+ escribió:|-{2,}\s*Original Message\s*-{2,}|"
    r"-{2,}\s*Message d'origine\s*-{2,}|-{2,}\s*Mensaje original\s*-{2,}|From: .+|De\s*: .+)\s*$",
    re.IGNORECASE,
)
_AUTO_SENDERS = ("mailer-daemon", "postmaster")
# RFC 5322's line limit: longer "ids" are ignored (a missing Message-ID is then the bytes' hash).
_MAX_ID_LENGTH = 998
# Bounds on the header block, checked on the raw bytes before any parsing: the standard library's
# header parsing is superlinear (a 2.2 MB References header took 22 s) and CPU-bound parsing can't
# be interrupted, so size is the guard. 100 KiB is Postfix's default header_size_limit; a single
# field of 32 KiB (about 700 References ids) still parses in a fraction of a second.
MAX_HEADER_BYTES = 100 * 1024
MAX_HEADER_FIELD_BYTES = 32 * 1024
MAX_HEADER_FIELDS = 500
_LINE_BREAK = re.compile(rb"\r\n|\r|\n")
# What the standard library's parser takes for a header line (email.feedparser.headerRE).
_HEADER_LINE = re.compile(rb"^(From |[\041-\071\073-\176]*:|[\t ])")


@dataclass(frozen=True)
class ParsedAttachment:
    name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    message_id: str
    sender: str
    sender_name: str
    recipients: tuple[str, ...]
    subject: str
    in_reply_to: str | None
    references: tuple[str, ...]
    text: str
    html: str | None
    attachments: tuple[ParsedAttachment, ...]
    auto_submitted: bool
    defects: tuple[str, ...] = ()
    content_language: str | None = None
    headers_ok: bool = True

    @property
    def thread_tag(self) -> str | None:
        match = _TAG.search(self.subject)
        return match.group(1).lower() if match else None


@dataclass
class _Reader:
    modern: EmailMessage | None
    legacy: Message
    defects: list[str] = field(default_factory=list)

    def header(self, name: str) -> str:
        if self.modern is not None:
            try:
                value = self.modern.get(name)
                text = "" if value is None else str(value)
                if "\ufffd" not in text:
                    return text
            except Exception:  # any malformed header falls back, per field
                self.defects.append(f"header {name} could not be parsed")
        # The value as it came (8-bit bytes kept as surrogate escapes), not compat32's Header.
        raw = next((v for k, v in self.legacy.raw_items() if k.lower() == name.lower()), None)
        if raw is None:
            return ""
        return _decode_words(" ".join(_eight_bit(str(raw)).split()))

    def all_headers(self, name: str) -> list[str]:
        values = self.legacy.get_all(name) or []
        return [_decode_words(str(value)) for value in values]


def _eight_bit(raw: str) -> str:
    """Raw 8-bit header bytes (kept as surrogate escapes): UTF-8 if they are, else Windows-1252,
    the usual charset of mail clients that send unencoded headers."""
    try:
        data = raw.encode("ascii", errors="surrogateescape")
    except UnicodeEncodeError:
        return raw
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _decode_words(raw: str) -> str:
    """RFC 2047 words with any charset, unknown ones as UTF-8 with replacement."""
    try:
        parts = decode_header(raw)
    except Exception:
        return raw
    return "".join(
        _decode_bytes(value, charset) if isinstance(value, bytes) else value for value, charset in parts
    )


def _decode_bytes(data: bytes, charset: str | None) -> str:
    for candidate in (charset, "utf-8"):
        if not candidate:
            continue
        try:
            return data.decode(candidate)
        except (LookupError, UnicodeDecodeError):
            continue
    return data.decode("utf-8", errors="replace")


def message_id_of(raw: bytes, header: str) -> str:
    """The Message-ID, or one made from the raw bytes' hash when it is missing or unusable."""
    match = _MESSAGE_ID.search(header or "")
    if match and len(match.group(0)) <= _MAX_ID_LENGTH:
        return match.group(0)
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def _ids(value: str) -> tuple[str, ...]:
    return tuple(found for found in _MESSAGE_ID.findall(value or "") if len(found) <= _MAX_ID_LENGTH)


def _part_text(part: Message, defects: list[str]) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset()
    try:
        if charset:
            return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        defects.append(f"charset {charset!r} could not be used; read as UTF-8")
    return payload.decode("utf-8", errors="replace")


def _is_auto(reader: _Reader, sender: str, root: Message) -> bool:
    auto_submitted = reader.header("Auto-Submitted").strip().lower()
    if auto_submitted and auto_submitted != "no":
        return True
    if reader.header("X-Autoreply") or reader.header("X-Autorespond"):
        return True
    if reader.header("Precedence").strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return True
    if root.get_content_type() == "multipart/report":
        return True
    local = sender.partition("@")[0].lower()
    return local in _AUTO_SENDERS


def trim_quoted(text: str) -> str:
    """The new part of a reply: stops at the quoted history ("On … wrote:", "> " lines, the
    original-message separators in English, French and Spanish)."""
    kept: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith(">") or _QUOTE_HEADERS.match(stripped):
            break
        kept.append(line)
    trimmed = "\n".join(kept).strip()
    return trimmed or text.strip()


def html_to_text(html: str) -> str:
    text: str = nh3.clean(re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", html), tags=set())
    return re.sub(r"\n{3,}", "\n\n", html_module.unescape(text)).strip()


def oversized_headers(raw: bytes) -> str | None:
    """Why the header block is too large to be parsed safely, or None. Reads the bytes only, the
    way the standard library splits them (any line break; the block ends at an empty line or at
    the first line that isn't a header line), and never more than MAX_HEADER_BYTES of them."""
    lines = _LINE_BREAK.split(raw[: MAX_HEADER_BYTES + 1])
    fields = field_size = 0
    for index, line in enumerate(lines):
        if not line or not _HEADER_LINE.match(line):
            if index == len(lines) - 1 and len(raw) > MAX_HEADER_BYTES:
                break  # the cut fell inside a line: the block goes on past the bound
            return None  # the block ended within the bound
        if line[:1] in (b" ", b"\t"):
            field_size += len(line) + 2
        else:
            fields, field_size = fields + 1, len(line) + 2
        if field_size > MAX_HEADER_FIELD_BYTES:
            return f"a header field is larger than {MAX_HEADER_FIELD_BYTES // 1024} KB: kept unparsed"
        if fields > MAX_HEADER_FIELDS:
            return f"more than {MAX_HEADER_FIELDS} header fields: kept unparsed"
    if len(raw) <= MAX_HEADER_BYTES:
        return None  # a message of headers only, within the bound
    return f"headers larger than {MAX_HEADER_BYTES // 1024} KB: kept unparsed"


def parse_mail(raw: bytes) -> ParsedMail:
    """Raises: ValueError only when the bytes aren't a mail at all (no header block)."""
    legacy = message_from_bytes(raw, policy=policy.compat32)
    defects = [type(defect).__name__ for defect in legacy.defects]
    try:
        modern_any: Any = message_from_bytes(raw, policy=policy.default)
        modern: EmailMessage | None = modern_any
    except Exception:
        modern = None
        defects.append("message could not be parsed with the default policy")
    reader = _Reader(modern, legacy, defects)
    if not legacy.keys():
        raise ValueError("no headers")
    sender_name, sender = parseaddr(reader.header("From"))
    recipients = tuple(
        address.lower()
        for _, address in getaddresses(
            [
                *reader.all_headers("To"),
                *reader.all_headers("Cc"),
                *reader.all_headers("Delivered-To"),
                *reader.all_headers("X-Original-To"),
            ]
        )
        if "@" in address
    )
    text, html = "", None
    attachments: list[ParsedAttachment] = []
    root: Message = legacy
    for part in root.walk():
        if part.is_multipart():
            continue
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        content_type = part.get_content_type()
        filename = part.get_filename()
        if disposition == "attachment" or (filename and content_type not in ("text/plain", "text/html")):
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                name = _decode_words(filename) if filename else "attachment"
                attachments.append(ParsedAttachment(name, content_type, payload))
            continue
        if content_type == "text/plain" and not text:
            text = _part_text(part, defects)
        elif content_type == "text/html" and html is None:
            html = _part_text(part, defects)
    sanitised = nh3.clean(html) if html else None
    if not text and html:
        text = html_to_text(html)
    if not text and not html and not attachments and legacy.defects:
        # A body MIME couldn't split (a broken boundary ...): keep it as text rather than lose it.
        body = raw.split(b"\r\n\r\n", 1)[-1] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[-1]
        text = body[:200_000].decode("utf-8", errors="replace")
    subject = one_line(reader.header("Subject"))
    return ParsedMail(
        message_id=message_id_of(raw, reader.header("Message-ID")),
        sender=sender.lower(),
        sender_name=sender_name,
        recipients=tuple(dict.fromkeys(recipients)),
        subject=subject[:998],
        in_reply_to=next(iter(_ids(reader.header("In-Reply-To"))), None),
        references=_ids(reader.header("References")),
        text=text,
        html=sanitised,
        attachments=tuple(attachments),
        auto_submitted=_is_auto(reader, sender, root),
        defects=tuple(dict.fromkeys(defects)),
        content_language=(reader.header("Content-Language") or "")[:2].lower() or None,
    )
