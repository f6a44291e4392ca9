"""In-memory suppression list and privacy repository (the fakes of privacy.repository's), for unit tests.

They follow the same contract as DynamoPrivacyRepository (tests/contract/test_privacy_contract.py runs
one suite on both)."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.carts.domain import Cart, Order
from chalicelib.core.clock import iso
from chalicelib.core.errors import ConflictError
from chalicelib.core.text import normalise_email
from chalicelib.customers.domain import TOKEN_SCOPES, TokenScope
from chalicelib.models import keys
from chalicelib.privacy.domain import OPEN_ORDER_STATUSES, ErasureJob
from chalicelib.privacy.ports import PrivacyRepository, SuppressionRepository
from chalicelib.privacy.repository import ERASED, ERASED_EMAIL, anonymous_address
from tests.fakes.customers import MemoryCustomerRepository
from tests.fakes.support import MemoryThreadRepository, listed_key, stored


class MemorySuppressionRepository:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], tuple[str, str]] = {}
        # (email hash, channel) → (source, at). Not named `opt_ins`: that is a method of the
        # privacy repository port.
        self.guest_opt_ins: dict[tuple[str, str], tuple[str, str]] = {}

    def suppress(self, email_hash: str, channel: str, source: str, at: str) -> None:
        self.entries.setdefault((email_hash, channel), (source, at))

    def is_suppressed(self, email_hash: str, channel: str) -> bool:
        return (email_hash, channel) in self.entries

    def confirm_opt_in(self, email_hash: str, channel: str, source: str, at: str) -> bool:
        if (email_hash, channel) in self.guest_opt_ins:
            return False
        self.guest_opt_ins[(email_hash, channel)] = (source, at)
        return True

    def opt_in(self, email_hash: str, channel: str) -> tuple[str, str] | None:
        return self.guest_opt_ins.get((email_hash, channel))


class MemoryPrivacyRepository(MemorySuppressionRepository):
    """The DynamoDB repository reads and erases other features' items in the one table (threads,
    orders, carts, account tokens, the customer's item collection), so this fake works on the
    customer and thread fakes and on cart / order dicts it may share with the carts fakes."""

    def __init__(
        self,
        customers: MemoryCustomerRepository | None = None,
        threads: MemoryThreadRepository | None = None,
        carts: dict[str, Cart] | None = None,
        orders: dict[str, Order] | None = None,
    ) -> None:
        super().__init__()
        self.customers = customers if customers is not None else MemoryCustomerRepository()
        self.threads = threads if threads is not None else MemoryThreadRepository()
        self.carts: dict[str, Cart] = {} if carts is None else carts
        self.orders: dict[str, Order] = {} if orders is None else orders
        self.erasures: dict[str, ErasureJob] = {}

    # -- guest opt-ins -------------------------------------------------------------------------
    def opt_ins(self, email_hash: str) -> list[tuple[str, str, str]]:
        return sorted(
            (channel, source, at)
            for (digest, channel), (source, at) in self.guest_opt_ins.items()
            if digest == email_hash
        )

    def delete_opt_ins(self, email_hash: str) -> int:
        doomed = [key for key in self.guest_opt_ins if key[0] == email_hash]
        for key in doomed:
            del self.guest_opt_ins[key]
        return len(doomed)

    # -- erasure jobs --------------------------------------------------------------------------
    def get_job(self, customer_id: str) -> ErasureJob | None:
        return self.erasures.get(customer_id)

    def start_job(self, job: ErasureJob) -> ErasureJob:
        if job.customer_id not in self.erasures:
            self.erasures[job.customer_id] = stored(replace(job, version=1))
        return self.erasures[job.customer_id]

    def save_job(self, before: ErasureJob, after: ErasureJob) -> ErasureJob:
        current = self.erasures.get(before.customer_id)
        if current is None or current.version != before.version:
            raise ConflictError("The erasure was moved on by another run.")
        saved = stored(replace(after, version=before.version + 1))
        self.erasures[after.customer_id] = saved
        return saved

    @staticmethod
    def _listed(job: ErasureJob) -> str:
        return keys.time_sk(iso(job.started_at), job.customer_id)

    def jobs(self, status: str, limit: int) -> list[ErasureJob]:
        matching = [j for j in self.erasures.values() if ("done" if j.done else "running") == status]
        return sorted(matching, key=self._listed)[:limit]

    def audit(self, limit: int) -> list[ErasureJob]:
        return sorted(self.erasures.values(), key=self._listed, reverse=True)[:limit]

    # -- what blocks an erasure ------------------------------------------------------------------
    def _orders_of(self, customer_id: str) -> list[tuple[str, Order]]:
        """The customer's orders by their GSI1 activity sort key, oldest first."""
        rows = [
            (keys.activity_sk(keys.ORDER, iso(o.created_at), o.id), o)
            for o in self.orders.values()
            if o.customer_id == customer_id
        ]
        return sorted(rows, key=lambda row: row[0])

    def open_orders(self, customer_id: str) -> int:
        return sum(1 for _, o in self._orders_of(customer_id) if o.status in OPEN_ORDER_STATUSES)

    def consume_token(self, token_hash: str, scope: TokenScope, customer_id: str) -> bool:
        token = self.customers.tokens.get((scope, token_hash))
        if token is None or token.customer_id != customer_id:
            return False
        del self.customers.tokens[(scope, token_hash)]
        return True

    # -- retention -------------------------------------------------------------------------------
    def old_guest_ids(self, created_before_id: str, after: str | None, limit: int) -> list[tuple[str, int]]:
        low = after + "\x00" if after else "0"
        guests = sorted(
            (c.id, c.orders_count)
            for c in self.customers.customers.values()
            if c.is_guest and low <= c.id <= created_before_id
        )
        return guests[:limit]

    def abandoned_carts_before(self, before_iso: str, limit: int) -> list[Cart]:
        rows = [(self._cart_listed(c), c) for c in self.carts.values() if c.status == "abandoned"]
        return [c for listed, c in sorted(rows, key=lambda row: row[0]) if listed < before_iso][:limit]

    @staticmethod
    def _cart_listed(cart: Cart) -> str:
        return keys.time_sk(iso(cart.updated_at), cart.id)

    # -- steps -----------------------------------------------------------------------------------
    def thread_ids_by_email(self, email: str, limit: int) -> list[str]:
        wanted = normalise_email(email)
        rows = sorted(
            (listed_key(t), t.id) for t in self.threads.threads.values() if normalise_email(t.email) == wanted
        )
        return [thread_id for _, thread_id in rows][:limit]

    def thread_ids_of(self, customer_id: str, after: str | None, limit: int) -> list[tuple[str, str]]:
        rows = sorted(
            (keys.activity_sk(keys.THREAD, iso(t.last_message_at), t.id), t.id)
            for t in self.threads.threads.values()
            if t.customer_id == customer_id
        )
        return [(thread_id, sk) for sk, thread_id in rows if after is None or sk > after][:limit]

    def anonymise_thread(self, thread_id: str) -> int:
        thread = self.threads.threads.get(thread_id)
        if thread is None:
            return 0
        # The thread item is rewritten every time (a version-checked save), as DynamoDB does.
        self.threads.threads[thread_id] = replace(
            thread, email=ERASED_EMAIL, subject=ERASED, version=thread.version + 1
        )
        written = 1
        messages = self.threads.messages.get(thread_id, {})
        for sk, message in messages.items():
            if (
                message.text == ERASED
                and message.email is None
                and not message.attachments
                and not message.raw_key
            ):
                continue
            messages[sk] = replace(
                message,
                text=ERASED,
                html=None,
                email=None,
                subject=ERASED if message.subject else None,
                attachments=(),
                raw_key=None,
            )
            written += 1
        events = self.threads.events.get(thread_id, {})
        for sk, event in events.items():
            if event.data:
                events[sk] = replace(event, data={})
                written += 1
        return written

    def thread_raw_keys(self, thread_id: str) -> list[str]:
        messages = self.threads.messages.get(thread_id, {})
        return [messages[sk].raw_key or "" for sk in sorted(messages) if messages[sk].raw_key]

    def anonymise_orders(self, customer_id: str, after: str | None, limit: int) -> tuple[int, str | None]:
        written, last = 0, None
        page = [(sk, o) for sk, o in self._orders_of(customer_id) if after is None or sk > after][:limit]
        for sk, order in page:
            last = sk
            delivery = anonymous_address(order.delivery_address)
            invoice = anonymous_address(order.invoice_address)
            if (delivery, invoice) == (order.delivery_address, order.invoice_address):
                continue
            self.orders[order.id] = replace(order, delivery_address=delivery, invoice_address=invoice)
            written += 1
        return written, last

    def _carts_of(self, customer_id: str) -> list[Cart]:
        rows = [
            (keys.activity_sk(keys.CART, iso(c.updated_at), c.id), c)
            for c in self.carts.values()
            if c.customer_id == customer_id
        ]
        return [c for _, c in sorted(rows, key=lambda row: row[0])]

    def delete_carts(self, customer_id: str, limit: int) -> int:
        doomed = self._carts_of(customer_id)[:limit]
        for cart in doomed:
            del self.carts[cart.id]
        return len(doomed)

    def _tokens_of(self, customer_id: str) -> list[tuple[TokenScope, str]]:
        found = [
            (keys.account_token_activity_sk(t.token_hash), (TOKEN_SCOPES[t.purpose], t.token_hash))
            for t in self.customers.tokens.values()
            if t.customer_id == customer_id
        ]
        return [key for _, key in sorted(found)]

    def open_links(self, customer_id: str) -> list[tuple[str, str]]:
        tokens = [self.customers.tokens[key] for key in self._tokens_of(customer_id)]
        return [(t.purpose, iso(t.valid_until)) for t in tokens]

    def guest_carts(self, email: str, limit: int) -> list[Cart]:
        wanted = normalise_email(email)
        guests = [
            c
            for c in self.carts.values()
            if c.email and not c.customer_id and normalise_email(c.email) == wanted
        ]
        return sorted(guests, key=self._cart_listed)[:limit]

    def delete_guest_carts(self, email: str, limit: int) -> int:
        doomed = self.guest_carts(email, limit)
        for cart in doomed:
            del self.carts[cart.id]
        return len(doomed)

    def delete_tokens(self, customer_id: str, limit: int) -> int:
        doomed = self._tokens_of(customer_id)[:limit]
        for key in doomed:
            del self.customers.tokens[key]
        return len(doomed)

    def delete_collection_items(self, customer_id: str, limit: int) -> int:
        """The customer fake's collection items: sign-ins, the consent history and (with an address
        fake) the addresses; the profile and its memberships stay."""
        deleted = 0
        connections = self.customers.connections.get(customer_id, [])
        while connections and deleted < limit:
            connections.pop(0)
            deleted += 1
        history = self.customers.history.get(customer_id, [])
        while history and deleted < limit:
            history.pop(0)
            deleted += 1
        book = self.customers.address_book
        if book is not None:
            for address_id in [a.id for a in book.addresses.values() if a.customer_id == customer_id]:
                if deleted >= limit:
                    break
                del book.addresses[address_id]
                deleted += 1
        return deleted


# mypy checks each fake against its port: a method the port gains fails here until the fake has it
# (tests/unit/test_fakes_conform.py makes sure every fake in tests/fakes/ has such a check).
def _port_check_suppressions(fake: MemorySuppressionRepository) -> SuppressionRepository:
    return fake


def _port_check_privacy(fake: MemoryPrivacyRepository) -> PrivacyRepository:
    return fake
