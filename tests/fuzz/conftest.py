"""The fuzzing run's stack: the Chalice app in-process behind a small WSGI adapter, over moto.

Schemathesis drives WSGI apps in-process; Chalice apps are not WSGI, so `ChaliceWsgi` hands each
request to chalice's own `LocalGateway` — the same API Gateway emulation `chalice.test.Client` and
the local stack (`chalice local`) use — and turns its answer back into a WSGI response.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from _pytest.nodeid import coerce_node_id
from chalice.config import Config
from chalice.local import LocalGateway, LocalGatewayException
from moto import mock_aws
from werkzeug.test import Client

from chalicelib import bootstrap
from chalicelib.core.settings import get_settings
from chalicelib.wiring import build_container, use_container
from tests.fakes.mail import MemoryMailer

ADMIN_EMAIL = "fuzz-owner@example.com"
ADMIN_PASSWORD = "correct horse battery staple"

StartResponse = Callable[[str, list[tuple[str, str]]], Any]


class ChaliceWsgi:
    """A WSGI application that serves a Chalice app through chalice's LocalGateway."""

    def __init__(self, app: Any) -> None:
        self.gateway = LocalGateway(app, Config(chalice_stage="fuzz"))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = quote(environ.get("PATH_INFO") or "/", safe="/%:@!$&'()*+,;=-._~")
        if environ.get("QUERY_STRING"):
            path += "?" + environ["QUERY_STRING"]
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        for key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if environ.get(key):
                headers[key.replace("_", "-").lower()] = environ[key]
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            answer = self.gateway.handle_request(
                method=environ["REQUEST_METHOD"], path=path, headers=headers, body=body
            )
            status, out_headers, out_body = answer["statusCode"], answer["headers"], answer["body"]
        except LocalGatewayException as error:  # no such route: API Gateway's own 403
            status, out_headers, out_body = error.CODE, error.headers, error.body or b""
        if isinstance(out_body, str):
            out_body = out_body.encode()
        out_body = out_body or b""
        start_response(f"{status} -", [(str(k), str(v)) for k, v in out_headers.items()])
        return [out_body]


def chalice_wsgi() -> ChaliceWsgi:
    from app import app

    return ChaliceWsgi(app)


@dataclass(frozen=True)
class Callers:
    """Who the run calls as: an admin's bearer token, and the shop server's storefront key (None
    while the API has no storefront keys)."""

    admin_token: str
    storefront_key: str | None


@pytest.fixture(scope="module")
def fuzz_callers() -> Iterator[Callers]:
    """The stack (moto, table, bucket, defaults), an admin and a storefront key, made through the
    API. One table for the whole run: a fresh one per operation would cost more than the
    operation's requests."""
    from chalicelib.staff.schemas import CreateEmployeeRequest
    from chalicelib.wiring import container

    with mock_aws():
        bootstrap.ensure_table()
        bootstrap.ensure_bucket()
        use_container(build_container(get_settings(), mailer=MemoryMailer()))
        bootstrap.seed_defaults()
        container().employees.create(
            CreateEmployeeRequest(
                email=ADMIN_EMAIL, first_name="Fay", last_name="Fuzz", role="admin", password=ADMIN_PASSWORD
            )
        )
        client = Client(chalice_wsgi())
        answer = client.post("/admin/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD})
        assert answer.status_code == 200, answer.get_data()
        token = str(answer.get_json()["token"])
        # With a valid key the cart-line and checkout routes are exercised past their key check.
        created = client.post(
            "/admin/storefront-keys", json={"name": "fuzz"}, headers={"Authorization": f"Bearer {token}"}
        )
        key = str(created.get_json()["key"]) if created.status_code == 201 else None
        yield Callers(token, key)
        use_container(None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis gives every operation's item the test function's node id; pytest-xdist
    schedules by node id, so under `make test` (-n 2) all but one operation per test would be
    dropped. Each item knows its operation: make it part of the id."""
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and item.nodeid.startswith("tests/fuzz/") and not item.nodeid.endswith("]"):
            # pytest 9 keeps the id in `_id` (the `nodeid` property reads it).
            item._id = coerce_node_id(f"{item.nodeid}[{label}]")
