"""Shop configuration persistence shapes: settings, titles, groups (later contacts, messages)."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)

from chalicelib.models.base import TableRecord


class ConfigRecord(TableRecord, discriminator="CONFIG"):
    """One piece of shop configuration, all in one partition.

    Key design:
      PK = CONFIG  SK = SETTINGS | TITLE#<id> | GROUP#<id> | CONTACT#<id> | ORDER_MESSAGE#<id>
        → #13 the whole shop configuration in 1 Query (begins_with selects a kind); cacheable.
    Configuration is written by staff only (a few writes a day), so one partition is fine.
    """

    kind = UnicodeAttribute()
    item_id = UnicodeAttribute(null=True)
    data = JSONAttribute()
    is_default = BooleanAttribute(default=False)
    member_count = NumberAttribute(default=0)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()
