"""Schema-driven fuzzing of the project's own /openapi.json (issue 16 §5): no input, however
malformed, gets a 5xx. Every operation the document lists is exercised as a back-office admin and
anonymously, with a fixed seed (derandomize) so a run is reproducible. Only the methods the
document lists are sent (schemathesis generates per operation), so e.g. a dev server's own 501 for
TRACE never counts."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.fuzz.conftest import Callers, chalice_wsgi

# One xdist worker runs the whole module (`--dist loadgroup`): it shares one moto table.
pytestmark = [pytest.mark.fuzz, pytest.mark.xdist_group("fuzz")]

EXAMPLES = 10

schema = schemathesis.openapi.from_wsgi("/openapi.json", chalice_wsgi())
# Methods the document does not list are API Gateway's (and the dev server's) answer, not the
# API's: the coverage phase must not send them.
schema.config.phases.coverage.unexpected_methods = set()

FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_server_error_as_admin(case: Any, fuzz_callers: Callers) -> None:
    bearer = {"Authorization": f"Bearer {fuzz_callers.admin_token}"}
    case.call_and_validate(headers=bearer, checks=[not_a_server_error])


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_server_error_anonymously(case: Any, fuzz_callers: Callers) -> None:
    """No bearer token; on /store the shop's server's valid storefront key (the admin run sends
    the generated, invalid ones)."""
    if case.headers:
        case.headers.pop("Authorization", None)
    key = fuzz_callers.storefront_key
    headers = {"X-Storefront-Key": key} if key and case.path.startswith("/store/") else None
    case.call_and_validate(headers=headers, checks=[not_a_server_error])


def test_the_run_calls_with_a_storefront_key_once_the_api_has_them(fuzz_callers: Callers) -> None:
    if "/admin/storefront-keys" in schema.raw_schema["paths"]:
        assert fuzz_callers.storefront_key
