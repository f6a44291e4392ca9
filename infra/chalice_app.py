"""`chalice.cdk.Chalice`, packaged for a named stage, with the functions the app declares listed."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Any

from chalice.cdk import Chalice
from chalice.utils import to_cfn_resource_name
from constructs import Construct

from infra.permissions import API_HANDLER

# The Lambda runtime of every function of the app: the project's Python (pyproject.toml, Makefile).
# Chalice derives it from the interpreter it runs on; the stack states it, so the template does not
# change with whoever synthesises it, and `make deploy` runs in the project's 3.13 virtualenv, so the
# wheels chalice packages are the ones this runtime loads.
LAMBDA_RUNTIME = "python3.13"


@dataclass(frozen=True)
class AppFunction:
    """One Lambda function of the packaged app."""

    name: str  # the Chalice name: "api_handler", a handler's name= ("import-watchdog"), ...
    logical_id: str  # its logical ID in the SAM template chalice packages
    asynchronous: bool  # invoked by EventBridge (schedules, events): retries and a dead-letter queue


def _forget_app_modules() -> None:
    # app.py and chalicelib read settings when imported (the import handlers' event patterns name the
    # bucket): chalice must import them afresh with this stage's environment, not reuse another stage's.
    for module in list(sys.modules):
        if module == "app" or module == "chalicelib" or module.startswith("chalicelib."):
            del sys.modules[module]


class ClienteleChalice(Chalice):
    """The Chalice construct packaged for `stage` (not the scope's name) and read back."""

    def __init__(
        self, scope: Construct, id: str, *, source_dir: str, stage: str, stage_config: dict[str, Any]
    ):
        self._clientele_stage = stage
        self.sam: dict[str, Any] = {}
        super().__init__(scope, id, source_dir=source_dir, stage_config=stage_config)
        self.functions = self._functions()

    def _package_app(self) -> None:
        from chalice import api

        _forget_app_modules()
        api.package_app(
            project_dir=self.source_dir,
            output_dir=self._sam_package_dir,
            stage=self._clientele_stage,
            chalice_config=self.stage_config,
        )

    def _generate_sam_template_with_assets(self, chalice_out_dir: str, package_id: str) -> str:
        path: str = super()._generate_sam_template_with_assets(chalice_out_dir, package_id)
        with open(path) as template:
            self.sam = json.load(template)
        return path

    def _functions(self) -> list[AppFunction]:
        app = sys.modules["app"].app  # imported by chalice while packaging, with the stage's environment
        functions: dict[str, AppFunction] = {}
        if app.routes:
            functions["APIHandler"] = AppFunction(API_HANDLER, "APIHandler", asynchronous=False)
        for source in app.event_sources:
            logical_id = to_cfn_resource_name(source.name)
            functions[logical_id] = AppFunction(source.name, logical_id, asynchronous=True)
        for name in app.pure_lambda_functions:
            logical_id = to_cfn_resource_name(name.name)
            functions[logical_id] = AppFunction(name.name, logical_id, asynchronous=False)
        packaged = {
            key
            for key, value in self.sam["Resources"].items()
            if value["Type"] == "AWS::Serverless::Function"
        }
        if packaged != set(functions):
            raise RuntimeError(
                f"packaged functions {sorted(packaged)} differ from the app's {sorted(functions)}"
            )
        return sorted(functions.values(), key=lambda f: f.logical_id)
