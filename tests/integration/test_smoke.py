from tests.factories import customer_body
from tests.integration.conftest import Api


def test_create_and_get_customer(admin: Api) -> None:
    status, created = admin.json("POST", "/admin/customers", customer_body(first_name="Álvaro"))
    assert status == 201, created
    status, view = admin.json("GET", f"/admin/customers/{created['id']}")
    assert status == 200, view
    assert view["profile"]["first_name"] == "Álvaro"
    status, page = admin.json("GET", "/admin/customers?sort=last_name")
    assert status == 200, page
    assert [c["id"] for c in page["items"]] == [created["id"]]
