"""Storefront access key persistence shape."""

from __future__ import annotations

from pynamodb.attributes import UnicodeAttribute

from chalicelib.models.base import TableRecord


class StorefrontKeyRecord(TableRecord, discriminator="STOREFRONT_KEY"):
    """One storefront access key (its secret only as a hash).

    Key design:
      PK = STOREFRONT_KEY#<id>  SK = KEY        → key by id: the check on every storefront-server
                                                  call (GetItem, cached in-process) and revoke
      GSI1 STOREFRONT_KEYS / <created_at>#<id>  → the admin's list (a handful of rows), oldest first
    The id is part of the key the server sends, so the check is one GetItem, never a lookup by hash.
    Revoked keys stay (revoked_at set) so the list shows what was revoked and when.
    """

    key_id = UnicodeAttribute()
    name = UnicodeAttribute()
    secret_hash = UnicodeAttribute()
    created_at = UnicodeAttribute()
    revoked_at = UnicodeAttribute(null=True)
