"""AddressRecord <-> Address and the address's index keys: the one mapping of the address, exported
because the customers repository reads a customer's addresses with the profile (one Query on the
customer's partition) and must map them the same way.
"""

from __future__ import annotations

from chalicelib.addresses.domain import Address
from chalicelib.core.text import fold
from chalicelib.models import keys
from chalicelib.models.base import set_index_keys
from chalicelib.models.customers import AddressRecord
from chalicelib.models.mapping import RecordMapping


def postcode_key(postcode: str | None) -> str:
    return "".join((postcode or "").split()).upper()


def address_index_keys(address: Address) -> dict[int, tuple[str, str]]:
    """(partition, sort key) per index number for an address."""
    return {
        2: (keys.ADDRESSES, address.id),
        4: (keys.ADDRESSES, keys.sort_key(fold(address.last_name), fold(address.first_name), address.id)),
        5: (keys.ADDRESSES, keys.sort_key(postcode_key(address.postcode), address.id)),
        6: (keys.ADDRESSES, keys.sort_key(fold(address.city), address.id)),
        7: (keys.address_country_pk(address.country), address.id),
    }


_ADDRESS = RecordMapping(Address, AddressRecord, renames={"id": "address_id"})


def to_address_record(address: Address) -> AddressRecord:
    record = _ADDRESS.to_record(address, keys.customer_pk(address.customer_id), keys.address_sk(address.id))
    set_index_keys(record, address_index_keys(address))
    return record


def from_address_record(record: AddressRecord) -> Address:
    return _ADDRESS.from_record(record)
