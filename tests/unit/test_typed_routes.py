"""Typed requests (issue 18 §5): a route is declared with a frozen RouteSpec, and its view's
body, query and principal types are checked by mypy against what the decorator validates."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from mypy import api as mypy_api

from chalicelib.customers.schemas import NoteRequest
from chalicelib.handlers.http import (
    ADMIN,
    CUSTOMER,
    PUBLIC,
    SHOPPER,
    STAFF,
    MergePatch,
    RouteSpec,
    _to_response,
)

ROOT = Path(__file__).resolve().parents[2]
VIEWS = ROOT / "tests" / "fixtures" / "typing" / "route_views.py"


def test_a_route_spec_is_frozen_and_keeps_the_options_meaning() -> None:
    spec = RouteSpec(summary="s", roles=ADMIN, body=NoteRequest, status=201)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.status = 200  # type: ignore[misc]
    assert spec.documented_body() is NoteRequest
    assert RouteSpec(summary="p", roles=ADMIN, body=MergePatch(NoteRequest)).documented_body() is NoteRequest
    assert RouteSpec(summary="d", roles=PUBLIC, doc_body=NoteRequest).documented_body() is NoteRequest
    assert RouteSpec(summary="n", roles=PUBLIC).documented_body() is None
    with pytest.raises(TypeError, match="needs a replay"):
        RouteSpec(summary="retried", roles=ADMIN, idempotent=True)


def test_roles_name_the_same_callers_as_before() -> None:
    assert (ADMIN.callers, STAFF.callers, CUSTOMER.callers, PUBLIC.callers, SHOPPER.callers) == (
        ("admin",),
        ("admin", "support"),
        ("customer",),
        (),
        ("shopper",),
    )


def test_no_view_checks_what_the_decorator_already_did() -> None:
    handlers = sorted((ROOT / "chalicelib" / "handlers").glob("*.py"))
    offenders = [
        f"{path.name}:{number}"
        for path in handlers
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"assert call\.principal is not None", line)
    ]
    assert offenders == []
    untyped = [
        path.name
        for path in handlers
        if re.search(r"^\s+(summary|roles)=", path.read_text(), re.M) and "RouteSpec(" not in path.read_text()
    ]
    assert untyped == []


def test_a_204_view_returns_nothing_and_route_writes_the_empty_answer() -> None:
    # Every DELETE (and the two password resets) used to build `Response(body="", status_code=204)`
    # itself; the views now return None and the answer is exactly the one they built.
    answer = _to_response(None, 204)
    assert (answer.status_code, answer.body, answer.headers) == (204, "", {})
    # None on any other status is still the JSON the view asked for, not a silent 204.
    assert (_to_response(None, 200).status_code, _to_response(None, 200).body) == (200, "null")


@pytest.mark.slow
def test_mypy_refuses_a_view_that_does_not_match_its_route_spec() -> None:
    out, err, status = mypy_api.run(
        ["--strict", "--follow-imports=silent", "--no-error-summary", "--hide-error-context", str(VIEWS)]
    )
    refused = {n for n, line in enumerate(VIEWS.read_text().splitlines(), 1) if line.endswith("# refused")}
    # mypy reports the decorator's line, the one above the view.
    reported = {int(m.group(1)) + 1 for m in re.finditer(r"route_views\.py:(\d+): error", out)}
    assert status == 1, err
    assert reported == refused, out
