"""No 5xx on bad input (issue 16 §5): what the fuzzing run (tests/fuzz) found, and the reports it
was built from, as one regression test each; and the 500 log line never carries the input."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tests.integration.conftest import Api

SECRET_LOOKING = "tok-" + "s3cr3t" * 5


@pytest.mark.parametrize(
    "body",
    [
        {"token": 123},
        {"token": "x" * 5000},
        ["a"],
        {"other": 1},
        {},
        "a string",
        None,
        {"token": None},
    ],
)
def test_unsubscribe_with_a_malformed_body_is_400(anonymous: Api, body: Any) -> None:
    status, answer = anonymous.json("POST", "/store/unsubscribe", json.dumps(body))
    assert status == 400, answer
    assert set(answer) <= {"Code", "Message", "Fields"}
    assert "x" * 50 not in json.dumps(answer)


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("depth", [100, 900, 5000, 100_000])
def test_deeply_nested_json_to_the_inline_import_is_400(admin: Api, depth: int) -> None:
    raw = '{"rows": ' + _nested(depth) + "}"
    status, answer = admin.json("POST", "/admin/customers/import?kind=customers", raw)
    assert status == 400, answer


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/admin/customers"),
        ("POST", "/store/unsubscribe"),
        ("POST", "/store/contact"),
        ("PATCH", "/admin/settings"),
    ],
)
def test_deeply_nested_json_anywhere_is_400(admin: Api, method: str, path: str) -> None:
    for depth in (900, 100_000):
        caller = admin if path.startswith("/admin") else Api(admin.client)
        status, answer = caller.json(method, path, '{"a": ' + _nested(depth) + "}")
        assert status == 400, (depth, answer)
        assert answer["Code"] in ("BadRequest", "ValidationError")


def test_the_500_log_line_names_the_error_and_route_never_the_input(
    anonymous: Api, app_logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pydantic import BaseModel

    from chalicelib.wiring import container

    class Strict(BaseModel):
        token: int

    def explode(_service: object, token: str | None) -> str:
        # What a bug deep in a service looks like: Pydantic's message quotes the input.
        Strict.model_validate({"token": token})
        return "email_marketing"

    monkeypatch.setattr(type(container().consents), "unsubscribe", explode)  # services are frozen
    status, answer = anonymous.json("POST", "/store/unsubscribe", {"token": SECRET_LOOKING})
    assert status == 500 and answer == {"Code": "InternalError", "Message": "An unexpected error occurred."}
    logs = app_logs.getvalue()
    assert "unhandled error" in logs and "ValidationError" in logs and "/store/unsubscribe" in logs
    assert SECRET_LOOKING not in logs
    assert "input_value" not in logs
