"""Customers core: create, view, edit, delete, list, search (API.md "Customers")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal
from typing import Any

from chalicelib.core.clock import Clock, IdFactory, new_id, range_end, range_start, to_second, utc_now
from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import InvalidInputError, NotFoundError
from chalicelib.core.passwords import hash_password
from chalicelib.core.text import normalise_email
from chalicelib.customers.domain import (
    B2B_FIELDS,
    ConsentSource,
    Customer,
    CustomerFilters,
    CustomerQuery,
    CustomerStatus,
    CustomerView,
    follow_flags,
)
from chalicelib.customers.ports import CustomerRepository
from chalicelib.customers.schemas import CreateCustomerRequest, ListCustomersParams, UpdateCustomerRequest
from chalicelib.models.paging import Page
from chalicelib.shop.password_policy import check_password
from chalicelib.shop.schemas import ShopSettings
from chalicelib.shop.service import ConfigService

_TRUE = {"1", "true", "yes"}

# Request fields with a rule of their own below; every other request field that names a Customer
# field is copied as it is (so a new plain field needs no line here).
_RULED = frozenset(
    {"enabled", "status", "language", "group_ids", "default_group_id", "registered_at", "last_visit_at"}
)


def _plain(request: CreateCustomerRequest | UpdateCustomerRequest, names: Iterable[str]) -> dict[str, Any]:
    customer_fields = {f.name for f in fields(Customer)}
    return {n: getattr(request, n) for n in names if n in customer_fields and n not in _RULED}


def _flag(value: str | None) -> bool | None:
    return None if value is None else value in _TRUE


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a non-leap year
        return day.replace(year=day.year - years, day=28)


def _apply_status(enabled: bool, approved: bool, status: CustomerStatus | None) -> tuple[bool, bool]:
    if status == "active":
        return True, True
    if status == "disabled":
        return False, approved
    if status == "pending_approval":
        return enabled, False
    return enabled, approved


@dataclass(frozen=True, slots=True)
class CustomerService:
    repository: CustomerRepository
    config: ConfigService
    cursors: CursorCodec
    clock: Clock = utc_now
    ids: IdFactory = new_id

    # -- rules shared by create and update -----------------------------------------------------
    def _check_rules(self, customer: Customer, given: set[str], settings: ShopSettings) -> dict[str, str]:
        fields: dict[str, str] = {}
        b2b_given = sorted(given & set(B2B_FIELDS))
        if b2b_given and not settings.b2b_mode:
            for name in b2b_given:
                fields[name] = "B2B fields are accepted only when B2B mode is on"
        for name in settings.required_fields.customer:
            value = customer.b2b.get(name) if name in B2B_FIELDS else getattr(customer, name)
            if value in (None, "", False):
                fields[name] = "required by the shop's settings"
        if customer.title_id is not None and not self.config.title_exists(customer.title_id):
            fields["title_id"] = "unknown title"
        known_groups = self.config.group_ids()
        for position, group_id in enumerate(customer.group_ids):
            if group_id not in known_groups:
                fields[f"group_ids.{position}"] = "unknown group"
        if customer.default_group_id not in customer.group_ids:
            fields["default_group_id"] = "must be one of group_ids"
        return fields

    @staticmethod
    def _b2b(request: CreateCustomerRequest | UpdateCustomerRequest, base: dict[str, Any]) -> dict[str, Any]:
        b2b = dict(base)
        for name in B2B_FIELDS:
            if name in request.model_fields_set:
                value = getattr(request, name)
                if isinstance(value, Decimal):
                    value = f"{value:.2f}"
                if value is None:
                    b2b.pop(name, None)
                else:
                    b2b[name] = value
        return b2b

    @staticmethod
    def _groups(
        group_ids: list[str] | None, default_group_id: str | None, is_guest: bool
    ) -> tuple[tuple[str, ...], str]:
        ids = tuple(dict.fromkeys(group_ids)) if group_ids else ("guest" if is_guest else "customer",)
        return ids, default_group_id or ids[0]

    # -- commands ------------------------------------------------------------------------------
    def create(self, request: CreateCustomerRequest, source: ConsentSource = "admin") -> Customer:
        """Raises: InvalidInputError, AlreadyExistsError (EmailTaken / EmailBlocked)."""
        customer = self.build_new(request, source)
        self.repository.create(customer)
        return replace(customer, version=1)

    def build_new(self, request: CreateCustomerRequest, source: ConsentSource = "admin") -> Customer:
        """A new customer from a request, with every shop rule checked; newsletter / optin become
        consent records from `source`. Raises: InvalidInputError."""
        settings = self.config.settings()
        now = self.clock()
        if request.password is not None:
            check_password(request.password, settings.password_policy)
        group_ids, default_group = self._groups(request.group_ids, request.default_group_id, request.is_guest)
        enabled, approved = _apply_status(
            request.enabled if request.enabled is not None else True, True, request.status
        )
        customer = Customer(
            **_plain(request, type(request).model_fields)
            | {
                "id": self.ids(),
                "enabled": enabled,
                "approved": approved,
                "newsletter": bool(request.newsletter),
                "optin": bool(request.optin),
                "language": request.language or "en",
                "group_ids": group_ids,
                "default_group_id": default_group,
                "registered_at": to_second(request.registered_at) or now,
                "last_visit_at": to_second(request.last_visit_at),
                "b2b": self._b2b(request, {}),
                "password_hash": hash_password(request.password) if request.password else None,
                "created_at": now,
                "updated_at": now,
            }
        )
        fields = self._check_rules(customer, request.model_fields_set, settings)
        if fields:
            raise InvalidInputError("The customer is not valid.", fields)
        flags = {"newsletter": customer.newsletter, "optin": customer.optin}
        return replace(customer, consents=follow_flags((), flags, source, now))

    def get(self, customer_id: str) -> Customer:
        """Raises: NotFoundError."""
        customer = self.repository.get(customer_id)
        if customer is None:
            raise NotFoundError("Customer not found.")
        return customer

    def view(self, customer_id: str) -> CustomerView:
        """Raises: NotFoundError."""
        view = self.repository.view(customer_id)
        if view is None:
            raise NotFoundError("Customer not found.")
        return view

    def update(
        self, customer_id: str, request: UpdateCustomerRequest, source: ConsentSource = "admin"
    ) -> Customer:
        """Raises: NotFoundError, InvalidInputError, ConflictError, AlreadyExistsError."""
        before = self.get(customer_id)
        after = self.build_update(before, request, source)
        self.repository.update(before, after)
        return replace(after, version=before.version + 1)

    def build_update(
        self, before: Customer, request: UpdateCustomerRequest, source: ConsentSource = "admin"
    ) -> Customer:
        """`before` with the request's fields applied and every shop rule checked; a changed
        newsletter / optin flag moves its consent channel (source `source`).

        Raises: InvalidInputError.
        """
        settings = self.config.settings()
        given = request.model_fields_set
        not_null = (
            "first_name",
            "last_name",
            "email",
            "enabled",
            "newsletter",
            "optin",
            "is_guest",
        )
        nulls = {n: "must not be null" for n in not_null if n in given and getattr(request, n) is None}
        if nulls:
            raise InvalidInputError("The customer is not valid.", nulls)
        changes: dict[str, Any] = _plain(request, given)
        if "language" in given and request.language is not None:
            changes["language"] = request.language
        if "password" in given and request.password is not None:
            check_password(request.password, settings.password_policy)
            changes["password_hash"] = hash_password(request.password)
            # An import's password still waiting for its worker must not overwrite this one.
            changes["password_pending"] = None
        enabled = request.enabled if request.enabled is not None else before.enabled
        changes["enabled"], changes["approved"] = _apply_status(enabled, before.approved, request.status)
        if "group_ids" in given or "default_group_id" in given:
            group_ids = list(request.group_ids) if request.group_ids else list(before.group_ids)
            default = request.default_group_id or (
                before.default_group_id if before.default_group_id in group_ids else None
            )
            changes["group_ids"], changes["default_group_id"] = self._groups(
                group_ids, default, bool(changes.get("is_guest", before.is_guest))
            )
        changes["b2b"] = self._b2b(request, before.b2b)
        now = self.clock()
        after = replace(before, **changes, updated_at=now)
        if (
            "password_hash" in changes
            or normalise_email(after.email) != normalise_email(before.email)
            or (before.enabled and not after.enabled)
        ):
            # A new password or e-mail (or disabling) ends every session opened before it: tokens
            # carry the generation they were issued for. PATCH /store/me hands its caller a new one.
            after = replace(after, session_generation=before.session_generation + 1)
        fields = self._check_rules(after, given, settings)
        if fields:
            raise InvalidInputError("The customer is not valid.", fields)
        flags: dict[str, bool] = {n: bool(changes[n]) for n in ("newsletter", "optin") if n in changes}
        return replace(after, consents=follow_flags(before.consents, flags, source, now))

    def set_note(self, customer_id: str, note: str) -> Customer:
        """Raises: NotFoundError, ConflictError."""
        before = self.get(customer_id)
        after = replace(before, note=note or None, updated_at=self.clock())
        self.repository.update(before, after)
        return replace(after, version=before.version + 1)

    def delete(self, customer_id: str, *, allow_reregistration: bool) -> None:
        """Raises: NotFoundError, ConflictError."""
        customer = self.get(customer_id)
        self.repository.delete(customer, keep_email_blocked=not allow_reregistration)

    # -- queries -------------------------------------------------------------------------------
    def _filters(self, params: ListCustomersParams) -> CustomerFilters:
        today = self.clock().date()
        # age >= N: born on or before today - N years; age <= N: born after today - (N + 1) years.
        birthday_to = _years_before(today, params.age_min) if params.age_min is not None else None
        birthday_from = None
        if params.age_max is not None:
            birthday_from = date.fromordinal(_years_before(today, params.age_max + 1).toordinal() + 1)
        return CustomerFilters(
            id=params.id,
            title_id=params.title_id,
            first_name=params.first_name,
            last_name=params.last_name,
            email=params.email,
            enabled=_flag(params.enabled),
            newsletter=_flag(params.newsletter),
            optin=_flag(params.optin),
            group_id=params.group_id,
            company=params.company,
            registered_from=range_start(params.registered_from),
            registered_to=range_end(params.registered_to),
            last_visit_from=range_start(params.last_visit_from),
            last_visit_to=range_end(params.last_visit_to),
            birthday_from=birthday_from,
            birthday_to=birthday_to,
            is_guest=_flag(params.is_guest),
            status=params.status,
        )

    def list_page(self, params: ListCustomersParams) -> tuple[list[Customer], str | None]:
        """One page and the next cursor. Raises: InvalidCursorError, InvalidInputError."""
        if params.age_min is not None and params.age_max is not None and params.age_min > params.age_max:
            raise InvalidInputError("The filters are not valid.", {"age_min": "must not exceed age_max"})
        sort_given = "sort" in params.model_fields_set
        scope = "customers:" + params.model_dump_json(exclude={"cursor", "limit"})
        position = self.cursors.decode(params.cursor, scope)
        query = CustomerQuery(
            filters=self._filters(params),
            sort=params.sort.lstrip("-"),  # type: ignore[arg-type]
            descending=params.sort.startswith("-"),
            limit=params.limit,
            sort_given=sort_given,
            position=position,
        )
        page: Page[Customer] = self.repository.list_page(query)
        return page.items, self.cursors.encode(page.next_position, scope)

    def count_at_most(self, params: ListCustomersParams, at_most: int) -> int:
        """How many customers the list filters match, counting no further than at_most + 1."""
        if params.age_min is not None and params.age_max is not None and params.age_min > params.age_max:
            raise InvalidInputError("The filters are not valid.", {"age_min": "must not exceed age_max"})
        query = CustomerQuery(
            filters=self._filters(params),
            sort=params.sort.lstrip("-"),  # type: ignore[arg-type]
            descending=params.sort.startswith("-"),
            limit=1,
            sort_given="sort" in params.model_fields_set,
        )
        return self.repository.count_at_most(query, at_most)

    def search(self, text: str, by: str, limit: int) -> list[Customer]:
        return self.repository.search(text, by, limit)
