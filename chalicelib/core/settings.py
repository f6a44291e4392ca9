"""The only reader of the process environment: a validated, cached Settings object.

Every other module asks `get_settings()`; tests change the environment and call
`get_settings.cache_clear()`.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

Stage = Literal["local", "test", "dev", "prod"]

# Environment variable → Settings field. Infra tests check this list against the deployed template.
ENVIRONMENT_VARIABLES: dict[str, str] = {
    "CLIENTELE_STAGE": "stage",
    "CLIENTELE_TABLE_NAME": "table_name",
    "CLIENTELE_BUCKET_NAME": "bucket_name",
    "AWS_REGION": "region",
    "AWS_ENDPOINT_URL": "endpoint_url",
    "CLIENTELE_TOKEN_SECRET": "token_secret",
    "CLIENTELE_TOKEN_SECRET_PARAMETER": "token_secret_parameter",
    "CLIENTELE_TOKEN_TTL_MINUTES": "token_ttl_minutes",
    "CLIENTELE_MAX_BODY_BYTES": "max_body_bytes",
    "CLIENTELE_DATA_DIR": "data_dir",
    "CLIENTELE_ADMIN_EMAIL": "admin_email",
    "CLIENTELE_ADMIN_PASSWORD": "admin_password",
    "CLIENTELE_LOGIN_MAX_FAILURES": "login_max_failures",
    "CLIENTELE_LOGIN_WINDOW_SECONDS": "login_window_seconds",
    "CLIENTELE_LOGIN_MAX_FAILURES_PER_IP": "login_max_failures_per_ip",
    "CLIENTELE_MAIL_TRANSPORT": "mail_transport",
    "CLIENTELE_IMAP_PASSWORD_PARAMETER": "imap_password_parameter",
    "CLIENTELE_COOKIE_KEY_PARAMETER": "prestashop_cookie_key_parameter",
    "CLIENTELE_ORIGIN_SECRET_PARAMETER": "origin_secret_parameter",
    "CLIENTELE_ORIGIN_SECRET": "origin_secret",
    "CLIENTELE_IMPORT_WRITE_UNITS_PER_SECOND": "import_write_units_per_second",
    "PORT": "api_port",
}


class SettingsError(RuntimeError):
    """The environment does not describe a runnable configuration."""


class Settings(BaseModel):
    """Process configuration, validated once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    stage: Stage = "local"
    table_name: str = Field(default="clientele", min_length=3, max_length=255)
    bucket_name: str = Field(default="clientele-local", min_length=3, max_length=63)
    region: str = "us-east-1"
    endpoint_url: str | None = None
    # Signing key for employee/customer tokens and list cursors. Either given directly
    # (local stack: generated into the data dir) or read from SSM Parameter Store in AWS.
    token_secret: str | None = Field(default=None, min_length=32)
    token_secret_parameter: str | None = None
    token_ttl_minutes: int = Field(default=480, ge=5, le=7 * 24 * 60)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    data_dir: str = ".clientele"
    admin_email: str | None = None
    admin_password: str | None = None
    # Sign-in throttling (OWASP): failures per (account, client IP) pair, and per client IP across
    # accounts, in one window. No limit is per account alone (see services/throttle.LoginThrottle).
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_max_failures_per_ip: int = Field(default=50, ge=1, le=10_000)
    login_window_seconds: int = Field(default=900, ge=60)
    # "ses" in AWS; "outbox" writes .eml files to <data_dir>/outbox (the local stack's default).
    mail_transport: Literal["ses", "outbox"] | None = None
    # In AWS: the SSM name (a Secrets Manager reference) of the mailbox password mail polling reads.
    imap_password_parameter: str | None = None
    # In AWS: the SSM name (a Secrets Manager reference) of the shop's PrestaShop 1.6 cookie key,
    # which sign-in needs for imported MD5 password hashes (shop setting import.prestashop_cookie_key).
    prestashop_cookie_key_parameter: str | None = None
    # The value CloudFront sends in X-Clientele-Origin-Verify on the API origin: given directly
    # (local stack, tests) or, in AWS, read from the SSM name of its Secrets Manager reference.
    # When one is configured, /store and /admin calls without it are refused (nobody can go
    # around CloudFront to the API stage) and CloudFront-Viewer-Address is the client's IP.
    origin_secret: str | None = Field(default=None, min_length=32)
    origin_secret_parameter: str | None = None

    # The CSV import's pace: write units per second it may put on one index partition (every
    # profile sits in the constant CUSTOMERS partition of each sort index). A partition takes about
    # 1,000; the default leaves half to the shop's own traffic (docs/keys.md, "Write-rate arguments").
    import_write_units_per_second: int = Field(default=500, ge=10, le=1000)

    # The port the local stack serves the API on (`make run`, $PORT); unused in AWS.
    api_port: int = Field(default=8000, ge=1, le=65535)

    @property
    def local_api_url(self) -> str | None:
        """The API's own address on the local stack (links in mail point there), derived from the
        port it serves; None elsewhere (AWS stages keep the shop setting `public_api_url`)."""
        return f"http://127.0.0.1:{self.api_port}" if self.stage == "local" else None

    @property
    def effective_mail_transport(self) -> Literal["ses", "outbox"]:
        if self.mail_transport:
            return self.mail_transport
        return "outbox" if self.stage in ("local", "test") else "ses"

    @field_validator(
        "endpoint_url",
        "token_secret_parameter",
        "admin_email",
        "admin_password",
        "imap_password_parameter",
        "prestashop_cookie_key_parameter",
        "origin_secret",
        "origin_secret_parameter",
    )
    @classmethod
    def _empty_is_none(cls, value: str | None) -> str | None:
        return value or None


def _read_environment() -> dict[str, str]:
    values: dict[str, str] = {}
    for env_name, field in ENVIRONMENT_VARIABLES.items():
        raw = os.environ.get(env_name)
        if raw is not None and raw != "":
            values[field] = raw
    if "region" not in values and os.environ.get("AWS_DEFAULT_REGION"):
        values["region"] = os.environ["AWS_DEFAULT_REGION"]
    return values


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Read and validate the environment once. Raises: SettingsError."""
    try:
        return Settings.model_validate(_read_environment())
    except ValidationError as error:
        fields = ", ".join(".".join(str(p) for p in e["loc"]) for e in error.errors())
        raise SettingsError(f"invalid configuration: {fields}") from None


def lambda_function_name() -> str | None:
    """The Lambda function this process serves (Lambda sets AWS_LAMBDA_FUNCTION_NAME; so does SAM
    local), None elsewhere: tests, the local stack, `chalice package`. Read apart from Settings:
    app.py asks at import, where `chalice package` has no table or bucket configured."""
    return os.environ.get("AWS_LAMBDA_FUNCTION_NAME") or None
