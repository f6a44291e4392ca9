"""What the import's pace charges a customer transaction (customers/repository.index_units): the
profile's write units on the busiest index partition, twice for an update — read from the items
the transaction sends, so a change of the profile's items can't leave its writes uncharged."""

from __future__ import annotations

from dataclasses import replace

from pynamodb.connection import Connection
from pynamodb.transactions import TransactWrite

from chalicelib.customers.mapping import to_record
from chalicelib.customers.repository import index_units
from chalicelib.customers.write_items import create_items, update_items
from chalicelib.models.capacity import write_units
from tests.contract.test_customer_repository_contract import make


def test_a_created_profile_costs_its_units_once_and_an_updated_one_twice() -> None:
    # A bare profile and one over 3 KB (in what the profile item holds: the note is in its private item).
    ann, bob = make(1), make(2, b2b={"website": "w" * 3000})
    transaction = TransactWrite(connection=Connection())  # built, never sent
    create_items(transaction, ann)
    update_items(transaction, bob, replace(bob, last_name="Other"), backfill_ref=True, drop_old_ref=False)

    ann_units = write_units(to_record(ann).serialize())
    bob_units = write_units(to_record(replace(bob, last_name="Other")).serialize())
    assert bob_units >= 4 > ann_units >= 1
    assert index_units(transaction, {bob.id}) == ann_units + 2 * bob_units
    # The e-mail item, membership, consent and counter writes are on other partitions: not charged.
    assert index_units(TransactWrite(connection=Connection()), set()) == 0
