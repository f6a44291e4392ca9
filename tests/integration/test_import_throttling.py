"""A CSV import that DynamoDB throttles (issue 19 §4), on moto: a botocore hook refuses every
other TransactWriteItems for throughput — as a ThrottlingException, or as a TransactionCanceled
whose reasons are ThrottlingError — before moto sees it. The import's pace backs off (on a fake
clock: nothing sleeps), sends again only the refused transaction, and the job's counts stay exact:
no row lost, none doubled, and the job reports the throttling it absorbed."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib.core.pacing import WritePace
from chalicelib.imports.service import ImportService
from chalicelib.models import keys
from chalicelib.models.base import TableRecord
from chalicelib.models.customers import CustomerRecord
from chalicelib.wiring import container

ROWS = 120
HEADER = "Email address;First Name;Last name;News.\n"


def csv_file(last_name: str) -> bytes:
    lines = (f"person{n}@example.com;Ann{n};{last_name}{n};{n % 2}\n" for n in range(ROWS))
    return (HEADER + "".join(lines)).encode()


class Throttler:
    """Refuses every `every`-th TransactWriteItems (all of them with every=1), alternating the two
    ways DynamoDB says "throttled"; counts what it refused, and keeps each transaction's
    ClientRequestToken (one per batch chunk) by what became of it."""

    def __init__(self, every: int) -> None:
        self.every = every
        self.calls = 0
        self.refused = 0
        self.passed_tokens: list[str] = []
        self.refused_tokens: list[str] = []

    def __call__(self, params: dict[str, Any], **_: Any) -> tuple[Any, dict[str, Any]] | None:
        self.calls += 1
        body = json.loads(params["body"])
        if self.calls % self.every:
            self.passed_tokens.append(body["ClientRequestToken"])
            return None
        self.refused += 1
        self.refused_tokens.append(body["ClientRequestToken"])
        if self.refused % 2:
            return SimpleNamespace(status_code=400, headers={}), {
                "Error": {"Code": "ThrottlingException", "Message": "Rate of requests exceeds the allowed"},
                "ResponseMetadata": {"HTTPStatusCode": 400},
            }
        items = len(body["TransactItems"])
        return SimpleNamespace(status_code=400, headers={}), {
            "Error": {"Code": "TransactionCanceledException", "Message": "Transaction cancelled"},
            "CancellationReasons": [{"Code": "ThrottlingError", "Message": "Throughput exceeds"}]
            + [{"Code": "None"}] * (items - 1),
            "ResponseMetadata": {"HTTPStatusCode": 400},
        }


@pytest.fixture
def throttle(aws: None) -> Iterator[Throttler]:
    throttler = Throttler(every=2)
    events = TableRecord._get_connection().connection.client.meta.events
    events.register_first("before-call.dynamodb.TransactWriteItems", throttler)
    yield throttler
    events.unregister("before-call.dynamodb.TransactWriteItems", throttler)


class Sleeps:
    def __init__(self) -> None:
        self.now = 0.0
        self.taken: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.taken.append(seconds)
        self.now += seconds


def import_service(sleeps: Sleeps, attempts: int = 10) -> ImportService:
    """The app's import service over moto, in batches of 40 rows, on a pace that sleeps on `sleeps`."""
    return replace(
        container().imports,
        rows_per_batch=40,
        write_pace=lambda: WritePace(
            200, clock=sleeps.clock, sleep=sleeps.sleep, jitter=random.Random(19), attempts=attempts
        ),
    )


def stored_profiles() -> dict[str, str]:
    """e-mail → last name of every profile in the CUSTOMERS partition (where a double would be)."""
    rows = list(CustomerRecord.gsi11.query(keys.CUSTOMERS))  # the id order's index: keys only
    assert len(rows) == len({row.pk for row in rows})
    profiles = CustomerRecord.batch_get([(row.pk, keys.PROFILE) for row in rows])
    return {p.email: p.last_name for p in profiles}


def test_a_throttled_import_loses_no_row_doubles_none_and_reports_it(throttle: Throttler) -> None:
    sleeps = Sleeps()
    service = import_service(sleeps)

    created = service.import_inline("customers", csv_file("Berg"), "emp-1")

    assert throttle.refused >= 3  # the 120 rows took several transactions, every other one refused
    # Only the refused transactions were sent again, each once it went through, none twice.
    assert len(set(throttle.passed_tokens)) == len(throttle.passed_tokens)
    assert set(throttle.refused_tokens) <= set(throttle.passed_tokens)
    assert (created.status, created.created, created.updated, created.failed) == ("completed", ROWS, 0, 0)
    assert stored_profiles() == {f"person{n}@example.com": f"Berg{n}" for n in range(ROWS)}
    # Every refusal was absorbed and is on the stored job, with the time waited for it.
    stored = service.get(created.id)
    assert stored.throttled_writes == throttle.refused
    assert 0 < stored.throttle_wait_ms <= round(sum(sleeps.taken) * 1000)

    # Then the same people again, changed: updates, throttled the same way.
    refused_before = throttle.refused
    updated = service.import_inline("customers", csv_file("Cole"), "emp-1")

    assert (updated.status, updated.created, updated.updated, updated.failed) == ("completed", 0, ROWS, 0)
    assert stored_profiles() == {f"person{n}@example.com": f"Cole{n}" for n in range(ROWS)}
    assert service.get(updated.id).throttled_writes == throttle.refused - refused_before > 0


def test_an_import_dynamodb_keeps_refusing_stops_without_failing_a_row(throttle: Throttler) -> None:
    throttle.every = 1  # every transaction, every time
    sleeps = Sleeps()
    service = import_service(sleeps, attempts=3)

    with pytest.raises(Exception, match="Storage is busy"):
        service.import_inline("customers", csv_file("Berg"), "emp-1")

    # Nothing written, no row failed for it: the job is left running at its checkpoint (0 rows)
    # for the stalled-run watchdog to resume.
    (job,) = service.list_page(10, None)[0]
    assert (job.status, job.checkpoint_rows, job.failed, job.created) == ("running", 0, 0, 0)
    assert stored_profiles() == {}
    assert len(sleeps.taken) >= 2
