"""In-memory customer repository and reset-request queue: the fakes unit tests run services against.

They follow the same contract as the DynamoDB ones (the contract tests run one suite on both), including
list order, which comes from the same query plan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from chalicelib.core.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidInputError,
    InvalidTokenError,
    MerchantRefTakenError,
    NotFoundError,
)
from chalicelib.core.pacing import WritePace
from chalicelib.core.text import fold, normalise_email
from chalicelib.customers.domain import (
    TOKEN_SCOPES,
    AccountToken,
    Connection,
    Consent,
    Customer,
    CustomerQuery,
    CustomerView,
    EmailBlockedError,
    EmailTakenError,
    PendingRegistration,
    ResetRequest,
    TokenScope,
    consent_changes,
)
from chalicelib.customers.ports import CustomerRepository, ResetRequestQueue
from chalicelib.customers.query_plan import matches, order_key, plan_customer_query
from chalicelib.customers.repository import apply_one_by_one
from chalicelib.models import keys
from chalicelib.models.paging import Page
from tests.fakes.addresses import MemoryAddressRepository
from tests.fakes.shop import MemoryConfigRepository


class MemoryCustomerRepository:
    def __init__(
        self, config: MemoryConfigRepository | None = None, addresses: MemoryAddressRepository | None = None
    ) -> None:
        # With a config fake, group member counters move like the DynamoDB ones; with an address
        # fake, the view shows the customer's addresses like the DynamoDB item collection does.
        self.config = config
        self.address_book = addresses
        self.customers: dict[str, Customer] = {}
        self.emails: dict[str, str | None] = {}  # normalised e-mail → id (None: blocked)
        self.connections: dict[str, list[Connection]] = {}
        self.tokens: dict[tuple[TokenScope, str], AccountToken] = {}
        self.pending_registrations: dict[str, PendingRegistration] = {}
        self.history: dict[str, list[Consent]] = {}
        self.refs: dict[str, str] = {}  # merchant ref → customer id (the CUSTOMER_REF# lookup)

    def _claim_ref(self, before: Customer | None, after: Customer) -> None:
        if after.merchant_ref and self.refs.get(after.merchant_ref, after.id) != after.id:
            raise MerchantRefTakenError("Another customer already has this reference.")
        if before is not None and before.merchant_ref and before.merchant_ref != after.merchant_ref:
            self.refs.pop(before.merchant_ref, None)
        if after.merchant_ref:
            self.refs[after.merchant_ref] = after.id

    def get_many_by_ref(self, refs: list[str]) -> dict[str, Customer]:
        return {r: self.customers[self.refs[r]] for r in refs if r in self.refs}

    def _claim(self, email: str, customer_id: str) -> None:
        key = normalise_email(email)
        if key in self.emails:
            if self.emails[key] is None:
                raise EmailBlockedError("This e-mail address is blocked from registering again.")
            if self.emails[key] != customer_id:
                raise EmailTakenError("A customer with this e-mail address already exists.")
        self.emails[key] = customer_id

    def _move_members(self, before: tuple[str, ...], after: tuple[str, ...]) -> None:
        if self.config is None:
            return
        known = {key[1] for key in self.config.entries if key[0] == "GROUP"}
        if any(g not in known for g in set(after) - set(before)):
            raise InvalidInputError("The customer is not valid.", {"group_ids": "unknown group"})
        for group_id in set(after) - set(before):
            self.config.adjust_count("GROUP", group_id, 1)
        for group_id in set(before) - set(after):
            if ("GROUP", group_id) in self.config.entries:
                self.config.adjust_count("GROUP", group_id, -1)

    def consent_history(self, customer_id: str) -> list[Consent]:
        return list(self.history.get(customer_id, []))

    def _record_consents(self, before: tuple[Consent, ...], after: Customer) -> None:
        self.history.setdefault(after.id, []).extend(consent_changes(before, after.consents))

    def create(self, customer: Customer) -> None:
        if customer.id in self.customers:
            raise AlreadyExistsError("Customer already exists.")
        if customer.merchant_ref and customer.merchant_ref in self.refs:
            raise MerchantRefTakenError("Another customer already has this reference.")
        self._claim(customer.email, customer.id)
        self._claim_ref(None, customer)
        self._move_members((), customer.group_ids)
        self._record_consents((), customer)
        self.customers[customer.id] = replace(customer, version=1)

    def get(self, customer_id: str) -> Customer | None:
        return self.customers.get(customer_id)

    def get_by_email(self, email: str) -> Customer | None:
        customer_id = self.emails.get(normalise_email(email))
        return self.customers.get(customer_id) if customer_id else None

    def is_email_blocked(self, email: str) -> bool:
        key = normalise_email(email)
        return key in self.emails and self.emails[key] is None

    def view(self, customer_id: str) -> CustomerView | None:
        customer = self.customers.get(customer_id)
        if customer is None:
            return None
        newest = sorted(self.connections.get(customer_id, []), key=lambda c: c.at, reverse=True)
        book = self.address_book.addresses.values() if self.address_book else ()
        addresses = sorted(
            (a for a in book if a.customer_id == customer_id and not a.deleted), key=lambda a: a.id
        )
        return CustomerView(customer=customer, connections=tuple(newest[:10]), addresses=tuple(addresses))

    def update(self, before: Customer, after: Customer) -> None:
        current = self.customers.get(before.id)
        if current is None:
            raise NotFoundError("Customer not found.")
        if current.version != before.version:
            raise ConflictError("The customer was changed by someone else; reload and try again.")
        if after.merchant_ref and self.refs.get(after.merchant_ref, after.id) != after.id:
            raise MerchantRefTakenError("Another customer already has this reference.")
        if normalise_email(before.email) != normalise_email(after.email):
            self._claim(after.email, after.id)
            del self.emails[normalise_email(before.email)]
        self._claim_ref(before, after)
        self._move_members(before.group_ids, after.group_ids)
        self._record_consents(before.consents, after)
        self.customers[after.id] = replace(after, version=before.version + 1)

    def delete(self, customer: Customer, *, keep_email_blocked: bool) -> None:
        current = self.customers.get(customer.id)
        if current is None:
            raise NotFoundError("Customer not found.")
        if current.version != customer.version:
            raise ConflictError("The customer was changed by someone else; reload and try again.")
        del self.customers[customer.id]
        if customer.merchant_ref and self.refs.get(customer.merchant_ref) == customer.id:
            del self.refs[customer.merchant_ref]
        self._move_members(customer.group_ids, ())
        self.connections.pop(customer.id, None)
        self.history.pop(customer.id, None)
        if self.address_book is not None:
            for address_id in [
                a.id for a in self.address_book.addresses.values() if a.customer_id == customer.id
            ]:
                del self.address_book.addresses[address_id]
        key = normalise_email(customer.email)
        if keep_email_blocked:
            self.emails[key] = None
        else:
            self.emails.pop(key, None)

    def add_connection(self, customer_id: str, connection: Connection) -> None:
        self.connections.setdefault(customer_id, []).append(connection)

    def get_many_by_email(self, emails: list[str]) -> tuple[dict[str, Customer], set[str]]:
        found: dict[str, Customer] = {}
        blocked: set[str] = set()
        for email in {normalise_email(e) for e in emails}:
            if email in self.emails and self.emails[email] is None:
                blocked.add(email)
            elif (owner := self.emails.get(email)) is not None:
                found[email] = self.customers[owner]
        return found, blocked

    def get_many(self, customer_ids: list[str]) -> dict[str, Customer]:
        return {i: self.customers[i] for i in customer_ids if i in self.customers}

    def write_batch(
        self,
        creates: list[Customer],
        updates: list[tuple[Customer, Customer]],
        token: str,
        pace: WritePace | None = None,
    ) -> dict[str, Exception]:
        return apply_one_by_one(self, creates, updates)

    def put_account_token(self, token: AccountToken) -> None:
        self.tokens[(TOKEN_SCOPES[token.purpose], token.token_hash)] = token

    def get_account_token(self, token_hash: str, scope: TokenScope) -> AccountToken | None:
        return self.tokens.get((scope, token_hash))

    def create_consuming_token(self, customer: Customer, token: AccountToken) -> None:
        key = (TOKEN_SCOPES[token.purpose], token.token_hash)
        stored = self.tokens.get(key)
        if stored is None or stored.customer_id != customer.id:
            raise InvalidTokenError("The link is invalid or has already been used.")
        self.create(customer)
        del self.tokens[key]

    def put_pending_registration(
        self, pending: PendingRegistration, token: AccountToken, quiet_since: datetime
    ) -> bool:
        current = self.pending_registrations.get(pending.email)
        if current is not None and current.requested_at >= quiet_since:
            return False
        self.pending_registrations[pending.email] = pending
        self.put_account_token(token)
        return True

    def get_pending_registration(self, email: str) -> PendingRegistration | None:
        return self.pending_registrations.get(normalise_email(email))

    def delete_pending_registration(self, email: str) -> None:
        self.pending_registrations.pop(normalise_email(email), None)

    def update_consuming_token(self, before: Customer, after: Customer, token: AccountToken) -> None:
        key = (TOKEN_SCOPES[token.purpose], token.token_hash)
        stored = self.tokens.get(key)
        if stored is None or stored.customer_id != after.id:
            raise InvalidTokenError("The link is invalid or has already been used.")
        self.update(before, after)
        del self.tokens[key]

    def list_page(self, query: CustomerQuery) -> Page[Customer]:
        plan = plan_customer_query(query)
        rows = [c for c in self.customers.values() if matches(c, query.filters)]
        rows.sort(key=lambda c: order_key(c, plan), reverse=plan.descending)
        if query.position is not None:
            after = str(query.position["after"])
            if plan.descending:
                rows = [c for c in rows if order_key(c, plan) < after]
            else:
                rows = [c for c in rows if order_key(c, plan) > after]
        page = rows[: query.limit]
        more = len(rows) > query.limit
        return Page(page, {"after": order_key(page[-1], plan)} if more and page else None)

    def count_at_most(self, query: CustomerQuery, at_most: int) -> int:
        return min(sum(1 for c in self.customers.values() if matches(c, query.filters)), at_most + 1)

    def search(self, text: str, by: str, limit: int) -> list[Customer]:
        if by == "ip":
            prefix = text.strip()
            hits = [
                (conn.at, cid)
                for cid, conns in self.connections.items()
                for conn in conns
                if conn.ip.startswith(prefix) and cid in self.customers
            ]
            ids = list(dict.fromkeys(cid for _, cid in sorted(hits)))
            return [self.customers[i] for i in ids[:limit]]
        folded = fold(text)

        # Mirrors the DynamoDB search: last-name prefix matches (in last-name order), then first-name
        # matches, then "first last" as first-word<sep>rest on the first-name key, then e-mails.
        def ordered(key: Callable[[Customer], str]) -> list[Customer]:
            return sorted(self.customers.values(), key=key)

        by_last = ordered(lambda c: keys.sort_key(fold(c.last_name), fold(c.first_name), c.id))
        by_first = ordered(lambda c: keys.sort_key(fold(c.first_name), fold(c.last_name), c.id))
        passes = [
            [c for c in by_last if fold(c.last_name).startswith(folded)],
            [c for c in by_first if fold(c.first_name).startswith(folded)],
        ]
        if " " in folded:
            first, rest = folded.split(" ", 1)
            full = f"{first}{keys.FIELD_SEP}{rest}"
            passes.append(
                [c for c in by_first if keys.sort_key(fold(c.first_name), fold(c.last_name)).startswith(full)]
            )
        if by == "all":
            email = normalise_email(text)
            by_email = ordered(lambda c: keys.sort_key(normalise_email(c.email), c.id))
            passes.append([c for c in by_email if normalise_email(c.email).startswith(email)])
        found: dict[str, Customer] = {}
        for rows in passes:
            missing = limit - len(found)
            if missing <= 0:
                break
            for customer in rows[:missing]:
                found.setdefault(customer.id, customer)
        return list(found.values())[:limit]


class MemoryResetRequestQueue:
    def __init__(self) -> None:
        self.items: dict[str, ResetRequest] = {}

    def put(self, request: ResetRequest) -> None:
        self.items[request.id] = request

    def oldest(self, limit: int) -> list[ResetRequest]:
        return sorted(self.items.values(), key=lambda r: (r.requested_at, r.id))[:limit]

    def delete(self, request: ResetRequest) -> None:
        self.items.pop(request.id, None)


# mypy checks the fake against its port: a method the port gains fails here until the fake has it
# (tests/unit/test_fakes_conform.py makes sure every fake in tests/fakes/ has such a check).
def _port_check_customers(fake: MemoryCustomerRepository) -> CustomerRepository:
    return fake


def _port_check_reset_requests(fake: MemoryResetRequestQueue) -> ResetRequestQueue:
    return fake
