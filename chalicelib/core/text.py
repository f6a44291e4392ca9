"""Text folding for keys: case- and accent-insensitive, so "Álvarez" sorts before "Berg"."""

from __future__ import annotations

import unicodedata


def fold(value: str) -> str:
    """Lower-case, strip accents, collapse spaces. 'Ñúñez  Ávila' -> 'nunez avila'."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.split())


def normalise_email(email: str) -> str:
    """E-mail identity: trimmed and case-folded (uniqueness is case-insensitive)."""
    return email.strip().casefold()


def one_line(value: str, limit: int = 998) -> str:
    """A header-safe single line: every line break, separator and control character becomes a
    space (str.split() knows them all: \r, \n, \x0b, \x1c-\x1e, \x85, U+2028 ...)."""
    printable = "".join(char if char.isprintable() else " " for char in value)
    return " ".join(printable.split())[:limit]
