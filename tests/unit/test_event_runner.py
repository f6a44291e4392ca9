"""The local event runner: rate schedules, EventBridge patterns and S3 "Object Created" events.

A real (in-memory) Chalice app registers the handlers, so the runner is exercised through the
same `event_sources` / `handler_map` it reads at `make run`. Time and the bucket are fakes.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from chalice.app import Chalice, Cron, Rate

from chalicelib.handlers.middleware import DecoratorMiddleware
from devtools.events import (
    EventRunner,
    LambdaContext,
    RateSchedule,
    StoredObject,
    UnknownScheduleError,
    compile_pattern,
    invoke_schedule,
    parse_schedule,
)

START = datetime(2025, 1, 6, 9, 0, 0, tzinfo=UTC)  # a Monday
BUCKET = "clientele-local"
# Put in exception messages to prove they never reach the log (only type and stack frames do).
PII = "jane@example.com"
IMPORTS_PATTERN = {
    "source": ["aws.s3"],
    "detail-type": ["Object Created"],
    "detail": {"bucket": {"name": [BUCKET]}, "object": {"key": [{"prefix": "imports/"}]}},
}


@dataclass
class FakeClock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class FakeBucket:
    objects: dict[str, StoredObject] = field(default_factory=dict)

    def put(self, key: str, etag: str = "etag-1", size: int = 10) -> None:
        self.objects[key] = StoredObject(key=key, size=size, etag=etag)

    def delete(self, key: str) -> None:
        del self.objects[key]

    def list(self) -> list[StoredObject]:
        return sorted(self.objects.values(), key=lambda o: o.key)


class Ids:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"00000000-0000-4000-8000-{self.count:012d}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def bucket() -> FakeBucket:
    return FakeBucket()


@pytest.fixture
def state_path(tmp_path: Path) -> Path:
    return tmp_path / "events-state.json"


def make_runner(app: Chalice, clock: FakeClock, bucket: FakeBucket, state_path: Path) -> EventRunner:
    return EventRunner(
        app,
        bucket=BUCKET,
        list_objects=bucket.list,
        state_path=state_path,
        clock=clock,
        ids=Ids(),
    )


def started_runner(app: Chalice, clock: FakeClock, bucket: FakeBucket, state_path: Path) -> EventRunner:
    """A runner past its first poll (the one that records what already exists)."""
    runner = make_runner(app, clock, bucket, state_path)
    runner.tick()
    return runner


def poll(runner: EventRunner, clock: FakeClock) -> None:
    clock.advance(seconds=1)
    runner.tick()


# ------------------------------------------------------------------------------------------
# Schedules


def test_rate_schedule_fires_on_its_rate_with_a_scheduled_event(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    # Given a handler on rate(5 minutes)
    app = Chalice(app_name="clientele")
    calls: list[Any] = []

    @app.schedule("rate(5 minutes)", name="sweep")
    def sweep(event: Any) -> None:
        calls.append(event)

    runner = make_runner(app, clock, bucket, state_path)

    # When time passes to just before, at, and after two periods
    clock.advance(minutes=4, seconds=59)
    runner.tick()
    assert calls == []
    clock.advance(seconds=1)
    runner.tick()
    clock.advance(seconds=30)
    runner.tick()
    clock.advance(minutes=4, seconds=30)
    runner.tick()

    # Then it fired exactly at 5 and 10 minutes, with EventBridge's scheduled event
    assert [c.time for c in calls] == ["2025-01-06T09:05:00Z", "2025-01-06T09:10:00Z"]
    first = calls[0].to_dict()
    assert first["detail-type"] == "Scheduled Event"
    assert first["source"] == "aws.events"
    assert first["resources"] == ["arn:aws:events:us-east-1:000000000000:rule/sweep"]
    assert first["detail"] == {}
    assert calls[0].context.function_name == "clientele-local-sweep"
    assert calls[0].context.get_remaining_time_in_millis() > 0


def test_missed_runs_fire_once_not_in_a_burst(clock: FakeClock, bucket: FakeBucket, state_path: Path) -> None:
    app = Chalice(app_name="clientele")
    calls: list[Any] = []

    @app.schedule(Rate(1, unit=Rate.MINUTES), name="tick")
    def tick(event: Any) -> None:
        calls.append(event.time)

    runner = make_runner(app, clock, bucket, state_path)

    clock.advance(hours=1)  # the laptop slept
    runner.tick()
    runner.tick()

    assert calls == ["2025-01-06T09:01:00Z"]
    clock.advance(minutes=1)
    runner.tick()
    assert len(calls) == 2


def test_schedule_handler_error_does_not_stop_other_schedules(
    clock: FakeClock, bucket: FakeBucket, state_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = Chalice(app_name="clientele")
    calls: list[str] = []

    @app.schedule("rate(1 minute)", name="broken")
    def broken(event: Any) -> None:
        raise RuntimeError(f"customer {PII}")

    @app.schedule("rate(1 minute)", name="healthy")
    def healthy(event: Any) -> None:
        calls.append(event.time)

    runner = make_runner(app, clock, bucket, state_path)

    for _ in range(2):
        clock.advance(minutes=1)
        runner.tick()

    assert calls == ["2025-01-06T09:01:00Z", "2025-01-06T09:02:00Z"]
    assert "schedule broken failed" in caplog.text
    assert PII not in caplog.text


def test_run_schedule_invokes_now_or_lists_known_names() -> None:
    app = Chalice(app_name="clientele")

    @app.schedule("rate(15 minutes)", name="abandoned_carts")
    def abandoned_carts(event: Any) -> str:
        return str(event.time)

    moment = datetime(2025, 3, 1, 12, 30, tzinfo=UTC)
    assert invoke_schedule(app, "abandoned_carts", moment) == "2025-03-01T12:30:00Z"
    with pytest.raises(UnknownScheduleError) as error:
        invoke_schedule(app, "nope", moment)
    assert error.value.known == ["abandoned_carts"]


@pytest.mark.parametrize(
    ("expression", "interval"),
    [
        ("rate(1 minute)", timedelta(minutes=1)),
        ("rate(15 minutes)", timedelta(minutes=15)),
        ("rate(2 hours)", timedelta(hours=2)),
        ("rate(1 day)", timedelta(days=1)),
        (Rate(3, unit=Rate.HOURS), timedelta(hours=3)),
    ],
)
def test_rate_expressions(expression: Any, interval: timedelta) -> None:
    assert parse_schedule(expression) == RateSchedule(interval)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 10 * * ? *)",  # valid on AWS, but the app has none: refused, not half-supported
        "rate(0 minutes)",
        "rate(5 weeks)",
        "at(2025-01-01T00:00:00)",
    ],
)
def test_anything_but_a_positive_rate_is_rejected(expression: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - every one of these has its own message
        parse_schedule(expression)


def test_a_cron_schedule_stops_the_runner_at_start_with_a_clear_message(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    app = Chalice(app_name="clientele")

    @app.schedule(Cron(30, 9, "?", "*", "MON-FRI", "*"), name="weekday_report")
    def weekday_report(event: Any) -> None:
        raise AssertionError("never called")

    with pytest.raises(ValueError, match=r"schedule weekday_report: unsupported schedule") as error:
        make_runner(app, clock, bucket, state_path)
    assert "cron(30 9 ? * MON-FRI *)" in str(error.value)
    assert "only rate(" in str(error.value)


# ------------------------------------------------------------------------------------------
# Event patterns


def s3_event(key: str, bucket_name: str = BUCKET) -> dict[str, Any]:
    return {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {"bucket": {"name": bucket_name}, "object": {"key": key, "size": 3}},
    }


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (s3_event("imports/42/customers.csv"), True),
        (s3_event("inbound-mail/abc"), False),
        (s3_event("imports"), False),
        (s3_event("imports/1.csv", bucket_name="other"), False),
        ({**s3_event("imports/1.csv"), "source": "aws.events"}, False),
        ({"source": "aws.s3", "detail-type": "Object Created"}, False),
        ({**s3_event("imports/1.csv"), "detail": "not an object"}, False),
    ],
)
def test_pattern_with_prefix_and_nested_objects(event: dict[str, Any], expected: bool) -> None:
    assert compile_pattern(IMPORTS_PATTERN)(event) is expected


@pytest.mark.parametrize(
    ("pattern", "event", "expected"),
    [
        ({"source": ["aws.s3", "aws.ses"]}, {"source": "aws.ses"}, True),
        ({"source": ["aws.s3"]}, {"source": ["x", "aws.s3"]}, True),
        ({"detail": {"size": [3]}}, {"detail": {"size": 3.0}}, True),
        ({"detail": {"v": [None]}}, {"detail": {"v": None}}, True),
        ({"detail": {"v": [None]}}, {"detail": {}}, False),
        ({"key": [{"suffix": ".csv"}]}, {"key": "a/b.csv"}, True),
        ({"key": [{"suffix": ".csv"}]}, {"key": 5}, False),
        ({"key": [{"anything-but": ["a", "b"]}]}, {"key": "c"}, True),
        ({"key": [{"anything-but": "a"}]}, {"key": "a"}, False),
        ({"key": [{"anything-but": {"prefix": "tmp/"}}]}, {"key": "tmp/x"}, False),
        ({"key": [{"exists": False}]}, {}, True),
        ({"key": [{"exists": False}]}, {"key": "x"}, False),
        ({"key": [{"exists": True}]}, {"key": "x"}, True),
        ({"key": [{"equals-ignore-case": "ABC"}]}, {"key": "abc"}, True),
    ],
)
def test_pattern_matchers(pattern: dict[str, Any], event: dict[str, Any], expected: bool) -> None:
    assert compile_pattern(pattern)(event) is expected


def test_a_pattern_eventbridge_would_reject_fails_at_start_up(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    app = Chalice(app_name="clientele")

    @app.on_cw_event({"source": "aws.s3"}, name="unlisted")
    def unlisted(event: Any) -> None:
        raise AssertionError("never called")

    with pytest.raises(ValueError, match=r"event handler unlisted: .*'source' must be an object or an array"):
        make_runner(app, clock, bucket, state_path)
    with pytest.raises(ValueError, match="Empty arrays are not allowed"):
        compile_pattern({"detail": {"object": {"key": []}}})


# ------------------------------------------------------------------------------------------
# S3 "Object Created"


def imports_app(calls: list[Any], fail_times: dict[str, int] | None = None) -> Chalice:
    """An app with one import handler that fails `fail_times[key]` times for a key."""
    app = Chalice(app_name="clientele")
    remaining = dict(fail_times or {})

    @app.on_cw_event(IMPORTS_PATTERN, name="import_customers")
    def import_customers(event: Any) -> None:
        key = event.detail["object"]["key"]
        calls.append(event)
        if remaining.get(key, 0) > 0:
            remaining[key] -= 1
            raise RuntimeError(f"cannot parse row for {PII} in {key}")

    return app


def test_new_object_becomes_one_object_created_event(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    calls: list[Any] = []
    runner = started_runner(imports_app(calls), clock, bucket, state_path)

    bucket.put("imports/42/customers.csv", etag="9b2cf535f27731c974343645a3985328", size=123)
    poll(runner, clock)

    assert len(calls) == 1
    event = calls[0].to_dict()
    assert event["detail-type"] == "Object Created"
    assert event["source"] == "aws.s3"
    assert event["account"] == "000000000000"
    assert event["region"] == "us-east-1"
    assert event["time"] == "2025-01-06T09:00:01Z"
    assert event["resources"] == [f"arn:aws:s3:::{BUCKET}"]
    detail = event["detail"]
    assert detail["version"] == "0"
    assert detail["bucket"] == {"name": BUCKET}
    assert detail["object"]["key"] == "imports/42/customers.csv"
    assert detail["object"]["size"] == 123
    assert detail["object"]["etag"] == "9b2cf535f27731c974343645a3985328"
    assert detail["object"]["sequencer"]
    assert detail["reason"] == "PutObject"
    assert detail["request-id"]
    assert detail["requester"] == "000000000000"
    assert calls[0].context.function_name == "clientele-local-import_customers"


def test_same_object_is_delivered_once_even_across_restarts(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    calls: list[Any] = []
    runner = started_runner(imports_app(calls), clock, bucket, state_path)
    bucket.put("imports/1.csv")

    poll(runner, clock)
    poll(runner, clock)
    restarted = make_runner(imports_app(calls), clock, bucket, state_path)
    poll(restarted, clock)
    poll(restarted, clock)

    assert [c.detail["object"]["key"] for c in calls] == ["imports/1.csv"]


def test_new_content_under_the_same_key_is_a_new_event(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    calls: list[Any] = []
    runner = started_runner(imports_app(calls), clock, bucket, state_path)

    bucket.put("imports/1.csv", etag="first")
    poll(runner, clock)
    bucket.put("imports/1.csv", etag="second")
    poll(runner, clock)

    assert [c.detail["object"]["etag"] for c in calls] == ["first", "second"]


def test_objects_present_before_the_first_start_do_not_fire(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    calls: list[Any] = []
    bucket.put("imports/old.csv")
    runner = make_runner(imports_app(calls), clock, bucket, state_path)

    runner.tick()
    poll(runner, clock)

    assert calls == []
    assert json.loads(state_path.read_text())["delivered"] == [["imports/old.csv", "etag-1"]]


def test_objects_uploaded_while_stopped_fire_at_the_next_start(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    calls: list[Any] = []
    started_runner(imports_app(calls), clock, bucket, state_path)

    bucket.put("imports/while-stopped.csv")  # e.g. by the CLI with the stack down
    restarted = make_runner(imports_app(calls), clock, bucket, state_path)
    restarted.tick()

    assert [c.detail["object"]["key"] for c in calls] == ["imports/while-stopped.csv"]


def test_non_matching_objects_invoke_nothing(clock: FakeClock, bucket: FakeBucket, state_path: Path) -> None:
    calls: list[Any] = []
    runner = started_runner(imports_app(calls), clock, bucket, state_path)

    bucket.put("exports/report.csv")
    poll(runner, clock)

    assert calls == []


def test_handler_error_does_not_block_the_next_object_and_is_retried(
    clock: FakeClock, bucket: FakeBucket, state_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[Any] = []
    app = imports_app(calls, fail_times={"imports/bad.csv": 1})
    runner = started_runner(app, clock, bucket, state_path)
    caplog.set_level(logging.INFO, logger="devtools.events")

    bucket.put("imports/bad.csv")
    bucket.put("imports/good.csv")
    poll(runner, clock)
    poll(runner, clock)
    poll(runner, clock)

    keys = [c.detail["object"]["key"] for c in calls]
    assert keys == ["imports/bad.csv", "imports/good.csv", "imports/bad.csv"]
    # A retry is the same event (same id), as EventBridge redelivers it.
    assert calls[0].event_id == calls[2].event_id
    assert "handler import_customers failed for key imports/bad.csv" in caplog.text
    assert "RuntimeError" in caplog.text
    assert PII not in caplog.text


def test_failing_object_is_retried_three_times_then_given_up(
    clock: FakeClock, bucket: FakeBucket, state_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls: list[Any] = []
    app = imports_app(calls, fail_times={"imports/bad.csv": 100})
    runner = started_runner(app, clock, bucket, state_path)

    bucket.put("imports/bad.csv")
    for _ in range(8):
        poll(runner, clock)

    assert len(calls) == 4  # first attempt + 3 retries
    assert "gave up on key imports/bad.csv" in caplog.text


def test_every_matching_handler_gets_the_event_and_only_failures_are_retried(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    calls: list[str] = []
    app = Chalice(app_name="clientele")
    failures = {"flaky": 1}

    @app.on_cw_event({"source": ["aws.s3"]}, name="steady")
    def steady(event: Any) -> None:
        calls.append("steady")

    @app.on_cw_event({"detail": {"object": {"key": [{"prefix": "imports/"}]}}}, name="flaky")
    def flaky(event: Any) -> None:
        calls.append("flaky")
        if failures["flaky"]:
            failures["flaky"] -= 1
            raise RuntimeError("boom")

    runner = started_runner(app, clock, bucket, state_path)
    bucket.put("imports/1.csv")
    for _ in range(3):
        poll(runner, clock)

    assert calls == ["steady", "flaky", "flaky"]


def test_deleted_objects_are_forgotten_and_a_listing_error_is_survived(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    calls: list[Any] = []
    listing_fails = {"now": False}

    def list_objects() -> list[StoredObject]:
        if listing_fails["now"]:
            raise ConnectionError("moto went away")
        return bucket.list()

    runner = EventRunner(
        imports_app(calls),
        bucket=BUCKET,
        list_objects=list_objects,
        state_path=state_path,
        clock=clock,
        ids=Ids(),
    )
    runner.tick()
    bucket.put("imports/1.csv")
    poll(runner, clock)
    bucket.delete("imports/1.csv")
    poll(runner, clock)
    assert json.loads(state_path.read_text())["delivered"] == []

    listing_fails["now"] = True
    poll(runner, clock)
    listing_fails["now"] = False
    bucket.put("imports/1.csv")
    poll(runner, clock)

    assert len(calls) == 2


# ------------------------------------------------------------------------------------------
# Lambda context and the loop


def test_lambda_context_counts_down_its_budget() -> None:
    ticks = iter([100.0, 101.5])
    context = LambdaContext(
        function_name="clientele-local-sweep",
        aws_request_id="req-1",
        invoked_function_arn="arn:aws:lambda:us-east-1:000000000000:function:clientele-local-sweep",
        budget_ms=300_000,
        monotonic=lambda: next(ticks),
    )
    assert context.get_remaining_time_in_millis() == 298_500
    assert context.memory_limit_in_mb > 0
    assert context.log_group_name == "/aws/lambda/clientele-local-sweep"


def test_handlers_behind_powertools_middleware_get_a_usable_context() -> None:
    # app.py wraps every handler in logger.inject_lambda_context, which reads the context.
    app = Chalice(app_name="clientele")
    logger = Logger(service="clientele-test")
    app.register_middleware(DecoratorMiddleware(logger.inject_lambda_context(clear_state=True)))

    @app.schedule("rate(15 minutes)", name="sweep")
    def sweep(event: Any) -> int:
        logger.info("sweeping")
        return int(event.context.get_remaining_time_in_millis())

    remaining = invoke_schedule(app, "sweep", START)

    assert 0 < remaining <= 300_000


def test_run_returns_when_stop_is_set(clock: FakeClock, bucket: FakeBucket, state_path: Path) -> None:
    runner = make_runner(imports_app([]), clock, bucket, state_path)
    stop = threading.Event()
    stop.set()

    runner.run(stop)  # returns at once instead of looping

    assert runner.status().polls == 0


def test_object_uploaded_before_the_first_poll_is_delivered(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    # Issue 16 §6: the local stack announces itself (stack.json) as soon as the runner exists; on
    # a busy machine its first poll can come after a test's upload. That upload is news, not
    # history: the baseline is what the bucket held when the runner was created.
    calls: list[Any] = []
    runner = make_runner(imports_app(calls), clock, bucket, state_path)

    bucket.put("imports/early.csv")
    runner.tick()

    assert [c.detail["object"]["key"] for c in calls] == ["imports/early.csv"]


def test_a_slow_schedule_does_not_hold_back_s3_deliveries(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    # Issue 16 §6: schedules and deliveries shared one thread, so a schedule handler waiting on a
    # remote server (the mailbox poll) delayed every S3 event behind it.
    app = Chalice(app_name="clientele")
    in_schedule, release, delivered = threading.Event(), threading.Event(), threading.Event()

    @app.schedule("rate(1 minute)", name="slow-poll")
    def slow_poll(event: Any) -> None:
        in_schedule.set()
        release.wait(30)

    @app.on_cw_event(IMPORTS_PATTERN, name="import_customers")
    def import_customers(event: Any) -> None:
        delivered.set()

    runner = EventRunner(
        app,
        bucket=BUCKET,
        list_objects=bucket.list,
        state_path=state_path,
        clock=clock,
        ids=Ids(),
        poll_interval=timedelta(milliseconds=5),
    )
    stop = threading.Event()
    loop = threading.Thread(target=runner.run, args=(stop,), kwargs={"join_seconds": 30})
    loop.start()
    try:
        clock.advance(minutes=1)
        assert in_schedule.wait(30), "the schedule never fired"
        bucket.put("imports/while-the-schedule-runs.csv")
        clock.advance(seconds=1)

        # The safety timeout only matters when the delivery is stuck behind the schedule.
        assert delivered.wait(30), "the S3 event waited for the schedule handler"
        assert runner.status().schedule_runs == 0  # still inside the schedule handler
    finally:
        release.set()
        stop.set()
        loop.join(30)
    assert not loop.is_alive()
    assert runner.status().schedule_runs == 1


def test_status_counts_polls_deliveries_failures_and_schedule_runs(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    calls: list[Any] = []
    app = imports_app(calls, fail_times={"imports/bad.csv": 1})

    @app.schedule("rate(1 minute)", name="sweep")
    def sweep(event: Any) -> None:
        return None

    runner = make_runner(app, clock, bucket, state_path)
    bucket.put("imports/good.csv")
    bucket.put("imports/bad.csv")
    bucket.put("exports/unmatched.csv")
    runner.tick()
    assert runner.status().as_dict() == {
        "polls": 1,
        "objects": 3,
        "deliveries": 1,
        "failures": 1,
        "pending": 1,
        "schedule_runs": 0,
        "in_flight": 0,
        "max_in_flight": 0,
    }

    clock.advance(minutes=1)
    runner.tick()

    status = runner.status()
    assert (status.polls, status.deliveries, status.failures, status.pending) == (2, 2, 1, 0)
    assert status.schedule_runs == 1


# ------------------------------------------------------------------------------------------
# Bounded fan-out (issue 17 §4: the import's password chunks)

CHUNKS_PATTERN = {
    "source": ["aws.s3"],
    "detail-type": ["Object Created"],
    "detail": {"bucket": {"name": [BUCKET]}, "object": {"key": [{"prefix": "import-passwords/"}]}},
}


def test_a_handler_with_concurrency_runs_several_events_at_once_within_its_bound(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    """Structural, not timed: each delivery waits at a barrier for a second one, which only a
    pool running two at once can reach (one at a time, the first would wait forever)."""
    app = Chalice(app_name="clientele")
    together = threading.Barrier(2, timeout=30)
    lock = threading.Lock()
    running, most, handled = [0], [0], []
    imports: list[str] = []

    @app.on_cw_event(CHUNKS_PATTERN, name="import_password_chunk")
    def chunk(event: Any) -> None:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        together.wait()  # a slow hasher, as far as the pool can tell
        with lock:
            running[0] -= 1
            handled.append(event.detail["object"]["key"])

    @app.on_cw_event(IMPORTS_PATTERN, name="import_uploaded")
    def uploaded(event: Any) -> None:
        imports.append(event.detail["object"]["key"])

    runner = EventRunner(
        app,
        bucket=BUCKET,
        list_objects=bucket.list,
        state_path=state_path,
        clock=clock,
        ids=Ids(),
        concurrency={"import_password_chunk": 2},
    )
    runner.tick()
    for number in range(4):
        bucket.put(f"import-passwords/01JOB/{number:010d}.json")
    bucket.put("imports/01JOB/_continue/000001")
    poll(runner, clock)
    # The poll did not wait for the chunks: the import's own event went on in the poll thread.
    assert imports == ["imports/01JOB/_continue/000001"]
    assert runner.drain(timeout=60)

    assert sorted(handled) == [f"import-passwords/01JOB/{n:010d}.json" for n in range(4)]
    assert most[0] == 2  # several at once, never more than the bound
    status = runner.status()
    assert (status.deliveries, status.failures, status.in_flight, status.max_in_flight) == (5, 0, 0, 2)


def test_a_pooled_handler_that_fails_is_retried_in_its_pool(
    clock: FakeClock, bucket: FakeBucket, state_path: Path
) -> None:
    app = Chalice(app_name="clientele")
    attempts: list[int] = []

    @app.on_cw_event(CHUNKS_PATTERN, name="import_password_chunk")
    def chunk(event: Any) -> None:
        attempts.append(1)
        if len(attempts) < 3:
            raise RuntimeError(PII)

    runner = EventRunner(
        app,
        bucket=BUCKET,
        list_objects=bucket.list,
        state_path=state_path,
        clock=clock,
        ids=Ids(),
        concurrency={"import_password_chunk": 4},
    )
    runner.tick()
    bucket.put("import-passwords/01JOB/0000000002.json")
    poll(runner, clock)
    assert runner.drain(timeout=60)
    assert len(attempts) == 3
    status = runner.status()
    assert (status.deliveries, status.failures) == (1, 2)
