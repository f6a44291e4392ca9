"""`make cli ARGS="..."`: the project's command line, against the local stack's data.

    python -m devtools.cli create-admin EMAIL
    python -m devtools.cli create-storefront-key NAME
    python -m devtools.cli run-schedule NAME [--time 2025-01-31T03:00:00Z]
    python -m devtools.cli ingest-mail FILE.eml [FILE.eml ...]
    python -m devtools.cli import customers|addresses FILE [--mapping NAME] [--preview] [--option K=V ...]
    python -m devtools.cli export customers FILE [--format F]

Works whether `make run` is up or not (see devtools.local_aws.use_local_aws): with a running
stack it talks to that stack's moto; without one it starts its own on a free port over the same
data directory, so what it writes is there at the next `make run`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from devtools.environment import LocalStackError, resolve_data_dir

PROJECT_DIR = Path(__file__).resolve().parents[1]
CHALICE_STAGE = "local"
EXIT_USAGE = 2


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r}") from None
    # A time without an offset is taken as UTC, the zone EventBridge schedules run in.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m devtools.cli",
        description="Clientele's command line, against the local stack in $CLIENTELE_DATA_DIR.",
    )
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="Chalice project directory")
    parser.add_argument(
        "--deployed",
        action="store_true",
        help="use the AWS stage the CLIENTELE_* variables and AWS credentials name, not the local stack",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    admin = commands.add_parser(
        "create-admin", help="create an administrator and print a generated password once"
    )
    admin.add_argument("email", metavar="EMAIL")
    admin.set_defaults(handler=create_admin)

    key = commands.add_parser(
        "create-storefront-key",
        help="create a storefront key for the shop's server and print it once (X-Storefront-Key)",
    )
    key.add_argument("name", metavar="NAME")
    key.set_defaults(handler=create_storefront_key)

    schedule = commands.add_parser(
        "run-schedule", help="run one @app.schedule handler now, as EventBridge would"
    )
    schedule.add_argument("name", metavar="NAME")
    schedule.add_argument(
        "--time",
        type=_parse_time,
        default=None,
        help="the event's time (ISO-8601, default now, UTC without an offset)",
    )
    schedule.set_defaults(handler=run_schedule)

    ingest = commands.add_parser(
        "ingest-mail",
        help="store raw mail files under inbound/ in the bucket, exactly as SES's receipt rule does",
    )
    ingest.add_argument("files", metavar="FILE", nargs="+", type=Path)
    ingest.set_defaults(handler=ingest_mail)
    from devtools import cli_imports

    cli_imports.add_commands(commands)
    return parser


def create_admin(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from chalicelib import bootstrap
    from chalicelib.core.errors import DomainError

    try:
        password = bootstrap.create_admin(args.email)
    except ValidationError as error:
        # Field and reason only: pydantic's message would echo the input back.
        reasons = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'input'}: {e['msg']}" for e in error.errors()
        )
        print(f"error: invalid administrator: {reasons}", file=sys.stderr)
        return 1
    except DomainError as error:
        print(f"error: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    # Printed to the terminal, once, on purpose: it is never logged or stored in clear.
    print("Administrator created.")
    print(f"Password: {password}")
    print("Store it now (e.g. in a password manager): it is not shown again.")
    return 0


def create_storefront_key(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from chalicelib.storefront_keys.schemas import CreateStorefrontKeyRequest
    from chalicelib.wiring import container

    try:
        request = CreateStorefrontKeyRequest(name=args.name)
    except ValidationError:
        print("error: the name must have 1 to 80 characters", file=sys.stderr)
        return 1
    key, plain = container().storefront_keys.create(request.name)
    # Printed once, on purpose: only its hash is stored. The admin screen lists and revokes it.
    print(f"Storefront key {key.id} created.")
    print(f"Key: {plain}")
    print("Give it to the shop's server (never to browsers): it is not shown again.")
    return 0


def run_schedule(args: argparse.Namespace) -> int:
    from chalice.cli.factory import CLIFactory

    from devtools.events import UnknownScheduleError, invoke_schedule, utc_now

    factory = CLIFactory(project_dir=str(args.project_dir.resolve()))
    # Same loading as chalice local: the "local" stage's environment variables, then app.py.
    app = factory.create_config_obj(chalice_stage_name=CHALICE_STAGE).chalice_app
    try:
        result = invoke_schedule(app, args.name, args.time or utc_now())
    except UnknownScheduleError as error:
        known = ", ".join(error.known) or "(none registered)"
        print(f"error: no schedule named {error.name!r}; known: {known}", file=sys.stderr)
        return EXIT_USAGE
    if result is not None:
        print(result)
    return 0


def ingest_mail(args: argparse.Namespace) -> int:
    """Each file becomes `inbound/<id>` in the bucket; the S3 "Object Created" event then runs the
    inbound-mail handler (with `make run` up, within a few seconds)."""
    import boto3

    from chalicelib.core.clock import new_id
    from chalicelib.core.settings import get_settings

    settings = get_settings()
    client = boto3.client("s3", region_name=settings.region, endpoint_url=settings.endpoint_url)
    for path in args.files:
        try:
            raw = path.read_bytes()
        except OSError as error:
            print(f"error: {path}: {error.strerror}", file=sys.stderr)
            return 1
        key = f"inbound/{new_id().lower()}"
        client.put_object(Bucket=settings.bucket_name, Key=key, Body=raw)
        print(f"{path} -> s3://{settings.bucket_name}/{key}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    handler: Callable[[argparse.Namespace], int] = args.handler
    if getattr(args, "quiet_app", False):
        from devtools.cli_imports import quiet_app_logs

        quiet_app_logs()
    if args.deployed:
        # A deployed stage (README "Deploy"): settings come from the environment as in Lambda.
        return handler(args)
    try:
        # Imported late: it imports moto, which reads the recorder path when first imported.
        from devtools.local_aws import use_local_aws

        with use_local_aws(resolve_data_dir()):
            return handler(args)
    except LocalStackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
