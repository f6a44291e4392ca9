"""`make audit`'s rule (devtools/audit.py), on canned pip-audit and npm audit reports: no network.

A known vulnerability with a fixed version fails (1); one without a fix is listed only; a database
that cannot be reached, or packages pip-audit skipped, fail as "could not audit" (2), never a pass.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from devtools import audit

CLEAN_PIP = {"dependencies": [{"name": "jinja2", "version": "3.1.6", "vulns": []}], "fixes": []}
CLEAN_NPM = {"auditReportVersion": 2, "vulnerabilities": {}, "metadata": {}}


def vulnerable_pip(fix_versions: list[str]) -> dict[str, Any]:
    vuln = {"id": "GHSA-h5c8-rqwp-cp95", "fix_versions": fix_versions, "aliases": ["CVE-2024-22195"]}
    return {"dependencies": [{"name": "jinja2", "version": "3.1.2", "vulns": [vuln]}], "fixes": []}


def vulnerable_npm(fix: Any) -> dict[str, Any]:
    advisory = {"title": "ReDoS", "url": "https://github.com/advisories/GHSA-xxxx"}
    entry = {"name": "lib", "severity": "high", "via": [advisory], "range": "<1.2.3", "fixAvailable": fix}
    return {"auditReportVersion": 2, "vulnerabilities": {"lib": entry}}


def fake_tools(monkeypatch: pytest.MonkeyPatch, pip: Any, npm: Any) -> list[list[str]]:
    commands: list[list[str]] = []

    def run(command: list[str], cwd: Path | None = None) -> tuple[int, str, str]:
        commands.append(command)
        report = npm if command[0] == "npm" else pip
        if isinstance(report, str):  # no JSON on stdout: the tool failed
            return 1, "", report
        return 0, json.dumps(report), ""

    monkeypatch.setattr(audit, "_run", run)
    return commands


def run_audit(tmp_path: Path) -> int:
    return audit.main(
        ["--pip-audit", "pip-audit", "--lock", "a.lock", "--lock", "b.lock", "--web", str(tmp_path)]
    )


def test_clean_reports_pass_and_each_lock_is_audited_with_its_hashes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    commands = fake_tools(monkeypatch, CLEAN_PIP, CLEAN_NPM)

    assert run_audit(tmp_path) == 0

    pip_runs = [c for c in commands if c[0] == "pip-audit"]
    assert [c[-1] for c in pip_runs] == ["a.lock", "b.lock"]
    assert all("--require-hashes" in c and "--disable-pip" in c for c in pip_runs)
    assert ["npm", "audit", "--omit=dev", "--json"] in commands
    assert "audit passed" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("pip", "npm", "expected"),
    [
        (vulnerable_pip(["3.1.3"]), CLEAN_NPM, audit.EXIT_FIXABLE),
        (CLEAN_PIP, vulnerable_npm({"name": "lib", "version": "1.2.3", "isSemVerMajor": False}), 1),
        (CLEAN_PIP, vulnerable_npm(True), audit.EXIT_FIXABLE),
        (vulnerable_pip([]), vulnerable_npm(False), 0),  # listed, but nothing to upgrade to yet
    ],
)
def test_only_vulnerabilities_with_a_fix_fail_the_audit(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, pip: Any, npm: Any, expected: int
) -> None:
    fake_tools(monkeypatch, pip, npm)

    assert run_audit(tmp_path) == expected


def test_fixable_and_unfixed_findings_are_listed_with_their_ids(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_tools(monkeypatch, vulnerable_pip(["3.1.3"]), vulnerable_npm(False))

    run_audit(tmp_path)

    out = capsys.readouterr().out
    assert "jinja2 3.1.2: GHSA-h5c8-rqwp-cp95 / CVE-2024-22195 (fixed in 3.1.3)" in out
    assert "lib <1.2.3: high: https://github.com/advisories/GHSA-xxxx (no fix available yet)" in out


@pytest.mark.parametrize(
    ("pip", "npm", "message"),
    [
        # PyPI's JSON API unreachable: pip-audit skips every package and would exit 0.
        (
            {"dependencies": [{"name": "jinja2", "skip_reason": "Dependency not found on PyPI"}]},
            CLEAN_NPM,
            "could not audit 1 of 1 package(s)",
        ),
        ("requests.exceptions.ConnectionError: Failed to resolve", CLEAN_NPM, "Failed to resolve"),
        (
            CLEAN_PIP,
            {"message": "405 Method Not Allowed - POST .../advisories/bulk", "error": {"summary": ""}},
            "405 Method Not Allowed",
        ),
    ],
)
def test_an_audit_that_cannot_reach_its_database_fails_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    pip: Any,
    npm: Any,
    message: str,
) -> None:
    fake_tools(monkeypatch, pip, npm)

    assert run_audit(tmp_path) == audit.EXIT_TOOL_FAILED

    assert message in capsys.readouterr().err
