"""The personal-data export: everything held about one customer, gathered from keyed reads only."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

from chalicelib.carts.domain import Cart, Order, Voucher
from chalicelib.carts.orders import OrderService
from chalicelib.carts.ports import CartRepository
from chalicelib.core.clock import Clock, parse_iso, utc_now
from chalicelib.core.errors import NotFoundError
from chalicelib.core.text import email_hash, normalise_email
from chalicelib.customers.domain import ImportRow
from chalicelib.customers.ports import CustomerRepository
from chalicelib.imports.domain import FINISHED
from chalicelib.imports.ports import ImportRepository
from chalicelib.privacy.export import PersonalData, StoredFile
from chalicelib.privacy.ports import PrivacyRepository
from chalicelib.support.domain import ThreadView
from chalicelib.support.ports import MailboxRepository, ThreadRepository

# A customer's carts and threads are read newest first up to these bounds (orders: all of them).
CARTS_EXPORTED = 1000
THREADS_EXPORTED = 1000
UNPROCESSED_EXPORTED = 100


@dataclass(frozen=True, slots=True)
class PersonalDataService:
    customers: CustomerRepository
    carts: CartRepository
    orders: OrderService
    threads: ThreadRepository
    privacy: PrivacyRepository
    clock: Clock = utc_now
    _: KW_ONLY
    mailboxes: MailboxRepository | None = None
    imports: ImportRepository | None = None

    def export(self, customer_id: str, *, by_address: bool = True) -> PersonalData:
        """Profile (with consents and import rows), addresses, groups, connections, consent
        history, carts, orders with their history, vouchers, threads with messages and events.

        `by_address=False` (the customer's own export) leaves out what is found only by the
        account's e-mail address — guest carts, threads written from it, kept mail, guest consents,
        a pending registration: an account's address is not always proven (registration with a new
        address, an e-mail change), so matching by it would hand anyone who claims an address the
        support conversations and carts of its real owner. The admin's export keeps them.

        Raises: NotFoundError."""
        view = self.customers.view(customer_id)
        if view is None:
            raise NotFoundError("Customer not found.")
        orders: list[Order] = []
        cursor: str | None = None
        while True:
            page, cursor = self.orders.mine(customer_id, 200, cursor)
            orders += page
            if cursor is None:
                break
        carts: list[Cart] = self.carts.for_customer(customer_id, CARTS_EXPORTED)
        email = view.customer.email
        if by_address:
            carts += self.privacy.guest_carts(email, CARTS_EXPORTED)
        codes = dict.fromkeys(
            c for c in (*(x.voucher_code for x in carts), *(o.voucher_code for o in orders)) if c
        )
        vouchers: list[Voucher] = [v for code in codes if (v := self.carts.get_voucher(code)) is not None]
        # Threads linked to the account, and threads written from its e-mail before it existed.
        found = {t.id: t for t in self.threads.for_customer(customer_id, THREADS_EXPORTED)}
        for thread in self.threads.latest_for_email(email, THREADS_EXPORTED) if by_address else ():
            found.setdefault(thread.id, thread)
        threads: list[ThreadView] = [tv for i in found if (tv := self.threads.view(i)) is not None]
        return PersonalData(
            view=view,
            exported_at=self.clock(),
            consent_history=tuple(self.customers.consent_history(customer_id)),
            carts=tuple(carts),
            orders=tuple(orders),
            vouchers=tuple(vouchers),
            threads=tuple(threads),
            open_links=tuple((p, parse_iso(v)) for p, v in self.privacy.open_links(customer_id)),
            erasure=self.privacy.get_job(customer_id),
            guest_consents=tuple(self.privacy.opt_ins(email_hash(email))) if by_address else (),
            stored_files=self._stored_files(
                email if by_address else None, view.customer.import_rows, threads
            ),
            pending_registration=self.customers.get_pending_registration(email) if by_address else None,
        )

    def _stored_files(
        self, email: str | None, import_rows: tuple[ImportRow, ...], threads: list[ThreadView]
    ) -> tuple[StoredFile, ...]:
        """The same places erasure deletes: raw mail of the threads' messages, kept mail from the
        address (GSI3 lookup), files and reports of the imports that touched the customer."""
        found = [
            StoredFile("raw_mail", f"{tv.thread.id}/{m.id}")
            for tv in threads
            for m in tv.messages
            if m.raw_key
        ]
        if self.mailboxes is not None and email is not None:
            kept = self.mailboxes.unprocessed_from(normalise_email(email), UNPROCESSED_EXPORTED)
            found += [StoredFile("unprocessed_mail", mail.id) for mail in kept]
        if self.imports is not None:
            for import_id in dict.fromkeys(row.import_id for row in import_rows):
                job = self.imports.get(import_id)
                if job is None:
                    continue
                if job.source_key and job.status not in FINISHED:  # finished imports' files are deleted
                    found.append(StoredFile("import_source", job.id))
                if job.report_key:
                    found.append(StoredFile("import_report", job.id))
        return tuple(found)
