"""Provisioning and seeding shared by the local stack, the CLI and the tests.

In AWS the table and bucket come from infra/; locally (moto) they are created here from the models,
so the two can never disagree about keys and indexes.
"""

from __future__ import annotations

from typing import Any

import boto3

from chalicelib.core.observability import logger
from chalicelib.core.settings import Settings, get_settings
from chalicelib.models.base import TableRecord


def table_definition() -> dict[str, Any]:
    """CreateTable arguments derived from the PynamoDB models (infra/ and its tests use them)."""
    return dict(TableRecord._get_schema())


def ensure_table() -> bool:
    """Create the table with every index and TTL when missing. Returns True when it was created."""
    if TableRecord.exists():
        return False
    TableRecord.create_table(billing_mode="PAY_PER_REQUEST", wait=True)
    settings = get_settings()
    client: Any = boto3.client("dynamodb", region_name=settings.region, endpoint_url=settings.endpoint_url)
    client.update_time_to_live(
        TableName=TableRecord.Meta.table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"},
    )
    logger.info("table created", table=TableRecord.Meta.table_name)
    return True


def s3_client(settings: Settings | None = None) -> Any:
    settings = settings or get_settings()
    return boto3.client("s3", region_name=settings.region, endpoint_url=settings.endpoint_url)


def ensure_bucket(settings: Settings | None = None) -> bool:
    """Create the bucket with EventBridge notifications on. Returns True when it was created."""
    settings = settings or get_settings()
    client = s3_client(settings)
    existing = {b["Name"] for b in client.list_buckets().get("Buckets", [])}
    created = False
    if settings.bucket_name not in existing:
        kwargs: dict[str, Any] = {"Bucket": settings.bucket_name}
        if settings.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": settings.region}
        client.create_bucket(**kwargs)
        created = True
    client.put_bucket_notification_configuration(
        Bucket=settings.bucket_name,
        NotificationConfiguration={"EventBridgeConfiguration": {}},
    )
    return created


def seed_defaults() -> None:
    """Default settings, titles and groups (idempotent)."""
    from chalicelib.wiring import container

    container().config.seed_defaults()


def ensure_first_admin(email: str, password: str) -> bool:
    """Create the first admin from the environment when no employee exists yet."""
    from chalicelib.wiring import container

    created = container().employees.ensure_first_admin(email, password)
    if created:
        logger.info("first administrator created from the environment")
    return created


def has_employees() -> bool:
    """Whether anyone can sign in to the back-office yet."""
    from chalicelib.wiring import container

    return container().employees.any_exist()


def create_admin(email: str) -> str:
    """Create an administrator with a generated password and return the password (shown once).

    Raises: AlreadyExistsError.
    """
    from chalicelib.wiring import container

    _employee, password = container().employees.create_admin(email)
    return password
