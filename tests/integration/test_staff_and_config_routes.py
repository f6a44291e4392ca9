"""Sign-in, employees, settings, titles and the OpenAPI document."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from app import app
from chalicelib.handlers.http import REGISTRY
from tests.integration.conftest import ADMIN_EMAIL, STAFF_PASSWORD, Api

NEW_EMPLOYEE = {
    "email": "new.hire@example.com",
    "first_name": "New",
    "last_name": "Hire",
    "role": "support",
    "password": "a sufficiently long one",
}


# -- login ---------------------------------------------------------------------------------------
def test_login_answers_alike_for_unknown_email_and_wrong_password(admin: Api, anonymous: Api) -> None:
    unknown = anonymous.json("POST", "/admin/login", {"email": "nobody@example.com", "password": "x" * 12})
    wrong = anonymous.json("POST", "/admin/login", {"email": ADMIN_EMAIL, "password": "x" * 12})
    assert unknown == wrong
    assert unknown[0] == 401


def test_login_is_throttled_per_email(admin: Api, anonymous: Api) -> None:
    for _ in range(5):
        assert anonymous.json("POST", "/admin/login", {"email": ADMIN_EMAIL, "password": "bad"})[0] == 401
    response = anonymous.call("POST", "/admin/login", {"email": ADMIN_EMAIL, "password": STAFF_PASSWORD})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0


def test_login_validation(anonymous: Api) -> None:
    assert anonymous.json("POST", "/admin/login", {"email": "a@b.c"})[0] == 400
    assert anonymous.json("POST", "/admin/login", "{oops")[0] == 400


@pytest.mark.parametrize("token", ["", "Bearer", "Bearer forged.token.value", "Basic abc"])
def test_bad_tokens_are_401(client, token: str) -> None:  # type: ignore[no-untyped-def]
    response = client.http.get("/admin/customers", headers={"Authorization": token} if token else {})
    assert response.status_code == 401


def test_a_disabled_employee_loses_access_at_once(admin: Api, support: Api) -> None:
    _, page = admin.json("GET", "/admin/employees")
    support_id = next(e["id"] for e in page["items"] if e["role"] == "support")
    assert admin.json("PATCH", f"/admin/employees/{support_id}", {"active": False})[0] == 200
    assert support.json("GET", "/admin/customers")[0] == 401


# -- employees -----------------------------------------------------------------------------------
def test_employees_crud(admin: Api, anonymous: Api) -> None:
    status, created = admin.json("POST", "/admin/employees", NEW_EMPLOYEE)
    assert status == 201 and "password" not in created and "password_hash" not in created
    assert admin.json("POST", "/admin/employees", NEW_EMPLOYEE)[0] == 409
    assert admin.json("GET", f"/admin/employees/{created['id']}")[1]["email"] == NEW_EMPLOYEE["email"]
    status, updated = admin.json("PATCH", f"/admin/employees/{created['id']}", {"role": "admin"})
    assert status == 200 and updated["role"] == "admin"
    login = anonymous.json(
        "POST", "/admin/login", {"email": NEW_EMPLOYEE["email"], "password": NEW_EMPLOYEE["password"]}
    )
    assert login[0] == 200 and login[1]["employee"]["role"] == "admin"
    assert admin.call("DELETE", f"/admin/employees/{created['id']}").status_code == 204
    assert admin.json("GET", f"/admin/employees/{created['id']}")[0] == 404
    assert admin.json("PATCH", "/admin/employees/nope", {"role": "admin"})[0] == 404
    assert admin.json("DELETE", "/admin/employees/nope")[0] == 404


def test_employee_validation(admin: Api) -> None:
    for bad in ({"role": "owner"}, {"password": "short"}, {"email": "nope"}, {"extra": True}):
        status, body = admin.json("POST", "/admin/employees", NEW_EMPLOYEE | bad)
        assert status == 400, bad
        assert body["Fields"]


def test_the_last_admin_cannot_be_removed(admin: Api) -> None:
    _, page = admin.json("GET", "/admin/employees")
    admin_id = page["items"][0]["id"]
    assert admin.json("DELETE", f"/admin/employees/{admin_id}")[0] == 422
    assert admin.json("PATCH", f"/admin/employees/{admin_id}", {"role": "support"})[0] == 422


def test_support_cannot_manage_staff_or_settings(support: Api) -> None:
    assert support.json("GET", "/admin/employees")[0] == 403
    assert support.json("POST", "/admin/employees", NEW_EMPLOYEE)[0] == 403
    assert support.json("PATCH", "/admin/settings", {"b2b_mode": True})[0] == 403
    assert support.json("POST", "/admin/titles", {"name": "Dr", "gender": "neutral"})[0] == 403
    assert support.json("GET", "/admin/settings")[0] == 200


def test_employee_list_pages_with_signed_cursors(admin: Api) -> None:
    for number in range(3):
        admin.json("POST", "/admin/employees", NEW_EMPLOYEE | {"email": f"e{number}@example.com"})
    _, page = admin.json("GET", "/admin/employees?limit=2")
    assert len(page["items"]) == 2 and page["next_cursor"]
    _, rest = admin.json("GET", f"/admin/employees?limit=2&cursor={page['next_cursor']}")
    assert len(rest["items"]) == 2
    assert admin.json("GET", "/admin/employees?cursor=forged")[0] == 400


# -- settings and titles -------------------------------------------------------------------------
def test_settings_defaults_and_deep_merge(admin: Api) -> None:
    status, settings = admin.json("GET", "/admin/settings")
    assert status == 200
    assert settings["registration_mode"] == "optional" and settings["b2b_mode"] is False
    assert settings["required_fields"] == {"customer": [], "address": []}
    status, changed = admin.json("PATCH", "/admin/settings", {"password_policy": {"min_length": 12}})
    assert status == 200
    assert changed["password_policy"]["min_length"] == 12
    assert changed["password_policy"]["require_digit"] is False
    for bad in ({"registration_mode": "sometimes"}, {"password_policy": {"min_length": 2}}, {"nope": 1}, []):
        assert admin.json("PATCH", "/admin/settings", bad)[0] == 400, bad


def test_titles_crud_and_public_list(admin: Api, anonymous: Api) -> None:
    status, titles = anonymous.json("GET", "/store/titles")
    assert status == 200
    assert [(t["id"], t["name"]) for t in titles["items"]] == [("1", "Mr"), ("2", "Mrs")]
    status, created = admin.json("POST", "/admin/titles", {"name": "Mx", "gender": "neutral"})
    assert status == 201
    assert admin.json("PATCH", f"/admin/titles/{created['id']}", {"name": "Dr"})[1]["name"] == "Dr"
    assert admin.json("GET", f"/admin/titles/{created['id']}")[1]["gender"] == "neutral"
    assert admin.call("DELETE", f"/admin/titles/{created['id']}").status_code == 204
    assert admin.json("GET", f"/admin/titles/{created['id']}")[0] == 404
    assert admin.json("DELETE", f"/admin/titles/{created['id']}")[0] == 404
    assert admin.json("POST", "/admin/titles", {"name": "", "gender": "x"})[0] == 400


# -- every route: auth and documentation -----------------------------------------------------------
def _admin_routes() -> list[tuple[str, str, tuple[str, ...]]]:
    return [(s.method, s.path, s.roles) for s in REGISTRY.routes if s.path.startswith("/admin") and s.roles]


@pytest.mark.parametrize(("method", "path", "roles"), _admin_routes())
def test_every_admin_route_needs_a_token_and_the_right_role(
    support: Api, anonymous: Api, method: str, path: str, roles: tuple[str, ...]
) -> None:
    concrete = re.sub(r"{\w+}", "x", path)
    assert anonymous.json(method, concrete, {})[0] == 401
    status = support.json(method, concrete, {})[0]
    if "support" in roles:
        assert status != 403
    else:
        assert status == 403


def test_openapi_describes_every_route(anonymous: Api) -> None:
    status, document = anonymous.json("GET", "/openapi.json")
    assert status == 200
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    served = {(path, method) for path, entry in app.routes.items() for method in entry}
    assert served == documented
    create = document["paths"]["/admin/customers"]["post"]
    schema_name = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    schema = document["components"]["schemas"][schema_name]
    assert schema["additionalProperties"] is False and "email" in schema["required"]
    # A registration may have to wait for its e-mail link (issue 16 §1.1).
    register = document["paths"]["/store/register"]["post"]["responses"]
    assert set(register) >= {"201", "202"}
    sent = register["202"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert document["components"]["schemas"][sent]["properties"]["status"]["const"] == "verification_sent"
    assert "200" in document["paths"]["/store/verify"]["post"]["responses"]


def test_every_item_written_carries_an_entity_type(admin: Api, anonymous: Api) -> None:
    import boto3

    from chalicelib.core.settings import get_settings
    from chalicelib.handlers.idempotency_store import IDEMPOTENCY_PARTITION

    anonymous.json("POST", "/admin/login", {"email": ADMIN_EMAIL, "password": "wrong"})
    admin.call("POST", "/admin/customers", {"first_name": "A", "last_name": "B", "email": "ab@example.com"})
    admin.call(
        "POST",
        "/admin/customers",
        {"first_name": "C", "last_name": "D", "email": "cd@example.com"},
        headers={"Idempotency-Key": "k1"},
    )
    items = boto3.client("dynamodb").scan(TableName=get_settings().table_name)["Items"]
    kinds = {item["entity_type"]["S"] for item in items if item["PK"]["S"] != IDEMPOTENCY_PARTITION}
    assert kinds >= {
        "CUSTOMER",
        "CUSTOMER_EMAIL",
        "GROUP_MEMBER",
        "EMPLOYEE",
        "EMPLOYEE_EMAIL",
        "THROTTLE",
        "CONFIG",
    }
    assert all("entity_type" in item for item in items if item["PK"]["S"] != IDEMPOTENCY_PARTITION)


def test_settings_patch_takes_the_mailbox_password(admin: Api, support: Api, tmp_path: Any) -> None:
    """The contract's `customer_service.imap.password` (issue 16 §5): accepted by PATCH, sent to
    the secret store PUT .../mailbox/password uses, never stored in the settings or returned."""
    from chalicelib.core.secrets import FileSecret
    from chalicelib.core.settings import get_settings
    from chalicelib.shop.repository import DynamoConfigRepository
    from chalicelib.wiring import build_container, use_container

    secret = FileSecret(tmp_path / "imap-password")
    use_container(build_container(get_settings(), imap_password=secret))
    patch = {"customer_service": {"imap": {"user": "shop", "password": "Mail-Secret-77"}}}
    status, settings = admin.json("PATCH", "/admin/settings", patch)
    assert status == 200, settings
    assert settings["customer_service"]["imap"]["user"] == "shop"
    assert secret.get() == "Mail-Secret-77"
    assert "Mail-Secret-77" not in json.dumps(admin.json("GET", "/admin/settings")[1])
    assert "Mail-Secret-77" not in json.dumps(DynamoConfigRepository().load().settings)
    assert admin.json("GET", "/admin/customer-service/mailbox")[1]["password_set"] is True
    # Only the password: the other settings stay as they were.
    status, settings = admin.json(
        "PATCH", "/admin/settings", {"customer_service": {"imap": {"password": "Mail-Secret-78"}}}
    )
    assert status == 200 and settings["customer_service"]["imap"]["user"] == "shop"
    assert secret.get() == "Mail-Secret-78"
    for bad in ("", 123, None, "x" * 300):
        body = {"customer_service": {"imap": {"password": bad}}}
        status, answer = admin.json("PATCH", "/admin/settings", body)
        assert status == 400 and "customer_service.imap.password" in answer["Fields"], answer
    assert secret.get() == "Mail-Secret-78"
    assert support.json("PATCH", "/admin/settings", patch)[0] == 403
