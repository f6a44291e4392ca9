"""The one place botocore/PynamoDB errors become domain errors (by error code, never by message)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError
from pynamodb.exceptions import PynamoDBException, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.transactions import TransactWrite

from chalicelib.core.errors import ConflictError, ServiceUnavailableError, StorageThrottledError
from chalicelib.core.observability import logger
from chalicelib.core.pacing import WritePace
from chalicelib.models.base import TableRecord

_RETRYABLE = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "TransactionConflict",
    "TransactionInProgressException",
}

# Refusals for throughput: of a request (its error code), or of one item of a cancelled transaction
# (its cancellation reason). Nothing was written; the same write may be sent again, later.
_THROTTLED = {"ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded"}
_THROTTLED_ITEM = {"ThrottlingError", "ProvisionedThroughputExceeded"}
# What a throttled request path tells its caller (`Retry-After`): botocore has already retried with
# backoff for a few seconds by then, and a partition's throughput budget refills every second.
THROTTLED_RETRY_AFTER_SECONDS = 1


def cancellation_codes(error: TransactWriteError) -> list[str]:
    """Per-item reasons of a cancelled transaction ("None" for items that were fine)."""
    return [reason.code if reason else "None" for reason in (error.cancellation_reasons or [])]


def error_code(error: PynamoDBException) -> str | None:
    code: str | None = error.cause_response_code
    return code


def is_throttled(error: Exception) -> bool:
    """DynamoDB refused the write for throughput (a hot partition, the table's limits)."""
    if isinstance(error, TransactWriteError) and _THROTTLED_ITEM & set(cancellation_codes(error)):
        return True
    if isinstance(error, PynamoDBException):
        return error_code(error) in _THROTTLED
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code") in _THROTTLED
    return False


@contextmanager
def dynamo_errors(
    on_cancel: Callable[[list[str]], Exception] | None = None,
) -> Iterator[None]:
    """Translate storage failures. `on_cancel` maps a cancelled transaction's reasons to an error.

    A refusal for throughput is checked first, whatever the exception: it is neither a conflict
    (nothing changed under the caller, though its code is one of the retryable ones that
    otherwise mean a lost race) nor an outage, but a 503 that says when to come back."""
    try:
        yield
    except TransactWriteError as error:
        if is_throttled(error):
            raise _throttled(error) from None
        codes = cancellation_codes(error)
        if on_cancel is not None and "ConditionalCheckFailed" in codes:
            raise on_cancel(codes) from None
        if "TransactionConflict" in codes or error_code(error) in _RETRYABLE:
            raise ConflictError("The record changed at the same time; try again.") from None
        logger.exception("transaction failed", reasons=codes)
        raise ServiceUnavailableError("Storage is unavailable; try again.") from None
    except PynamoDBException as error:
        if is_throttled(error):
            raise _throttled(error) from None
        code = error_code(error)
        logger.exception("storage error", code=code)
        raise ServiceUnavailableError("Storage is unavailable; try again.") from None
    except (BotoCoreError, ClientError) as error:
        if is_throttled(error):
            raise _throttled(error) from None
        logger.exception("storage error")
        raise ServiceUnavailableError("Storage is unavailable; try again.") from None


def _throttled(error: Exception) -> StorageThrottledError:
    # A warning, not an exception log: throttling is load, not a fault to trace.
    logger.warning("storage throttled", error_type=type(error).__name__)
    return StorageThrottledError("Storage is busy; try again shortly.", THROTTLED_RETRY_AFTER_SECONDS)


class TransactionCancelledError(ConflictError):
    """A transaction was cancelled; `reasons` names the items whose condition failed (each
    repository labels the items it adds, in order)."""

    def __init__(self, reasons: set[str]) -> None:
        super().__init__("The record changed at the same time; try again.")
        self.reasons = reasons


def put_items(transaction: TransactWrite) -> list[dict[str, dict[str, Any]]]:
    """The items a transaction puts, as sent (low-level attribute maps)."""
    return [put["Item"] for put in transaction._put_items]


def item_keys(transaction: TransactWrite) -> list[tuple[str, str]]:
    """(PK, SK) of each item of a transaction in the order DynamoDB answers for them: PynamoDB
    sends condition checks, then deletes, then puts, then updates, whatever order they were
    added in."""
    groups = (
        transaction._condition_check_items,
        transaction._delete_items,
        transaction._put_items,
        transaction._update_items,
    )
    found = []
    for group in groups:
        for item in group:
            fields = item.get("Key") or item.get("Item") or {}
            found.append((str(fields.get("PK", {}).get("S", "")), str(fields.get("SK", {}).get("S", ""))))
    return found


def run_transaction(
    build: Callable[[TransactWrite], None],
    on_cancel: Callable[[list[str]], Exception] | None = None,
    attempts: int = 3,
    token: str | None = None,
    label: Callable[[str, str], str] | None = None,
    pace: WritePace | None = None,
    units: Callable[[TransactWrite], int] | None = None,
) -> None:
    """Run one TransactWriteItems built by `build`, again when it only lost a race with another
    transaction on a shared item (a group's member counter), and translate failures.

    With `label(PK, SK) -> name`, a cancelled transaction raises TransactionCancelledError naming
    the items whose condition failed (by their keys, so the order items were added in is free).

    With a `pace` (bulk writes), the transaction waits for `units(transaction)` of its budget (1
    without) once built, before it is sent; one DynamoDB refuses for throughput is sent again
    after the pace's backoff (a cancelled transaction wrote nothing, so only it is sent again).
    When the pace gives up, it is a ServiceUnavailableError, never a conflict: no row of it is
    to be failed for that."""
    for attempt in range(1, attempts + 1):
        keys_sent: list[tuple[str, str]] = []

        def send() -> None:
            nonlocal keys_sent
            connection = TableRecord._get_connection().connection
            with TransactWrite(connection=connection, client_request_token=token) as transaction:
                build(transaction)
                keys_sent = item_keys(transaction)
                if pace is not None:
                    pace.admit(units(transaction) if units is not None else 1)

        try:
            if pace is None:
                send()
            else:
                pace.run(send, is_throttled)
            return
        except TransactWriteError as error:
            codes = cancellation_codes(error)
            if pace is not None and is_throttled(error):
                logger.warning("transaction still throttled after backoff", reasons=codes)
                raise StorageThrottledError(
                    "Storage is busy; try again later.", THROTTLED_RETRY_AFTER_SECONDS
                ) from None
            conflict_only = "TransactionConflict" in codes and "ConditionalCheckFailed" not in codes
            if conflict_only and attempt < attempts:
                continue
            if label is not None and "ConditionalCheckFailed" in codes:
                failed = {label(*key) for key, code in zip(keys_sent, codes, strict=False) if code != "None"}
                raise TransactionCancelledError(failed) from None
            with dynamo_errors(on_cancel=on_cancel):
                raise


@dataclass
class ConditionOutcome:
    passed: bool = True


@contextmanager
def conditional() -> Iterator[ConditionOutcome]:
    """Turn a failed ConditionExpression on a single-item write into `outcome.passed = False`."""
    outcome = ConditionOutcome()
    try:
        yield outcome
    except PynamoDBException as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        outcome.passed = False


def get_item[R: TableRecord](model: type[R], hash_key: str, range_key: str) -> R | None:
    """The item stored at (hash_key, range_key), or None when there is none."""
    with dynamo_errors():
        try:
            return model.get(hash_key, range_key)
        except model.DoesNotExist:
            return None


class VersionedRecord(Protocol):
    """A record that declares `version = VersionAttribute()`."""

    version: int | None

    def save(self, condition: Condition | None = None, *, add_version_condition: bool = True) -> Any: ...


def save_at_version(record: VersionedRecord, version: int, condition: Condition | None = None) -> bool:
    """Save `record` only if the stored item is still at `version` (and `condition` holds):
    PynamoDB adds the version check to the write and bumps the stored version. Returns False
    when another write got there first (or the condition failed)."""
    record.version = version
    with dynamo_errors(), conditional() as outcome:
        record.save(condition=condition)
    return outcome.passed


def to_low_level(position: dict[str, Any]) -> dict[str, dict[str, str]]:
    return {name: {"S": str(value)} for name, value in position.items()}


def from_low_level(key: dict[str, dict[str, Any]] | None) -> dict[str, str] | None:
    if not key:
        return None
    return {name: str(next(iter(value.values()))) for name, value in key.items()}
