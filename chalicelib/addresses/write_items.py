"""Address items as transaction writes, for the features whose transactions move an address
(a checkout counts the orders shipped to / invoiced at each address it uses)."""

from __future__ import annotations

from pynamodb.transactions import TransactWrite

from chalicelib.models import keys
from chalicelib.models.customers import AddressRecord


def order_count_item(transaction: TransactWrite, customer_id: str, address_id: str) -> None:
    """One more order for the customer's address, which must still exist and not be deleted."""
    address = AddressRecord(keys.customer_pk(customer_id), keys.address_sk(address_id))
    # A known version makes PynamoDB add 1 to it (an admin's stale edit then fails
    # instead of writing back an old order_count); its condition is left out.
    address.version = 0
    transaction.update(
        address,
        actions=[AddressRecord.order_count.add(1)],
        condition=AddressRecord.pk.exists() & (AddressRecord.deleted == False),  # noqa: E712
        add_version_condition=False,
    )
