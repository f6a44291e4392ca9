"""Write-only secrets (the IMAP password, the PrestaShop cookie key): never in the table, never
logged.

In AWS the value lives in Secrets Manager (or an SSM SecureString) and is read through Powertools
Parameters with a short cache; locally it is a file in the data directory, readable by its owner
only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Protocol

import boto3

from chalicelib.core.errors import ServiceUnavailableError
from chalicelib.core.observability import logger
from chalicelib.core.settings import Settings
from chalicelib.core.snapshots import after_restore

SECRETS_MANAGER_REFERENCE = "/aws/reference/secretsmanager/"
# What infra generates into a secret that only the merchant can fill (the PrestaShop cookie key):
# `{"unset": true, "placeholder": "<random>"}` reads as not set.
PLACEHOLDER_START = '{"unset"'


class SecretStore(Protocol):
    def get(self) -> str | None: ...

    def put(self, value: str) -> None: ...


class ParameterSecret:
    def __init__(self, parameter: str, settings: Settings, label: str = "mailbox password") -> None:
        self._parameter = parameter
        self._settings = settings
        self._label = label  # what the log lines call it (never its value)

    def get(self) -> str | None:
        from aws_lambda_powertools.utilities import parameters

        try:
            value = parameters.get_parameter(self._parameter, decrypt=True, max_age=60)
        except Exception:
            logger.warning("secret not readable", secret=self._label)
            return None
        if not isinstance(value, str) or not value or value.startswith(PLACEHOLDER_START):
            return None
        return value

    def put(self, value: str) -> None:
        client: Any
        try:
            if self._parameter.startswith(SECRETS_MANAGER_REFERENCE):
                client = boto3.client("secretsmanager", region_name=self._settings.region)
                client.put_secret_value(
                    SecretId=self._parameter.removeprefix(SECRETS_MANAGER_REFERENCE), SecretString=value
                )
            else:
                client = boto3.client(
                    "ssm", region_name=self._settings.region, endpoint_url=self._settings.endpoint_url
                )
                client.put_parameter(Name=self._parameter, Value=value, Type="SecureString", Overwrite=True)
        except Exception:
            logger.exception("secret not stored", secret=self._label)
            raise ServiceUnavailableError(f"The {self._label} could not be stored; try again.") from None
        from aws_lambda_powertools.utilities import parameters

        parameters.clear_caches()  # type: ignore[no-untyped-call]


@after_restore
def _drop_parameter_providers() -> None:
    """Powertools Parameters keeps its providers (each a boto3 client) and the values they read: a
    restored copy reads the signing key and secrets afresh, with its own client, on first use."""
    if "aws_lambda_powertools.utilities.parameters" not in sys.modules:
        return  # nothing was read before the snapshot
    from aws_lambda_powertools.utilities import parameters
    from aws_lambda_powertools.utilities.parameters.constants import DEFAULT_PROVIDERS

    parameters.clear_caches()  # type: ignore[no-untyped-call]
    DEFAULT_PROVIDERS.clear()


class FileSecret:
    """The local stack's secret store: one file in the data directory, mode 0600."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def get(self) -> str | None:
        try:
            value = self._path.read_text(encoding="utf-8")
        except OSError:
            return None
        return value or None

    def put(self, value: str) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(value)


def imap_password_store(settings: Settings) -> SecretStore:
    if settings.imap_password_parameter:
        return ParameterSecret(settings.imap_password_parameter, settings)
    return FileSecret(Path(settings.data_dir) / "secrets" / f"imap-password-{settings.stage}")


def prestashop_cookie_key_store(settings: Settings) -> SecretStore:
    """The shop's PrestaShop 1.6 `_COOKIE_KEY_` (setting import.prestashop_cookie_key): sign-in
    checks imported `md5(key + password)` hashes with it."""
    if settings.prestashop_cookie_key_parameter:
        return ParameterSecret(settings.prestashop_cookie_key_parameter, settings, "PrestaShop cookie key")
    return FileSecret(Path(settings.data_dir) / "secrets" / f"prestashop-cookie-key-{settings.stage}")
