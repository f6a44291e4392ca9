"""Carts, orders and vouchers in DynamoDB. Access patterns #4, #9 and #10 of DESIGN.md."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pynamodb.transactions import TransactWrite

from chalicelib.addresses import write_items as address_items
from chalicelib.carts.domain import (
    Cart,
    CartFilters,
    CheckoutWrite,
    Order,
    OrderFilters,
    Voucher,
)
from chalicelib.carts.records import (
    from_cart_record,
    from_order_record,
    from_voucher_record,
    to_cart_record,
    to_order_record,
    to_voucher_record,
)
from chalicelib.core.clock import iso
from chalicelib.customers import write_items as customer_items
from chalicelib.customers.domain import Customer
from chalicelib.models import keys
from chalicelib.models.base import TableRecord, index_by_number
from chalicelib.models.carts import CartRecord, OrderRecord, VoucherRecord
from chalicelib.models.errors import (
    TransactionCancelledError,
    conditional,
    dynamo_errors,
    get_item,
    run_transaction,
    save_at_version,
)
from chalicelib.models.paging import MAX_ITEMS_READ_PER_PAGE, Page, index_page

# Ids are ULIDs: anything longer is not one of ours (and could exceed DynamoDB's key size).
MAX_ID_LENGTH = 64
# Upper bound for "everything after this instant" in a sort-key range.
_HIGH = "\uffff"


# -- checkout ----------------------------------------------------------------------------------
def transaction_label(pk: str, sk: str) -> str:
    """Names a cart / checkout / order transaction's item, for TransactionCancelledError."""
    for prefix, name in (
        ("CART#", "cart"),
        ("ORDER#", "order"),
        ("EMAIL#", "email"),
        ("VOUCHER#", "voucher"),
    ):
        if pk.startswith(prefix):
            return name
    if pk == keys.CONFIG:
        return "group"
    if pk.startswith("CUSTOMER#"):
        if sk in (keys.PROFILE, keys.PROFILE_PRIVATE):
            return "customer"
        return "address" if sk.startswith(keys.address_prefix()) else "membership"
    return "other"


# -- range queries -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Partition:
    index: int
    key: str
    prefix: str = ""


def _bounds(prefix: str, low: datetime | None, high: datetime | None) -> tuple[str, str]:
    # Timestamps start with a digit: "0" is below all of them (a key value can't be empty).
    return prefix + (iso(low) if low else "0"), prefix + (iso(high) + _HIGH if high else _HIGH)


def merged_page(
    partitions: list[Partition],
    low: datetime | None,
    high: datetime | None,
    limit: int,
    after: str | None,
    convert: Callable[[Any], Any],
    keep: Callable[[Any], bool] | None = None,
) -> Page[Any]:
    """Newest first across partitions that share one sort-key format.

    The position is the last row's sort key (without its prefix): each partition is read from
    just below it, so no per-partition cursor is needed. One Query per partition per page; items
    read are at most partitions * (limit + 2). `keep` (a row-by-row filter) is for one partition:
    it reads on until limit + 1 rows are kept or MAX_ITEMS_READ_PER_PAGE items were read."""
    rows: list[tuple[str, Any]] = []
    last_read: str | None = None
    read = 0
    with dynamo_errors():
        for partition in partitions:
            bottom, top = _bounds(partition.prefix, low, high)
            if after is not None:
                top = min(top, partition.prefix + after)
            sort_attr = getattr(TableRecord, f"gsi{partition.index}sk")
            size = limit + 2
            kept = 0
            for record in index_by_number(partition.index).query(
                partition.key,
                sort_attr.between(bottom, top),
                scan_index_forward=False,
                limit=None if keep else size,
                page_size=size,
            ):
                read += 1
                sort_value = getattr(record, f"gsi{partition.index}sk").removeprefix(partition.prefix)
                last_read = sort_value
                if after is not None and sort_value >= after:
                    continue
                row = convert(record)
                if keep is not None and not keep(row):
                    if read >= MAX_ITEMS_READ_PER_PAGE:
                        break
                    continue
                rows.append((sort_value, row))
                kept += 1
                if kept > limit:
                    break
    rows.sort(key=lambda row: row[0], reverse=True)
    page = rows[:limit]
    if len(rows) > limit and page:
        return Page([row for _, row in page], {"after": page[-1][0]})
    if keep is not None and read >= MAX_ITEMS_READ_PER_PAGE and last_read is not None:
        return Page([row for _, row in page], {"after": last_read})
    return Page([row for _, row in page], None)


class DynamoCartRepository:
    def get(self, cart_id: str) -> Cart | None:
        if len(cart_id) > MAX_ID_LENGTH:
            return None
        record = get_item(CartRecord, keys.cart_pk(cart_id), keys.CART)
        return from_cart_record(record) if record is not None else None

    def create(self, cart: Cart) -> None:
        with dynamo_errors():
            to_cart_record(cart).save(condition=CartRecord.pk.does_not_exist())

    def save(self, before: Cart, after: Cart) -> bool:
        """Write `after` if the cart is still at `before`'s version. Returns False if it is not."""
        return save_at_version(to_cart_record(after), before.version, CartRecord.pk.exists())

    def delete_abandoned(self, cart: Cart) -> bool:
        record = to_cart_record(cart)
        with dynamo_errors(), conditional() as outcome:
            record.delete(condition=CartRecord.status == "abandoned")
        return outcome.passed

    def abandon(self, before: Cart, after: Cart, voucher: Voucher | None, voucher_expires: datetime) -> bool:
        """Mark an idle cart abandoned (and store its voucher) unless it changed since it was read."""

        def build(transaction: TransactWrite) -> None:
            record = to_cart_record(after)
            record.version = before.version
            transaction.save(record, condition=CartRecord.status == "open")
            if voucher is not None:
                # Same cart and abandonment → same code: a replay finds it there and moves on.
                transaction.save(
                    to_voucher_record(voucher, voucher_expires), condition=VoucherRecord.pk.does_not_exist()
                )

        try:
            run_transaction(build, label=transaction_label)
        except TransactionCancelledError:
            return False
        return True

    def idle_open(self, shard: int, idle_before: datetime, size: int) -> Iterator[Cart]:
        """Open carts of one shard last changed before `idle_before`, oldest first."""
        with dynamo_errors():
            for record in index_by_number(2).query(
                keys.open_carts_pk(shard),
                TableRecord.gsi2sk < iso(idle_before),
                page_size=size,
            ):
                if isinstance(record, CartRecord):
                    yield from_cart_record(record)

    def reminders_due(self, size: int) -> Iterator[Cart]:
        with dynamo_errors():
            for record in index_by_number(3).query(keys.REMINDERS_DUE, page_size=size):
                if isinstance(record, CartRecord):
                    yield from_cart_record(record)

    def list_page(self, filters: CartFilters, limit: int, position: dict[str, Any] | None) -> Page[Cart]:
        after = str(position["after"]) if position and "after" in position else None
        if filters.customer_id:
            mine = Partition(1, keys.customer_pk(filters.customer_id), keys.activity_prefix(keys.CART))
            wanted = filters.status
            return merged_page(
                [mine],
                filters.updated_from,
                filters.updated_to,
                limit,
                after,
                from_cart_record,
                (lambda cart: cart.status == wanted) if wanted else None,
            )
        if filters.status == "open":
            partitions = [Partition(2, pk) for pk in keys.open_cart_partitions()]
        elif filters.status is not None:
            partitions = [Partition(2, keys.carts_status_pk(filters.status))]
        else:
            partitions = [Partition(2, pk) for pk in keys.open_cart_partitions()] + [
                Partition(2, keys.carts_status_pk(status)) for status in ("abandoned", "ordered")
            ]
        return merged_page(
            partitions, filters.updated_from, filters.updated_to, limit, after, from_cart_record
        )

    def for_customer(self, customer_id: str, limit: int) -> list[Cart]:
        partition = Partition(1, keys.customer_pk(customer_id), keys.activity_prefix(keys.CART))
        return merged_page([partition], None, None, limit, None, from_cart_record).items

    def get_voucher(self, code: str) -> Voucher | None:
        if len(code) > MAX_ID_LENGTH:
            return None
        record = get_item(VoucherRecord, keys.voucher_pk(code), keys.VOUCHER)
        return from_voucher_record(record) if record is not None else None

    def checkout(self, write: CheckoutWrite) -> None:
        """Cart → ordered, the order, the customer's stats (or the new guest), the addresses'
        order counters and the voucher's redemption: all or nothing.

        Raises: TransactionCancelledError (with the failed items' names)."""

        def build(transaction: TransactWrite) -> None:
            cart = to_cart_record(write.cart_after)
            cart.version = write.cart_before.version
            transaction.save(cart, condition=CartRecord.status != "ordered")
            transaction.save(to_order_record(write.order), condition=OrderRecord.pk.does_not_exist())
            if write.customer_before is None:
                deltas = customer_items.create_items(transaction, write.customer_after)
            else:
                deltas = customer_items.update_items(transaction, write.customer_before, write.customer_after)
            customer_items.counter_writes(transaction, deltas)
            for address_id in write.address_ids:
                address_items.order_count_item(transaction, write.customer_after.id, address_id)
            if write.voucher_code is not None and write.now is not None:
                voucher = VoucherRecord(keys.voucher_pk(write.voucher_code), keys.VOUCHER)
                transaction.update(
                    voucher,
                    actions=[VoucherRecord.used_by_order.set(write.order.id)],
                    condition=VoucherRecord.pk.exists()
                    & VoucherRecord.used_by_order.does_not_exist()
                    & (VoucherRecord.valid_until > iso(write.now)),
                )

        run_transaction(build, label=transaction_label)


class DynamoOrderRepository:
    def get(self, order_id: str) -> Order | None:
        if len(order_id) > MAX_ID_LENGTH:
            return None
        record = get_item(OrderRecord, keys.order_pk(order_id), keys.ORDER)
        return from_order_record(record) if record is not None else None

    def list_page(self, filters: OrderFilters, limit: int, position: dict[str, Any] | None) -> Page[Order]:
        if filters.customer_id:
            number, partition, prefix = (
                1,
                keys.customer_pk(filters.customer_id),
                keys.activity_prefix(keys.ORDER),
            )
        elif filters.status:
            number, partition, prefix = 2, keys.orders_status_pk(filters.status), ""
        else:
            number, partition, prefix = 3, keys.ORDERS, ""
        wanted = filters.status if filters.customer_id else None
        return index_page(
            number,
            partition,
            lambda record: from_order_record(record) if isinstance(record, OrderRecord) else None,
            lambda order: wanted is None or order.status == wanted,
            limit,
            position,
            prefix=prefix,
        )

    def change_status(
        self, before: Order, after: Order, customer_before: Customer | None, customer_after: Customer | None
    ) -> None:
        """The order (version-checked) and, when the change moves money, the customer's stats.

        Raises: TransactionCancelledError."""

        def build(transaction: TransactWrite) -> None:
            record = to_order_record(after)
            record.version = before.version
            transaction.save(record, condition=OrderRecord.pk.exists())
            if customer_before is not None and customer_after is not None:
                deltas = customer_items.update_items(transaction, customer_before, customer_after)
                customer_items.counter_writes(transaction, deltas)

        run_transaction(build, label=transaction_label)
