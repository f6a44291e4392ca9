"""`make audit`: known vulnerabilities in the locked Python packages and the web UI's npm packages.

Runs `pip-audit` on the hash-pinned locks (`--require-hashes --disable-pip`: the locks are audited
as written, nothing is resolved or installed) and `npm audit --omit=dev` in web/ (what the browser
gets, not the build tools), both as JSON, and applies one rule to both: a known vulnerability with a
fixed version available fails the audit (exit 1) — upgrade the pin (`make lock UPGRADE=1`, or the
package alone) and re-run. One without a fix yet is listed, and does not fail it. A tool that cannot
reach its database fails with exit 2 and says so, never a silent pass.

Standard library only: it runs on the tools virtualenv's Python (`.venv-tools`), not the project's.
"""

from __future__ import annotations

import argparse
import functools
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXIT_FIXABLE = 1
EXIT_TOOL_FAILED = 2


@dataclass(frozen=True)
class Finding:
    ecosystem: str
    package: str
    version: str
    ident: str
    fix: str  # "" when no fixed version is known

    def line(self) -> str:
        fix = f"fixed in {self.fix}" if self.fix else "no fix available yet"
        return f"  {self.ecosystem:4} {self.package} {self.version}: {self.ident} ({fix})"


class ToolFailedError(RuntimeError):
    pass


def _run(command: list[str], cwd: Path | None = None) -> tuple[int, str, str]:
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    except OSError as error:
        raise ToolFailedError(f"{command[0]}: {error.strerror}") from None
    return done.returncode, done.stdout, done.stderr


def _last_lines(text: str, count: int = 5) -> str:
    return "\n".join(text.strip().splitlines()[-count:])


def pip_findings(pip_audit: str, service: str, lock: str) -> list[Finding]:
    # One lock per run: pip-audit refuses a package pinned in two files, even at the same version.
    options = ["--require-hashes", "--disable-pip", "--format", "json", "--progress-spinner", "off"]
    code, out, err = _run([pip_audit, *options, "--vulnerability-service", service, "--requirement", lock])
    try:
        report = json.loads(out)
    except ValueError:
        raise ToolFailedError(f"pip-audit exited {code} without a report:\n{_last_lines(err)}") from None
    skipped = [d for d in report.get("dependencies", []) if d.get("skip_reason")]
    if skipped:
        # E.g. the vulnerability service is unreachable: pip-audit skips the package and exits 0.
        raise ToolFailedError(
            f"pip-audit could not audit {len(skipped)} of {len(report['dependencies'])} package(s), "
            f"e.g. {skipped[0]['skip_reason']}"
        )
    findings = []
    for dependency in report.get("dependencies", []):
        for vuln in dependency.get("vulns", []):
            aliases = [a for a in vuln.get("aliases", []) if a.startswith("CVE-")]
            ident = vuln.get("id", "?") + (f" / {aliases[0]}" if aliases else "")
            fixes = vuln.get("fix_versions") or []
            findings.append(
                Finding("pip", dependency["name"], dependency.get("version", "?"), ident, ", ".join(fixes))
            )
    return findings


def npm_findings(web: Path) -> list[Finding]:
    code, out, err = _run(["npm", "audit", "--omit=dev", "--json"], cwd=web)
    try:
        report: dict[str, Any] = json.loads(out)
    except ValueError:
        raise ToolFailedError(f"npm audit exited {code} without a report:\n{_last_lines(err)}") from None
    if "error" in report:
        error = report["error"]
        reason = report.get("message") or error.get("summary") or error.get("code") or "unknown error"
        raise ToolFailedError(f"npm audit: {reason}")
    findings = []
    for name, entry in sorted(report.get("vulnerabilities", {}).items()):
        advisories = [v for v in entry.get("via", []) if isinstance(v, dict)]
        # An entry whose `via` names only other packages is vulnerable through them; listed once each.
        ident = ", ".join(str(v.get("url") or v.get("title")) for v in advisories) or (
            "via " + ", ".join(str(v) for v in entry.get("via", []))
        )
        available = entry.get("fixAvailable")
        if isinstance(available, dict):
            fix = f"{available.get('name')} {available.get('version')}"
        else:
            fix = "npm audit fix" if available else ""
        severity = entry.get("severity", "?")
        findings.append(Finding("npm", name, entry.get("range", "?"), f"{severity}: {ident}", fix))
    return findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="devtools/audit.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pip-audit", default="pip-audit", help="the pip-audit executable")
    parser.add_argument(
        "--service", default="pypi", choices=["pypi", "osv"], help="pip-audit's vulnerability database"
    )
    parser.add_argument("--lock", action="append", required=True, help="a hash-pinned requirements file")
    parser.add_argument("--web", type=Path, required=True, help="the web UI's directory (package-lock.json)")
    args = parser.parse_args(argv)

    findings: list[Finding] = []
    failed: list[str] = []
    audits: list[tuple[str, Callable[[], list[Finding]]]] = [
        (f"pip-audit -r {lock}", functools.partial(pip_findings, args.pip_audit, args.service, lock))
        for lock in args.lock
    ]
    audits.append((f"npm audit --omit=dev ({args.web})", functools.partial(npm_findings, args.web)))
    for name, collect in audits:
        try:
            found = collect()
        except ToolFailedError as error:
            failed.append(f"{name}: could not run the audit\n{error}")
            continue
        print(f"{name}: {len(found)} known vulnerabilit{'y' if len(found) == 1 else 'ies'}")
        findings += found

    fixable = [f for f in findings if f.fix]
    unfixed = [f for f in findings if not f.fix]
    if fixable:
        print("Vulnerable, with a fixed version (fails the audit):")
        print("\n".join(f.line() for f in fixable))
    if unfixed:
        print("Vulnerable, no fix available yet (listed, does not fail the audit):")
        print("\n".join(f.line() for f in unfixed))
    for failure in failed:
        print(failure, file=sys.stderr)
    if failed:
        return EXIT_TOOL_FAILED
    if fixable:
        return EXIT_FIXABLE
    print("audit passed: no known vulnerability with a fix available")
    return 0


if __name__ == "__main__":
    sys.exit(main())
