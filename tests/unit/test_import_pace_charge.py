"""What the import's pace charges a customer transaction (customers/repository.index_units): the
write units of the index items on its busiest index partition, the profile's twice for an update —
read from the items the transaction sends and the indexes' projections, so a change of the
profile's items or of a projection can't leave its writes uncharged."""

from __future__ import annotations

from dataclasses import replace

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from chalicelib.customers.mapping import to_record
from chalicelib.customers.repository import index_units
from chalicelib.customers.write_items import create_items, membership_record, update_items
from chalicelib.models.base import index_entry
from chalicelib.models.capacity import write_units
from chalicelib.models.customers import BY_LAST_NAME
from tests.contract.test_customer_repository_contract import make


def test_the_busiest_partition_is_charged_what_its_index_items_cost() -> None:
    # A bare profile and one over 3 KB (in what the profile item holds: the note is in its private item).
    ann, bob = make(1), make(2, b2b={"website": "w" * 3000})
    transaction = TransactWrite(connection=Connection())  # built, never sent
    create_items(transaction, ann)
    update_items(transaction, bob, replace(bob, last_name="Other"), backfill_ref=True, drop_old_ref=False)

    bob_profile = to_record(replace(bob, last_name="Other")).serialize()
    assert write_units(bob_profile) >= 4
    # The profile indexes store keys only: one unit each, whatever the profile's size; the
    # CUSTOMERS partition of a sort index takes ann's create once and bob's update twice.
    profile_entry = index_entry(bob_profile, BY_LAST_NAME)
    assert profile_entry is not None and write_units(profile_entry) == 1
    sort_partition = 1 + 2 * 1
    # Both are in the group `customer`: its GSI1 partition takes both memberships whole (ALL),
    # and bob's carries his 3 KB summary, so that partition is the busiest.
    memberships = [
        membership_record(c, "customer").serialize() for c in (ann, replace(bob, last_name="Other"))
    ]
    group_partition = sum(write_units(m) for m in memberships)
    assert group_partition > sort_partition
    assert index_units(transaction, {bob.id}) == group_partition
    lone = TransactWrite(connection=Connection())
    create_items(lone, replace(ann, group_ids=(), default_group_id=None))
    assert index_units(lone, set()) == 1
    # The e-mail item, consent and counter writes are in no index: not charged.
    assert index_units(TransactWrite(connection=Connection()), set()) == 0
