"""Customer exports against moto (issue 17 §6): a direct export over the limit is refused after a
count, not after building it; the format parameter on the direct and the asynchronous export."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from pynamodb.connection.base import Connection

from chalicelib.handlers import import_routes
from tests.integration.conftest import Api
from tests.integration.test_imports_routes import object_created

LIMIT = 10
COUNT = 25


def customers_csv(count: int) -> str:
    lines = ["ID;Title;Last name;First Name;Email address;Enabled;News.;Opt.;Registration"]
    lines += [f"{n};1;Doe;Jo{n};jo{n}@example.com;1;0;1;2020-01-02 03:04:05" for n in range(count)]
    return "\n".join(lines) + "\n"


class Reads:
    """Every Query the app sends to DynamoDB: how many items came back, how many were read."""

    def __init__(self) -> None:
        self.items = 0
        self.scanned = 0
        self.queries = 0


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> Reads:
    seen = Reads()
    query = Connection.query

    def counting(self: Connection, *args: Any, **kwargs: Any) -> Any:
        result = query(self, *args, **kwargs)
        seen.queries += 1
        seen.items += len(result.get("Items", []))
        seen.scanned += int(result.get("ScannedCount", 0))
        return result

    monkeypatch.setattr(Connection, "query", counting)
    return seen


@pytest.fixture
def shop(admin: Api, monkeypatch: pytest.MonkeyPatch) -> Api:
    monkeypatch.setattr(import_routes, "_MAX_SYNC_EXPORT_ROWS", LIMIT)
    response = admin.call(
        "POST", "/admin/customers/import", customers_csv(COUNT), headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 200
    return admin


def test_a_direct_export_over_the_limit_is_refused_after_counting_only(shop: Api, reads: Reads) -> None:
    """It built 20,000 lines (~8 minutes for 50,000 customers) before refusing."""
    status, body = shop.json("GET", "/admin/customers/export")
    assert status == 422 and "async=true" in body["Message"]
    # Select=COUNT: no item came back, and the reading stopped one item past the limit.
    assert reads.items == 0 and reads.scanned == LIMIT + 1


@pytest.mark.parametrize(
    "query",
    ["group_id=customer", "newsletter=0", "newsletter=0&optin=1", "last_name=Doe", "sort=-registered_at"],
)
def test_every_index_the_list_uses_counts_without_reading_items(shop: Api, reads: Reads, query: str) -> None:
    status, _ = shop.json("GET", f"/admin/customers/export?{query}")
    assert status == 422
    assert reads.items == 0 and reads.scanned == LIMIT + 1


def test_a_filter_the_index_does_not_cover_still_stops_one_past_the_limit(shop: Api, reads: Reads) -> None:
    # newsletter=0 is served by the flags index; the title is checked row by row on what it reads.
    status, _ = shop.json("GET", "/admin/customers/export?newsletter=0&title_id=1")
    assert status == 422
    assert reads.items == LIMIT + 1


def test_an_export_within_the_limit_is_counted_then_built(shop: Api, reads: Reads) -> None:
    response = shop.call("GET", "/admin/customers/export?first_name=Jo2")  # Jo2, Jo20..Jo24
    assert response.status_code == 200
    text = response.body.decode() if isinstance(response.body, bytes) else response.body
    assert len(text.lstrip("\ufeff").splitlines()) == 1 + 6


def test_format_on_the_direct_export(shop: Api) -> None:
    response = shop.call("GET", "/admin/customers/export?format=prestashop8&first_name=Jo2")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="customer.csv"'
    text = response.body.decode() if isinstance(response.body, bytes) else response.body
    assert text.lstrip("\ufeff").startswith("ID;Social title;First name;Last name;Email address;Group;")
    shopify = shop.call("GET", "/admin/customers/export?format=shopify&first_name=Jo2")
    body = shopify.body.decode() if isinstance(shopify.body, bytes) else shopify.body
    assert body.lstrip("\ufeff").startswith("First Name,Last Name,Email,Accepts Email Marketing,")
    status, error = shop.json("GET", "/admin/customers/export?format=excel")
    assert status == 400 and "format" in error["Fields"] and "excel" not in str(error)


def test_format_on_the_async_export(shop: Api) -> None:
    status, started = shop.json("GET", "/admin/customers/export?async=true&format=prestashop-import")
    assert status == 202
    object_created(shop, f"exports/{started['export_id']}/request.json")
    status, job = shop.json("GET", f"/admin/exports/{started['export_id']}")
    assert (status, job["status"], job["rows"]) == (200, "completed", COUNT)
    body = requests.get(job["url"], timeout=5).content.decode("utf-8-sig")
    assert body.startswith("Customer ID;Active (0/1);Titles ID (Mr = 1, Ms = 2, else 0);Email *;")
