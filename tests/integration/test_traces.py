"""What the X-Ray tracer records (issue 16 §4): never a response (tokens, personal data) and
never an exception's text (it can quote the caller's input).

Tests run with tracing off, where lambda_middleware() leaves the tracing middleware out (and the
X-Ray SDK unimported); the fixture puts that same middleware in place, as a traced stage has it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

import app
from chalicelib.core.observability import tracer
from chalicelib.handlers.middleware import tracing_middleware
from tests.integration.conftest import Api


class _Subsegment:
    def __init__(self, recorded: list[tuple[str, Any]]) -> None:
        self._recorded = recorded

    def put_metadata(self, key: str, value: Any, namespace: str = "default") -> None:
        self._recorded.append((key, value))

    def put_annotation(self, key: str, value: Any) -> None:
        pass

    def add_exception(self, exception: BaseException, stack: Any, remote: bool = False) -> None:
        self._recorded.append(("exception", str(exception)))


class _Provider:
    """Stands in for the X-Ray recorder: keeps what the tracer would send."""

    def __init__(self) -> None:
        self.recorded: list[tuple[str, Any]] = []
        self.subsegments: list[str] = []

    @contextmanager
    def in_subsegment(self, name: str, **_kw: Any) -> Iterator[_Subsegment]:
        self.subsegments.append(name)
        yield _Subsegment(self.recorded)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> _Provider:
    provider = _Provider()
    monkeypatch.setattr(tracer(), "provider", provider)
    monkeypatch.setattr(
        app.app, "middleware_handlers", [*app.app.middleware_handlers, (tracing_middleware(), "all")]
    )
    return provider


def test_traces_hold_no_response_and_no_error_text(anonymous: Api, recorder: _Provider) -> None:
    body = {
        "first_name": "Léa",
        "last_name": "Martin",
        "email": "lea@example.com",
        "password": "Correct-horse-42",
    }
    status, session = anonymous.json("POST", "/store/register", body)
    assert status == 201
    status, login = anonymous.json(
        "POST", "/store/login", {"email": "lea@example.com", "password": "Correct-horse-42"}
    )
    assert status == 200
    assert recorder.subsegments, "the tracing middleware did not run"
    recorded = repr(recorder.recorded)
    for secret in (session["token"], login["token"], "lea@example.com", "Martin"):
        assert secret not in recorded
    assert not [key for key, _ in recorder.recorded if "response" in key]
