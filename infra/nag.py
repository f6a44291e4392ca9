"""cdk-nag: the AwsSolutions pack on every stack, and the one way to acknowledge a finding (with a reason).

infra.app runs the pack over the whole app before synthesising (cdk-nag 3's `validate_scope`) and
writes `cdk-nag.json` beside the templates: the unacknowledged findings (synthesis then fails) and
every acknowledgment with its reason. Acknowledgments are CDK's `Validations.of(...).acknowledge`.
"""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import Construct

NAG_REPORT = "cdk-nag.json"

# Every acknowledgment made while building the app: (construct path, finding id, reason), for the docs.
ACKNOWLEDGED: list[tuple[str, str, str]] = []


def suppress(construct: Construct, finding: str, reason: str) -> None:
    """Acknowledge one cdk-nag finding (`AwsSolutions-XXX` or `AwsSolutions-IAM5[Resource::...]`)."""
    if len(reason) < 20:
        raise ValueError(f"a cdk-nag acknowledgment needs its reason: {finding}")
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=finding, reason=reason))
    ACKNOWLEDGED.append((construct.node.path, finding, reason))


def check(app: cdk.App) -> dict[str, Any]:
    """Run the AwsSolutions pack over `app`: {"pack", "findings": [...], "acknowledged": [...]}."""
    report = AwsSolutionsChecks(verbose=True).validate_scope(app)
    findings = [
        {
            "rule": violation.rule_name,
            "description": violation.description,
            "resources": sorted(resource.construct_path or "" for resource in violation.violating_resources),
        }
        for violation in report.violations
    ]
    acknowledged = [
        {"construct": path, "finding": finding, "reason": reason} for path, finding, reason in ACKNOWLEDGED
    ]
    return {
        "pack": "AwsSolutions",
        "success": report.success,
        "findings": findings,
        "acknowledged": acknowledged,
    }
