"""`make run`: the whole app on one machine, no AWS account.

One process, so Ctrl-C leaves nothing behind:
- moto's server on 127.0.0.1:$MOTO_PORT (DynamoDB, S3, SES), persisted in $CLIENTELE_DATA_DIR
  (see devtools.local_aws);
- the table, the bucket, the default data and (when configured) the first admin;
- the API served by `chalice local` in a thread on 127.0.0.1:$PORT, with the back-office web UI
  (web/dist) on the same origin (see devtools.web_static);
- the event runner: S3 "Object Created" events polled in the main thread, schedules in a thread
  of their own (see devtools.events); what it has done so far at `GET /_local/events` (counts
  only), the signal tests wait on.
"""

from __future__ import annotations

import argparse
import atexit
import functools
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from devtools.environment import (
    DEFAULT_API_PORT,
    DEFAULT_MOTO_PORT,
    LOCAL_HOST,
    LocalStackError,
    port_from_environment,
    prepare_environment,
    resolve_data_dir,
)
from devtools.web_static import serve_web

log = logging.getLogger("devtools.local_stack")

PROJECT_DIR = Path(__file__).resolve().parents[1]
WEB_DIR = "web"
EVENTS_STATE_FILE = "events-state.json"
CHALICE_STAGE = "local"
SHUTDOWN_JOIN_SECONDS = 5.0
# Password chunks hashed at once by the local stack (AWS: the worker's reserved concurrency).
LOCAL_PASSWORD_WORKERS = 4
# Served by the local stack only (never part of the app or its OpenAPI document).
RUNNER_STATUS_PATH = "/_local/events"
NOT_READY = {"Code": "NotReady", "Message": "The event runner is not started yet."}


class LocalStack:
    """Starts and stops every part of the local stack, in order, exactly once."""

    def __init__(self, data_dir: Path, moto_port: int, api_port: int, project_dir: Path) -> None:
        self.data_dir = data_dir
        self.moto_port = moto_port
        self.api_port = api_port
        self.project_dir = project_dir
        self.stop_requested = threading.Event()
        self.api_url = f"http://{LOCAL_HOST}:{api_port}"
        self.admin_created = False
        self._aws: Any = None
        self._server: Any = None
        self._server_thread: threading.Thread | None = None
        self._runner: Any = None
        self._stop_lock = threading.Lock()
        self._stopped = False

    def start(self) -> None:
        # Imported here: devtools.local_aws imports moto, which must see the prepared
        # environment (MOTO_RECORDER_FILEPATH) when it is first imported.
        from devtools.local_aws import LocalAws
        from devtools.moto_server import check_port_free

        # Check the API port first so a busy port doesn't cost a moto start-up and a snapshot.
        check_port_free(self.api_port, "API (chalice local)", "PORT")
        self._aws = LocalAws(self.data_dir, self.moto_port).start()
        try:
            self._seed()
            self._start_api()
            # Before publish(): the runner takes its bucket baseline when created, so whatever
            # is uploaded once stack.json announces the stack is delivered as an event.
            self._runner = self._create_runner()
            self._aws.publish(self.api_url)
        except BaseException:
            self.stop()
            raise

    def _seed(self) -> None:
        # After LocalAws.start(), so these writes are recorded (and survive a kill -9).
        from chalicelib import bootstrap
        from chalicelib.core.settings import get_settings

        bootstrap.seed_defaults()
        settings = get_settings()
        if settings.admin_email and settings.admin_password:
            from chalicelib.core.errors import DomainError, InvalidInputError

            try:
                self.admin_created = bool(
                    bootstrap.ensure_first_admin(settings.admin_email, settings.admin_password)
                )
            except DomainError as error:
                # A bad CLIENTELE_ADMIN_* must not stop the stack: say what is wrong (field and
                # reason, never the values) and let the person use `make cli create-admin`.
                fields = error.fields if isinstance(error, InvalidInputError) else {}
                reasons = "; ".join(f"{k}: {v}" for k, v in fields.items()) or error.message
                log.error("first admin not created from CLIENTELE_ADMIN_EMAIL/PASSWORD (%s)", reasons)
                return
            log.info("first admin %s", "created" if self.admin_created else "already present")

    def _start_api(self) -> None:
        from chalice.cli import create_local_server
        from chalice.cli.factory import CLIFactory

        factory = CLIFactory(project_dir=str(self.project_dir))
        # create_config_obj (inside) also loads the "local" stage's environment variables.
        self._server = create_local_server(factory, LOCAL_HOST, self.api_port, CHALICE_STAGE)
        _redact_access_log(self._server)
        # The back-office UI (the project's web/) on the same origin as the API: GET / and /assets/*.
        if (self.project_dir / WEB_DIR).is_dir():
            serve_web(self._server, self.project_dir / WEB_DIR / "dist", connect_extra=self._aws.endpoint)
        _serve_runner_status(self._server, self._runner_status)
        self._server_thread = threading.Thread(
            target=self._server.serve_forever, name="chalice-local", daemon=True
        )
        self._server_thread.start()

    def _create_runner(self) -> Any:
        import boto3

        from chalicelib.core.settings import get_settings
        from chalicelib.imports.domain import WORKER_FUNCTION
        from chalicelib.imports.password_workers import WORKER_CONCURRENCY
        from devtools.events import EventRunner

        settings = get_settings()
        s3 = boto3.client("s3", region_name=settings.region, endpoint_url=self._aws.endpoint)
        return EventRunner(
            self._server.app_object,
            bucket=settings.bucket_name,
            list_objects=functools.partial(list_bucket, s3, settings.bucket_name),
            state_path=self.data_dir / EVENTS_STATE_FILE,
            region=settings.region,
            # The password workers' reserved concurrency, locally: a few chunks hashed at once
            # (argon2 releases the GIL), bounded to what a laptop has to spare.
            concurrency={WORKER_FUNCTION: min(WORKER_CONCURRENCY, LOCAL_PASSWORD_WORKERS)},
        )

    def _runner_status(self) -> dict[str, int] | None:
        runner = self._runner
        return None if runner is None else dict(runner.status().as_dict())

    def run(self) -> None:
        """The event runner's loops, until stop_requested is set (signal handler)."""
        self._runner.run(self.stop_requested, join_seconds=SHUTDOWN_JOIN_SECONDS)

    def stop(self) -> None:
        """Idempotent: called from main, from atexit and on a failed start."""
        with self._stop_lock:
            if self._stopped:
                return
            self._stopped = True
        self.stop_requested.set()
        try:
            if self._server is not None:
                self._server.shutdown()
                if self._server_thread is not None:
                    self._server_thread.join(SHUTDOWN_JOIN_SECONDS)
                self._server.server.server_close()
        finally:
            if self._aws is not None:
                stats = self._aws.stop(snapshot=True)
                if stats is not None:
                    log.info("saved %d item(s) and %d object(s)", stats.items, stats.objects)

    def banner(self) -> str:
        aws = self._aws
        runner = self._runner
        lines = [
            "",
            "Clientele local stack is up",
            f"  API            {self.api_url} (chalice local)",
            f"  local AWS      {aws.endpoint} (moto: DynamoDB, S3, SES)",
            f"  data dir       {self.data_dir}",
            f"  restored       {aws.restored.items} item(s), {aws.restored.objects} object(s)"
            f" + {aws.replayed_lines} recorded request(s)",
            f"  schedules      {', '.join(sorted(runner.schedules)) or '-'}",
            f"  S3 events      {', '.join(sorted(runner.event_handlers)) or '-'}",
        ]
        if (self.project_dir / WEB_DIR).is_dir():
            lines.insert(3, f"  web UI         {self.api_url}/ (back-office, built from web/ by make run)")
        if runner.ignored:
            lines.append(f"  not run here   {', '.join(runner.ignored)}")
        from chalicelib import bootstrap

        lines.append("")
        if not bootstrap.has_employees():
            lines.append(
                '  First admin:   make cli ARGS="create-admin you@example.com"  (nobody can sign in yet)'
            )
        lines += ["  Stop:          Ctrl-C (data is kept in the data dir)", ""]
        return "\n".join(lines)


def list_bucket(s3: Any, bucket: str) -> Iterator[Any]:
    """Every object in the bucket, for the event runner (ListObjectsV2, paginated)."""
    from devtools.events import StoredObject

    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for entry in page.get("Contents", []):
            yield StoredObject(key=entry["Key"], size=int(entry["Size"]), etag=entry["ETag"].strip('"'))


def _redact_access_log(server: Any) -> None:
    """Make chalice local log request paths without their query string.

    Query strings carry e-mails and search terms (`/admin/customers?email=`), and the access log
    must stay free of PII. Paths only hold ids.
    """
    http_server = server.server
    handler_factory = http_server.RequestHandlerClass
    if not isinstance(handler_factory, functools.partial):
        return
    base: Any = handler_factory.func

    class RedactingHandler(base):  # type: ignore[misc]
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            path = self.path.split("?", 1)[0]
            self.log_message('"%s %s" %s', self.command, path, getattr(code, "value", code))

    http_server.RequestHandlerClass = functools.partial(
        RedactingHandler, *handler_factory.args, **handler_factory.keywords
    )


def _serve_runner_status(server: Any, status: Any) -> None:
    """Answer `GET /_local/events` with the event runner's counts (no keys, no names: no PII).

    Tests (and a curious developer) read it to know that a poll started after an upload has
    finished, instead of guessing how long delivery takes on a busy machine.
    """
    http_server = server.server
    handler_factory = http_server.RequestHandlerClass
    if not isinstance(handler_factory, functools.partial):
        return
    base: Any = handler_factory.func

    class StatusHandler(base):  # type: ignore[misc]
        def do_GET(self) -> None:  # noqa: N802 - http.server names it
            if self.path.split("?", 1)[0] != RUNNER_STATUS_PATH:
                super().do_GET()
                return
            current = status()
            body = json.dumps(current if current is not None else NOT_READY).encode()
            self.send_response(200 if current is not None else 503)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

    http_server.RequestHandlerClass = functools.partial(
        StatusHandler, *handler_factory.args, **handler_factory.keywords
    )


def _install_signal_handlers(stack: LocalStack) -> None:
    def request_stop(signum: int, frame: FrameType | None) -> None:
        if stack.stop_requested.is_set() and signum == signal.SIGINT:
            # Second Ctrl-C: a handler is stuck; interrupt it (shutdown still runs via finally).
            raise KeyboardInterrupt
        print("\nstopping…", file=sys.stderr)
        stack.stop_requested.set()

    # SIGHUP: the terminal running `make run` was closed; still stop cleanly.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, request_stop)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.local_stack",
        description="Run Clientele locally: moto, the API (chalice local) and the event runner. "
        "Ports from $MOTO_PORT (default 5010) and $PORT (default 8000), state in "
        "$CLIENTELE_DATA_DIR (default ./.clientele).",
    )
    parser.add_argument(
        "--project-dir",
        type=Path,
        default=PROJECT_DIR,
        help="Chalice project directory (holds app.py and .chalice/); default: the repository",
    )
    return parser.parse_args(argv)


def configure_logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # botocore logs credential lookups and retries at INFO; they are noise here.
    for noisy in ("botocore", "pynamodb", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    configure_logging()
    try:
        data_dir = resolve_data_dir()
        moto_port = port_from_environment("MOTO_PORT", DEFAULT_MOTO_PORT)
        api_port = port_from_environment("PORT", DEFAULT_API_PORT)
        # Before anything imports chalicelib or app (they read the environment at import).
        prepare_environment(data_dir, moto_port)
        stack = LocalStack(data_dir, moto_port, api_port, args.project_dir.resolve())
        _install_signal_handlers(stack)
        stack.start()
    except LocalStackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    atexit.register(stack.stop)
    try:
        print(stack.banner(), flush=True)
        stack.run()
    except KeyboardInterrupt:
        pass
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
