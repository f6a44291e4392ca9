"""Cart, order and voucher persistence shapes."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, JSONAttribute, UnicodeAttribute, VersionAttribute

from chalicelib.models.base import TableRecord


class CartRecord(TableRecord, discriminator="CART"):
    """A shopping cart with its lines (at most 100, so always one item).

    Key design:
      PK = CART#<id>  SK = CART                            → the cart (GetItem)
      GSI1 CUSTOMER#<customer id> / CART#<updated_at>#<id>  → #4 a customer's carts, newest activity
                                                            first (registered carts only)
      GSI2 OPEN_CARTS#<shard 0-3> / <updated_at>#<id>       → #9 idle open carts: sparse per status —
                                                            only open carts sit in these partitions,
                                                            so the sweep reads nothing else
      GSI2 CARTS#abandoned | CARTS#ordered / <updated_at>#<id>
                                                          → back-office list by status
      GSI3 CART_REMINDERS_DUE / <abandoned_at>#<id>         → abandoned carts whose reminder is still
                                                            owed (sparse; normally empty)
      GSI4 CART_EMAIL#<e-mail> / <updated_at>#<id>          → a guest's carts by the e-mail it gave
                                                            (guest carts only: export, erasure)
      expires_at (TTL)                                      → abandoned carts expire after
                                                            `delete_after_days`; set while abandoned
    Write-rate argument: open carts take every line change, so they are sharded over 4 index
    partitions (~4,000 writes/s). `CARTS#abandoned` is written by the sweep, `CARTS#ordered` once
    per checkout, `CART_REMINDERS_DUE` twice per reminder: far below 1,000 writes/s.
    Writes are version-checked: two concurrent line changes can't both win (409 for the loser).
    """

    cart_id = UnicodeAttribute()
    status = UnicodeAttribute()
    customer_id = UnicodeAttribute(null=True)
    email = UnicodeAttribute(null=True)
    language = UnicodeAttribute(default="en")
    cart_reminders = BooleanAttribute(default=False)
    lines = JSONAttribute(default=list)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    abandoned_at = UnicodeAttribute(null=True)
    ordered_at = UnicodeAttribute(null=True)
    order_id = UnicodeAttribute(null=True)
    reminder_due = BooleanAttribute(default=False)
    reminded_at = UnicodeAttribute(null=True)
    voucher_code = UnicodeAttribute(null=True)
    version = VersionAttribute()


class OrderRecord(TableRecord, discriminator="ORDER"):
    """An order: lines, totals, address snapshots and its status history, in one item.

    Key design:
      PK = ORDER#<id>  SK = ORDER                           → #10 order with its history (GetItem;
                                                            the history is a bounded list on the item)
      GSI1 CUSTOMER#<customer id> / ORDER#<created_at>#<id> → #4 a customer's orders, newest first
      GSI2 ORDERS#<status> / <created_at>#<id>              → #10 orders by status
      GSI3 ORDERS / <created_at>#<id>                       → back-office order list, newest first
    Write-rate argument: the ORDERS partitions see one write per checkout and per status change —
    a few per order — orders of magnitude below 1,000 writes/s for the shops this product targets.
    """

    order_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    cart_id = UnicodeAttribute()
    status = UnicodeAttribute()
    currency = UnicodeAttribute()
    payment_method = UnicodeAttribute()
    lines = JSONAttribute(default=list)
    subtotal = UnicodeAttribute()
    discount = UnicodeAttribute()
    voucher_discount = UnicodeAttribute()
    total = UnicodeAttribute()
    history = JSONAttribute(default=list)
    delivery_address = JSONAttribute(null=True)
    invoice_address = JSONAttribute(null=True)
    voucher_code = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class VoucherRecord(TableRecord, discriminator="VOUCHER"):
    """A single-use voucher from an abandoned-cart reminder.

    Key design:
      PK = VOUCHER#<code>  SK = VOUCHER  → redeemed at checkout (GetItem, then a conditional update
                                           in the checkout transaction: unused and not expired)
      expires_at (TTL)                   → removed a while after it stops being valid
    """

    code = UnicodeAttribute()
    cart_id = UnicodeAttribute()
    customer_id = UnicodeAttribute(null=True)
    percent = UnicodeAttribute()
    valid_until = UnicodeAttribute()
    created_at = UnicodeAttribute()
    used_by_order = UnicodeAttribute(null=True)
