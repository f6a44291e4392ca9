"""The layouts merchants bring, through the HTTP API as a merchant sends them (issue 17 §1): the
French PrestaShop sample inline, the Spanish address sample through the presigned upload; the job
shows the layout it recognised."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from tests.integration.conftest import Api
from tests.integration.test_imports_routes import deliver_password_chunks, object_created

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "imports"


def test_french_customers_inline_then_spanish_addresses_uploaded(admin: Api) -> None:
    body = (FIXTURES / "prestashop-1.6-customers_import-fr.csv").read_bytes()
    response = admin.call("POST", "/admin/customers/import", body, headers={"Content-Type": "text/csv"})
    job = json.loads(response.body)
    assert response.status_code == 200, job
    assert (job["layout"], job["created"], job["failed"]) == ("prestashop-1.6-import", 9, 0)
    # Its plaintext passwords are set by the password workers; the job is not finished before.
    assert (job["status"], job["passwords_total"], job["passwords_hashed"]) == ("running", 9, 0)
    deliver_password_chunks(admin, job["id"])
    _, job = admin.json("GET", f"/admin/imports/{job['id']}")
    assert job["passwords_hashed"] == 9
    # Without group_map or create_missing_groups, PrestaShop's groups are warnings, not losses.
    assert job["status"] == "completed_with_warnings"
    status, found = admin.json("GET", "/admin/customers?email=maggie.banning@prestashop.com")
    assert status == 200, found
    maggie = found["items"][0]
    assert maggie["enabled"] is False and maggie["birthday"] == "2006-02-27" and maggie["title_id"] == "2"

    status, created = admin.json(
        "POST", "/admin/imports", {"kind": "addresses", "filename": "direcciones.csv"}
    )
    assert status == 201
    data = (FIXTURES / "prestashop-1.6-addresses_import-es.csv").read_bytes()
    assert requests.put(created["upload_url"], data=data, timeout=5).status_code == 200
    object_created(admin, f"imports/{created['import_id']}/direcciones.csv")
    status, job = admin.json("GET", f"/admin/imports/{created['import_id']}")
    assert status == 200
    assert (job["layout"], job["created"], job["failed"]) == ("prestashop-1.6-import", 11, 0), job


def test_shopify_export_inline_twice_gives_each_customer_one_default_address(admin: Api) -> None:
    # Shopify's customer export through the API (DynamoDB behind it): the Default Address columns
    # become the customer's address, and posting the same file again adds no second one.
    body = (FIXTURES / "shopify-customers_export.csv").read_bytes()
    for created in (2, 0):
        response = admin.call("POST", "/admin/customers/import", body, headers={"Content-Type": "text/csv"})
        job = json.loads(response.body)
        assert response.status_code == 200, job
        assert (job["layout"], job["created"], job["failed"]) == ("shopify", created, 0), job
    status, found = admin.json("GET", "/admin/customers?email=johnsmith@example.com")
    assert status == 200, found
    customer_id = found["items"][0]["id"]
    status, book = admin.json("GET", f"/admin/customers/{customer_id}/addresses")
    assert status == 200, book
    [address] = book["items"]
    assert (address["alias"], address["address1"], address["city"]) == (
        "Default address",
        "123 Fake Street",
        "Ottawa",
    )
    assert (address["state"], address["country"], address["postcode"]) == ("ON", "CA", "A1A 1A1")
