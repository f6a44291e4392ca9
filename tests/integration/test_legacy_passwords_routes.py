"""Imported PrestaShop password hashes through the routes (moto): the write-only cookie key
setting, sign-in with bcrypt and MD5 hashes, the rehash to argon2id (issue 17 §4)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from chalicelib.core.secrets import FileSecret
from chalicelib.core.settings import get_settings
from chalicelib.wiring import build_container, use_container
from tests.fakes.mail import MemoryMailer
from tests.integration.conftest import Api

FIXTURE = Path(__file__).parent.parent / "fixtures" / "imports" / "prestashop-customer-table-passwd.csv"
COOKIE_KEY = "Zq4XoTg8c1rBxy2v7WnKpD3sLmE5hJ9uAaF0iRzC6tVbN4eQwYoP8kSd"


@pytest.fixture
def cookie_key(aws: None, mailbox: MemoryMailer, tmp_path: Path) -> FileSecret:
    secret = FileSecret(tmp_path / "prestashop-cookie-key")
    use_container(build_container(get_settings(), mailer=mailbox, prestashop_cookie_key=secret))
    return secret


def stored_hash(email: str) -> str | None:
    from chalicelib.customers.repository import DynamoCustomerRepository

    customer = DynamoCustomerRepository().get_by_email(email)  # the stored record
    assert customer is not None
    return customer.password_hash


def test_the_cookie_key_is_write_only(
    cookie_key: FileSecret, admin: Api, support: Api, app_logs: io.StringIO
) -> None:
    from chalicelib.shop.repository import DynamoConfigRepository

    status, settings = admin.json("GET", "/admin/settings")
    assert status == 200 and settings["import"] == {"prestashop_cookie_key_set": False}
    patch = {"import": {"prestashop_cookie_key": COOKIE_KEY}}
    status, settings = admin.json("PATCH", "/admin/settings", patch)
    assert status == 200, settings
    assert settings["import"] == {"prestashop_cookie_key_set": True}
    assert cookie_key.get() == COOKIE_KEY
    status, shown = admin.json("GET", "/admin/settings")
    assert shown["import"] == {"prestashop_cookie_key_set": True}
    assert support.json("GET", "/admin/settings")[1]["import"] == {"prestashop_cookie_key_set": True}
    for body in (settings, shown, support.json("GET", "/admin/settings")[1]):
        assert COOKIE_KEY not in json.dumps(body)
    assert COOKIE_KEY not in json.dumps(DynamoConfigRepository().load().settings)
    # The UI sends the settings back as it got them: the read-only flag is accepted and ignored.
    status, again = admin.json("PATCH", "/admin/settings", shown | {"shop_name": "Renamed"})
    assert status == 200 and again["shop_name"] == "Renamed" and cookie_key.get() == COOKIE_KEY
    for bad in ("", 123, None, "x" * 300):
        status, answer = admin.json("PATCH", "/admin/settings", {"import": {"prestashop_cookie_key": bad}})
        assert status == 400 and "import.prestashop_cookie_key" in answer["Fields"], answer
    status, answer = admin.json("PATCH", "/admin/settings", {"import": {"other": "x"}})
    assert status == 400 and "import.other" in answer["Fields"]
    assert admin.json("PATCH", "/admin/settings", {"import": "x"})[0] == 400
    assert cookie_key.get() == COOKIE_KEY
    body = {"import": {"prestashop_cookie_key": "Support-Try-1"}}
    assert support.json("PATCH", "/admin/settings", body)[0] == 403
    assert cookie_key.get() == COOKIE_KEY
    assert COOKIE_KEY not in app_logs.getvalue()


def test_prestashop_hashes_sign_in_through_the_routes_and_are_rehashed(
    cookie_key: FileSecret, admin: Api, anonymous: Api, app_logs: io.StringIO
) -> None:
    response = admin.call(
        "POST", "/admin/customers/import", FIXTURE.read_bytes(), headers={"Content-Type": "text/csv"}
    )
    job = json.loads(response.body)
    assert response.status_code == 200 and (job["created"], job["failed"]) == (3, 0), job
    # No cookie key yet: the MD5 hashes are kept, with a warning, and can't sign in.
    assert any("import.prestashop_cookie_key" in w["reason"] for w in job["warnings"]), job
    md5 = "prestashop-md5$c13bbd84af497295a3143540dce4257d"
    assert stored_hash("ana.garcia@example.com") == md5
    login = {"email": "ana.garcia@example.com", "password": "Contrasena-16"}
    assert anonymous.json("POST", "/store/login", login)[0] == 401
    assert stored_hash("ana.garcia@example.com") == md5

    assert admin.json("PATCH", "/admin/settings", {"import": {"prestashop_cookie_key": COOKIE_KEY}})[0] == 200
    assert anonymous.json("POST", "/store/login", login | {"password": "wrong-password"})[0] == 401
    assert stored_hash("ana.garcia@example.com") == md5
    status, session = anonymous.json("POST", "/store/login", login)
    assert status == 200 and session["token"], session
    assert (stored_hash("ana.garcia@example.com") or "").startswith("$argon2id$")

    bcrypt_login = {"email": "pub@prestashop.com", "password": "Mot-de-passe-17"}
    before = stored_hash("pub@prestashop.com")
    assert (before or "").startswith("$2y$10$")
    assert anonymous.json("POST", "/store/login", bcrypt_login | {"password": "wrong-password"})[0] == 401
    assert stored_hash("pub@prestashop.com") == before
    assert anonymous.json("POST", "/store/login", bcrypt_login)[0] == 200
    assert (stored_hash("pub@prestashop.com") or "").startswith("$argon2id$")
    assert anonymous.json("POST", "/store/login", bcrypt_login)[0] == 200  # argon2id from now on
    logs = app_logs.getvalue()
    assert COOKIE_KEY not in logs and "Contrasena-16" not in logs and "$2y$10$" not in logs


def test_cli_import_with_invite_mails_each_created_customer_once(tmp_path: Path) -> None:
    """`make cli ARGS="import customers FILE --option passwords=invite"` with no stack running: the
    run's invitation markers are delivered before the CLI ends; importing the file again mails
    nobody a second time (issue 17 §4)."""
    from tests.integration.test_cli_imports import cli

    data_dir = tmp_path / "data"
    upload = tmp_path / "customers.csv"
    upload.write_text(
        "email;First name;Last name;Language\ninv.fr@example.com;Aimée;Durand;fr\n"
        "inv.en@example.com;John;Doe;en\n",
        encoding="utf-8",
    )
    first = cli(data_dir, "import", "customers", str(upload), "--option", "passwords=invite")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Invitations: mailed to the customers the import created." in first.stdout
    again = cli(data_dir, "import", "customers", str(upload), "--option", "passwords=invite")
    assert again.returncode == 0 and "0 created" in again.stdout, again.stdout + again.stderr
    mails = sorted((data_dir / "outbox").glob("*.eml"))
    recipients = sorted(
        line.removeprefix("To: ")
        for mail in mails
        for line in mail.read_text(encoding="utf-8").splitlines()
        if line.startswith("To: ")
    )
    assert recipients == ["inv.en@example.com", "inv.fr@example.com"]
