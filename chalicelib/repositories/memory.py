"""In-memory repositories: the fakes unit tests run services against.

They follow the same contract as the DynamoDB ones (tests/contract runs one suite on both),
including list order, which comes from the same query plan.
"""

from __future__ import annotations

import hashlib
import io
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import IO, Any

from chalicelib.addresses.domain import Address, AddressFilters
from chalicelib.addresses.repository import address_matches, plan_address_query
from chalicelib.addresses.repository import order_key as address_order_key
from chalicelib.core.errors import (
    AlreadyExistsError,
    ConflictError,
    InvalidInputError,
    InvalidTokenError,
    MerchantRefTakenError,
    NotFoundError,
)
from chalicelib.core.text import fold, normalise_email
from chalicelib.customers.domain import (
    TOKEN_SCOPES,
    AccountToken,
    Connection,
    Customer,
    CustomerQuery,
    CustomerView,
    PendingRegistration,
    ResetRequest,
    TokenScope,
)
from chalicelib.customers.query_plan import matches, order_key, plan_customer_query
from chalicelib.customers.repository import EmailBlockedError, EmailTakenError, apply_one_by_one
from chalicelib.imports.domain import ExportJob, ImportJob, ImportMapping, PreviewRow, RowError
from chalicelib.models import keys
from chalicelib.models.paging import Page
from chalicelib.privacy.domain import Consent, consent_changes
from chalicelib.shop.domain import ConfigEntry, ConfigKind, DeleteOutcome, ShopConfig
from chalicelib.staff.domain import Employee
from chalicelib.storefront_keys.domain import StorefrontKey


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
        self, creates: list[Customer], updates: list[tuple[Customer, Customer]], token: str
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


class MemoryAddressRepository:
    def __init__(self) -> None:
        self.addresses: dict[str, Address] = {}

    def create(self, address: Address) -> None:
        if address.id in self.addresses:
            raise AlreadyExistsError("Address already exists.")
        self.addresses[address.id] = replace(address, version=1)

    def get(self, address_id: str) -> Address | None:
        return self.addresses.get(address_id)

    def update(self, before: Address, after: Address) -> None:
        current = self.addresses.get(before.id)
        if current is None:
            raise NotFoundError("Address not found.")
        if current.version != before.version:
            raise ConflictError("The address was changed by someone else; reload and try again.")
        self.addresses[after.id] = replace(after, version=before.version + 1)

    def delete(self, address: Address) -> bool:
        current = self.addresses.get(address.id)
        if current is None:
            raise NotFoundError("Address not found.")
        if current.version != address.version:
            raise ConflictError("The address was changed by someone else; reload and try again.")
        if current.order_count > 0:
            self.update(current, replace(current, deleted=True))
            return False
        del self.addresses[address.id]
        return True

    def list_page(
        self, filters: AddressFilters, limit: int, position: dict[str, Any] | None
    ) -> Page[Address]:
        plan = plan_address_query(filters)
        rows = sorted(
            (a for a in self.addresses.values() if address_matches(a, filters)),
            key=lambda a: address_order_key(a, plan),
        )
        if position is not None:
            rows = [a for a in rows if address_order_key(a, plan) > str(position["after"])]
        page = rows[:limit]
        more = len(rows) > limit
        return Page(page, {"after": address_order_key(page[-1], plan)} if more and page else None)


class MemoryEmployeeRepository:
    def __init__(self) -> None:
        self.employees: dict[str, Employee] = {}

    def _email_owner(self, email: str) -> str | None:
        key = normalise_email(email)
        return next((e.id for e in self.employees.values() if normalise_email(e.email) == key), None)

    def create(self, employee: Employee) -> None:
        if employee.id in self.employees or self._email_owner(employee.email):
            raise AlreadyExistsError("An employee with this e-mail already exists.")
        self.employees[employee.id] = replace(employee, version=1)

    def get(self, employee_id: str) -> Employee | None:
        return self.employees.get(employee_id)

    def get_by_email(self, email: str) -> Employee | None:
        owner = self._email_owner(email)
        return self.employees.get(owner) if owner else None

    def update(self, before: Employee, after: Employee) -> None:
        current = self.employees.get(before.id)
        if current is None:
            raise NotFoundError("Employee not found.")
        if current.version != before.version:
            raise ConflictError("The employee was changed by someone else; reload and try again.")
        owner = self._email_owner(after.email)
        if owner not in (None, after.id):
            raise AlreadyExistsError("An employee with this e-mail already exists.")
        self.employees[after.id] = replace(after, version=before.version + 1)

    def delete(self, employee: Employee) -> None:
        if self.employees.pop(employee.id, None) is None:
            raise NotFoundError("Employee not found.")

    def list_page(self, limit: int, position: dict[str, Any] | None) -> Page[Employee]:
        rows = sorted(self.employees.values(), key=lambda e: e.id)
        if position:
            rows = [e for e in rows if e.id > str(position["after"])]
        more = len(rows) > limit
        page = rows[:limit]
        return Page(page, {"after": page[-1].id} if more else None)

    def count(self) -> int:
        return len(self.employees)


class MemoryConfigRepository:
    def __init__(self) -> None:
        self.settings: dict[str, Any] | None = None
        self.entries: dict[tuple[str, str], ConfigEntry] = {}

    def load(self) -> ShopConfig:
        ordered = tuple(self.entries[key] for key in sorted(self.entries))
        return ShopConfig(settings=dict(self.settings or {}), entries=ordered)

    def save_settings(self, settings: dict[str, Any], *, only_if_absent: bool = False) -> bool:
        if only_if_absent and self.settings is not None:
            return False
        self.settings = dict(settings)
        return True

    def put_entry(self, entry: ConfigEntry, *, only_if_absent: bool = False) -> bool:
        key = (entry.kind, entry.id)
        if only_if_absent and key in self.entries:
            return False
        count = self.entries[key].count if key in self.entries else 0
        self.entries[key] = replace(entry, count=count)
        return True

    def delete_entry(self, kind: ConfigKind, entry_id: str, *, only_if_unused: bool) -> DeleteOutcome:
        entry = self.entries.get((kind, entry_id))
        if entry is None:
            return "missing"
        if only_if_unused and entry.count > 0:
            return "in_use"
        del self.entries[(kind, entry_id)]
        return "deleted"

    def adjust_count(self, kind: ConfigKind, entry_id: str, delta: int) -> None:
        entry = self.entries[(kind, entry_id)]
        self.entries[(kind, entry_id)] = replace(entry, count=entry.count + delta)


class MemoryThrottleRepository:
    def __init__(self) -> None:
        self.counts: dict[tuple[str, str, datetime], int] = {}
        self._ids = itertools.count()
        self._lock = threading.Lock()  # an atomic ADD, like DynamoDB's

    def failures(self, scope: str, subject: str, window_start: datetime) -> int:
        return self.counts.get((scope, subject, window_start), 0)

    def add_failure(
        self, scope: str, subject: str, window_start: datetime, expires_at: datetime, amount: int = 1
    ) -> int:
        key = (scope, subject, window_start)
        with self._lock:
            self.counts[key] = self.counts.get(key, 0) + amount
            return self.counts[key]


class MemoryStorefrontKeyRepository:
    def __init__(self) -> None:
        self.keys: dict[str, StorefrontKey] = {}
        self.reads = 0  # GetItems a DynamoDB repository would make (the check's cache is tested)

    def create(self, key: StorefrontKey) -> None:
        if key.id in self.keys:
            raise AlreadyExistsError("This storefront key already exists.")
        self.keys[key.id] = key

    def get(self, key_id: str) -> StorefrontKey | None:
        self.reads += 1
        return self.keys.get(key_id)

    def list(self) -> list[StorefrontKey]:
        return sorted(self.keys.values(), key=lambda k: (k.created_at, k.id))

    def revoke(self, key_id: str, at: datetime) -> StorefrontKey:
        key = self.keys.get(key_id)
        if key is None:
            raise NotFoundError("Storefront key not found.")
        if not key.revoked:
            self.keys[key_id] = key = replace(key, revoked_at=at)
        return key


class MemoryImportRepository:
    def __init__(self) -> None:
        self.jobs: dict[str, ImportJob] = {}
        self.errors: dict[str, dict[tuple[int, str], RowError]] = {}
        self.exports: dict[str, ExportJob] = {}
        self.previews: dict[str, tuple[list[PreviewRow], datetime]] = {}
        self.mappings: dict[str, ImportMapping] = {}

    def create(self, job: ImportJob) -> None:
        if job.id in self.jobs:
            raise AlreadyExistsError("Import already exists.")
        self.jobs[job.id] = replace(job, version=1)

    def get(self, import_id: str) -> ImportJob | None:
        return self.jobs.get(import_id)

    def save(self, before: ImportJob, after: ImportJob) -> ImportJob:
        current = self.jobs.get(before.id)
        if current is None or current.version != before.version:
            raise ConflictError("The import job was changed by another run.")
        saved = replace(after, version=before.version + 1)
        self.jobs[after.id] = saved
        return saved

    def list_page(self, limit: int, position: dict[str, Any] | None) -> Page[ImportJob]:
        rows = sorted(self.jobs.values(), key=lambda j: (j.created_at, j.id), reverse=True)
        if position:
            rows = [j for j in rows if (j.created_at.isoformat(), j.id) < tuple(position["after"])]
        page = rows[:limit]
        more = len(rows) > limit
        return Page(page, {"after": [page[-1].created_at.isoformat(), page[-1].id]} if more else None)

    def put_errors(self, import_id: str, errors: list[RowError]) -> None:
        book = self.errors.setdefault(import_id, {})
        for error in errors:
            book[(error.line, error.column)] = error

    def errors_page(self, import_id: str, limit: int, position: dict[str, Any] | None) -> Page[RowError]:
        rows = [self.errors.get(import_id, {})[k] for k in sorted(self.errors.get(import_id, {}))]
        start = int(position["offset"]) if position else 0
        page = rows[start : start + limit]
        return Page(page, {"offset": start + limit} if start + limit < len(rows) else None)

    def all_errors(self, import_id: str) -> Iterator[RowError]:
        book = self.errors.get(import_id, {})
        return iter([book[k] for k in sorted(book)])

    def clear_errors(self, import_id: str) -> None:
        self.errors.pop(import_id, None)

    def put_preview(self, import_id: str, rows: list[PreviewRow], at: datetime, expires: datetime) -> None:
        self.previews[import_id] = (list(rows), expires)

    def get_preview(self, import_id: str) -> list[PreviewRow]:
        return list(self.previews.get(import_id, ([], None))[0])

    def delete_preview(self, import_id: str) -> None:
        self.previews.pop(import_id, None)

    def create_mapping(self, mapping: ImportMapping) -> ImportMapping:
        if mapping.name.casefold() in self.mappings:
            raise AlreadyExistsError("A mapping with this name already exists.")
        self.mappings[mapping.name.casefold()] = saved = replace(mapping, version=1)
        return saved

    def get_mapping(self, name: str) -> ImportMapping | None:
        return self.mappings.get(name.casefold())

    def list_mappings(self, limit: int, position: dict[str, Any] | None) -> Page[ImportMapping]:
        names = sorted(n for n in self.mappings if not position or n > position["after"])
        page = [self.mappings[n] for n in names[:limit]]
        return Page(page, {"after": names[limit - 1]} if len(names) > limit else None)

    def save_mapping(self, before: ImportMapping, after: ImportMapping) -> ImportMapping:
        current = self.mappings.get(before.name.casefold())
        if current is None or current.version != before.version:
            raise ConflictError("The mapping was changed at the same time; try again.")
        self.mappings[after.name.casefold()] = saved = replace(after, version=before.version + 1)
        return saved

    def delete_mapping(self, name: str) -> bool:
        return self.mappings.pop(name.casefold(), None) is not None

    def save_export(self, job: ExportJob) -> None:
        self.exports[job.id] = job

    def get_export(self, export_id: str) -> ExportJob | None:
        return self.exports.get(export_id)


class MemoryFileStore:
    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}

    def open(self, key: str) -> tuple[IO[bytes], int, str]:
        if key not in self.files:
            raise NotFoundError("The file is not in the bucket.")
        data = self.files[key][0]
        return io.BytesIO(data), len(data), hashlib.md5(data, usedforsecurity=False).hexdigest()

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.files[key] = (data, content_type)

    def upload_url(self, key: str, expires: timedelta) -> str:
        return f"memory://upload/{key}"

    def download_url(self, key: str, expires: timedelta, filename: str) -> str:
        return f"memory://download/{key}"

    def delete_prefix(self, prefix: str, limit: int = 1000) -> int:
        doomed = [key for key in self.files if key.startswith(prefix)][:limit]
        for key in doomed:
            del self.files[key]
        return len(doomed)

    def delete_keys(self, keys: list[str]) -> int:
        unique = list(dict.fromkeys(k for k in keys if k))
        for key in unique:
            self.files.pop(key, None)
        return len(unique)


class MemorySuppressionRepository:
    def __init__(self) -> None:
        self.entries: dict[tuple[str, str], tuple[str, str]] = {}
        self.opt_ins: dict[tuple[str, str], tuple[str, str]] = {}

    def suppress(self, email_hash: str, channel: str, source: str, at: str) -> None:
        self.entries.setdefault((email_hash, channel), (source, at))

    def is_suppressed(self, email_hash: str, channel: str) -> bool:
        return (email_hash, channel) in self.entries

    def confirm_opt_in(self, email_hash: str, channel: str, source: str, at: str) -> bool:
        if (email_hash, channel) in self.opt_ins:
            return False
        self.opt_ins[(email_hash, channel)] = (source, at)
        return True

    def opt_in(self, email_hash: str, channel: str) -> tuple[str, str] | None:
        return self.opt_ins.get((email_hash, channel))


class MemoryResetRequestQueue:
    def __init__(self) -> None:
        self.items: dict[str, ResetRequest] = {}

    def put(self, request: ResetRequest) -> None:
        self.items[request.id] = request

    def oldest(self, limit: int) -> list[ResetRequest]:
        return sorted(self.items.values(), key=lambda r: (r.requested_at, r.id))[:limit]

    def delete(self, request: ResetRequest) -> None:
        self.items.pop(request.id, None)
