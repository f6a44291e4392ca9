"""Stage parameters: `cdk.json` context `clientele:stages`, one entry per deployed stage."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
CDK_JSON = PROJECT_DIR / "cdk.json"
STAGES_CONTEXT_KEY = "clientele:stages"
APP_NAME = "clientele"
# Every stage is deployed in us-east-1: the CLOUDFRONT-scope WAF web ACL (and, later, the certificate of
# a custom domain) can only be created there, and SES receives mail there. One stack per stage, so no
# cross-region references (their custom-resource Lambdas and SSM copies); see infra/README.md.
REGION = "us-east-1"


@dataclass(frozen=True)
class StageConfig:
    name: str
    # Production stages keep their data: deletion protection and RETAIN on the table, bucket and secrets.
    production: bool
    # Mail for any address at this domain is written by SES under inbound/ (MX record → SES inbound).
    receiving_domain: str
    # The verified SES identity (domain) the shop sends from; the only identity the functions may use.
    sending_identity: str
    # Alarm notifications go to this address when set (SNS e-mail subscription, confirmed by mail).
    alarm_email: str
    log_retention_days: int
    # Lambda SnapStart on the app's functions (infra/snap_start.py): a restore from a snapshot of the
    # initialised function instead of a cold start, billed per GB cached and per GB restored.
    snap_start: bool
    # X-Ray: the share of API requests traced (the sampling rule of the API stage, infra/tracing.py)
    # and how many a second are traced before that share applies. 0.05 and 0 in prod: at a shop's
    # ~0.1 requests a second, a reservoir of even 1 a second would trace nearly every request.
    trace_sample_rate: float
    trace_reservoir_per_second: int

    @property
    def stack_name(self) -> str:
        return f"{APP_NAME}-{self.name}"

    def secret_name(self, what: str) -> str:
        return f"{APP_NAME}/{self.name}/{what}"

    @classmethod
    def from_context(cls, name: str, values: dict[str, Any]) -> StageConfig:
        return cls(
            name=name,
            production=bool(values["production"]),
            receiving_domain=str(values["receivingDomain"]),
            sending_identity=str(values["sendingIdentity"]),
            alarm_email=str(values.get("alarmEmail") or ""),
            log_retention_days=int(values["logRetentionDays"]),
            snap_start=bool(values["snapStart"]),
            trace_sample_rate=float(values["traceSampleRate"]),
            trace_reservoir_per_second=int(values["traceReservoirPerSecond"]),
        )


def cdk_context() -> dict[str, Any]:
    """The context in cdk.json (the CDK CLI passes the same; `python -m infra.app` reads it here)."""
    context: dict[str, Any] = json.loads(CDK_JSON.read_text())["context"]
    return context


def stages(context: dict[str, Any], only: str | None = None) -> list[StageConfig]:
    """The stages to synthesise: all of them, or the one `-c stage=NAME` names."""
    declared: dict[str, Any] = context[STAGES_CONTEXT_KEY]
    if only is not None and only not in declared:
        raise SystemExit(f"unknown stage {only!r}; cdk.json declares {', '.join(sorted(declared))}")
    names = [only] if only else sorted(declared)
    return [StageConfig.from_context(name, declared[name]) for name in names]
