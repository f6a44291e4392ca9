"""CSV imports and exports: the EventBridge handlers S3 uploads trigger and the import watchdog,
each a Lambda function of its own.

Their Handlers in the template are `chalicelib.handlers.imports.<function>`: Lambda imports this
module, not app.py (Chalice names a blueprint's event handler by the blueprint's module), so each
function's cold start is what this module imports: no route, no schema, no service before the
first event (imports/domain.py is constants and dataclasses). The import routes are in
import_routes.py.
"""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, CloudWatchEvent

from chalicelib.core.observability import logger
from chalicelib.handlers.events import object_created, remaining_time
from chalicelib.handlers.middleware import with_lambda_middleware
from chalicelib.imports.domain import EXPORT_PREFIX, IMPORT_PREFIX, PASSWORD_CHUNK_PREFIX, WORKER_FUNCTION
from chalicelib.wiring import container

imports = Blueprint(__name__)


@imports.on_cw_event(object_created(IMPORT_PREFIX), name="import_uploaded")
def import_uploaded(event: CloudWatchEvent) -> None:
    """A CSV (or a continuation marker) landed under imports/. Safe to run twice."""
    obj = event.detail.get("object", {})
    key, etag, size = str(obj.get("key", "")), str(obj.get("etag", "")), int(obj.get("size", 0) or 0)
    # The Lambda context tells how long this invocation has left; without one, assume a full run.
    remaining = remaining_time(event) or (lambda: 900_000)
    job = container().imports.handle_upload(key, etag, size, remaining)
    logger.info("import event handled", import_id=job.id if job else None, status=job.status if job else None)


@imports.on_cw_event(object_created(EXPORT_PREFIX), name="export_requested")
def export_requested(event: CloudWatchEvent) -> None:
    """An export request marker landed under exports/. Safe to run twice."""
    key = str(event.detail.get("object", {}).get("key", ""))
    job = container().imports.handle_export_request(key)
    if job is not None:
        logger.info("export handled", export_id=job.id, status=job.status)


@imports.schedule("rate(15 minutes)", name="import-watchdog")
def import_watchdog(event: Any) -> None:
    """Resume imports whose run died (expired lease)."""
    resumed = container().imports.resume_stalled()
    if resumed:
        logger.info("stalled imports resumed", count=len(resumed))


@imports.on_cw_event(object_created(PASSWORD_CHUNK_PREFIX), name=WORKER_FUNCTION)
def import_password_chunk(event: CloudWatchEvent) -> None:
    """A chunk of an import's plaintext passwords: hash them (issue 17 §4). Safe to run twice.
    Its function has reserved concurrency (infra): at most that many chunks are hashed at once."""
    key = str(event.detail.get("object", {}).get("key", ""))
    chunk = container().import_passwords.handle_chunk(key)
    if chunk is not None:
        logger.info("password chunk handled", import_id=chunk.import_id, chunk=chunk.chunk, state=chunk.state)


with_lambda_middleware(import_uploaded, export_requested, import_watchdog, import_password_chunk)
