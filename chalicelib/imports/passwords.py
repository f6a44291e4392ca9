"""What an import does with a row's password cells (issue 17 §4): which kind of value a cell holds
and what gets stored, under the job's `passwords` policy.

A row may carry a `password` column (plaintext, as today) and a `password_hash` column (a shop's
existing hashes: PrestaShop's `passwd`). A `password` cell that is unmistakably a bcrypt hash is
taken as one — nobody types `$2y$10$` plus 53 crypt characters as a password, and hashing the hash
would lock the customer out. 32 hex digits in a `password` cell stay a plaintext: they could be
one, and only a column named as a hash column says otherwise.

Only plaintexts cost an argon2 hash; hashes are stored as they are (bcrypt) or with their scheme
prefix (PrestaShop 1.6 MD5), so sign-in never guesses (security/passwords.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from chalicelib.core.passwords import is_bcrypt, prestashop_md5
from chalicelib.imports.domain import PasswordPolicy

CellKind = Literal["empty", "plaintext", "bcrypt", "prestashop-md5"]

MD5_NEEDS_COOKIE_KEY = (
    "PrestaShop 1.6 hashes need the shop's cookie key (setting import.prestashop_cookie_key)"
)
NOT_A_HASH = "not a bcrypt or PrestaShop 1.6 MD5 password hash"
_MD5_HEX = re.compile(r"^[0-9A-Fa-f]{32}$")


@dataclass(frozen=True)
class PasswordCell:
    """A row's password as the import will store it. `value` is the plaintext (kind
    "plaintext", still to be hashed) or the hash to store as is (the hash kinds)."""

    kind: CellKind
    value: str | None = None

    @property
    def is_hash(self) -> bool:
        return self.kind in ("bcrypt", "prestashop-md5")


EMPTY = PasswordCell("empty")


def classify(password: str | None, password_hash: str | None) -> PasswordCell:
    """The row's password from its `password` and `password_hash` cells (the hash column wins
    when both are filled). Raises: ValueError (a hash column cell that is no known hash)."""
    if password_hash:
        value = password_hash.strip()
        if is_bcrypt(value):
            return PasswordCell("bcrypt", value)
        if _MD5_HEX.match(value):
            return PasswordCell("prestashop-md5", prestashop_md5(value))
        raise ValueError(NOT_A_HASH)
    if not password:
        return EMPTY
    if is_bcrypt(password.strip()):
        return PasswordCell("bcrypt", password.strip())
    return PasswordCell("plaintext", password)


class RowPasswords:
    """One batch's password handling: the job's policy, and how many PrestaShop 1.6 hashes came
    in while the shop's cookie key is not set (a warning: those customers can't sign in until it
    is). The key is looked up once per batch, and only if such a hash comes."""

    def __init__(self, policy: PasswordPolicy, cookie_key_set: Callable[[], bool]) -> None:
        self.policy = policy
        self._cookie_key_set = cookie_key_set
        self._known: bool | None = None
        self.md5_without_key = 0

    def read(self, password: str | None, password_hash: str | None) -> PasswordCell:
        """What to store for this row. `none` and `invite` store no password at all (the cells
        are not even read: a bad hash cell is no error then). Raises: ValueError."""
        if self.policy != "keep":
            return EMPTY
        cell = classify(password, password_hash)
        if cell.kind == "prestashop-md5":
            if self._known is None:
                self._known = self._cookie_key_set()
            if not self._known:
                self.md5_without_key += 1
        return cell
