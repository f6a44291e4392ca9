"""Text folding for keys: case- and accent-insensitive, so "Álvarez" sorts before "Berg"."""

from __future__ import annotations

import hashlib
import unicodedata


def fold(value: str) -> str:
    """Lower-case, strip accents, collapse spaces. 'Ñúñez  Ávila' -> 'nunez avila'."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def normalise_email(email: str) -> str:
    """E-mail identity: trimmed and case-folded (uniqueness is case-insensitive)."""
    return email.strip().casefold()


def email_hash(email: str) -> str:
    """The key of what is kept about an address that is not (or no longer) a customer — guest
    suppressions and opt-ins, service-reminder claims: a hash, so the table holds no address."""
    return hashlib.sha256(normalise_email(email).encode()).hexdigest()


def one_line(value: str, limit: int = 998) -> str:
    """A header-safe single line: every line break, separator and control character becomes a
    space (str.split() knows them all: \r, \n, \x0b, \x1c-\x1e, \x85, U+2028 ...)."""
    printable = "".join(char if char.isprintable() else " " for char in value)
    return " ".join(printable.split())[:limit]
