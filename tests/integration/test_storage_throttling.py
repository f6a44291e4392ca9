"""DynamoDB throttling on a request path (issue 19 §4): a botocore hook refuses one operation for
throughput before moto sees it — in each way DynamoDB says so — and the route answers 503
`ServiceUnavailable` with `Retry-After`, never the 409 of a lost race (nothing changed under the
caller) nor a 500. The hook answers in `before-call`, so botocore's own retries are not replayed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib.models.base import TableRecord
from chalicelib.models.errors import THROTTLED_RETRY_AFTER_SECONDS
from tests.factories import customer_body
from tests.integration.conftest import Api


class Refusal:
    """Answers every call of the operation it is registered for with `error`, counting them."""

    def __init__(self, error: dict[str, Any]) -> None:
        self.error = error
        self.calls = 0

    def __call__(self, params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]]:
        self.calls += 1
        if self.error["Error"]["Code"] == "TransactionCanceledException":
            # One reason per item sent, the first refused for throughput (as DynamoDB words it).
            items = len(json.loads(params["body"])["TransactItems"])
            self.error["CancellationReasons"] = [{"Code": "ThrottlingError"}] + [{"Code": "None"}] * (
                items - 1
            )
        return SimpleNamespace(status_code=400, headers={}), self.error


def refusal(code: str) -> dict[str, Any]:
    return {
        "Error": {"Code": code, "Message": "Throughput exceeds"},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }


@pytest.fixture
def refuse(aws: None) -> Iterator[Any]:
    events = TableRecord._get_connection().connection.client.meta.events
    registered: list[tuple[str, Refusal]] = []

    def install(operation: str, code: str) -> Refusal:
        hook = Refusal(refusal(code))
        events.register_first(f"before-call.dynamodb.{operation}", hook)
        registered.append((operation, hook))
        return hook

    yield install
    for operation, hook in registered:
        events.unregister(f"before-call.dynamodb.{operation}", hook)


def assert_busy(response: Any) -> None:
    body = json.loads(response.body)
    assert response.status_code == 503, body
    assert body["Code"] == "ServiceUnavailable" and body["Message"]
    assert response.headers["Retry-After"] == str(THROTTLED_RETRY_AFTER_SECONDS)


@pytest.mark.parametrize(
    "code", ["ThrottlingException", "ProvisionedThroughputExceededException", "TransactionCanceledException"]
)
def test_a_throttled_create_is_503_with_retry_after_and_writes_nothing(
    admin: Api, refuse: Any, code: str
) -> None:
    body = customer_body()
    hook = refuse("TransactWriteItems", code)
    assert_busy(admin.call("POST", "/admin/customers", body))
    assert hook.calls >= 1
    # Nothing was written: the same request goes through once DynamoDB takes it.
    TableRecord._get_connection().connection.client.meta.events.unregister(
        "before-call.dynamodb.TransactWriteItems", hook
    )
    status, created = admin.json("POST", "/admin/customers", body)
    assert status == 201, created


@pytest.mark.parametrize("code", ["ThrottlingException", "ProvisionedThroughputExceededException"])
def test_a_throttled_read_is_503_with_retry_after(admin: Api, refuse: Any, code: str) -> None:
    status, created = admin.json("POST", "/admin/customers", customer_body())
    assert status == 201, created
    refuse("GetItem", code)
    refuse("Query", code)
    assert_busy(admin.call("GET", f"/admin/customers/{created['id']}"))
