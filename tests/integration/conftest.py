"""Routes and repositories against moto (in-process), with a fresh table per test."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from chalice.test import Client
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.core.settings import get_settings
from chalicelib.wiring import build_container, use_container
from tests.fakes.mail import MemoryMailer


@pytest.fixture
def mailbox() -> MemoryMailer:
    """Mail the app sends during a test (the real sent-mail log still dedupes in DynamoDB)."""
    return MemoryMailer()


@pytest.fixture
def aws(mailbox: MemoryMailer) -> Iterator[None]:
    with mock_aws():
        bootstrap.ensure_table()
        bootstrap.ensure_bucket()
        use_container(build_container(get_settings(), mailer=mailbox))
        bootstrap.seed_defaults()
        yield
        use_container(None)


@pytest.fixture
def client(aws: None) -> Iterator[Client]:
    from app import app

    with Client(app) as test_client:
        yield test_client


class Api:
    """A small JSON client over chalice.test.Client."""

    def __init__(
        self, client: Client, token: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        self.client = client
        self.token = token
        self.headers = headers or {}  # sent on every call, e.g. the shop server's X-Storefront-Key

    def as_customer(self, token: str) -> Api:
        """The same caller (and its headers) with a customer's token."""
        return Api(self.client, token, self.headers)

    def call(self, method: str, path: str, body: Any = None, token: str | None = None, **kw: Any) -> Any:
        headers = {"Content-Type": "application/json"} | self.headers | kw.pop("headers", {})
        bearer = token if token is not None else self.token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        raw = body if isinstance(body, (str, bytes)) or body is None else json.dumps(body)
        return self.client.http.request(method, path, headers=headers, body=raw or b"")

    def json(self, method: str, path: str, body: Any = None, **kw: Any) -> tuple[int, Any]:
        response = self.call(method, path, body, **kw)
        payload = json.loads(response.body) if response.body else None
        return response.status_code, payload


ADMIN_EMAIL = "owner@example.com"
SUPPORT_EMAIL = "helpdesk@example.com"
STAFF_PASSWORD = "correct horse battery staple"


@pytest.fixture
def anonymous(client: Client) -> Api:
    return Api(client)


def storefront_key(name: str = "Test shop") -> str:
    from chalicelib.wiring import container

    return container().storefront_keys.create(name)[1]


@pytest.fixture
def shop_server(client: Client) -> Api:
    """The shop's own server: every call carries its X-Storefront-Key (README's walkthrough)."""
    return Api(client, headers={"X-Storefront-Key": storefront_key()})


def _staff(client: Client, email: str, role: str) -> str:
    from chalicelib.staff.schemas import CreateEmployeeRequest
    from chalicelib.wiring import container

    container().employees.create(
        CreateEmployeeRequest(
            email=email, first_name="Sam", last_name="Staff", role=role, password=STAFF_PASSWORD
        )
    )
    status, body = Api(client).json("POST", "/admin/login", {"email": email, "password": STAFF_PASSWORD})
    assert status == 200, body
    return str(body["token"])


@pytest.fixture
def admin(client: Client) -> Api:
    return Api(client, _staff(client, ADMIN_EMAIL, "admin"))


@pytest.fixture
def support(client: Client, admin: Api) -> Api:
    return Api(client, _staff(client, SUPPORT_EMAIL, "support"))


@pytest.fixture
def app_logs() -> Iterator[io.StringIO]:
    """Everything the app logs at DEBUG and above during the test, formatted as in Lambda."""
    from chalicelib.core.observability import logger

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    stdlib_logger = logging.getLogger(logger.name)
    previous = stdlib_logger.level
    stdlib_logger.addHandler(handler)
    stdlib_logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        stdlib_logger.removeHandler(handler)
        stdlib_logger.setLevel(previous)
