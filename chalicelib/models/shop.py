"""Shop configuration persistence shapes: settings, titles, groups, contacts, order messages."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
)

from chalicelib.models.base import TableRecord


class ConfigRecord(TableRecord, discriminator="CONFIG"):
    """One piece of shop configuration, all in one partition.

    Key design:
      PK = CONFIG  SK = SETTINGS | TITLE#<id> | GROUP#<id> | CONTACT#<id> | ORDER_MESSAGE#<id>
        → #13 the whole shop configuration in 1 Query (begins_with selects a kind); cacheable.
    Configuration is written by staff (a few writes a day) and its usage counters by membership
    changes in the same transactions: one partition is fine below ~1,000 writes/s, and an item
    written by concurrent transactions makes one of them retry (TransactionConflict), never drift.
    Last writer wins on the documents themselves (no version): staff edits are rare.
    """

    kind = UnicodeAttribute()
    item_id = UnicodeAttribute(null=True)
    data = JSONAttribute()
    is_default = BooleanAttribute(default=False)
    usage_count = NumberAttribute(default=0)
    # Contacts: their box's counters, moved in the thread writes' transactions.
    open_count = NumberAttribute(null=True)
    pending_count = NumberAttribute(null=True)
    unread_count = NumberAttribute(null=True)
    updated_at = UnicodeAttribute()
