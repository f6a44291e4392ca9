"""A customers file's own address columns (Shopify's `Default Address *`, WooCommerce's billing
city/region/postcode/country) land as the customer's address (issue 17 §1).

The customers import writes the customer first (its batch transaction); then each row that holds
any `address.*` value upserts ONE address of that customer, under the alias DEFAULT_ALIAS, through
AddressService (the shop's required address fields and the address schema apply as for any other
address). The alias is the match key: importing the same file again finds the address, sees
nothing changed and writes nothing. An address that can't be stored never fails its row: the
customer is imported and the address is a warning ("address not imported: ..."), counted by column.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from chalicelib.addresses.domain import Address
from chalicelib.addresses.schemas import AddressRequest, UpdateAddressRequest
from chalicelib.addresses.service import AddressService
from chalicelib.core.errors import DomainError, InvalidInputError
from chalicelib.core.text import fold, normalise_email
from chalicelib.core.validation import fields_of
from chalicelib.customers.domain import Customer
from chalicelib.imports import values as import_values
from chalicelib.imports.batch_customers import BatchCustomers
from chalicelib.imports.domain import ImportMode

PREFIX = "address."
# Shopify calls it the customer's "Default Address"; one alias per customer, so a re-import of the
# same file (or of a later export of the same shop) updates that address instead of adding one.
DEFAULT_ALIAS = "Default address"
# The customers file's own fields (import_layouts.CUSTOMER_LABELS) that are address fields.
FIELDS = ("company", "address1", "address2", "city", "state", "country", "postcode", "phone")
# Without these the address can't be stored (AddressRequest): the names come from the customer.
MANDATORY = ("address1", "city", "country")
NOT_IMPORTED = "address not imported: "
# The customer-level phone (Shopify's "Phone", WooCommerce's "Shipping Phone"): Clientele keeps
# phones on addresses only, so a row without an address has no place for it.
PHONE_WITHOUT_ADDRESS = "phone not stored: the customer has no address to keep it on"

Action = Literal["create", "update", "unchanged", "skip", "warn"]


@dataclass(frozen=True)
class Outcome:
    """What the row's address did: the action, the address as stored (or as a preview would
    store it) and the warnings as (field, reason), the field being the customers file's own."""

    action: Action
    stored: dict[str, Any]
    warnings: tuple[tuple[str, str], ...] = ()


def has_address(values: Mapping[str, str | None]) -> bool:
    return any(v for k, v in values.items() if k.startswith(PREFIX))


def document_of(values: Mapping[str, str | None]) -> dict[str, str]:
    """The row's address values under the address's field names. The customer-level phone fills
    the address's phone if the row has none, else its mobile phone (when it differs), so no
    number is lost where the address has a place for it."""
    document = {name: value for name in FIELDS if (value := values.get(PREFIX + name))}
    phone = values.get("phone")
    if phone:
        if "phone" not in document:
            document["phone"] = phone
        elif document["phone"] != phone:
            document["phone_mobile"] = phone
    return document


def owner_of(
    values: Mapping[str, str | None],
    by_ref: Mapping[str, Customer],
    by_email: Mapping[str, Customer],
    latest: BatchCustomers,
) -> Customer | None:
    """The customer a row was applied to (the same order as the customers import's own match:
    id or source reference, then e-mail), as it stands after the batch's rows."""
    reference = values.get("id") or ""
    key = normalise_email(values.get("email") or "")
    found = (
        by_ref.get(reference)
        or latest.with_reference(reference)
        or latest.with_email(key)
        or by_email.get(key)
    )
    if found is None:
        return None
    return latest.get(found.id, found)


def upsert(
    addresses: AddressService,
    owner: Customer,
    values: Mapping[str, str | None],
    *,
    new_owner: bool,
    mode: ImportMode,
    dry_run: bool,
    skipped_reason: Callable[[bool], str],
) -> Outcome:
    """Create or update the owner's DEFAULT_ALIAS address from the row. `new_owner`: created by
    this batch (it has no address yet: nothing to read). `dry_run` (a preview) writes nothing.
    `mode` as for an address file: create leaves an existing address alone, update adds none
    (`skipped_reason(exists)` words the warning as the import's other mode skips). An address
    not stored takes the row's customer-level phone with it: that is said too."""
    outcome = _upsert(
        addresses,
        owner,
        values,
        new_owner=new_owner,
        mode=mode,
        dry_run=dry_run,
        skipped_reason=skipped_reason,
    )
    if outcome.action in ("warn", "skip") and values.get("phone") and has_address(values):
        return Outcome(outcome.action, outcome.stored, (*outcome.warnings, ("phone", PHONE_WITHOUT_ADDRESS)))
    return outcome


def _upsert(
    addresses: AddressService,
    owner: Customer,
    values: Mapping[str, str | None],
    *,
    new_owner: bool,
    mode: ImportMode,
    dry_run: bool,
    skipped_reason: Callable[[bool], str],
) -> Outcome:
    if not has_address(values):
        if values.get("phone"):
            return Outcome("warn", {}, (("phone", PHONE_WITHOUT_ADDRESS),))
        return Outcome("unchanged", {})
    document = document_of(values)
    missing = next((name for name in MANDATORY if name not in document), None)
    if missing is not None:
        return Outcome("warn", {}, ((PREFIX + missing, f"{NOT_IMPORTED}{missing} missing"),))
    try:
        document["country"] = import_values.country_code(document["country"])
    except ValueError as error:
        return Outcome("warn", {}, ((PREFIX + "country", NOT_IMPORTED + str(error)),))
    document |= {"alias": DEFAULT_ALIAS, "first_name": owner.first_name, "last_name": owner.last_name}
    shown = {PREFIX + name: value for name, value in document.items()}
    try:
        existing = None if new_owner else _default_address(addresses, owner.id)
        if (existing is None and mode == "update") or (existing is not None and mode == "create"):
            reason = NOT_IMPORTED + skipped_reason(existing is not None)
            return Outcome("skip", shown, (("address.address1", reason),))
        if existing is None:
            request = AddressRequest.model_validate(document)
            if not dry_run:
                addresses.create(owner.id, request)
            return Outcome("create", shown)
        if all(getattr(existing, name) == value for name, value in document.items()):
            return Outcome("unchanged", shown)
        changes = UpdateAddressRequest.model_validate(document)
        if not dry_run:
            addresses.update(existing.id, changes)
        return Outcome("update", shown)
    except ValidationError as error:
        return Outcome("warn", {}, _field_warnings(fields_of(error)))
    except InvalidInputError as error:
        return Outcome("warn", {}, _field_warnings(error.fields or {"address1": error.message}))
    except DomainError:
        # The customer or its address changed meanwhile (a concurrent edit): importing the row
        # again converges; the customer itself is already saved.
        return Outcome("warn", {}, (("address.address1", NOT_IMPORTED + "the address changed meanwhile"),))


def _default_address(addresses: AddressService, customer_id: str) -> Address | None:
    book = addresses.for_customer(customer_id, 200, None, include_deleted=False)[0]
    return next((a for a in book if fold(a.alias) == fold(DEFAULT_ALIAS)), None)


_OWN = {"phone_mobile": "phone"}


def _field_warnings(fields: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    # first_name/last_name come from the customer (its own columns); the mobile phone from the
    # customer-level phone column.
    return tuple(
        (PREFIX + base if base in FIELDS else _OWN.get(base, base), f"{NOT_IMPORTED}{base}: {reason}")
        for name, reason in fields.items()
        if (base := name.split(".", 1)[0])
    )
