"""The environment of a deployed function, checked both ways against `chalicelib.core.settings`.

Every variable `settings.py` reads is either set in the template or listed in `LOCAL_ONLY` with the
reason; the template sets nothing else except the Powertools variables (read by Powertools itself,
from `.chalice/config.json`). tests/infra asserts both directions.
"""

from __future__ import annotations

from collections.abc import Mapping

from chalicelib.core.settings import ENVIRONMENT_VARIABLES, Settings

# Read by settings.py, deliberately absent from the deployed template.
LOCAL_ONLY: dict[str, str] = {
    "AWS_REGION": "set by the Lambda runtime itself (a reserved variable)",
    "AWS_ENDPOINT_URL": "the local AWS (moto) endpoint; deployed functions use the real endpoints",
    "CLIENTELE_TOKEN_SECRET": "the key in clear (local stack); AWS reads CLIENTELE_TOKEN_SECRET_PARAMETER",
    "CLIENTELE_ORIGIN_SECRET": "CloudFront's origin header value in clear (local stack, tests); AWS reads "
    "CLIENTELE_ORIGIN_SECRET_PARAMETER",
    "CLIENTELE_DATA_DIR": "the local stack's data directory (outbox, moto state)",
    "CLIENTELE_ADMIN_EMAIL": "first admin at the local stack's start; deployed: make cli create-admin",
    "CLIENTELE_ADMIN_PASSWORD": "first admin at the local stack's start; deployed: make cli create-admin",
    "PORT": "the local stack's API port: local mail links point at it (AWS uses public_api_url)",
}

# Read by aws-lambda-powertools (not settings.py); set for every stage in .chalice/config.json.
POWERTOOLS_VARIABLES: tuple[str, ...] = (
    "POWERTOOLS_SERVICE_NAME",
    "POWERTOOLS_METRICS_NAMESPACE",
    "POWERTOOLS_LOG_LEVEL",
)


class DeployedEnvironmentError(RuntimeError):
    """The deployed environment does not cover what settings.py reads."""


def deployed_variables() -> set[str]:
    """Every variable a deployed function must have."""
    return (set(ENVIRONMENT_VARIABLES) - set(LOCAL_ONLY)) | set(POWERTOOLS_VARIABLES)


def lambda_environment(explicit: Mapping[str, str]) -> dict[str, str]:
    """The settings variables for the template: `explicit` values, the rest from the Settings defaults.

    A setting without a default that is neither given nor local-only stops the synthesis, so a new
    setting can't reach AWS unset. Raises: DeployedEnvironmentError.
    """
    unknown = set(explicit) - set(ENVIRONMENT_VARIABLES)
    if unknown:
        raise DeployedEnvironmentError(f"not read by settings.py: {', '.join(sorted(unknown))}")
    values = dict(explicit)
    for name, field in ENVIRONMENT_VARIABLES.items():
        if name in values or name in LOCAL_ONLY:
            continue
        default = Settings.model_fields[field].default
        if default is None:
            raise DeployedEnvironmentError(
                f"{name} has no default: set it in infra/stack.py or list it in infra.environment.LOCAL_ONLY"
            )
        values[name] = str(default)
    return values
