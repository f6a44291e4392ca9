"""Back-office customer routes through chalice.test.Client against moto."""

from __future__ import annotations

import json

import pytest

from tests.factories import customer_body
from tests.integration.conftest import Api


def create(admin: Api, **overrides: object) -> dict:
    status, body = admin.json("POST", "/admin/customers", customer_body(**overrides))
    assert status == 201, body
    return body


# -- create --------------------------------------------------------------------------------------
def test_create_returns_the_customer_without_password(admin: Api) -> None:
    body = create(admin, password="long enough secret", birthday="1990-05-17", title_id="2")
    assert body["status"] == "active" and body["enabled"] is True
    assert body["group_ids"] == ["customer"] and body["default_group_id"] == "customer"
    assert body["birthday"] == "1990-05-17" and body["title_id"] == "2"
    assert "password" not in body and "password_hash" not in body


def test_duplicate_email_in_another_case_is_409(admin: Api) -> None:
    create(admin, email="dup@example.com")
    status, body = admin.json("POST", "/admin/customers", customer_body(email="DUP@Example.com"))
    assert status == 409 and body["Code"] == "EmailTaken"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"birthday": "2999-01-01"}, "birthday"),
        ({"birthday": "1990-13-45"}, "birthday"),
        ({"first_name": ""}, "first_name"),
        ({"last_name": "x" * 256}, "last_name"),
        ({"enabled": "perhaps"}, "enabled"),
        ({"group_ids": ["nope"]}, "group_ids.0"),
        ({"title_id": "99"}, "title_id"),
        ({"status": "sleeping"}, "status"),
        ({"unknown_field": 1}, "unknown_field"),
        ({"password": "short"}, "password"),
        ({"company": "ACME"}, "company"),  # B2B mode is off by default
        ({"default_group_id": "guest"}, "default_group_id"),
    ],
)
def test_invalid_customers_get_400_with_the_field_and_no_echo(
    admin: Api, overrides: dict, field: str
) -> None:
    status, body = admin.json("POST", "/admin/customers", customer_body(**overrides))
    assert status == 400, body
    assert body["Code"] == "ValidationError" and field in body["Fields"]
    for value in overrides.values():
        if isinstance(value, str) and len(value) > 3:
            assert value not in json.dumps(body)


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        ("{not json", 400, "BadRequest"),
        ("[1, 2]", 400, "ValidationError"),
        ("", 400, "ValidationError"),
        ('{"first_name": "' + "x" * 1_100_000 + '"}', 413, "PayloadTooLarge"),
    ],
)
def test_malformed_bodies_are_4xx(admin: Api, raw: str, status: int, code: str) -> None:
    got, body = admin.json("POST", "/admin/customers", raw)
    assert (got, body["Code"]) == (status, code)


def test_wrong_content_type_is_415(admin: Api) -> None:
    response = admin.call(
        "POST", "/admin/customers", "a=b", headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 415


def test_b2b_fields_are_accepted_with_b2b_mode_on(admin: Api) -> None:
    assert admin.json("PATCH", "/admin/settings", {"b2b_mode": True})[0] == 200
    body = create(
        admin, company="ACME", siret="12345678901234", outstanding_allowed="1500.5", risk_rating="low"
    )
    assert (body["company"], body["outstanding_allowed"], body["risk_rating"]) == ("ACME", "1500.50", "low")


def test_required_fields_are_enforced_on_create_and_patch(admin: Api) -> None:
    customer = create(admin)
    status, _ = admin.json(
        "PATCH", "/admin/settings", {"required_fields": {"customer": ["birthday", "newsletter"]}}
    )
    assert status == 200
    status, body = admin.json("POST", "/admin/customers", customer_body())
    assert status == 400 and set(body["Fields"]) == {"birthday", "newsletter"}
    assert create(admin, birthday="1980-01-01", newsletter=True)["newsletter"] is True
    status, body = admin.json("PATCH", f"/admin/customers/{customer['id']}", {"first_name": "Eva"})
    assert status == 400 and "birthday" in body["Fields"]


def test_unknown_required_field_is_rejected(admin: Api) -> None:
    status, body = admin.json("PATCH", "/admin/settings", {"required_fields": {"customer": ["shoe_size"]}})
    assert status == 400 and "required_fields.customer.0" in body["Fields"]


# -- view, patch, note, delete -------------------------------------------------------------------
def test_view_has_every_section(admin: Api) -> None:
    customer = create(admin, group_ids=["customer", "guest"], default_group_id="guest")
    status, view = admin.json("GET", f"/admin/customers/{customer['id']}")
    assert status == 200
    assert set(view) >= {
        "profile",
        "addresses",
        "groups",
        "carts",
        "orders",
        "threads",
        "note",
        "last_connections",
        "stats",
    }
    assert [g["id"] for g in view["groups"]] == ["customer", "guest"]
    assert view["orders"] == {"valid": [], "invalid": [], "valid_total": "0.00", "invalid_total": "0.00"}
    assert view["stats"] == {"orders_count": 0, "total_spent": "0.00", "last_order_at": None}


def test_patch_changes_only_what_is_given_and_moves_the_email(admin: Api) -> None:
    customer = create(admin, newsletter=True)
    status, body = admin.json(
        "PATCH", f"/admin/customers/{customer['id']}", {"email": "moved@example.com", "status": "disabled"}
    )
    assert status == 200, body
    assert (body["email"], body["enabled"], body["status"], body["newsletter"]) == (
        "moved@example.com",
        False,
        "disabled",
        True,
    )
    other = create(admin)
    status, body = admin.json("PATCH", f"/admin/customers/{other['id']}", {"email": "MOVED@example.com"})
    assert status == 409
    status, body = admin.json("PATCH", f"/admin/customers/{other['id']}", {"first_name": None})
    assert status == 400 and "first_name" in body["Fields"]


def test_pending_approval_status(admin: Api) -> None:
    customer = create(admin, status="pending_approval")
    assert customer["status"] == "pending_approval"
    _, page = admin.json("GET", "/admin/customers?status=pending_approval")
    assert [c["id"] for c in page["items"]] == [customer["id"]]


def test_private_note(admin: Api) -> None:
    customer = create(admin)
    status, body = admin.json("PUT", f"/admin/customers/{customer['id']}/note", {"note": "Prefers phone"})
    assert status == 200 and body["note"] == "Prefers phone"
    assert admin.json("GET", f"/admin/customers/{customer['id']}")[1]["note"] == "Prefers phone"
    assert admin.json("PUT", f"/admin/customers/{customer['id']}/note", {})[0] == 400


def test_delete_with_and_without_reregistration(admin: Api) -> None:
    kept = create(admin, email="kept@example.com")
    freed = create(admin, email="freed@example.com")
    assert (
        admin.call("DELETE", f"/admin/customers/{kept['id']}?allow_reregistration=false").status_code == 204
    )
    assert admin.call("DELETE", f"/admin/customers/{freed['id']}").status_code == 204
    assert admin.json("GET", f"/admin/customers/{kept['id']}")[0] == 404
    status, body = admin.json("POST", "/admin/customers", customer_body(email="kept@example.com"))
    assert status == 409 and body["Code"] == "EmailBlocked"
    create(admin, email="freed@example.com")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/admin/customers/nope", None),
        ("PATCH", "/admin/customers/nope", {"first_name": "X"}),
        ("DELETE", "/admin/customers/nope", None),
        ("PUT", "/admin/customers/nope/note", {"note": "x"}),
    ],
)
def test_unknown_customer_is_404(admin: Api, method: str, path: str, body: object) -> None:
    status, payload = admin.json(method, path, body)
    assert status == 404 and payload["Code"] == "NotFound"


# -- list and search -----------------------------------------------------------------------------
def test_list_sorts_accent_insensitively_in_both_directions_and_pages(admin: Api) -> None:
    for last in ("Berg", "Álvarez", "zimmer", "Ortega", "Éclair"):
        create(admin, last_name=last)
    status, page = admin.json("GET", "/admin/customers?sort=last_name&limit=2")
    names = [c["last_name"] for c in page["items"]]
    while page["next_cursor"]:
        status, page = admin.json(
            "GET", f"/admin/customers?sort=last_name&limit=2&cursor={page['next_cursor']}"
        )
        assert status == 200
        names += [c["last_name"] for c in page["items"]]
    assert names == ["Álvarez", "Berg", "Éclair", "Ortega", "zimmer"]
    status, page = admin.json("GET", "/admin/customers?sort=-last_name&limit=200")
    assert [c["last_name"] for c in page["items"]] == ["zimmer", "Ortega", "Éclair", "Berg", "Álvarez"]


def test_list_filters(admin: Api) -> None:
    yes = create(admin, newsletter=True, last_name="Alvarez", birthday="1980-06-01")
    create(admin, newsletter=False, last_name="Berg", birthday="2000-06-01")
    _, page = admin.json("GET", "/admin/customers?newsletter=1")
    assert [c["id"] for c in page["items"]] == [yes["id"]]
    _, page = admin.json("GET", "/admin/customers?last_name=alv")
    assert [c["id"] for c in page["items"]] == [yes["id"]]
    _, page = admin.json("GET", "/admin/customers?age_min=40&age_max=50")
    assert [c["id"] for c in page["items"]] == [yes["id"]]
    _, page = admin.json("GET", "/admin/customers?group_id=customer&sort=-id")
    assert len(page["items"]) == 2


@pytest.mark.parametrize(
    "query",
    [
        "cursor=forged",
        "cursor=eyJQSyI6IngifQ",
        "limit=0",
        "limit=201",
        "sort=shoe_size",
        "enabled=maybe",
        "registered_from=yesterday",
        "age_min=50&age_max=40",
        "shoe_size=44",
    ],
)
def test_bad_list_parameters_are_400(admin: Api, query: str) -> None:
    status, body = admin.json("GET", f"/admin/customers?{query}")
    assert status == 400, body


def test_cursor_from_another_query_is_400(admin: Api) -> None:
    for _ in range(3):
        create(admin)
    _, page = admin.json("GET", "/admin/customers?limit=1")
    status, _ = admin.json("GET", f"/admin/customers?limit=1&sort=email&cursor={page['next_cursor']}")
    assert status == 400


def test_search_by_name_and_email(admin: Api) -> None:
    ana = create(admin, first_name="Ána", last_name="Núñez", email="ana.n@example.com", title_id="2")
    create(admin, first_name="Bob", last_name="Berg", email="bob@example.com")
    status, body = admin.json("GET", "/admin/search?q=nun&by=name")
    assert status == 200
    assert body["items"] == [
        {
            "id": ana["id"],
            "title": "Mrs",
            "first_name": "Ána",
            "last_name": "Núñez",
            "email": "ana.n@example.com",
            "birthday": None,
            "registered_at": ana["registered_at"],
            "orders_count": 0,
            "enabled": True,
        }
    ]
    assert [c["id"] for c in admin.json("GET", "/admin/search?q=ANA.N@")[1]["items"]] == [ana["id"]]
    assert admin.json("GET", "/admin/search?q=ana.n@&by=name")[1]["items"] == []
    assert admin.json("GET", "/admin/search?q=1.2.3&by=ip")[1]["items"] == []
    assert admin.json("GET", "/admin/search?by=name")[0] == 400
    assert admin.json("GET", "/admin/search?q=x&by=phone")[0] == 400


# -- auth ----------------------------------------------------------------------------------------
def test_support_reads_but_cannot_write_customers(support: Api, admin: Api) -> None:
    customer = create(admin)
    assert support.json("GET", "/admin/customers")[0] == 200
    assert support.json("GET", f"/admin/customers/{customer['id']}")[0] == 200
    assert support.json("GET", "/admin/search?q=a")[0] == 200
    assert support.json("POST", "/admin/customers", customer_body())[0] == 403
    assert support.json("PATCH", f"/admin/customers/{customer['id']}", {"first_name": "X"})[0] == 403
    assert support.json("DELETE", f"/admin/customers/{customer['id']}")[0] == 403
    assert support.json("PUT", f"/admin/customers/{customer['id']}/note", {"note": "x"})[0] == 403


def test_a_retried_create_with_the_same_idempotency_key_creates_once(admin: Api) -> None:
    body = customer_body()
    headers = {"Idempotency-Key": "retry-1"}
    first = admin.call("POST", "/admin/customers", body, headers=headers)
    second = admin.call("POST", "/admin/customers", body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201)
    assert json.loads(first.body)["id"] == json.loads(second.body)["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    _, page = admin.json("GET", f"/admin/customers?email={body['email']}")
    assert len(page["items"]) == 1
    reused = admin.call("POST", "/admin/customers", customer_body(), headers=headers)
    assert reused.status_code == 400
    assert "Idempotency-Key" in json.loads(reused.body)["Fields"]


def test_a_failed_request_is_not_remembered(admin: Api) -> None:
    headers = {"Idempotency-Key": "retry-2"}
    body = customer_body(title_id="99")
    assert admin.call("POST", "/admin/customers", body, headers=headers).status_code == 400
    assert (
        admin.call("POST", "/admin/customers", body | {"title_id": "1"}, headers=headers).status_code == 201
    )
