"""Who is calling: the principal a verified bearer token names, a member of staff or a customer.

In core because both sign-ins mint one (staff/auth.py for the back-office, customers/accounts.py for
the storefront) and the edge checks its role on every route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["admin", "support"]
ROLES: tuple[Role, ...] = ("admin", "support")


@dataclass(frozen=True)
class Principal:
    """Who is calling: decoded from a verified bearer token."""

    subject_id: str
    role: Role | Literal["customer"]
