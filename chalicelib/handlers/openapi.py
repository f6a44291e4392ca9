"""GET /openapi.json: generated from the route registry and the same Pydantic schemas."""

from __future__ import annotations

import importlib
import re
from typing import Any

from chalice.app import Blueprint, Response
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from chalicelib.core.schemas import ErrorResponse
from chalicelib.handlers.http import PUBLIC, REGISTRY, Call, RouteDoc, Routes, RouteSpec
from chalicelib.handlers.route_table import ROUTES

openapi = Blueprint(__name__)
api = Routes(openapi)

_ERRORS = {
    "400": "Invalid request (validation errors list `Fields`)",
    "401": "Missing or invalid token",
    "403": "Role not allowed",
    "404": "Not found",
    "409": "Conflict",
    "422": "Rule violation",
    "429": "Throttled",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    required = set(schema.get("required", []))
    return [
        {"name": name, "in": "query", "required": name in required, "schema": prop}
        for name, prop in schema.get("properties", {}).items()
    ]


def _operation(spec: RouteDoc) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"{(\w+)}", spec.path)
    ]
    if spec.query is not None:
        parameters += _query_parameters(spec.query)
    if spec.path.startswith("/store/"):
        parameters += [
            {
                "name": "X-Storefront-Key",
                "in": "header",
                "required": spec.storefront_key,
                "description": "The shop server's storefront key"
                + (" (required here, with the cart's own credential)" if spec.storefront_key else ""),
                "schema": {"type": "string"},
            },
            {
                "name": "X-Buyer-IP",
                "in": "header",
                "required": False,
                "description": "With a valid X-Storefront-Key: the shopper IP (throttles, last connections)",
                "schema": {"type": "string"},
            },
        ]
    success: dict[str, Any] = {"description": "Success"}
    if spec.response is not None:
        success["content"] = {spec.content_type: {"schema": _ref(spec.response)}}
    responses: dict[str, Any] = {str(spec.status): success}
    for answer, model in spec.also:
        responses[str(answer)] = {
            "description": model.__doc__.strip().splitlines()[0] if model.__doc__ else "Success",
            "content": {"application/json": {"schema": _ref(model)}},
        }
    error_body = {"content": {"application/json": {"schema": _ref(ErrorResponse)}}}
    for code, text in _ERRORS.items():
        if code in ("401", "403") and spec.roles == PUBLIC.callers:
            continue
        responses[code] = {"description": text} | error_body
    operation: dict[str, Any] = {
        "summary": spec.summary,
        "operationId": f"{spec.method.lower()}_{re.sub(r'[^a-z0-9]+', '_', spec.path.lower())}".strip("_"),
        "parameters": parameters,
        "responses": responses,
    }
    if spec.roles:
        operation["security"] = [{"bearer": []}]
        operation["x-roles"] = list(spec.roles)
    if spec.body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(spec.body)}},
        }
    return operation


def build_openapi() -> dict[str, Any]:
    # Every route module declared: where the API loads them on first use (lazy_routes.py), a
    # module's declarations fill REGISTRY when it is imported.
    for module_name in ROUTES:
        importlib.import_module(module_name)
    models: set[type[BaseModel]] = {ErrorResponse}
    paths: dict[str, dict[str, Any]] = {}
    for spec in REGISTRY.routes:
        models.update(m for m in (spec.body, spec.response) if m is not None)
        models.update(model for _, model in spec.also)
        paths.setdefault(spec.path, {})[spec.method.lower()] = _operation(spec)
    ordered = sorted(models, key=lambda m: m.__name__)
    _, schema = models_json_schema(
        [(m, "serialization" if m is not ErrorResponse else "validation") for m in ordered],
        ref_template="#/components/schemas/{model}",
    )
    return {
        "openapi": "3.1.0",
        "info": {"title": "Clientele", "version": "1.0.0"},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": schema.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@api.get("/openapi.json", RouteSpec("This document", PUBLIC))
def openapi_document(call: Call) -> Response:
    return Response(body=build_openapi(), status_code=200, headers={"Content-Type": "application/json"})
