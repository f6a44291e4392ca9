"""Password hashing with argon2id (a slow, memory-hard KDF), and the legacy hashes an import brings.

Every hash we write is argon2id. An import may store a shop's existing hashes instead, so its
customers keep their passwords (issue 17 §4):

- bcrypt (`$2y$`, `$2b$`, `$2a$`): PrestaShop 1.7+ `passwd` (PHP's `password_hash`); the hash says
  what it is.
- PrestaShop 1.6's `md5(_COOKIE_KEY_ + password)` (`Tools::encrypt`): 32 hex digits that say
  nothing, so they are stored as `prestashop-md5$<hex>` and never guessed at sign-in. Checking one
  needs the shop's cookie key (the secret setting `import.prestashop_cookie_key`).

A legacy hash verifies once, then `needs_rehash` says so and the sign-in replaces it with argon2id.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import secrets
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from argon2 import PasswordHasher

PRESTASHOP_MD5 = "prestashop-md5$"
# PHP's crypt alphabet: `$2y$10$` + 22 salt + 31 hash characters.
_BCRYPT = re.compile(r"^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$")
_MD5_HEX = re.compile(r"^[0-9a-f]{32}$")
# PHP's bcrypt reads the first 72 bytes of a password and ignores the rest; the bcrypt library
# refuses longer ones, so they are cut the way PHP cuts them (or a long password would never match).
_BCRYPT_MAX_BYTES = 72


@cache
def _hasher() -> PasswordHasher:
    """argon2id with the library's RFC 9106 "low memory" profile. Imported on first use: most
    functions (the sweep, the poll, the imports) never hash, and none should pay for it at import."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A real hash to verify against when the account does not exist, so unknown e-mails cost the
    same time as wrong passwords (no account enumeration by timing). Computed on the first sign-in,
    not at import: hashing takes ~150 ms of every cold start otherwise (issue 19)."""
    return _hasher().hash(secrets.token_urlsafe(16))


Scheme = Literal["argon2", "bcrypt", "prestashop-md5", "unknown"]
CookieKey = Callable[[], str | None]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def is_bcrypt(value: str) -> bool:
    return _BCRYPT.match(value) is not None


def prestashop_md5(hex_digest: str) -> str:
    """The stored form of a PrestaShop 1.6 hash (32 hex digits, any case)."""
    return PRESTASHOP_MD5 + hex_digest.lower()


def scheme(password_hash: str) -> Scheme:
    if password_hash.startswith("$argon2"):
        return "argon2"
    if is_bcrypt(password_hash):
        return "bcrypt"
    if password_hash.startswith(PRESTASHOP_MD5) and _MD5_HEX.match(password_hash[len(PRESTASHOP_MD5) :]):
        return "prestashop-md5"
    return "unknown"


def verify_password(password_hash: str | None, password: str, cookie_key: CookieKey | None = None) -> bool:
    """Constant-work check: always runs one argon2 verification (a legacy hash's check runs on
    top of the dummy one, so it is never cheaper than an unknown e-mail).

    `cookie_key` is asked for only when the hash is a PrestaShop 1.6 one; without a key such a
    hash never verifies."""
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    kind = scheme(password_hash) if password_hash else "unknown"
    if kind in ("argon2", "unknown") or password_hash is None:
        try:
            return _hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    _dummy_verification(password)
    if kind == "bcrypt":
        import bcrypt  # only sign-ins with an imported hash need it (cold start)

        try:
            return bcrypt.checkpw(password.encode()[:_BCRYPT_MAX_BYTES], password_hash.encode())
        except ValueError:
            return False
    key = cookie_key() if cookie_key is not None else None
    if not key:
        return False
    digest = hashlib.md5((key + password).encode(), usedforsecurity=False).hexdigest()
    # Bytes, not str: compare_digest raises TypeError on a non-ASCII str (a stored value came from a file).
    return hmac.compare_digest(digest.encode(), password_hash[len(PRESTASHOP_MD5) :].encode())


def needs_rehash(password_hash: str) -> bool:
    """True for an imported legacy hash (bcrypt, PrestaShop MD5): the sign-in that just verified
    it replaces it with argon2id."""
    return scheme(password_hash) in ("bcrypt", "prestashop-md5")


def _dummy_verification(password: str) -> None:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    with contextlib.suppress(VerifyMismatchError, VerificationError, InvalidHashError):
        _hasher().verify(_dummy_hash(), password)


def generate_password() -> str:
    """A random password for a first admin: 20 URL-safe characters (~120 bits)."""
    return secrets.token_urlsafe(15)
