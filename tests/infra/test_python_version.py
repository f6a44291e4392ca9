"""One Python version for the whole project: the Makefile's virtualenv, the lock resolution, ruff, mypy
and the Lambda runtime of every function say the same (a bump that misses one fails here)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from infra.chalice_app import LAMBDA_RUNTIME

REPO = Path(__file__).resolve().parents[2]


def _makefile_version() -> str:
    match = re.search(r"^PYTHON_VERSION := (\d+\.\d+)$", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert match, "the Makefile names the project's Python in PYTHON_VERSION"
    return match.group(1)


def test_every_tool_targets_the_makefiles_python() -> None:
    version = _makefile_version()
    major, minor = version.split(".")
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())

    assert pyproject["project"]["requires-python"] == f">={version},<{major}.{int(minor) + 1}"
    assert pyproject["tool"]["ruff"]["target-version"] == f"py{major}{minor}"
    assert pyproject["tool"]["mypy"]["python_version"] == version
    assert f"python{version}" == LAMBDA_RUNTIME


def test_the_locks_are_resolved_for_it() -> None:
    makefile = (REPO / "Makefile").read_text()

    assert "--python-version $(PYTHON_VERSION)" in makefile
