"""The personal-data export's shape: everything held about one customer, as personal_data.py gathers
it from every feature (apart from privacy/domain.py, which the customers feature's types build on).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from chalicelib.carts.domain import Cart, Order, Voucher
from chalicelib.customers.domain import Consent, CustomerView, PendingRegistration
from chalicelib.privacy.domain import ErasureJob
from chalicelib.support.domain import ThreadView

StoredFileKind = Literal["raw_mail", "unprocessed_mail", "import_source", "import_report"]


@dataclass(frozen=True)
class StoredFile:
    """A copy in the bucket that holds something about the customer (named by its record, never
    by its content): the raw mail of a thread message, kept unprocessed mail from their address,
    the file or error report of an import that touched them."""

    kind: StoredFileKind
    ref: str  # "<thread id>/<message id>", the unprocessed mail id, or the import id


@dataclass(frozen=True)
class PersonalData:
    """Everything held about one customer (the personal-data export)."""

    view: CustomerView
    exported_at: datetime
    consent_history: tuple[Consent, ...]
    carts: tuple[Cart, ...]
    orders: tuple[Order, ...]
    vouchers: tuple[Voucher, ...]
    threads: tuple[ThreadView, ...]
    open_links: tuple[tuple[str, datetime], ...] = ()  # (purpose, valid until) of unused links
    erasure: ErasureJob | None = None
    guest_consents: tuple[tuple[str, str, str], ...] = ()  # (channel, source, at) by the e-mail
    stored_files: tuple[StoredFile, ...] = ()
    pending_registration: PendingRegistration | None = None  # waiting for its e-mail link
