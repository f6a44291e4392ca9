"""Lambda SnapStart on the app's functions, through overrides of the SAM template chalice packages.

SnapStart restores *published versions* only: an invocation of `$LATEST` initialises from scratch,
flag or not. So each function also gets SAM's `AutoPublishAlias` (a version published on every
change, the alias `live` moved onto it), and everything that invokes a function is pointed at that
alias:

- the API's integrations (chalice's swagger names `${APIHandler.Arn}`) and the permission API Gateway
  invokes with;
- the EventBridge rules of the schedules and of the S3 object-created events: they are the function's
  SAM `Events`, which SAM targets (rule and invoke permission) at the alias once `AutoPublishAlias` is
  set;
- the asynchronous invoke configuration (retries, on-failure DLQ), which Lambda keeps per qualifier
  (the stack passes it through SAM's `EventInvokeConfig`, which SAM qualifies with the alias).

`Function.Alias` is SAM's reference to that alias (in `Ref` and `Fn::Sub`), resolved by the transform
at deploy time, as `RestAPI.Stage` is.
"""

from __future__ import annotations

import re
from typing import Any

import aws_cdk as cdk

from infra.chalice_app import ClienteleChalice

LIVE_ALIAS = "live"
SNAP_START = {"ApplyOn": "PublishedVersions"}
# SnapStart exists for these Python runtimes and later ones only.
OLDEST_SNAP_START_PYTHON = (3, 12)


def alias_of(logical_id: str) -> str:
    """SAM's reference to the alias `AutoPublishAlias` gives the function `logical_id`."""
    return f"{logical_id}.Alias"


def publish_live_alias(function: cdk.CfnResource) -> None:
    """SnapStart on the function's published versions, and the `live` alias on the newest one."""
    function.add_property_override("AutoPublishAlias", LIVE_ALIAS)
    # A new version on any change of the function (timeout, role, ...), not only of its code,
    # environment or memory: the alias then always runs what the template says.
    function.add_property_override("AutoPublishAliasAllProperties", True)
    function.add_property_override("SnapStart", SNAP_START)


def point_api_at_aliases(app: ClienteleChalice, functions: set[str]) -> None:
    """The API's Lambda integrations (every route of chalice's swagger) invoke the functions' aliases."""
    api = app.get_resource("RestAPI")
    definition = app.sam["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    for path, operations in definition["paths"].items():
        for method, operation in operations.items():
            integration = operation.get("x-amazon-apigateway-integration")
            if integration is None:
                continue
            uri = _on_alias(integration["uri"], functions)
            if uri != integration["uri"]:
                # A path's dots are escaped: CDK splits an override's path on unescaped ones.
                escaped = path.replace(".", "\\.")
                api.add_property_override(
                    f"DefinitionBody.paths.{escaped}.{method}.x-amazon-apigateway-integration.uri", uri
                )


def invoke_permissions_on_aliases(app: ClienteleChalice, functions: set[str]) -> None:
    """Every Lambda permission chalice wrote for one of `functions` (API Gateway's) grants its alias:
    a permission on the function alone does not let the caller invoke a qualified ARN."""
    for logical_id, resource in sorted(app.sam["Resources"].items()):
        if resource["Type"] != "AWS::Lambda::Permission":
            continue
        target = resource["Properties"]["FunctionName"]
        if isinstance(target, dict) and target.get("Ref") in functions:
            app.get_resource(logical_id).add_property_override(
                "FunctionName", {"Ref": alias_of(target["Ref"])}
            )


def _on_alias(uri: Any, functions: set[str]) -> Any:
    """An integration URI (`{"Fn::Sub": "...${Fn.Arn}..."}`) naming the function's alias instead.

    The alias goes in as a `Ref` variable of the `Fn::Sub`: SAM resolves `Fn.Alias` in either place,
    cfn-lint only knows it in a `Ref`."""
    if not (isinstance(uri, dict) and isinstance(uri.get("Fn::Sub"), str)):
        return uri
    variables: dict[str, Any] = {}

    def alias(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in functions:
            return match.group(0)
        variable = f"{name}Alias"
        variables[variable] = {"Ref": alias_of(name)}
        return f"${{{variable}}}"

    text = re.sub(r"\$\{([A-Za-z0-9]+)\.Arn\}", alias, uri["Fn::Sub"])
    return {"Fn::Sub": [text, variables]} if variables else uri
