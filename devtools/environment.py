"""Process environment for the local stack and the CLI.

Everything here must run before anything from `chalicelib` or `app` is imported:
`chalicelib.core.settings` caches the environment on first use and the PynamoDB models read the table
name, region and endpoint when their module is imported.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

DEFAULT_DATA_DIR = ".clientele"
DEFAULT_MOTO_PORT = 5010
DEFAULT_API_PORT = 8000
LOCAL_HOST = "127.0.0.1"
LOCAL_REGION = "us-east-1"
# moto accepts any credentials; fixed dummy values make sure real ones are never used locally.
DUMMY_CREDENTIAL = "local"

TOKEN_SECRET_FILE = "token-secret"  # noqa: S105 - a file name, not a secret
RECORDING_FILE = "moto-recording.jsonl"
OUTBOX_DIR = "outbox"

_TOKEN_SECRET_PATTERN = re.compile(r"[0-9a-f]{64}")
# Variables that would send a boto3 client somewhere other than the embedded moto, or make it
# sign with a real identity. AWS_ENDPOINT_URL_<SERVICE> wins over AWS_ENDPOINT_URL in botocore.
_FOREIGN_AWS_VARIABLES = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


class LocalStackError(RuntimeError):
    """The local stack or CLI cannot run as configured; the message says what to do."""


def resolve_data_dir(raw: str | None = None) -> Path:
    """The data directory, absolute: the argument, else $CLIENTELE_DATA_DIR, else ./.clientele."""
    value = raw or os.environ.get("CLIENTELE_DATA_DIR") or DEFAULT_DATA_DIR
    return Path(value).expanduser().resolve()


def port_from_environment(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        port = int(raw)
    except ValueError:
        raise LocalStackError(f"{name} must be a port number, got {raw!r}") from None
    if not 0 < port < 65536:
        raise LocalStackError(f"{name} must be between 1 and 65535, got {port}")
    return port


def moto_endpoint(port: int) -> str:
    return f"http://{LOCAL_HOST}:{port}"


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` so a reader (or a crash) sees the old or the new content, never half."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def recording_path(data_dir: Path) -> Path:
    return data_dir / RECORDING_FILE


def ensure_token_secret(data_dir: Path) -> str:
    """Generate the token signing secret once (mode 0600) and return it on every later call.

    The secret lives in the data directory rather than the environment so the stack and the CLI
    (and a restarted stack) sign and verify with the same key: tokens survive a restart.
    """
    path = data_dir / TOKEN_SECRET_FILE
    try:
        # O_EXCL: two processes starting together can't both write a different secret.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_token_secret(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return _read_token_secret(path)


def _read_token_secret(path: Path) -> str:
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    value = path.read_text().strip()
    if not _TOKEN_SECRET_PATTERN.fullmatch(value):
        raise LocalStackError(
            f"{path} does not hold a 64-character hex secret; delete it to generate a new one "
            "(existing tokens will stop working)"
        )
    return value


def prepare_environment(data_dir: Path | str, moto_port: int) -> None:
    """Point boto3, PynamoDB and chalicelib.core.settings at the embedded moto on `moto_port`.

    Idempotent: the CLI calls it once it knows which moto (a running stack's or its own) to use.
    """
    data_dir = Path(data_dir).resolve()
    # 0700 when created here: the directory holds customer data and the token secret.
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    (data_dir / OUTBOX_DIR).mkdir(mode=0o700, exist_ok=True)
    secret = ensure_token_secret(data_dir)

    for name in _FOREIGN_AWS_VARIABLES:
        os.environ.pop(name, None)
    for name in [n for n in os.environ if n.startswith("AWS_ENDPOINT_URL_")]:
        os.environ.pop(name)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": moto_endpoint(moto_port),
            "AWS_ACCESS_KEY_ID": DUMMY_CREDENTIAL,
            "AWS_SECRET_ACCESS_KEY": DUMMY_CREDENTIAL,
            "AWS_REGION": LOCAL_REGION,
            "AWS_DEFAULT_REGION": LOCAL_REGION,
            "CLIENTELE_STAGE": "local",
            "CLIENTELE_DATA_DIR": str(data_dir),
            "CLIENTELE_TOKEN_SECRET": secret,
            # Read by moto when its recorder is first imported; LocalAws also sets it explicitly.
            "MOTO_RECORDER_FILEPATH": str(recording_path(data_dir)),
        }
    )
