"""Powertools idempotency records, kept in the single table.

Key design:
  PK = IDEMPOTENCY  SK = <function>#<md5 of the idempotency key>  (Powertools' composite-key layout)
  expires_at = TTL. Written once per retried write request; the constant partition takes the
  write rate of idempotent POSTs, far below a partition's ~1,000 writes/s for one shop.
"""

from __future__ import annotations

from functools import lru_cache

import boto3
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from chalicelib.core.settings import get_settings
from chalicelib.core.snapshots import after_restore

IDEMPOTENCY_PARTITION = "IDEMPOTENCY"


@lru_cache(maxsize=1)
def persistence_layer() -> DynamoDBPersistenceLayer:
    settings = get_settings()
    client = boto3.client("dynamodb", region_name=settings.region, endpoint_url=settings.endpoint_url)
    return DynamoDBPersistenceLayer(
        table_name=settings.table_name,
        key_attr="PK",
        sort_key_attr="SK",
        static_pk_value=IDEMPOTENCY_PARTITION,
        expiry_attr="expires_at",
        boto3_client=client,
    )


# Its boto3 client's connections and credentials are the snapshot's: a restored copy makes its own.
after_restore(persistence_layer.cache_clear)
