"""devtools/moto_transactions.py: transactions cost the items they touch, still all or nothing.

tests/conftest.py installs the patch for the whole suite; these tests prove what it is for (moto
no longer copies whole tables per transaction), that it keeps moto's all-or-nothing rollback, and
that it refuses a moto it was not written against instead of patching it blindly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import moto
import pytest
from moto import mock_aws
from moto.dynamodb.models.table import Table

from devtools import moto_transactions

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements-dev.txt"
TABLE = "transactions"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


def key(name: str) -> dict[str, Any]:
    return {"PK": {"S": name}, "SK": {"S": "A"}}


def item(name: str, count: int) -> dict[str, Any]:
    return {**key(name), "count": {"N": str(count)}}


def read(dynamodb: Any, name: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = dynamodb.get_item(TableName=TABLE, Key=key(name)).get("Item")
    return found


def test_the_pin_is_the_moto_requirements_dev_installs() -> None:
    # Bumping moto in requirements-dev.txt fails here first: re-read the patch, then move the pin.
    pinned = re.search(r"^moto\[[^\]]*\]==(\S+)$", REQUIREMENTS.read_text(), re.MULTILINE)
    assert pinned is not None
    assert pinned.group(1) == moto_transactions.PINNED_MOTO_VERSION == moto.__version__


def test_install_refuses_another_moto_version_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_transactions, "_INSTALLED", False)
    monkeypatch.setattr(moto, "__version__", "5.3.0")

    with pytest.raises(
        RuntimeError, match=r"patches moto 5\.2\.5, but moto 5\.3\.0 is installed: re-check the patch"
    ):
        moto_transactions.install()


def test_a_transaction_never_copies_a_whole_table(dynamodb: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # What the patch is for: moto 5.2.5 deep-copies every table a transaction names, once per item.
    def refuse(self: Table, memo: Any) -> Table:
        raise AssertionError("a whole table was copied")

    monkeypatch.setattr(Table, "__deepcopy__", refuse, raising=False)

    dynamodb.transact_write_items(
        TransactItems=[{"Put": {"TableName": TABLE, "Item": item(name, 1)}} for name in ("a", "b", "c")]
    )

    assert read(dynamodb, "c") == item("c", 1)


def test_a_cancelled_transaction_leaves_every_item_as_it_was(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item=item("updated", 1))
    dynamodb.put_item(TableName=TABLE, Item=item("deleted", 1))

    with pytest.raises(dynamodb.exceptions.TransactionCanceledException):
        dynamodb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": item("created", 1)}},
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": key("updated"),
                        "UpdateExpression": "ADD #count :one",
                        "ExpressionAttributeNames": {"#count": "count"},
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {"Delete": {"TableName": TABLE, "Key": key("deleted")}},
                # Fails last, after moto has applied the three writes before it.
                {
                    "ConditionCheck": {
                        "TableName": TABLE,
                        "Key": key("missing"),
                        "ConditionExpression": "attribute_exists(PK)",
                    }
                },
            ]
        )

    assert read(dynamodb, "created") is None
    assert read(dynamodb, "updated") == item("updated", 1)
    assert read(dynamodb, "deleted") == item("deleted", 1)
