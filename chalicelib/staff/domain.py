"""Back-office staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from chalicelib.core.principal import Role


@dataclass(frozen=True)
class Employee:
    id: str
    email: str
    first_name: str
    last_name: str
    role: Role
    password_hash: str
    created_at: datetime
    updated_at: datetime
    active: bool = True
    language: str = "en"
    # Bumped when the password or e-mail changes or the employee is disabled; tokens carry the
    # generation they were issued for, so every earlier session ends at once.
    session_generation: int = 0
    version: int = 0
