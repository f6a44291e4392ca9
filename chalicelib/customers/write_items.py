"""The customer's items as transaction writes: what this feature exports to the others.

A checkout (carts) and an order's status change write the customer's profile, e-mail item,
memberships and the groups' member counters in the same TransactWriteItems as their own items, so
those writes must be built where the customer's keys are known: here. The customers repository
builds its own transactions from the same functions, so a customer written by a checkout and one
written by the back office are the same items.

Each builder adds its items to a PynamoDB `TransactWrite`, in a fixed order (the order
`models.errors.item_keys` names a cancelled transaction's items by). The membership builders
return how they move the groups' member counters; `counter_writes` applies the sum, once per
group and transaction (a transaction may name an item only once).
"""

from __future__ import annotations

from pynamodb.transactions import TransactWrite

from chalicelib.core.clock import iso
from chalicelib.core.text import normalise_email
from chalicelib.customers.domain import Consent, Customer, consent_changes
from chalicelib.customers.mapping import has_private_part, to_private_record, to_record, to_summary
from chalicelib.models import keys
from chalicelib.models.customers import (
    ConsentRecord,
    CustomerPrivateRecord,
    CustomerRecord,
    CustomerRefRecord,
    EmailRecord,
    GroupMembershipRecord,
)
from chalicelib.models.shop import ConfigRecord

__all__ = [
    "consent_items",
    "counter_writes",
    "create_items",
    "membership_items",
    "membership_record",
    "private_items",
    "ref_items",
    "update_items",
]


def membership_record(customer: Customer, group_id: str) -> GroupMembershipRecord:
    """The customer's membership of one group, with the summary the members' list shows."""
    return GroupMembershipRecord(
        keys.customer_pk(customer.id),
        keys.membership_sk(group_id),
        customer_id=customer.id,
        group_id=group_id,
        summary=to_summary(customer),
        gsi1pk=keys.group_members_pk(group_id),
        gsi1sk=customer.id,
    )


def consent_items(
    transaction: TransactWrite, customer_id: str, before: tuple[Consent, ...], after: Customer, version: int
) -> None:
    """History items for the channels this write moves (same transaction as the profile)."""
    for consent in consent_changes(before, after.consents):
        at = iso(consent.at)
        transaction.save(
            ConsentRecord(
                keys.customer_pk(customer_id),
                keys.consent_sk(at, consent.channel, version),
                customer_id=customer_id,
                channel=consent.channel,
                state=consent.state,
                level=consent.level,
                source=consent.source,
                at=at,
            )
        )


def membership_items(
    transaction: TransactWrite, customer_id: str, before: tuple[str, ...], after: Customer | None
) -> dict[str, int]:
    """Memberships follow the profile in the same transaction (their summary included):
    +1 for each group joined, -1 for each left (`after` None: the customer leaves them all)."""
    now = set(after.group_ids) if after else set()
    for group_id in after.group_ids if after else ():
        transaction.save(membership_record(after, group_id))  # type: ignore[arg-type]
    for group_id in set(before) - now:
        transaction.delete(GroupMembershipRecord(keys.customer_pk(customer_id), keys.membership_sk(group_id)))
    return dict.fromkeys(now - set(before), 1) | dict.fromkeys(set(before) - now, -1)


def create_items(transaction: TransactWrite, customer: Customer) -> dict[str, int]:
    """A new customer: the profile, its e-mail item and reference item (both conditional: unique),
    its consent history and memberships. Returns the member-counter moves."""
    transaction.save(to_record(customer), condition=CustomerRecord.pk.does_not_exist())
    if has_private_part(customer):
        transaction.save(to_private_record(customer))
    email = EmailRecord(
        keys.email_pk(normalise_email(customer.email)), keys.email_sk(), customer_id=customer.id
    )
    transaction.save(email, condition=EmailRecord.pk.does_not_exist())
    if customer.merchant_ref:
        reference = CustomerRefRecord(
            keys.customer_ref_pk(customer.merchant_ref), keys.CUSTOMER_REF_SK, customer_id=customer.id
        )
        transaction.save(reference, condition=CustomerRefRecord.pk.does_not_exist())
    consent_items(transaction, customer.id, (), customer, 1)
    return membership_items(transaction, customer.id, (), customer)


def ref_items(
    transaction: TransactWrite, before: Customer, after: Customer, *, backfill: bool, drop_old: bool
) -> None:
    """The reference lookup follows the profile: a new reference's item is put (conditional:
    unique), the old one deleted. `backfill` (an import's batch) also puts the item of a
    reference that did not change: customers imported before the lookup existed get theirs on
    their next import; if another customer holds it, the batch is replayed row by row without.
    `drop_old`: the old reference's item is the customer's own, so it goes (the caller knows:
    finding out costs a read, which a transaction builder does not make)."""
    changed = before.merchant_ref != after.merchant_ref
    if changed and before.merchant_ref and drop_old:
        old = CustomerRefRecord(keys.customer_ref_pk(before.merchant_ref), keys.CUSTOMER_REF_SK)
        transaction.delete(old, condition=CustomerRefRecord.customer_id == before.id)
    if after.merchant_ref and (changed or backfill):
        new = CustomerRefRecord(
            keys.customer_ref_pk(after.merchant_ref), keys.CUSTOMER_REF_SK, customer_id=after.id
        )
        transaction.save(
            new,
            condition=CustomerRefRecord.pk.does_not_exist() | (CustomerRefRecord.customer_id == after.id),
        )


def update_items(
    transaction: TransactWrite,
    before: Customer,
    after: Customer,
    *,
    backfill_ref: bool = False,
    drop_old_ref: bool = False,
) -> dict[str, int]:
    """`before` → `after`: the profile (version-checked against `before`), the e-mail item moved
    when the address changes, the reference lookup, new consent history and memberships.
    Returns the member-counter moves."""
    record = to_record(after)
    record.version = before.version
    transaction.save(record, condition=CustomerRecord.pk.exists())
    private_items(transaction, before, after)
    if normalise_email(before.email) != normalise_email(after.email):
        old = EmailRecord(keys.email_pk(normalise_email(before.email)), keys.email_sk())
        transaction.delete(old, condition=EmailRecord.customer_id == before.id)
        new = EmailRecord(keys.email_pk(normalise_email(after.email)), keys.email_sk(), customer_id=after.id)
        transaction.save(new, condition=EmailRecord.pk.does_not_exist())
    ref_items(transaction, before, after, backfill=backfill_ref, drop_old=drop_old_ref)
    consent_items(transaction, after.id, before.consents, after, before.version + 1)
    return membership_items(transaction, after.id, before.group_ids, after)


def private_items(transaction: TransactWrite, before: Customer, after: Customer) -> None:
    """The private part follows the profile (whose version check guards both). It is written even
    when unchanged: a profile written before the private item existed still holds that part, and
    the profile's rewrite drops it there, so the write is what moves it."""
    if has_private_part(after):
        transaction.save(to_private_record(after))
    elif has_private_part(before):
        transaction.delete(CustomerPrivateRecord(keys.customer_pk(after.id), keys.PROFILE_PRIVATE))


def counter_writes(transaction: TransactWrite, *deltas: dict[str, int]) -> None:
    """Move each group's member counter by the summed delta (the group must still exist)."""
    total: dict[str, int] = {}
    for delta in deltas:
        for group_id, change in delta.items():
            total[group_id] = total.get(group_id, 0) + change
    for group_id, change in sorted(total.items()):
        if change:
            counter = ConfigRecord(keys.CONFIG, keys.config_sk("GROUP", group_id))
            transaction.update(
                counter,
                actions=[ConfigRecord.usage_count.add(change)],
                condition=ConfigRecord.pk.exists(),
            )
