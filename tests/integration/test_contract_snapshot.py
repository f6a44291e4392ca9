"""The published OpenAPI document is exactly the committed golden one (tests/snapshots/golden.py)."""

from __future__ import annotations

from tests.integration.conftest import Api
from tests.snapshots.golden import assert_matches_golden


def test_openapi_document_is_the_golden_one(anonymous: Api) -> None:
    status, document = anonymous.json("GET", "/openapi.json")
    assert status == 200
    assert_matches_golden("openapi.json", document)
