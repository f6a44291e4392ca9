"""Erasure ("delete me"): personal data removed or replaced, orders kept for accounting.

An erasure is a job (ERASURE#<customer>) that walks fixed steps — threads (attachments and the
received mail's raw copies deleted from S3, senders, subjects and bodies replaced), files (kept
unprocessed mail from the address with its raw copy, the sources and reports of the imports that
touched the customer, export files), orders (address snapshots anonymised), carts, account
tokens, the rest of the customer's collection (addresses, connections, consent history, cart-reminder
confirmations given as a guest with the customer's e-mail), then the
profile with its e-mail item and memberships in one transaction (the e-mail is free again). Each
step handles one bounded page and checkpoints; a failure leaves the job where it was and the next
call (or the daily cleanup) resumes it. The job stays as the audit record: who, when, which id.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, replace
from datetime import timedelta

from chalicelib.core.clock import Clock, utc_now
from chalicelib.core.errors import ConflictError, InvalidTokenError, NotFoundError
from chalicelib.core.files import FileStore
from chalicelib.core.observability import logger
from chalicelib.core.text import email_hash, normalise_email
from chalicelib.customers.accounts import token_hash
from chalicelib.customers.domain import AccountToken, Customer
from chalicelib.customers.ports import CustomerRepository
from chalicelib.imports.domain import EXPORT_PREFIX, FINISHED
from chalicelib.imports.ports import ImportRepository
from chalicelib.mail.notifications import Notifier
from chalicelib.privacy.domain import ErasureJob, step_after
from chalicelib.privacy.ports import PrivacyRepository
from chalicelib.shop.service import ConfigService
from chalicelib.support.attachments import ATTACHMENT_PREFIX
from chalicelib.support.ports import MailboxRepository

# Items (or threads) one step handles: small enough for one Lambda second or two.
STEP_SIZE = 25
# Steps one request runs before answering; an unfinished job answers 202 and goes on when called again.
STEPS_PER_CALL = 200
ERASE_LINK_TTL = timedelta(hours=24)
_BAD_LINK = "The link is invalid, expired or already used."


@dataclass(frozen=True, slots=True)
class ErasureService:
    privacy: PrivacyRepository
    customers: CustomerRepository
    files: FileStore
    config: ConfigService
    notifier: Notifier
    clock: Clock = utc_now
    new_secret: Callable[[], str] = lambda: secrets.token_urlsafe(32)
    _: KW_ONLY
    mailboxes: MailboxRepository | None = None
    imports: ImportRepository | None = None

    # -- the job ---------------------------------------------------------------------------------
    def erase(self, customer_id: str, requested_by: str, max_steps: int = STEPS_PER_CALL) -> ErasureJob:
        """Start (or resume) the customer's erasure and run up to `max_steps` steps.

        Raises: NotFoundError (no such customer and no erasure), ConflictError (an order is still
        pending, processing or shipped; or another run moved the job on)."""
        job = self.privacy.get_job(customer_id)
        if job is None:
            if self.customers.get(customer_id) is None:
                raise NotFoundError("Customer not found.")
            self._refuse_open_orders(customer_id)
            job = self.privacy.start_job(ErasureJob(customer_id, requested_by, self.clock()))
            logger.info("erasure started", customer_id=customer_id, requested_by=requested_by)
        for _ in range(max_steps):
            if job.done:
                break
            job = self._step(job)
        return job

    def status(self, customer_id: str) -> ErasureJob:
        """Raises: NotFoundError."""
        job = self.privacy.get_job(customer_id)
        if job is None:
            raise NotFoundError("No erasure for this customer.")
        return job

    def audit(self, limit: int) -> list[ErasureJob]:
        return self.privacy.audit(limit)

    def resume_unfinished(self, limit: int = 20) -> int:
        """Run the erasures a failure left unfinished (the cleanup schedule calls this)."""
        jobs = self.privacy.jobs("running", limit)
        for job in jobs:
            self.erase(job.customer_id, job.requested_by)
        return len(jobs)

    def _refuse_open_orders(self, customer_id: str) -> None:
        if self.privacy.open_orders(customer_id):
            raise ConflictError("The customer has orders still pending, processing or shipped.")

    def _step(self, job: ErasureJob) -> ErasureJob:
        changed, position, finished = self._run_step(job)
        after = replace(
            job,
            step=step_after(job.step) if finished else job.step,
            position=None if finished else position,
            items_changed=job.items_changed + changed,
        )
        if after.step == "done":
            after = replace(after, finished_at=self.clock())
            logger.info("erasure finished", customer_id=job.customer_id, items_changed=after.items_changed)
        return self.privacy.save_job(job, after)

    def _run_step(self, job: ErasureJob) -> tuple[int, str | None, bool]:
        """(items changed, checkpoint, step finished) for one bounded page of the job's step."""
        customer_id = job.customer_id
        if job.step == "threads":
            customer = self.customers.get(customer_id)
            if customer is not None:
                # Threads under the customer's e-mail but not linked to the account first: each
                # anonymised thread leaves that partition, so the page shrinks to nothing.
                by_email = self.privacy.thread_ids_by_email(customer.email, STEP_SIZE)
                if by_email:
                    return sum(self._erase_thread(t) for t in by_email), job.position, False
            page = self.privacy.thread_ids_of(customer_id, job.position, STEP_SIZE)
            changed = sum(self._erase_thread(thread_id) for thread_id, _ in page)
            return changed, page[-1][1] if page else None, len(page) < STEP_SIZE
        if job.step == "files":
            return self._erase_files(job.position or "unprocessed", self.customers.get(customer_id))
        if job.step == "orders":
            changed, last = self.privacy.anonymise_orders(customer_id, job.position, STEP_SIZE)
            return changed, last, last is None
        if job.step == "carts":
            deleted = self.privacy.delete_carts(customer_id, STEP_SIZE)
            customer = self.customers.get(customer_id)
            if customer is not None and deleted < STEP_SIZE:
                # Guest carts opened with the customer's e-mail before (or without) signing in.
                deleted += self.privacy.delete_guest_carts(customer.email, STEP_SIZE)
                return deleted, None, deleted < STEP_SIZE
            return deleted, None, deleted < STEP_SIZE
        if job.step == "tokens":
            deleted = self.privacy.delete_tokens(customer_id, STEP_SIZE)
            customer = self.customers.get(customer_id)
            # A registration with the address waiting for its link (names, the password hash).
            if (
                customer is not None
                and deleted < STEP_SIZE
                and self.customers.get_pending_registration(customer.email) is not None
            ):
                self.customers.delete_pending_registration(customer.email)
                deleted += 1
            return deleted, None, deleted < STEP_SIZE
        if job.step == "collection":
            deleted = self.privacy.delete_collection_items(customer_id, STEP_SIZE)
            customer = self.customers.get(customer_id)
            if customer is not None and deleted < STEP_SIZE:
                # Cart-reminder confirmations given as a guest with the customer's e-mail.
                deleted += self.privacy.delete_opt_ins(email_hash(customer.email))
            return deleted, None, deleted < STEP_SIZE
        if job.step == "profile":
            customer = self.customers.get(customer_id)
            if customer is None:
                return 0, None, True
            # Profile, e-mail item (freed, not blocked), memberships and group counters together.
            self.customers.delete(customer, keep_email_blocked=False)
            return 1, None, True
        return 0, None, True

    def _erase_thread(self, thread_id: str) -> int:
        # Objects first: if the items' rewrite fails, the step runs again and finds no objects
        # (the raw-mail keys are read again from the messages, which still name them).
        removed = self.files.delete_prefix(f"{ATTACHMENT_PREFIX}{thread_id}/")
        removed += self.files.delete_keys(self.privacy.thread_raw_keys(thread_id))
        return removed + self.privacy.anonymise_thread(thread_id)

    def _erase_files(self, phase: str, customer: Customer | None) -> tuple[int, str | None, bool]:
        """One page of the `files` step; its checkpoint is the phase it is in."""
        if phase == "unprocessed":
            kept = []
            if customer is not None and self.mailboxes is not None:
                kept = self.mailboxes.unprocessed_from(normalise_email(customer.email), STEP_SIZE)
            if not kept:
                return 0, "imports", False
            # Objects first, then the records (which are the lookup): the page shrinks to nothing.
            self.files.delete_keys([mail.raw_key for mail in kept])
            for mail in kept:
                self.mailboxes.resolve(mail.id)  # type: ignore[union-attr]
            return 2 * len(kept), "unprocessed", False
        if phase == "imports":
            # The profile names the imports whose rows created or changed the customer (newest 20);
            # a finished import's file and error report are no longer needed, so they go. Sources
            # of imports that finish later are deleted when they finish (ImportService).
            doomed: list[str] = []
            if customer is not None and self.imports is not None:
                for import_id in dict.fromkeys(row.import_id for row in customer.import_rows):
                    job = self.imports.get(import_id)
                    if job is not None and job.status in FINISHED:
                        doomed += [key for key in (job.source_key, job.report_key) if key]
            return self.files.delete_keys(doomed), "exports", False
        # Export files list every customer a filter matched: any of them may hold this one, and
        # they are snapshots the back-office can produce again, so they all go.
        removed = self.files.delete_prefix(EXPORT_PREFIX, limit=STEP_SIZE * 4)
        return removed, "exports", removed < STEP_SIZE * 4

    # -- self-service ----------------------------------------------------------------------------
    def request(self, customer_id: str) -> None:
        """Mail the customer a single-use confirmation link. Raises: NotFoundError, ConflictError."""
        customer = self.customers.get(customer_id)
        if customer is None:
            raise NotFoundError("Customer not found.")
        self._refuse_open_orders(customer_id)
        secret = self.new_secret()
        hashed = token_hash(secret)
        valid_until = self.clock() + ERASE_LINK_TTL
        self.customers.put_account_token(AccountToken(hashed, customer.id, "erase", valid_until))
        base = self.config.settings().storefront_url.rstrip("/")
        self.notifier.send_to_customer(
            f"erase-request:{hashed}",
            customer,
            "erase_confirm",
            {
                "link": f"{base}/privacy/erase?token={secret}",
                "valid_hours": int(ERASE_LINK_TTL.total_seconds() // 3600),
            },
        )
        logger.info("erasure requested", customer_id=customer_id)

    def confirm(self, token: str) -> ErasureJob:
        """Erase the customer a confirmation link belongs to; the link works once.

        Raises: InvalidTokenError, ConflictError (open orders)."""
        hashed = token_hash(token)
        stored = self.customers.get_account_token(hashed, "erase")
        if stored is None or stored.purpose != "erase" or stored.valid_until <= self.clock():
            raise InvalidTokenError(_BAD_LINK)
        if self.privacy.get_job(stored.customer_id) is None:
            self.erase(stored.customer_id, "customer", max_steps=0)
        if not self.privacy.consume_token(hashed, "erase", stored.customer_id):
            raise InvalidTokenError(_BAD_LINK)
        return self.erase(stored.customer_id, "customer")
