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
