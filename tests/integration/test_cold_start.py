"""The cold-start budget, asserted by structure, never by timing (issue 19 goal 1): what a fresh
process imports and computes for `import app` and for each schedule's first invocation.

Every Lambda function imports the same app.py, so what app.py imports every function pays for.
Each case runs in its own interpreter (a module imported by an earlier test would hide one).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

# What the route declarations of app.py need from a feature: its request/response schemas and
# the domain types those name (plus the two data tables schemas use). Not its services, its
# repositories, its records or its parsers: those load with the function that calls them.
DECLARATIONS = {"schemas", "account_schemas", "domain", "attachments", "export_layouts"}
FEATURES = (
    "customers",
    "addresses",
    "groups",
    "staff",
    "shop",
    "storefront_keys",
    "carts",
    "support",
    "imports",
    "privacy",
    "mail",
    "throttle",
)

_PROBE = """
import json, sys
from datetime import UTC, datetime

def report(**extra):
    from chalicelib.core import passwords
    print(json.dumps({
        "modules": sorted(sys.modules),
        "dummy_hash_computed": passwords._dummy_hash.cache_info().currsize > 0,
        **extra,
    }))

schedule = sys.argv[1] if len(sys.argv) > 1 else None
if schedule is None:
    import app
    report()
else:
    from moto import mock_aws
    with mock_aws():
        from chalicelib import bootstrap
        bootstrap.ensure_table()
        bootstrap.ensure_bucket()
        import app
        from devtools.events import invoke_schedule
        loaded = sorted(sys.modules)
        invoke_schedule(app.app, schedule, datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
        report(before_invocation=loaded)
"""


def _probe(*args: str) -> dict[str, Any]:
    environment = os.environ | {"POWERTOOLS_TRACE_DISABLED": "true", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", _PROBE, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _under(modules: list[str] | set[str], package: str) -> list[str]:
    return sorted(m for m in modules if m == package or m.startswith(package + "."))


def test_importing_the_app_loads_only_the_declarations_of_each_feature() -> None:
    loaded = _probe()
    modules = set(loaded["modules"])
    assert not _under(modules, "argon2"), "argon2 loads with the first password hashed"
    assert not loaded["dummy_hash_computed"], "the dummy hash is computed on the first sign-in"
    assert not _under(modules, "aws_xray_sdk"), "tracing is off: the X-Ray SDK has no business here"
    assert not _under(modules, "jinja2"), "the mail templates load with the first mail"
    assert not _under(modules, "chalicelib.models"), "the table's records load with the first query"
    beyond = [
        module
        for feature in FEATURES
        for module in _under(modules, f"chalicelib.{feature}")
        if module != f"chalicelib.{feature}" and module.rsplit(".", 1)[1] not in DECLARATIONS
    ]
    assert beyond == [], "feature code loaded by `import app` (every function pays for it)"


# Per schedule: the features its first invocation must not load (beyond their declarations).
NOT_LOADED_BY = {
    "abandoned-cart-sweep": ("support", "imports", "staff"),
    "password-reset-outbox": ("support", "imports", "carts", "staff"),
    "import-watchdog": ("support", "carts", "staff", "mail"),
    "mail-poll": ("imports", "carts"),
    "retention-cleanup": (),
}


@pytest.mark.parametrize("schedule", sorted(NOT_LOADED_BY))
def test_a_schedule_loads_only_the_features_it_uses(schedule: str) -> None:
    loaded = _probe(schedule)
    added = set(loaded["modules"]) - set(loaded["before_invocation"])
    assert not _under(added, "argon2") and not loaded["dummy_hash_computed"], "no schedule hashes a password"
    assert not _under(added, "aws_xray_sdk")
    for feature in NOT_LOADED_BY[schedule]:
        assert _under(added, f"chalicelib.{feature}") == [], f"{schedule} loaded {feature}"
