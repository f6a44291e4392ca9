"""Customers in DynamoDB (PynamoDB). Access patterns #1, #2, #3, #5, #6, #7, #8 of DESIGN.md."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from pynamodb.connection import Connection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.addresses.domain import Address
from chalicelib.addresses.records import from_address_record
from chalicelib.core.clock import iso, parse_iso
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
    Consent,
    Customer,
    CustomerFilters,
    CustomerQuery,
    CustomerView,
    EmailBlockedError,
    EmailTakenError,
    PendingRegistration,
    TokenScope,
    consent_changes,
)
from chalicelib.customers.domain import Connection as SignIn
from chalicelib.customers.mapping import consent_from_json, from_record, from_summary, to_record
from chalicelib.customers.ports import CustomerRepository
from chalicelib.customers.query_plan import Plan, flag_partitions, matches, plan_customer_query, without_flags
from chalicelib.customers.write_items import counter_writes, create_items, membership_items, update_items
from chalicelib.models import keys
from chalicelib.models.base import INDEX_NUMBERS, TableRecord, index_by_number, index_entry
from chalicelib.models.capacity import write_units
from chalicelib.models.customers import (
    BY_EMAIL,
    BY_FIRST_NAME,
    BY_LAST_NAME,
    CUSTOMER_FLAGS_INDEX,
    AccountTokenRecord,
    AddressRecord,
    ConnectionRecord,
    ConsentRecord,
    CustomerPrivateRecord,
    CustomerRecord,
    CustomerRefRecord,
    EmailRecord,
    GroupMembershipRecord,
    PendingRegistrationRecord,
)
from chalicelib.models.errors import (
    dynamo_errors,
    from_low_level,
    get_item,
    put_items,
    run_transaction,
    to_low_level,
)
from chalicelib.models.paging import MAX_ITEMS_READ_PER_PAGE, Page, merged_index_page, read_page
from chalicelib.models.shop import ConfigRecord

_CONNECTIONS_KEPT = 10
_CONNECTION_TTL = timedelta(days=400)
# The profile's discriminator ("CUSTOMER"), as its items carry it.
_PROFILE_TYPE = TableRecord.entity_type.get_discriminator(CustomerRecord)
# The record attribute of the flags partition a profile sort index's rows carry.
_FLAGS_ROW_ATTRIBUTE = f"gsi{CUSTOMER_FLAGS_INDEX}pk"
# DynamoDB's TransactWriteItems limit.
_TRANSACTION_ITEMS = 100


class _QuietPeriodError(Exception):
    """The address got a verification mail less than the quiet period ago."""


def _connection() -> Connection:
    connection: Connection = TableRecord._get_connection().connection
    return connection


def apply_one_by_one(
    repository: CustomerRepository, creates: list[Customer], updates: list[tuple[Customer, Customer]]
) -> dict[str, Exception]:
    """Write each create and update on its own; returns the ones that failed, by customer id."""
    failures: dict[str, Exception] = {}
    for customer in creates:
        try:
            repository.create(customer)
        except (AlreadyExistsError, ConflictError, InvalidInputError) as error:
            failures[customer.id] = error
    for before, after in updates:
        try:
            repository.update(before, after)
        except (AlreadyExistsError, ConflictError, InvalidInputError, NotFoundError) as error:
            failures[after.id] = error
    return failures


def index_units(transaction: TransactWrite, updated: set[str]) -> int:
    """The write units a transaction puts on its busiest index partition (docs/keys.md,
    "Write-rate arguments"): each item it puts is charged, in every index it lands in, the index
    item its projection stores (the profile's indexes: keys only, so about one unit whatever
    the profile's size), summed per partition: every profile sits in the constant `CUSTOMERS`
    partition of each sort index, every membership of one group in its `GROUP#<id>` partition
    (ALL: a membership carries the list summary). An updated profile (`updated`: their ids) is
    charged twice, since a moved sort key deletes the old index item and puts the new one."""
    load: dict[tuple[int, str], int] = {}
    for item in put_items(transaction):
        profile = item["entity_type"]["S"] == _PROFILE_TYPE
        times = 2 if profile and item["customer_id"]["S"] in updated else 1
        for number in INDEX_NUMBERS:
            entry = index_entry(item, number)
            if entry is not None:
                partition = (number, str(entry[f"GSI{number}PK"]["S"]))
                load[partition] = load.get(partition, 0) + write_units(entry) * times
    return max(load.values(), default=0)


def _account_token_record(token: AccountToken) -> AccountTokenRecord:
    """The one mapping of a link token to its record (a plain link and a verify link alike)."""
    return AccountTokenRecord(
        keys.account_token_pk(TOKEN_SCOPES[token.purpose], token.token_hash),
        "TOKEN",
        customer_id=token.customer_id,
        purpose=token.purpose,
        valid_until=iso(token.valid_until),
        expires_at=token.valid_until + timedelta(days=1),
        # Listed under the customer so an erasure can drop the customer's open links.
        gsi1pk=keys.customer_pk(token.customer_id),
        gsi1sk=keys.account_token_activity_sk(token.token_hash),
        email=token.email,
    )


def _consume_token(transaction: TransactWrite, token: AccountToken | None, customer_id: str) -> None:
    """Delete the link's token in the transaction of the write it allows, on the condition that
    it is this customer's: a link works once, and only for whom it was mailed to."""
    if token is not None:
        record = AccountTokenRecord(
            keys.account_token_pk(TOKEN_SCOPES[token.purpose], token.token_hash), "TOKEN"
        )
        transaction.delete(record, condition=AccountTokenRecord.customer_id == customer_id)


class DynamoCustomerRepository:
    """Customers, their e-mail items, memberships and connections in the single table."""

    # -- reads ---------------------------------------------------------------------------------
    def get(self, customer_id: str) -> Customer | None:
        """The profile and its private part: one Query (both sort keys start with PROFILE)."""
        profile: CustomerRecord | None = None
        private: CustomerPrivateRecord | None = None
        with dynamo_errors():
            for record in TableRecord.query(
                keys.customer_pk(customer_id), TableRecord.sk.startswith(keys.PROFILE)
            ):
                if isinstance(record, CustomerRecord):
                    profile = record
                elif isinstance(record, CustomerPrivateRecord):
                    private = record
        return from_record(profile, private) if profile is not None else None

    def _email_item(self, email: str) -> EmailRecord | None:
        return get_item(EmailRecord, keys.email_pk(normalise_email(email)), keys.email_sk())

    def get_by_email(self, email: str) -> Customer | None:
        item = self._email_item(email)
        if item is None or item.customer_id is None:
            return None
        return self.get(item.customer_id)

    def is_email_blocked(self, email: str) -> bool:
        item = self._email_item(email)
        return item is not None and item.blocked

    def view(self, customer_id: str) -> CustomerView | None:
        profile_record: CustomerRecord | None = None
        private: CustomerPrivateRecord | None = None
        connections: list[SignIn] = []
        addresses: list[Address] = []
        with dynamo_errors():
            for record in TableRecord.query(keys.customer_pk(customer_id)):
                if isinstance(record, CustomerRecord):
                    profile_record = record
                elif isinstance(record, CustomerPrivateRecord):
                    private = record
                elif isinstance(record, AddressRecord):
                    if not record.deleted:
                        addresses.append(from_address_record(record))
                elif isinstance(record, ConnectionRecord):
                    connections.append(
                        SignIn(at=parse_iso(record.at), ip=record.ip, user_agent=record.user_agent)
                    )
        if profile_record is None:
            return None
        profile = from_record(profile_record, private)
        newest = sorted(connections, key=lambda c: c.at, reverse=True)[:_CONNECTIONS_KEPT]
        return CustomerView(customer=profile, connections=tuple(newest), addresses=tuple(addresses))

    # -- writes --------------------------------------------------------------------------------
    # The items themselves are built by customers.write_items (shared with the features whose
    # transactions write a customer's items: checkout, an order's status change).
    def _drops_ref(self, before: Customer, after: Customer) -> bool:
        """An update that changes the reference deletes the old item if it is the customer's own."""
        return (
            bool(before.merchant_ref) and before.merchant_ref != after.merchant_ref and self._owns_ref(before)
        )

    def _owns_ref(self, customer: Customer) -> bool:
        """Whether the customer's reference item is its own. Customers imported before the lookup
        existed may share a reference with no item, or with another's: such a customer's update or
        erasure leaves that item alone instead of failing on it for good."""
        return customer.merchant_ref is not None and self._ref_holder(customer) == customer.id

    def _missing_group(self, group_ids: tuple[str, ...]) -> Exception | None:
        # The group items whose counters write_items.counter_writes moves, read by key: the shop's
        # configuration is the shop feature's, so this reads only the items the failed transaction
        # conditioned on.
        by_key = {keys.config_sk("GROUP", g): g for g in group_ids}
        with dynamo_errors():
            found = ConfigRecord.batch_get([(keys.CONFIG, sk) for sk in sorted(by_key)])
            known = {by_key[record.sk] for record in found}
        missing = [g for g in group_ids if g not in known]
        if missing:
            return InvalidInputError("The customer is not valid.", {"group_ids": "unknown group"})
        return None

    def create(self, customer: Customer) -> None:
        self._create(customer, None)

    def create_consuming_token(self, customer: Customer, token: AccountToken) -> None:
        self._create(customer, token)

    def _create(self, customer: Customer, token: AccountToken | None) -> None:
        def build(transaction: TransactWrite) -> None:
            _consume_token(transaction, token, customer.id)
            counter_writes(transaction, create_items(transaction, customer))

        def on_cancel(_codes: list[str]) -> Exception:
            if self._token_gone(token):
                return InvalidTokenError("The link is invalid or has already been used.")
            item = self._email_item(customer.email)
            if item is not None:
                return self._email_error(customer.email)
            if self._ref_taken(customer):
                return MerchantRefTakenError("Another customer already has this reference.")
            return self._missing_group(customer.group_ids) or ConflictError("Try again.")

        run_transaction(build, on_cancel)

    # -- bulk (imports) ------------------------------------------------------------------------
    def get_many_by_email(self, emails: list[str]) -> tuple[dict[str, Customer], set[str]]:
        """Customers by normalised e-mail, and the e-mails that are blocked (3 BatchGets per 100:
        the e-mail items, then each profile with its private part)."""
        wanted = list(dict.fromkeys(normalise_email(e) for e in emails))
        owners: dict[str, str] = {}
        blocked: set[str] = set()
        with dynamo_errors():
            for item in EmailRecord.batch_get([(keys.email_pk(e), keys.email_sk()) for e in wanted]):
                email = item.pk.removeprefix("EMAIL#")
                if item.blocked:
                    blocked.add(email)
                elif item.customer_id:
                    owners[item.customer_id] = email
        found = self.get_many(list(owners))
        return {owners[c.id]: c for c in found.values()}, blocked

    def get_many_by_ref(self, refs: list[str]) -> dict[str, Customer]:
        """Customers by their reference in the shop's previous system (BatchGets of the lookup
        items, then of the profiles with their private parts: 3 BatchGets per 100)."""
        wanted = list(dict.fromkeys(r for r in refs if r))
        if not wanted:
            return {}
        owners: dict[str, str] = {}
        with dynamo_errors():
            for item in CustomerRefRecord.batch_get(
                [(keys.customer_ref_pk(r), keys.CUSTOMER_REF_SK) for r in wanted]
            ):
                owners[item.customer_id] = item.pk.removeprefix("CUSTOMER_REF#")
        found = self.get_many(list(owners))
        # A profile whose reference moved on since (a stale item can't outlive its transaction,
        # but the check costs nothing) is not found by the old one.
        return {owners[c.id]: c for c in found.values() if c.merchant_ref == owners[c.id]}

    def get_many(self, customer_ids: list[str]) -> dict[str, Customer]:
        if not customer_ids:
            return {}
        wanted = sorted(set(customer_ids))
        profiles: dict[str, CustomerRecord] = {}
        privates: dict[str, CustomerPrivateRecord] = {}
        with dynamo_errors():
            for record in TableRecord.batch_get(
                [(keys.customer_pk(i), sk) for i in wanted for sk in (keys.PROFILE, keys.PROFILE_PRIVATE)]
            ):
                if isinstance(record, CustomerRecord):
                    profiles[record.customer_id] = record
                elif isinstance(record, CustomerPrivateRecord):
                    privates[record.customer_id] = record
        return {i: from_record(r, privates.get(i)) for i, r in profiles.items()}

    def write_batch(
        self,
        creates: list[Customer],
        updates: list[tuple[Customer, Customer]],
        token: str,
        pace: WritePace | None = None,
    ) -> dict[str, Exception]:
        """Apply many creates and updates, in transactions of at most 100 items (member counters
        summed per group). A transaction that fails is replayed row by row, so one bad row fails
        alone. Returns the failures by customer id. `token` makes a retried batch idempotent.

        With a `pace`, each transaction waits for its index write units (`index_units`) and one
        throttled by DynamoDB is sent again after a backoff; one still throttled when the pace gives
        up raises ServiceUnavailableError (the rows are not failed: the batch is run again)."""
        chunks: list[tuple[list[Customer], list[tuple[Customer, Customer]]]] = [([], [])]
        items, counters = 0, set[str]()  # items in the current chunk; groups whose counter it moves

        def fits(cost: int, groups: set[str]) -> bool:
            return items + cost + len(counters | groups) <= _TRANSACTION_ITEMS

        for customer in creates:
            cost = 3 + len(customer.group_ids) + len(customer.consents) + bool(customer.merchant_ref)
            groups = set(customer.group_ids)
            if not fits(cost, groups):
                chunks.append(([], []))
                items, counters = 0, set()
            chunks[-1][0].append(customer)
            items, counters = items + cost, counters | groups
        for before, after in updates:
            groups = set(before.group_ids) ^ set(after.group_ids)
            cost = 4 + len(set(before.group_ids) | set(after.group_ids))
            cost += bool(after.merchant_ref) + bool(
                before.merchant_ref and before.merchant_ref != after.merchant_ref
            )
            cost += len(consent_changes(before.consents, after.consents))
            if not fits(cost, groups):
                chunks.append(([], []))
                items, counters = 0, set()
            chunks[-1][1].append((before, after))
            items, counters = items + cost, counters | groups
        failures: dict[str, Exception] = {}
        for number, (chunk_creates, chunk_updates) in enumerate(chunks):
            if not chunk_creates and not chunk_updates:
                continue
            try:
                run_transaction(
                    lambda t, c=chunk_creates, u=chunk_updates: self._batch_writes(t, c, u),  # type: ignore[misc]
                    lambda _codes: ConflictError("batch failed"),
                    token=hashlib.sha256(f"{token}:{number}".encode()).hexdigest()[:36],
                    pace=pace,
                    units=lambda t, u=chunk_updates: index_units(t, {after.id for _, after in u}),  # type: ignore[misc]
                )
            except (ConflictError, AlreadyExistsError, InvalidInputError):
                failures |= apply_one_by_one(self, chunk_creates, chunk_updates)
        return failures

    def _batch_writes(
        self, transaction: TransactWrite, creates: list[Customer], updates: list[tuple[Customer, Customer]]
    ) -> None:
        deltas = [create_items(transaction, customer) for customer in creates]
        deltas += [
            update_items(transaction, b, a, backfill_ref=True, drop_old_ref=self._drops_ref(b, a))
            for b, a in updates
        ]
        counter_writes(transaction, *deltas)

    def _ref_taken(self, customer: Customer) -> bool:
        holder = self._ref_holder(customer)
        return holder is not None and holder != customer.id

    @staticmethod
    def _ref_holder(customer: Customer) -> str | None:
        """The id of the customer whose reference item holds this customer's merchant_ref, if any."""
        if not customer.merchant_ref:
            return None
        item = get_item(CustomerRefRecord, keys.customer_ref_pk(customer.merchant_ref), keys.CUSTOMER_REF_SK)
        return str(item.customer_id) if item is not None else None

    def _email_error(self, email: str) -> Exception:
        if self.is_email_blocked(email):
            return EmailBlockedError("This e-mail address is blocked from registering again.")
        return EmailTakenError("A customer with this e-mail address already exists.")

    def update(self, before: Customer, after: Customer) -> None:
        self._update(before, after, None)

    def update_consuming_token(self, before: Customer, after: Customer, token: AccountToken) -> None:
        self._update(before, after, token)

    def _update(self, before: Customer, after: Customer, token: AccountToken | None) -> None:
        email_changed = normalise_email(before.email) != normalise_email(after.email)
        drop_old_ref = self._drops_ref(before, after)

        def build(transaction: TransactWrite) -> None:
            _consume_token(transaction, token, after.id)
            updated = update_items(transaction, before, after, drop_old_ref=drop_old_ref)
            counter_writes(transaction, updated)

        def on_cancel(_codes: list[str]) -> Exception:
            if self._token_gone(token):
                return InvalidTokenError("The link is invalid or has already been used.")
            if email_changed:
                item = self._email_item(after.email)
                if item is not None and item.customer_id != after.id:
                    return self._email_error(after.email)
            if self.get(after.id) is None:
                return NotFoundError("Customer not found.")
            if self._ref_taken(after):
                return MerchantRefTakenError("Another customer already has this reference.")
            missing = self._missing_group(after.group_ids)
            return missing or ConflictError("The customer was changed by someone else; reload and try again.")

        run_transaction(build, on_cancel)

    def delete(self, customer: Customer, *, keep_email_blocked: bool) -> None:
        record = to_record(customer)
        email_key = keys.email_pk(normalise_email(customer.email))
        owns_ref = self._owns_ref(customer)

        def build(transaction: TransactWrite) -> None:
            transaction.delete(record)
            if keep_email_blocked:
                transaction.save(EmailRecord(email_key, keys.email_sk(), blocked=True))
            else:
                transaction.delete(EmailRecord(email_key, keys.email_sk()))
            if customer.merchant_ref and owns_ref:
                reference = CustomerRefRecord(
                    keys.customer_ref_pk(customer.merchant_ref), keys.CUSTOMER_REF_SK
                )
                transaction.delete(reference, condition=CustomerRefRecord.customer_id == customer.id)
            left = membership_items(transaction, customer.id, customer.group_ids, None)
            counter_writes(transaction, left)

        def on_cancel(_codes: list[str]) -> Exception:
            if self.get(customer.id) is None:
                return NotFoundError("Customer not found.")
            return ConflictError("The customer was changed by someone else; reload and try again.")

        run_transaction(build, on_cancel)
        # The rest of the collection (connections, addresses) goes in batches: it can outgrow one
        # transaction, and nothing reads it once the profile is gone.
        with dynamo_errors(), TableRecord.batch_write() as batch:
            for item in TableRecord.query(keys.customer_pk(customer.id)):
                batch.delete(item)

    def add_connection(self, customer_id: str, connection: SignIn) -> None:
        at = iso(connection.at)
        record = ConnectionRecord(
            keys.customer_pk(customer_id),
            keys.connection_sk(at, f"{int(connection.at.timestamp() * 1000) % 1000:03d}"),
            customer_id=customer_id,
            ip=connection.ip,
            at=at,
            user_agent=connection.user_agent,
            gsi4pk=keys.CONNECTIONS,
            gsi4sk=keys.ip_search_sk(connection.ip, at, customer_id),
            expires_at=connection.at + _CONNECTION_TTL,
        )
        with dynamo_errors():
            record.save()

    def consent_history(self, customer_id: str) -> list[Consent]:
        """Every recorded consent change, oldest first (1 Query)."""
        with dynamo_errors():
            return [
                consent_from_json(
                    {
                        "channel": r.channel,
                        "state": r.state,
                        "level": r.level,
                        "source": r.source,
                        "at": r.at,
                    }
                )
                for r in ConsentRecord.query(
                    keys.customer_pk(customer_id), ConsentRecord.sk.startswith(keys.consent_prefix())
                )
            ]

    # -- single-use account tokens --------------------------------------------------------------
    def put_account_token(self, token: AccountToken) -> None:
        with dynamo_errors():
            _account_token_record(token).save()

    # -- registrations waiting for their e-mail link ---------------------------------------------
    def put_pending_registration(
        self, pending: PendingRegistration, token: AccountToken, quiet_since: datetime
    ) -> bool:
        record = PendingRegistrationRecord(
            keys.pending_registration_pk(pending.email),
            keys.PENDING_REGISTRATION_SK,
            customer_id=pending.customer_id,
            token_hash=pending.token_hash,
            password_hash=pending.password_hash,
            profile=pending.profile,
            guest=pending.guest,
            requested_at=iso(pending.requested_at),
            valid_until=iso(pending.valid_until),
            expires_at=pending.valid_until + timedelta(days=1),
        )
        token_record = _account_token_record(token)
        # The condition, not a read before the write, caps the mails: absent, or older than the
        # quiet period. Two registrations racing: one transaction wins, the other mails nothing.
        quiet = PendingRegistrationRecord.pk.does_not_exist() | (
            PendingRegistrationRecord.requested_at < iso(quiet_since)
        )

        def build(transaction: TransactWrite) -> None:
            transaction.save(record, condition=quiet)
            transaction.save(token_record)

        try:
            run_transaction(build, lambda _codes: _QuietPeriodError())
        except _QuietPeriodError:
            return False
        return True

    def get_pending_registration(self, email: str) -> PendingRegistration | None:
        record = get_item(
            PendingRegistrationRecord,
            keys.pending_registration_pk(normalise_email(email)),
            keys.PENDING_REGISTRATION_SK,
        )
        if record is None:
            return None
        return PendingRegistration(
            email=normalise_email(email),
            token_hash=record.token_hash,
            password_hash=record.password_hash,
            profile=dict(record.profile or {}),
            customer_id=record.customer_id,
            guest=bool(record.guest),
            requested_at=parse_iso(record.requested_at),
            valid_until=parse_iso(record.valid_until),
        )

    def delete_pending_registration(self, email: str) -> None:
        record = PendingRegistrationRecord(
            keys.pending_registration_pk(normalise_email(email)), keys.PENDING_REGISTRATION_SK
        )
        with dynamo_errors():
            record.delete()

    def _token_gone(self, token: AccountToken | None) -> bool:
        """Whether a write that consumes `token` failed because the token is no longer there
        (used by another request, or never valid)."""
        return (
            token is not None
            and self.get_account_token(token.token_hash, TOKEN_SCOPES[token.purpose]) is None
        )

    def get_account_token(self, token_hash: str, scope: TokenScope) -> AccountToken | None:
        record = get_item(AccountTokenRecord, keys.account_token_pk(scope, token_hash), "TOKEN")
        if record is None:
            return None
        purpose = next((p for p in TOKEN_SCOPES if p == record.purpose), None)
        if purpose is None or TOKEN_SCOPES[purpose] != scope:
            return None  # belt and braces: the key already holds the scope
        return AccountToken(
            token_hash, record.customer_id, purpose, parse_iso(record.valid_until), email=record.email
        )

    # -- lists and search ----------------------------------------------------------------------
    def list_page(self, query: CustomerQuery) -> Page[Customer]:
        plan = plan_customer_query(query)
        if plan.source == "get":
            customer = self.get(query.filters.id or "")
            rows = [customer] if customer and matches(customer, plan.residual) else []
            return Page(items=rows, next_position=None)
        if plan.source == "flags" and plan.residual == CustomerFilters():
            # Every filter is a key condition: the page is merged on the index rows' keys alone
            # and its profiles read with one BatchGetItem.
            keyed = merged_index_page(
                plan.index,
                plan.partitions,
                lambda record: record,
                lambda _record: True,
                query.limit,
                query.position,
                descending=plan.descending,
            )
            return Page(_profiles_of(keyed.items), keyed.next_position)
        if plan.source == "flags":
            return merged_index_page(
                plan.index,
                plan.partitions,
                self._customer_of,
                lambda customer: matches(customer, plan.residual),
                query.limit,
                query.position,
                descending=plan.descending,
                hydrate=_hydrated,
            )
        return self._page(plan, query)

    def _page(self, plan: Plan, query: CustomerQuery) -> Page[Customer]:
        if plan.source == "index" and without_flags(plan.residual) == CustomerFilters():
            # No row-by-row filter but flags, which the index rows carry (their flags partition):
            # the page is the index rows' keys, then one BatchGetItem of their profiles (the index
            # projects keys only: models/base.py).
            allowed = frozenset(flag_partitions(plan.residual))
            keyed = read_page(
                lambda start, size: self._query(plan, start, size),
                lambda record: record,
                lambda record: getattr(record, _FLAGS_ROW_ATTRIBUTE) in allowed,
                lambda record: self._position(record, plan),
                query.limit,
                query.position,
            )
            return Page(_profiles_of(keyed.items), keyed.next_position)
        return read_page(
            lambda start, size: self._rows(plan, start, size),
            self._customer_of,
            lambda customer: matches(customer, plan.residual),
            lambda record: self._position(record, plan),
            query.limit,
            query.position,
        )

    def _rows(self, plan: Plan, position: dict[str, Any] | None, page_size: int) -> Any:
        """One request of a plan's index, as items a row filter can read: a profile index's rows
        BatchGot whole (membership items carry their summary already)."""
        iterator = self._query(plan, position, page_size)
        return iterator if plan.source == "members" else _HydratedRows(iterator)

    def count_at_most(self, query: CustomerQuery, at_most: int) -> int:
        """How many customers a list query matches, counted no further than `at_most` + 1 (the
        export's size check: a refusal costs that many keys, never the export's lines).

        Without a row-by-row filter it is a Select=COUNT query on the plan's index (no item crosses
        the wire; each request's Limit stops the reading one item past `at_most`); with one, rows
        are read and checked, stopping at the first match past `at_most`."""
        plan = plan_customer_query(query)
        if plan.source == "get":
            return len(self.list_page(query).items)
        if plan.source == "flags":
            # Order does not matter to a count: each partition is counted in turn.
            counted = 0
            for partition in plan.partitions:
                counted += self._count_at_most(
                    replace(plan, source="index", partition=partition), at_most - counted
                )
                if counted > at_most:
                    break
            return counted
        return self._count_at_most(plan, at_most)

    def _count_at_most(self, plan: Plan, at_most: int) -> int:
        counted = 0
        start: dict[str, Any] | None = None
        with dynamo_errors():
            if plan.residual != CustomerFilters():
                size = 0
                while True:
                    # As many as the count still needs; doubling while the filter rejects rows.
                    size = min(MAX_ITEMS_READ_PER_PAGE, max(at_most + 1 - counted, size * 2))
                    iterator = self._rows(plan, start, size)
                    for record in iterator:
                        if matches(self._customer_of(record), plan.residual):
                            counted += 1
                            if counted > at_most:
                                return counted
                    start = from_low_level(iterator.last_evaluated_key)
                    if start is None:
                        return counted
            index, condition = self._index_condition(plan)
            while counted <= at_most:
                result = TableRecord._get_connection().query(
                    plan.partition,
                    range_key_condition=condition,
                    index_name=index.Meta.index_name,
                    exclusive_start_key=to_low_level(start) if start else None,
                    limit=at_most + 1 - counted,
                    select="COUNT",
                )
                counted += int(result.get("Count", 0))
                start = from_low_level(result.get("LastEvaluatedKey"))
                if start is None:
                    break
        return counted

    @staticmethod
    def _index_condition(plan: Plan) -> tuple[Any, Any]:
        """The index a plan reads and its sort-key condition (None: the whole partition)."""
        if plan.source == "members":
            return GroupMembershipRecord.gsi1, None
        index = index_by_number(plan.index)
        condition = None
        sort_attr = getattr(TableRecord, f"gsi{plan.index}sk")
        if plan.key_range is not None and plan.key_range.kind == "prefix":
            condition = sort_attr.startswith(plan.key_range.low)
        elif plan.key_range is not None:
            condition = sort_attr.between(plan.key_range.low, plan.key_range.high)
        return index, condition

    def _query(self, plan: Plan, position: dict[str, Any] | None, page_size: int) -> Any:
        start = to_low_level(position) if position else None
        if plan.source == "members":
            return GroupMembershipRecord.gsi1.query(
                plan.partition,
                scan_index_forward=not plan.descending,
                limit=page_size,
                page_size=page_size,
                last_evaluated_key=start,
            )
        index, condition = self._index_condition(plan)
        return index.query(
            plan.partition,
            range_key_condition=condition,
            scan_index_forward=not plan.descending,
            limit=page_size,
            page_size=page_size,
            last_evaluated_key=start,
        )

    @staticmethod
    def _customer_of(record: Model) -> Customer:
        if isinstance(record, GroupMembershipRecord):
            return from_summary(dict(record.summary))
        assert isinstance(record, CustomerRecord)
        return from_record(record)

    @staticmethod
    def _position(record: Model, plan: Plan) -> dict[str, Any]:
        number = 1 if plan.source == "members" else plan.index
        return {
            "PK": record.pk,  # type: ignore[attr-defined]
            "SK": record.sk,  # type: ignore[attr-defined]
            f"GSI{number}PK": getattr(record, f"gsi{number}pk"),
            f"GSI{number}SK": getattr(record, f"gsi{number}sk"),
        }

    def search(self, text: str, by: str, limit: int) -> list[Customer]:
        if by == "ip":
            found: dict[str, Customer] = {}
            ids: list[str] = []
            with dynamo_errors():
                for record in ConnectionRecord.gsi4.query(
                    keys.CONNECTIONS, TableRecord.gsi4sk.startswith(text.strip()), limit=limit * 3
                ):
                    if isinstance(record, ConnectionRecord) and record.customer_id not in ids:
                        ids.append(record.customer_id)
            with dynamo_errors():
                for profile in CustomerRecord.batch_get(
                    [(keys.customer_pk(i), keys.PROFILE) for i in ids[:limit]]
                ):
                    found[profile.customer_id] = from_record(profile)
            return [found[i] for i in ids if i in found]
        folded = fold(text)
        prefixes: list[tuple[int, str]] = [(BY_LAST_NAME, folded), (BY_FIRST_NAME, folded)]
        if " " in folded:
            first, rest = folded.split(" ", 1)
            prefixes.append((BY_FIRST_NAME, f"{first}{keys.FIELD_SEP}{rest}"))
        if by == "all":
            prefixes.append((BY_EMAIL, normalise_email(text)))
        # Indexes are read one after the other, each for what is still missing, so items read stay
        # close to rows returned: last-name matches first, then first-name, then e-mail matches.
        # The indexes hold keys only: the matches' profiles are one BatchGetItem at the end.
        rows: dict[str, CustomerRecord] = {}
        for number, prefix in prefixes:
            missing = limit - len(rows)
            if missing <= 0:
                break
            for record in self._prefix_rows(number, prefix, missing):
                rows.setdefault(_customer_id_of(record), record)
        return _profiles_of(list(rows.values())[:limit])

    def _prefix_rows(self, number: int, prefix: str, limit: int) -> Iterator[CustomerRecord]:
        sort_attr = getattr(TableRecord, f"gsi{number}sk")
        with dynamo_errors():
            for record in index_by_number(number).query(
                keys.CUSTOMERS, sort_attr.startswith(prefix), limit=limit, page_size=limit
            ):
                if isinstance(record, CustomerRecord):
                    yield record


def _customer_id_of(record: Any) -> str:
    """A profile index row's customer id: its table key (the row holds keys only)."""
    return str(record.pk).removeprefix("CUSTOMER#")


def _profile_records(rows: list[Any]) -> dict[str, CustomerRecord]:
    """The profiles behind index rows, by customer id: BatchGetItem (one request per 100)."""
    wanted = list(dict.fromkeys(_customer_id_of(row) for row in rows))
    if not wanted:
        return {}
    with dynamo_errors():
        return {
            record.customer_id: record
            for record in CustomerRecord.batch_get([(keys.customer_pk(i), keys.PROFILE) for i in wanted])
        }


def _profiles_of(rows: list[Any]) -> list[Customer]:
    """The list rows of index rows, in their order (a profile deleted since is left out)."""
    found = _profile_records(rows)
    return [from_record(found[i]) for row in rows if (i := _customer_id_of(row)) in found]


def _hydrated(rows: list[Any]) -> list[Any]:
    """Index rows replaced by their whole profiles, in order (what a row filter reads)."""
    found = _profile_records(rows)
    return [found[i] for row in rows if (i := _customer_id_of(row)) in found]


class _HydratedRows:
    """One request's rows of a profile index, BatchGot whole, with the request's resume key."""

    def __init__(self, iterator: Any) -> None:
        self._rows = _hydrated(list(iterator))
        self.last_evaluated_key = iterator.last_evaluated_key

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)
