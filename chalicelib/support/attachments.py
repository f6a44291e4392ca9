"""Attachments of customer-service messages: where they are stored, which files are accepted (by their
bytes, never by the name or the declared type) and the names they are stored under."""

from __future__ import annotations

import re
from datetime import timedelta

ATTACHMENT_PREFIX = "attachments/"


# What the form accepts, recognised by content (magic bytes), never by the name or declared type.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


ATTACHMENT_URL_TTL = timedelta(minutes=15)


def sniff(data: bytes) -> str | None:
    """The content type of an allowed file, or None (text: UTF-8 without control bytes)."""
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(char) < 32 and char not in "\t\r\n\f" for char in text):
        return None
    return "text/plain"


def safe_name(name: str) -> str:
    base = re.sub(r"[^A-Za-z0-9._-]+", "_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip("._")
    return (base or "attachment")[:100]
