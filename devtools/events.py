"""Local event runner: what EventBridge would do for the app, on one machine.

`chalice local` serves routes only. This runner, driven from the local stack's main thread,
- fires every `@app.schedule` handler on its rate expression (the app has no cron schedules;
  the runner refuses one at start rather than never firing it), and
- turns each new object in the bucket (presigned-URL uploads included) into the EventBridge
  "Object Created" event S3 would emit, and invokes every `@app.on_cw_event` handler whose
  event pattern matches: one at a time in the polling thread, except for the handlers given a
  `concurrency`, whose events go to a bounded thread pool of that size, as Lambda runs a function
  with reserved concurrency (the import's password workers: several chunks hashed at once).

Handlers are found generically on the Chalice app (`event_sources` + `handler_map`) and called the
way Lambda calls them: `handler(event_dict, context)`. Clock, ids and the bucket listing are
injected so tests drive the runner without time passing or a network.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from devtools.environment import atomic_write

if TYPE_CHECKING:
    from moto.events.utils import EventMessageType

log = logging.getLogger("devtools.events")

LOCAL_ACCOUNT = "000000000000"
LOCAL_REGION = "us-east-1"
DEFAULT_BUDGET_MS = 300_000
DEFAULT_MEMORY_MB = 128
# A failed S3 event is tried once when first seen and retried up to 3 times on later polls.
DEFAULT_MAX_ATTEMPTS = 4
STATE_FORMAT = 1

Clock = Callable[[], datetime]
IdFactory = Callable[[], str]
# Whether an event matches a handler's EventBridge pattern.
Matcher = Callable[[Mapping[str, Any]], bool]


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def iso_z(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------------
# Schedule expressions


@dataclass(frozen=True)
class RateSchedule:
    interval: timedelta

    def next_after(self, moment: datetime) -> datetime:
        """The first fire time strictly after `moment`."""
        return moment + self.interval


_RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)", re.IGNORECASE)
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def parse_schedule(expression: Any) -> RateSchedule:
    """A schedule from "rate(...)" or a chalice Rate object.

    Every schedule the app registers is a rate; cron (and anything else) is refused rather than
    half-supported, so a new kind of schedule fails at start-up instead of never firing locally.

    Raises: ValueError for anything but a positive rate in minutes, hours or days.
    """
    text = expression.to_string() if hasattr(expression, "to_string") else str(expression)
    text = text.strip()
    rate = _RATE.fullmatch(text)
    if rate is None:
        raise ValueError(
            f"unsupported schedule expression {text!r}: the local event runner runs only "
            "rate(N minutes|hours|days) schedules"
        )
    value = int(rate.group(1))
    if value <= 0:
        raise ValueError(f"rate must be positive: {text}")
    unit = rate.group(2).lower().rstrip("s")
    return RateSchedule(timedelta(seconds=value * _UNIT_SECONDS[unit]))


# --------------------------------------------------------------------------------------------
# Event patterns


def compile_pattern(pattern: Mapping[str, Any]) -> Matcher:
    """The matcher for `pattern`: moto's (`EventPattern`, the one moto's own EventBridge uses).

    Raises: ValueError when EventBridge would reject the pattern (a value that is neither a list
    nor an object, an empty list): failing at start-up beats a handler that never fires locally.
    """
    # Imported here: moto reads its settings from the environment when first imported, and the
    # local stack prepares that environment before it creates the runner.
    from moto.events.exceptions import InvalidEventPatternException
    from moto.events.models import EventPattern

    try:
        compiled = EventPattern.load(json.dumps(pattern))
    except InvalidEventPatternException as error:
        raise ValueError(error.message) from None
    # moto types an event as its EventMessageType TypedDict; ours are plain dicts of that shape.
    return lambda event: compiled.matches_event(cast("EventMessageType", event))


# --------------------------------------------------------------------------------------------
# Lambda-shaped invocation


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that Chalice and Powertools read."""

    function_name: str
    aws_request_id: str
    invoked_function_arn: str
    memory_limit_in_mb: int = DEFAULT_MEMORY_MB
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    identity: Any = None
    client_context: Any = None
    budget_ms: int = DEFAULT_BUDGET_MS
    monotonic: Callable[[], float] = time.monotonic
    _started: float = field(default=0.0, init=False)

    def __post_init__(self) -> None:
        self._started = self.monotonic()
        self.log_group_name = self.log_group_name or f"/aws/lambda/{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed_ms = int((self.monotonic() - self._started) * 1000)
        return max(self.budget_ms - elapsed_ms, 0)


@dataclass(frozen=True)
class StoredObject:
    """One entry of a bucket listing; `etag` without the quotes S3 puts around it."""

    key: str
    size: int
    etag: str


def scheduled_event(rule: str, moment: datetime, event_id: str, region: str, account: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": iso_z(moment),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{rule}"],
        "detail": {},
    }


def object_created_event(
    bucket: str,
    obj: StoredObject,
    moment: datetime,
    event_id: str,
    region: str,
    account: str,
) -> dict[str, Any]:
    """The event S3 sends to EventBridge for a PutObject (keys are not URL-encoded here)."""
    request_id = event_id.replace("-", "")[:16].upper()
    return {
        "version": "0",
        "id": event_id,
        "detail-type": "Object Created",
        "source": "aws.s3",
        "account": account,
        "time": iso_z(moment),
        "region": region,
        "resources": [f"arn:aws:s3:::{bucket}"],
        "detail": {
            "version": "0",
            "bucket": {"name": bucket},
            "object": {
                "key": obj.key,
                "size": obj.size,
                "etag": obj.etag,
                # S3's sequencer orders events for one key; a time-based hex string does too.
                "sequencer": format(int(moment.timestamp() * 1_000_000), "016x"),
            },
            "request-id": request_id,
            "requester": account,
            "source-ip-address": "127.0.0.1",
            "reason": "PutObject",
        },
    }


# --------------------------------------------------------------------------------------------
# The runner


class UnknownScheduleError(LookupError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.known = known


@dataclass
class _ScheduledHandler:
    name: str
    schedule: RateSchedule
    handler: Callable[..., Any]
    next_fire: datetime | None = None


@dataclass
class _EventHandler:
    name: str
    matches: Matcher
    handler: Callable[..., Any]


@dataclass
class _PendingDelivery:
    event: dict[str, Any]
    # handler name → attempts made so far, for the handlers that haven't succeeded yet.
    attempts: dict[str, int]


def _describe_failure(error: BaseException) -> str:
    """Exception type and stack frames, without the message: messages can carry PII."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    return f"{type(error).__name__}\n{frames}".rstrip()


@dataclass(frozen=True)
class RunnerStatus:
    """What the runner has done so far: the signal tests wait on instead of a wall-clock budget.

    `polls` counts finished bucket polls, each including the deliveries it made: once it has grown
    by 2 after an upload, a whole poll started after the upload and finished (see
    `GET /_local/events` in devtools.local_stack).
    """

    polls: int = 0
    objects: int = 0
    deliveries: int = 0
    failures: int = 0
    pending: int = 0
    schedule_runs: int = 0
    # Deliveries running in a handler's pool now, and the most there ever were at once.
    in_flight: int = 0
    max_in_flight: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


class EventRunner:
    """Fires schedules and S3 "Object Created" events at a Chalice app's handlers.

    `run(stop)` polls the bucket in the calling thread and fires schedules in a thread of their
    own, so a slow schedule (a mailbox poll waiting on a remote server, a long sweep) never holds
    back an S3 delivery; `tick()` does one round of both, for tests. Each poll compares the bucket
    listing with the objects already delivered, which are remembered in `state_path` (None: in
    memory only).

    The baseline (on a data directory seen for the first time, what is already in the bucket is
    history, not news) is taken when the runner is created, not at its first poll: the local stack
    creates it before it announces itself, so an object uploaded as soon as the stack is up is
    always delivered. (Taking it at the first poll lost such uploads whenever the first poll came
    late, e.g. on a busy machine.)
    """

    def __init__(
        self,
        app: Any,
        *,
        bucket: str,
        list_objects: Callable[[], Iterable[StoredObject]],
        state_path: Path | None,
        clock: Clock = utc_now,
        ids: IdFactory = new_id,
        region: str = LOCAL_REGION,
        account: str = LOCAL_ACCOUNT,
        poll_interval: timedelta = timedelta(seconds=1),
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        budget_ms: int = DEFAULT_BUDGET_MS,
        concurrency: Mapping[str, int] | None = None,
    ) -> None:
        self._bucket = bucket
        self._list_objects = list_objects
        self._state_path = state_path
        self._clock = clock
        self._ids = ids
        self._region = region
        self._account = account
        self._poll_interval = poll_interval
        self._max_attempts = max_attempts
        self._budget_ms = budget_ms
        self._function_prefix = f"{getattr(app, 'app_name', 'app')}-local"
        self.schedules, self.event_handlers, self.ignored = _discover(app)
        self._next_poll: datetime | None = None
        self._delivered: set[tuple[str, str]] | None = self._load_state()
        self._pending: dict[tuple[str, str], _PendingDelivery] = {}
        self._status = RunnerStatus()
        self._status_lock = threading.Lock()
        # handler name → its pool (a Lambda function's reserved concurrency, locally).
        self._pools = {
            name: ThreadPoolExecutor(max_workers=size, thread_name_prefix=f"event-{name}")
            for name, size in (concurrency or {}).items()
            if name in self.event_handlers
        }
        self._futures: set[Future[None]] = set()
        now = self._clock()
        # Schedules first fire one interval after start, never all at once at start-up.
        for scheduled in self.schedules.values():
            scheduled.next_fire = scheduled.schedule.next_after(now)
        if self._delivered is None:
            self._take_baseline()

    # -- driving -------------------------------------------------------------------------------

    def tick(self) -> None:
        """One round in the calling thread: the due schedules, then the bucket if a poll is due."""
        now = self._clock()
        self._fire_due_schedules(now)
        self._poll_if_due(now)

    def _poll_if_due(self, now: datetime) -> None:
        if self._next_poll is None or now >= self._next_poll:
            self._next_poll = now + self._poll_interval
            self.poll_bucket(now)

    def _seconds_until_next_schedule(self) -> float:
        now = self._clock()
        moments = [s.next_fire for s in self.schedules.values() if s.next_fire is not None]
        return max(min(((m - now).total_seconds() for m in moments), default=60.0), 0.0)

    def run(self, stop: threading.Event, join_seconds: float = 5.0) -> None:
        """Poll the bucket here and fire schedules in their own thread, until `stop` is set.

        Both loops sleep on `stop`, so a signal handler wakes them at once. Waits are capped at
        the poll interval so a clock that jumps (tests, a laptop waking up) is noticed soon.
        """
        schedules = threading.Thread(
            target=self._run_schedules, args=(stop,), name="event-runner-schedules", daemon=True
        )
        schedules.start()
        try:
            while not stop.is_set():
                self._poll_if_due(self._clock())
                stop.wait(self._poll_wait())
        finally:
            for pool in self._pools.values():
                # Deliveries not started yet are dropped: their objects are delivered again on the
                # next start (they are not in the state file) and the handlers are idempotent.
                pool.shutdown(wait=False, cancel_futures=True)
            schedules.join(join_seconds)
            if schedules.is_alive():
                # Daemon thread: it cannot keep the process alive; say why shutdown went on.
                log.warning("a schedule handler is still running at shutdown")

    def _poll_wait(self) -> float:
        now = self._clock()
        until = (self._next_poll - now).total_seconds() if self._next_poll else 0.0
        return min(max(until, 0.0), self._poll_interval.total_seconds())

    def _run_schedules(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._fire_due_schedules(self._clock())
            stop.wait(min(self._seconds_until_next_schedule(), self._poll_interval.total_seconds()))

    def status(self) -> RunnerStatus:
        with self._status_lock:
            return self._status

    def _count(self, **increments: int) -> None:
        with self._status_lock:
            current = self._status.as_dict()
            for name, amount in increments.items():
                current[name] += amount
            current["pending"] = len(self._pending)
            current["max_in_flight"] = max(current["max_in_flight"], current["in_flight"])
            self._status = RunnerStatus(**current)

    def drain(self, timeout: float | None = None) -> bool:
        """Wait for the pooled deliveries started so far; False if some still run at `timeout`."""
        with self._status_lock:
            futures = set(self._futures)
        _done, running = wait(futures, timeout=timeout)
        return not running

    # -- schedules -----------------------------------------------------------------------------

    def _fire_due_schedules(self, now: datetime) -> None:
        for scheduled in self.schedules.values():
            due = scheduled.next_fire
            if due is None or now < due:
                continue
            following = scheduled.schedule.next_after(due)
            if following <= now:
                # Several runs missed (laptop asleep): fire once, like a late rule, not a burst.
                following = scheduled.schedule.next_after(now)
            scheduled.next_fire = following
            self._invoke_schedule(scheduled, due)

    def run_schedule(self, name: str, moment: datetime | None = None) -> Any:
        """Invoke one schedule's handler now. Handler errors propagate.

        Raises: UnknownScheduleError listing the known names.
        """
        scheduled = self.schedules.get(name)
        if scheduled is None:
            raise UnknownScheduleError(name, sorted(self.schedules))
        event = scheduled_event(name, moment or self._clock(), self._ids(), self._region, self._account)
        return scheduled.handler(event, self._context(name))

    def _invoke_schedule(self, scheduled: _ScheduledHandler, due: datetime) -> None:
        event = scheduled_event(scheduled.name, due, self._ids(), self._region, self._account)
        log.info("schedule %s fired for %s", scheduled.name, event["time"])
        try:
            scheduled.handler(event, self._context(scheduled.name))
        except Exception as error:
            # Like a failed Lambda: logged, and the next run comes on schedule.
            log.error("schedule %s failed: %s", scheduled.name, _describe_failure(error))
        finally:
            self._count(schedule_runs=1)

    # -- S3 objects ----------------------------------------------------------------------------

    def _take_baseline(self) -> None:
        """First run on this data directory: what is already there is history, not news."""
        listing = self._listing()
        if listing is not None:
            self._delivered = set(listing)
            self._save_state()

    def _listing(self) -> dict[tuple[str, str], StoredObject] | None:
        try:
            return {(o.key, o.etag): o for o in self._list_objects()}
        except Exception as error:
            log.warning("listing bucket failed: %s", type(error).__name__)
            return None

    def poll_bucket(self, now: datetime | None = None) -> None:
        now = now or self._clock()
        try:
            self._poll(now)
        finally:
            self._count(polls=1)

    def _poll(self, now: datetime) -> None:
        if self._delivered is None:
            # The listing failed when the runner was created; the first one that works is history.
            self._take_baseline()
            return
        listing = self._listing()
        if listing is None:
            return
        before = set(self._delivered)
        for ident in list(self._pending):
            self._deliver(ident)
        for ident, obj in listing.items():
            if ident in self._delivered or ident in self._pending:
                continue
            self._start_delivery(ident, obj, now)
        # Forget deleted objects, so the state file stays as small as the bucket.
        self._delivered &= set(listing) | set(self._pending)
        if self._delivered != before:
            self._save_state()

    def _start_delivery(self, ident: tuple[str, str], obj: StoredObject, now: datetime) -> None:
        event = object_created_event(self._bucket, obj, now, self._ids(), self._region, self._account)
        matching = [h.name for h in self.event_handlers.values() if h.matches(event)]
        self._pending[ident] = _PendingDelivery(event=event, attempts=dict.fromkeys(matching, 0))
        self._count(objects=1)
        self._deliver(ident)

    def _deliver(self, ident: tuple[str, str]) -> None:
        pending = self._pending[ident]
        key = ident[0]
        for name in list(pending.attempts):
            if name in self._pools:
                # The pool's task makes the attempts; the poll goes on meanwhile.
                self._submit(name, pending.event, key)
                del pending.attempts[name]
                continue
            pending.attempts[name] += 1
            handler = self.event_handlers[name]
            try:
                handler.handler(pending.event, self._context(name))
            except Exception as error:
                attempt = pending.attempts[name]
                log.error(
                    "handler %s failed for key %s (attempt %d of %d): %s",
                    name,
                    key,
                    attempt,
                    self._max_attempts,
                    _describe_failure(error),
                )
                self._count(failures=1)
                if attempt < self._max_attempts:
                    continue
                log.error("handler %s gave up on key %s", name, key)
            else:
                log.info("handler %s processed key %s", name, key)
                self._count(deliveries=1)
            del pending.attempts[name]
        if not pending.attempts:
            del self._pending[ident]
            assert self._delivered is not None
            self._delivered.add(ident)

    def _submit(self, name: str, event: dict[str, Any], key: str) -> None:
        future = self._pools[name].submit(self._deliver_pooled, name, event, key)
        with self._status_lock:
            self._futures.add(future)
        future.add_done_callback(self._forget_future)

    def _forget_future(self, future: Future[None]) -> None:
        with self._status_lock:
            self._futures.discard(future)

    def _deliver_pooled(self, name: str, event: dict[str, Any], key: str) -> None:
        """One event to a pooled handler, with the runner's retries (Lambda's async retries)."""
        handler = self.event_handlers[name]
        self._count(in_flight=1)
        try:
            for attempt in range(1, self._max_attempts + 1):
                try:
                    handler.handler(event, self._context(name))
                except Exception as error:
                    log.error(
                        "handler %s failed for key %s (attempt %d of %d): %s",
                        name,
                        key,
                        attempt,
                        self._max_attempts,
                        _describe_failure(error),
                    )
                    self._count(failures=1)
                    continue
                log.info("handler %s processed key %s", name, key)
                self._count(deliveries=1)
                return
            log.error("handler %s gave up on key %s", name, key)
        finally:
            self._count(in_flight=-1)

    # -- state file ----------------------------------------------------------------------------

    def _load_state(self) -> set[tuple[str, str]] | None:
        if self._state_path is None:
            return None
        try:
            raw = json.loads(self._state_path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            log.warning("ignoring unreadable %s", self._state_path.name)
            return None
        if raw.get("format") != STATE_FORMAT or raw.get("bucket") != self._bucket:
            return None
        return {(str(key), str(etag)) for key, etag in raw.get("delivered", [])}

    def _save_state(self) -> None:
        if self._state_path is None:
            return
        assert self._delivered is not None
        body = {
            "format": STATE_FORMAT,
            "bucket": self._bucket,
            "delivered": sorted([key, etag] for key, etag in self._delivered),
        }
        atomic_write(self._state_path, json.dumps(body, indent=1).encode())

    # -- helpers -------------------------------------------------------------------------------

    def _context(self, name: str) -> LambdaContext:
        function_name = f"{self._function_prefix}-{name}"
        return LambdaContext(
            function_name=function_name,
            aws_request_id=self._ids(),
            invoked_function_arn=(f"arn:aws:lambda:{self._region}:{self._account}:function:{function_name}"),
            budget_ms=self._budget_ms,
        )


def invoke_schedule(app: Any, name: str, moment: datetime) -> Any:
    """Run one `@app.schedule` handler as EventBridge would at `moment` (the CLI's run-schedule).

    Raises: UnknownScheduleError; whatever the handler raises.
    """
    runner = EventRunner(app, bucket="", list_objects=tuple, state_path=None)
    return runner.run_schedule(name, moment)


def _discover(
    app: Any,
) -> tuple[dict[str, _ScheduledHandler], dict[str, _EventHandler], list[str]]:
    """Schedules and EventBridge handlers registered on a Chalice app, by handler name.

    Uses the config classes' attributes rather than isinstance so tests can pass a fake app.
    `handler_map` holds the wrapped handler (middleware included) under the same name.
    """
    schedules: dict[str, _ScheduledHandler] = {}
    handlers: dict[str, _EventHandler] = {}
    ignored: list[str] = []
    for source in getattr(app, "event_sources", []):
        function = app.handler_map[source.name]
        if hasattr(source, "schedule_expression"):
            try:
                schedule = parse_schedule(source.schedule_expression)
            except ValueError as error:
                raise ValueError(f"schedule {source.name}: {error}") from None
            schedules[source.name] = _ScheduledHandler(source.name, schedule, function)
        elif hasattr(source, "event_pattern"):
            try:
                pattern = compile_pattern(source.event_pattern)
            except ValueError as error:
                raise ValueError(f"event handler {source.name}: {error}") from None
            handlers[source.name] = _EventHandler(source.name, pattern, function)
        else:
            ignored.append(f"{source.name} ({type(source).__name__})")
    return schedules, handlers, ignored
