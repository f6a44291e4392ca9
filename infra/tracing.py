"""X-Ray tracing at the stage's sampling rate (`traceSampleRate`, `traceReservoirPerSecond` in
cdk.json), through overrides of the SAM template chalice packages (its `"xray": true` traces every
function `Active`).

Lambda's own sampling (1 request a second, then 5 %) cannot be configured and, at a shop's traffic,
traces nearly every invocation: X-Ray bills each trace. So the API stage samples instead: API Gateway
traces by an X-Ray sampling rule matched on this stage's ARN, and the API function passes its
decision through (`PassThrough`: traced only when API Gateway sampled the request). The event
functions (schedules, S3 events) have nobody upstream to decide: they are traced (`Active`, every run
at their rates) only where the stage traces everything; elsewhere their failures are paged by the
dead-letter queue and their durations are in Lambda's REPORT log lines.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_xray as xray

from infra.chalice_app import AppFunction, ClienteleChalice
from infra.permissions import API_HANDLER
from infra.stages import StageConfig

# Evaluated before X-Ray's default rule (priority 10000); no other rule of the account matches this
# stage's ARN.
SAMPLING_RULE_PRIORITY = 100


def traces_every_request(stage: StageConfig) -> bool:
    return stage.trace_sample_rate >= 1.0


def function_tracing(function: AppFunction, stage: StageConfig) -> str:
    """The function's `Tracing` mode: the API's follows API Gateway's sampling decision."""
    if function.name == API_HANDLER:
        return "PassThrough"
    return "Active" if traces_every_request(stage) else "PassThrough"


def sample_api_stage(
    scope: cdk.Stack, app: ClienteleChalice, stage: StageConfig, api_stage_name: str
) -> None:
    """API Gateway tracing on the stage, sampled by a rule of the stage's rate and reservoir."""
    api = app.get_resource("RestAPI")
    api.add_property_override("TracingEnabled", True)
    stage_arn = cdk.Fn.join(
        "",
        [
            f"arn:{scope.partition}:apigateway:{scope.region}::/restapis/",
            api.ref,
            f"/stages/{api_stage_name}",
        ],
    )
    xray.CfnSamplingRule(
        scope,
        "ApiSampling",
        sampling_rule=xray.CfnSamplingRule.SamplingRuleProperty(
            rule_name=f"{stage.stack_name}-api"[:32],
            priority=SAMPLING_RULE_PRIORITY,
            fixed_rate=stage.trace_sample_rate,
            reservoir_size=stage.trace_reservoir_per_second,
            # The API is named after the app in every stage: its stage's ARN tells them apart.
            service_name="*",
            service_type="AWS::ApiGateway::Stage",
            resource_arn=stage_arn,
            host="*",
            http_method="*",
            url_path="*",
            version=1,
        ),
    )
