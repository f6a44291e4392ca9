"""devtools/moto_keyed_queries.py: a Query reads its partition, and answers exactly as moto does.

tests/conftest.py installs the patch for the whole suite. Here every query runs twice on the same
moto — keyed, then with `walking()` (moto's own whole-table walk) — over random writes through
every write path (PutItem, UpdateItem, DeleteItem, BatchWriteItem, transactions that succeed and
that roll back, PartiQL), and the whole responses must be equal: Items, Count, ScannedCount and
LastEvaluatedKey, page after page. The pin tests fail when moto moves.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import moto
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from devtools import moto_keyed_queries

REQUIREMENTS = Path(__file__).resolve().parents[2] / "requirements-dev.txt"
TABLE = "keyed"
PARTITIONS = ("P0", "P1", "P2", "P3")
# Few distinct sort values, so index sort keys tie and moto's tie-break by table key matters.
WORDS = ("a", "ab", "abc", "b", "ba", "c", "ca", "cab")
EXPECTED_REFUSALS = {"TransactionCanceledException", "ConditionalCheckFailedException", "ValidationException"}


def _string_key(name: str) -> dict[str, str]:
    return {"AttributeName": name, "AttributeType": "S"}


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
                _string_key("PK"),
                _string_key("SK"),
                _string_key("G1PK"),
                _string_key("G1SK"),
                _string_key("G2PK"),
                {"AttributeName": "G2SK", "AttributeType": "N"},
                _string_key("G3PK"),
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "GSI1",
                    "KeySchema": [
                        {"AttributeName": "G1PK", "KeyType": "HASH"},
                        {"AttributeName": "G1SK", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                },
                {
                    "IndexName": "GSI2",
                    "KeySchema": [
                        {"AttributeName": "G2PK", "KeyType": "HASH"},
                        {"AttributeName": "G2SK", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["n"]},
                },
                {
                    "IndexName": "GSI3",
                    "KeySchema": [{"AttributeName": "G3PK", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "KEYS_ONLY"},
                },
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield client


# -- random writes -------------------------------------------------------------------------------
def _key(rng: random.Random) -> dict[str, Any]:
    return {"PK": {"S": rng.choice(PARTITIONS)}, "SK": {"S": f"{rng.choice(WORDS)}#{rng.randrange(12):02d}"}}


def _item(rng: random.Random) -> dict[str, Any]:
    item: dict[str, Any] = {
        **_key(rng),
        "n": {"N": str(rng.randrange(100))},
        "flag": {"BOOL": rng.random() < 0.5},
    }
    if rng.random() < 0.8:
        item |= {"G1PK": {"S": rng.choice(("A", "B"))}, "G1SK": {"S": rng.choice(WORDS)}}
    if rng.random() < 0.7:
        item |= {"G2PK": {"S": "NUM"}, "G2SK": {"N": str(rng.choice((-3, 0, 1, 2.5, 10, 100)))}}
    if rng.random() < 0.6:
        item["G3PK"] = {"S": rng.choice(("X", "Y"))}
    return item


def _write(dynamodb: Any, rng: random.Random) -> None:
    roll = rng.random()
    try:
        if roll < 0.35:
            dynamodb.put_item(TableName=TABLE, Item=_item(rng))
        elif roll < 0.55:
            # In place: moves the item between index partitions, or out of an index.
            dynamodb.update_item(
                TableName=TABLE,
                Key=_key(rng),
                UpdateExpression="SET G1PK = :p, G1SK = :s, n = :n REMOVE G3PK",
                ExpressionAttributeValues={
                    ":p": {"S": rng.choice(("A", "B"))},
                    ":s": {"S": rng.choice(WORDS)},
                    ":n": {"N": str(rng.randrange(100))},
                },
            )
        elif roll < 0.62:
            dynamodb.update_item(
                TableName=TABLE,
                Key=_key(rng),
                UpdateExpression="REMOVE G1SK SET G2PK = :p, G2SK = :s",
                ExpressionAttributeValues={":p": {"S": "NUM"}, ":s": {"N": str(rng.randrange(-5, 5))}},
            )
        elif roll < 0.72:
            dynamodb.delete_item(TableName=TABLE, Key=_key(rng))
        elif roll < 0.82:
            requests = {
                str(k["PK"]) + str(k["SK"]): k for k in (_item(rng) for _ in range(rng.randrange(1, 6)))
            }
            dynamodb.batch_write_item(
                RequestItems={TABLE: [{"PutRequest": {"Item": item}} for item in requests.values()]}
            )
        elif roll < 0.92:
            # Half of these fail their condition and roll back (moto_transactions' restore path).
            key = _key(rng)
            dynamodb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": TABLE, "Item": _item(rng) | key}},
                    {
                        "Update": {
                            "TableName": TABLE,
                            "Key": {**_key(rng), "SK": {"S": "zz"}},
                            "UpdateExpression": "SET G1PK = :p, G1SK = :s",
                            "ConditionExpression": "attribute_not_exists(PK) OR n > :zero",
                            "ExpressionAttributeValues": {
                                ":p": {"S": "A"},
                                ":s": {"S": rng.choice(WORDS)},
                                ":zero": {"N": str(rng.choice((0, 1000)))},
                            },
                        }
                    },
                ]
            )
        else:
            key = _key(rng)
            # Test data from WORDS and PARTITIONS only: nothing to inject.
            statement = (
                f"UPDATE \"{TABLE}\" SET G1SK='{rng.choice(WORDS)}' WHERE PK='{key['PK']['S']}' AND SK=?"  # noqa: S608
            )
            dynamodb.execute_statement(Statement=statement, Parameters=[key["SK"]])
    except ClientError as error:
        # Failed conditions and rolled-back transactions are part of the mix; nothing else is.
        if error.response["Error"]["Code"] not in EXPECTED_REFUSALS:
            raise


# -- random queries ------------------------------------------------------------------------------
def _query(rng: random.Random) -> dict[str, Any]:
    index = rng.choice((None, None, "GSI1", "GSI2", "GSI3"))
    request: dict[str, Any] = {"TableName": TABLE, "ScanIndexForward": rng.random() < 0.5}
    values: dict[str, Any] = {}
    if index is None:
        condition, values[":h"] = "PK = :h", {"S": rng.choice(PARTITIONS)}
        range_attr, range_value = "SK", lambda: {"S": rng.choice(WORDS)}
    else:
        request["IndexName"] = index
        hash_attr = {"GSI1": "G1PK", "GSI2": "G2PK", "GSI3": "G3PK"}[index]
        values[":h"] = {
            "S": {"GSI1": rng.choice(("A", "B")), "GSI2": "NUM", "GSI3": rng.choice(("X", "Y"))}[index]
        }
        condition = f"{hash_attr} = :h"
        range_attr = {"GSI1": "G1SK", "GSI2": "G2SK", "GSI3": ""}[index]
        if index == "GSI2":
            range_value = lambda: {"N": str(rng.choice((-3, 0, 1, 2, 10)))}  # noqa: E731
        else:
            range_value = lambda: {"S": rng.choice(WORDS)}  # noqa: E731
    operator = rng.choice(("", "=", "<", "<=", ">", ">=", "between", "begins_with"))
    if range_attr and operator:
        if operator == "between":
            low, high = sorted(
                (range_value(), range_value()), key=lambda v: float(v["N"]) if "N" in v else v["S"]
            )
            condition += f" AND {range_attr} BETWEEN :a AND :b"
            values |= {":a": low, ":b": high}
        elif operator == "begins_with" and index != "GSI2":
            condition += f" AND begins_with({range_attr}, :a)"
            values[":a"] = range_value()
        elif operator != "begins_with":
            condition += f" AND {range_attr} {operator} :a"
            values[":a"] = range_value()
    request |= {"KeyConditionExpression": condition, "ExpressionAttributeValues": values}
    if rng.random() < 0.7:
        request["Limit"] = rng.randrange(1, 6)
    if rng.random() < 0.3:
        request["FilterExpression"] = "n > :cut"
        values[":cut"] = {"N": str(rng.randrange(100))}
    if rng.random() < 0.3:
        request["ProjectionExpression"] = "PK, SK, n"
    return request


def _pages(dynamodb: Any, request: dict[str, Any]) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    start: dict[str, Any] | None = None
    while True:
        page = dynamodb.query(**request, **({"ExclusiveStartKey": start} if start else {}))
        page.pop("ResponseMetadata")
        pages.append(page)
        start = page.get("LastEvaluatedKey")
        if start is None or len(pages) > 15:
            return pages


def test_keyed_queries_answer_what_moto_answers_over_random_writes(dynamodb: Any) -> None:
    rng = random.Random(19)
    keyed_before = moto_keyed_queries.COUNTS.keyed

    for round_number in range(150):
        for _ in range(rng.randrange(1, 4)):
            _write(dynamodb, rng)
        request = _query(rng)
        keyed = _pages(dynamodb, request)
        with moto_keyed_queries.walking():
            walked = _pages(dynamodb, request)
        assert keyed == walked, f"round {round_number}: {request}"

    # Nearly every query took the keyed path (none of these shapes needs the walk).
    assert moto_keyed_queries.COUNTS.keyed - keyed_before > 300


def test_a_query_reads_only_its_partition(dynamodb: Any) -> None:
    for number in range(300):
        dynamodb.put_item(
            TableName=TABLE,
            Item={
                "PK": {"S": f"OTHER{number}"},
                "SK": {"S": "x"},
                "G1PK": {"S": "A"},
                "G1SK": {"S": f"{number:04d}"},
            },
        )
    dynamodb.put_item(TableName=TABLE, Item={"PK": {"S": "MINE"}, "SK": {"S": "1"}})
    dynamodb.put_item(TableName=TABLE, Item={"PK": {"S": "MINE"}, "SK": {"S": "2"}})
    before = moto_keyed_queries.COUNTS.candidates

    base = dynamodb.query(
        TableName=TABLE, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "MINE"}}
    )
    page = dynamodb.query(
        TableName=TABLE,
        IndexName="GSI1",
        KeyConditionExpression="G1PK = :p AND G1SK > :s",
        ExpressionAttributeValues={":p": {"S": "A"}, ":s": {"S": "0100"}},
        Limit=10,
    )

    assert [i["SK"]["S"] for i in base["Items"]] == ["1", "2"]
    assert [i["G1SK"]["S"] for i in page["Items"]] == [f"{n:04d}" for n in range(101, 111)]
    # 2 items for the base query, Limit + 2 for the index page: not the table's 302.
    assert moto_keyed_queries.COUNTS.candidates - before == 2 + 12


def test_pages_near_moto_s_1_mb_cut_are_moto_s(dynamodb: Any) -> None:
    # Items of ~300 kB: a page holds three, and moto's size check past the key range can cut it.
    for number in range(8):
        dynamodb.put_item(
            TableName=TABLE,
            Item={
                "PK": {"S": "BIG"},
                "SK": {"S": f"{'ab'[number % 2]}{number}"},
                "blob": {"S": "x" * 300_000},
            },
        )
    for condition, values in (
        ("PK = :p", {":p": {"S": "BIG"}}),
        ("PK = :p AND begins_with(SK, :a)", {":p": {"S": "BIG"}, ":a": {"S": "a"}}),
        ("PK = :p AND SK < :a", {":p": {"S": "BIG"}, ":a": {"S": "b"}}),
    ):
        for forward in (True, False):
            request = {
                "TableName": TABLE,
                "KeyConditionExpression": condition,
                "ExpressionAttributeValues": values,
                "ScanIndexForward": forward,
                "ProjectionExpression": "PK, SK",
            }
            keyed = _pages(dynamodb, request)
            with moto_keyed_queries.walking():
                assert keyed == _pages(dynamodb, request)


def test_an_index_created_later_is_keyed_from_the_items_already_stored(dynamodb: Any) -> None:
    dynamodb.put_item(TableName=TABLE, Item={"PK": {"S": "P"}, "SK": {"S": "1"}, "late": {"S": "L"}})
    dynamodb.query(
        TableName=TABLE, KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": "P"}}
    )
    dynamodb.update_table(
        TableName=TABLE,
        AttributeDefinitions=[_string_key("late")],
        GlobalSecondaryIndexUpdates=[
            {
                "Create": {
                    "IndexName": "LATE",
                    "KeySchema": [{"AttributeName": "late", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            }
        ],
    )

    found = dynamodb.query(
        TableName=TABLE,
        IndexName="LATE",
        KeyConditionExpression="late = :l",
        ExpressionAttributeValues={":l": {"S": "L"}},
    )

    assert [i["SK"]["S"] for i in found["Items"]] == ["1"]


# -- the pin -------------------------------------------------------------------------------------
def test_the_pin_is_the_moto_requirements_dev_installs() -> None:
    pinned = re.search(r"^moto\[[^\]]*\]==(\S+)$", REQUIREMENTS.read_text(), re.MULTILINE)
    assert pinned is not None
    assert pinned.group(1) == moto_keyed_queries.PINNED_MOTO_VERSION == moto.__version__


def test_the_patched_functions_are_the_ones_the_patch_was_read_against() -> None:
    # A moto release that edits Table.query, a write path or the sort order fails here by name.
    assert moto_keyed_queries.source_fingerprints() == moto_keyed_queries.PINNED_SOURCES


def test_install_refuses_another_moto_version_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_keyed_queries, "_INSTALLED", False)
    monkeypatch.setattr(moto, "__version__", "5.3.0")

    with pytest.raises(RuntimeError, match=r"patches moto 5\.2\.5, but moto 5\.3\.0 is installed"):
        moto_keyed_queries.install()
