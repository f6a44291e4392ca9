"""Cart, order and voucher records <-> their domain types, and the cart's index keys: the one
mapping of each, exported because the erasure (privacy.repository) rewrites a customer's carts with
the same mapping the carts repository reads them with.
"""

from __future__ import annotations

from datetime import datetime

from chalicelib.carts.domain import Cart, CartLine, Order, StatusChange, Voucher
from chalicelib.core.clock import iso
from chalicelib.core.text import normalise_email
from chalicelib.models import keys
from chalicelib.models.base import set_index_keys
from chalicelib.models.carts import CartRecord, OrderRecord, VoucherRecord
from chalicelib.models.mapping import RecordMapping, from_document, to_document

# -- mapping -----------------------------------------------------------------------------------
# The fields a dataclass and its record share are copied by name (chalicelib/models/mapping.py);
# what follows states only the exceptions: ids stored as <entity>_id, keys, the nested documents
# (cart lines, status history) and the TTL, which PynamoDB keeps as a datetime.
_CART = RecordMapping(Cart, CartRecord, renames={"id": "cart_id"}, exclude=("lines", "expires_at"))
_ORDER = RecordMapping(Order, OrderRecord, renames={"id": "order_id"}, exclude=("history",))
_VOUCHER = RecordMapping(Voucher, VoucherRecord)


def cart_index_keys(cart: Cart) -> dict[int, tuple[str, str] | None]:
    updated = iso(cart.updated_at)
    listed = keys.time_sk(updated, cart.id)
    if cart.status == "open":
        by_status = (keys.open_carts_pk(keys.cart_shard(cart.id)), listed)
    else:
        by_status = (keys.carts_status_pk(cart.status), listed)
    due = None
    if cart.reminder_due and cart.abandoned_at is not None:
        due = (keys.REMINDERS_DUE, keys.time_sk(iso(cart.abandoned_at), cart.id))
    mine = None
    if cart.customer_id:
        mine = (keys.customer_pk(cart.customer_id), keys.activity_sk(keys.CART, updated, cart.id))
    guest = None
    if cart.email and not cart.customer_id:
        guest = (keys.cart_email_pk(normalise_email(cart.email)), listed)
    return {1: mine, 2: by_status, 3: due, 4: guest}


def to_cart_record(cart: Cart) -> CartRecord:
    record = _CART.to_record(
        cart,
        keys.cart_pk(cart.id),
        keys.CART,
        lines=[to_document(line, keep_none=True) for line in cart.lines],
        expires_at=cart.expires_at,
    )
    set_index_keys(record, cart_index_keys(cart))
    return record


def from_cart_record(record: CartRecord) -> Cart:
    return _CART.from_record(
        record,
        lines=tuple(from_document(CartLine, line) for line in record.lines or []),
        expires_at=record.expires_at,
    )


def to_order_record(order: Order) -> OrderRecord:
    created = iso(order.created_at)
    return _ORDER.to_record(
        order,
        keys.order_pk(order.id),
        keys.ORDER,
        history=[to_document(change, keep_none=True) for change in order.history],
        gsi1pk=keys.customer_pk(order.customer_id),
        gsi1sk=keys.activity_sk(keys.ORDER, created, order.id),
        gsi2pk=keys.orders_status_pk(order.status),
        gsi2sk=keys.time_sk(created, order.id),
        gsi3pk=keys.ORDERS,
        gsi3sk=keys.time_sk(created, order.id),
    )


def from_order_record(record: OrderRecord) -> Order:
    history = tuple(from_document(StatusChange, change) for change in record.history or [])
    return _ORDER.from_record(record, history=history)


def to_voucher_record(voucher: Voucher, expires_at: datetime) -> VoucherRecord:
    return _VOUCHER.to_record(voucher, keys.voucher_pk(voucher.code), keys.VOUCHER, expires_at=expires_at)


def from_voucher_record(record: VoucherRecord) -> Voucher:
    return _VOUCHER.from_record(record)
