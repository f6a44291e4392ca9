"""Copies restored from one SnapStart snapshot never mint alike (issue 19 goal 2).

tests/unit/restored_copies.py stands a fork in for the snapshot: the app initialised once, two copies
resumed from the same memory. With the after-restore hooks run (as Lambda's runtime runs them), no id,
token, password or uuid of one copy is the other's, their `random` streams differ, and each copy
builds its own composition root and table connection. Without the hooks the `random` streams are
the same: the fork does copy the init's state, so the test would see a missing hook.
"""

from __future__ import annotations

import json
import subprocess
import sys
import types
from typing import Any

import pytest

from chalicelib.core import snapshots
from infra.stages import PROJECT_DIR

MINTED = ("ids", "tokens", "passwords", "uuids")


def _restored_copies(*args: str) -> list[dict[str, Any]]:
    result = subprocess.run(  # noqa: S603 (this interpreter, the project's own module)
        [sys.executable, "-m", "tests.unit.restored_copies", *args],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_restored_copies_share_no_id_token_or_random_state() -> None:
    first, second = _restored_copies()

    for kind in MINTED:
        assert len(set(first[kind]) | set(second[kind])) == 2 * len(first[kind]), kind
    assert first["random"] != second["random"]
    for copy in (first, second):
        assert copy["own_container"] and copy["own_connection"]


def test_without_the_hooks_the_copies_share_the_init_state() -> None:
    first, second = _restored_copies("--no-hooks")

    assert first["random"] == second["random"]
    assert not first["own_container"] and not first["own_connection"]
    # os.urandom is the kernel's, afresh in each copy: ids and tokens differ even without hooks.
    for kind in MINTED:
        assert not set(first[kind]) & set(second[kind]), kind


def test_before_the_snapshot_every_part_is_loaded_and_none_kept() -> None:
    probe = (
        "import json, sys, app\n"
        "from chalicelib import wiring\n"
        "from chalicelib.core.snapshots import run_before_snapshot_hooks\n"
        "run_before_snapshot_hooks()\n"
        "print(json.dumps({'modules': sorted(sys.modules), "
        "'cached': wiring._default_container.cache_info().currsize}))\n"
    )
    result = subprocess.run(  # noqa: S603 (this interpreter, the project's own probe)
        [sys.executable, "-c", probe],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    loaded = json.loads(result.stdout.splitlines()[-1])

    # What a plain `import app` leaves to first use (tests/integration/test_cold_start.py) is in the
    # snapshot: each feature's services and repositories, PynamoDB.
    for module in (
        "chalicelib.customers.service",
        "chalicelib.support.threads",
        "chalicelib.carts.repository",
    ):
        assert module in loaded["modules"], module
    assert "pynamodb" in loaded["modules"]
    assert loaded["cached"] == 0  # built to load the modules, then dropped with its clients


def test_the_lambda_runtime_is_handed_the_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    after: list[object] = []
    before: list[object] = []
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_after_restore = after.append  # type: ignore[attr-defined]
    runtime.register_before_snapshot = before.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)

    assert snapshots.register_with_runtime()
    assert after == [snapshots.run_after_restore_hooks]
    assert before == [snapshots.run_before_snapshot_hooks]


def test_outside_lambda_there_is_no_runtime_to_hand_them_to(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # an import of it fails

    assert not snapshots.register_with_runtime()
