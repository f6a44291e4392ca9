"""`snapshot.jsonl`: every item of the app table and every object of the app bucket, in one file.

Written atomically (temp file, fsync, os.replace; 0600, it holds customer data) at start-up and at
a clean stop, and loaded into an empty moto at the next start. Its header names the part of the
recording (devtools.recording) the snapshot already contains, so that part is not replayed twice.
Items are kept as raw low-level attribute values (binary as base64), objects with their body,
metadata and content headers.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from devtools.environment import LocalStackError
from devtools.recording import RecordingMark

SNAPSHOT_FILE = "snapshot.jsonl"
SNAPSHOT_FORMAT = 1
# DynamoDB's BatchWriteItem limit.
BATCH_WRITE_LIMIT = 25


@dataclass(frozen=True)
class SnapshotStats:
    items: int
    objects: int


# Object headers worth keeping besides the body; GetObject names them the same as PutObject.
_OBJECT_FIELDS = ("ContentType", "CacheControl", "ContentDisposition", "ContentEncoding")


def _encode_binary(value: Any) -> Any:
    """Low-level attribute values → JSON: B/BS as base64, exactly as DynamoDB's wire format."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, dict):
        return {key: _encode_binary(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_encode_binary(item) for item in value]
    return value


def _decode_binary(value: Any, type_key: str | None = None) -> Any:
    """The inverse of `_encode_binary`; only values under a `B`/`BS` type key are base64."""
    if type_key == "B" and isinstance(value, str):
        return base64.b64decode(value)
    if type_key == "BS" and isinstance(value, list):
        return [base64.b64decode(item) for item in value]
    if isinstance(value, dict):
        return {key: _decode_binary(item, key) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode_binary(item) for item in value]
    return value


def _scan_items(dynamodb: Any, table: str) -> Iterator[dict[str, Any]]:
    # A Scan is fine here: this is dev tooling run at start/stop, never a request path.
    for page in dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
        yield from page.get("Items", [])


def _bucket_objects(s3: Any, bucket: str) -> Iterator[dict[str, Any]]:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for summary in page.get("Contents", []):
            response = s3.get_object(Bucket=bucket, Key=summary["Key"])
            record: dict[str, Any] = {
                "kind": "object",
                "key": summary["Key"],
                "body": base64.b64encode(response["Body"].read()).decode("ascii"),
                "metadata": response.get("Metadata", {}),
            }
            record.update({field: response[field] for field in _OBJECT_FIELDS if field in response})
            yield record


def write_snapshot(
    path: Path, dynamodb: Any, s3: Any, table: str, bucket: str, covers: RecordingMark
) -> SnapshotStats:
    """Write every table item and bucket object to `path` atomically."""
    header = {
        "kind": "header",
        "format": SNAPSHOT_FORMAT,
        "table": table,
        "bucket": bucket,
        "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "recording": asdict(covers),
    }
    items = objects = 0
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        # 0600: the snapshot holds customer data.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(descriptor, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(header) + "\n")
            for item in _scan_items(dynamodb, table):
                handle.write(json.dumps({"kind": "item", "item": _encode_binary(item)}) + "\n")
                items += 1
            for record in _bucket_objects(s3, bucket):
                handle.write(json.dumps(record) + "\n")
                objects += 1
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return SnapshotStats(items=items, objects=objects)


def restore_snapshot(
    path: Path, dynamodb: Any, s3: Any, table: str, bucket: str
) -> tuple[SnapshotStats, RecordingMark | None]:
    """Load a snapshot into an empty moto. Returns what it loaded and the recording it covers."""
    if not path.exists():
        return SnapshotStats(items=0, objects=0), None
    mark: RecordingMark | None = None
    batch: list[dict[str, Any]] = []
    items = objects = 0
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            kind = record.get("kind")
            if kind == "header":
                if record.get("format") != SNAPSHOT_FORMAT:
                    raise LocalStackError(f"{path} has an unknown format; move it away to start")
                mark = RecordingMark(**record["recording"])
            elif kind == "item":
                batch.append({"PutRequest": {"Item": _decode_binary(record["item"])}})
                items += 1
                if len(batch) == BATCH_WRITE_LIMIT:
                    _batch_write(dynamodb, table, batch)
                    batch = []
            elif kind == "object":
                _put_object(s3, bucket, record)
                objects += 1
    if batch:
        _batch_write(dynamodb, table, batch)
    return SnapshotStats(items=items, objects=objects), mark


def _batch_write(dynamodb: Any, table: str, requests_: list[dict[str, Any]]) -> None:
    pending: dict[str, list[dict[str, Any]]] = {table: requests_}
    for attempt in range(8):
        response = dynamodb.batch_write_item(RequestItems=pending)
        pending = response.get("UnprocessedItems") or {}
        if not pending:
            return
        time.sleep(min(0.05 * 2**attempt, 1.0))
    raise LocalStackError("DynamoDB kept returning UnprocessedItems while restoring the snapshot")


def _put_object(s3: Any, bucket: str, record: dict[str, Any]) -> None:
    extra = {field: record[field] for field in _OBJECT_FIELDS if record.get(field)}
    s3.put_object(
        Bucket=bucket,
        Key=record["key"],
        Body=base64.b64decode(record["body"]),
        Metadata=record.get("metadata") or {},
        **extra,
    )
