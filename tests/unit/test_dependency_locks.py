"""The hash-pinned locks agree with their hand-edited inputs (offline: no index is asked).

A dependency added to an input without `make lock` — or typed into a lock by hand — fails here
instead of at someone's `pip install --require-hashes` (or silently in Lambda).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# input → its lock (see the Makefile's `lock` target)
LOCKS = {
    "requirements.in": "requirements.txt",
    "requirements-dev.txt": "requirements-dev.lock",
    "requirements-tools.in": "requirements-tools.lock",
}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def input_pins(name: str) -> dict[str, str]:
    """`package==version` of an input file and the files it includes with `-r`."""
    pins: dict[str, str] = {}
    for raw in (REPO / name).read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            pins.update(input_pins(line[3:].strip()))
            continue
        match = _PIN.match(line)
        assert match, f"{name}: pin every input with ==: {line!r}"
        pins[normalise(match.group(1))] = match.group(2)
    return pins


def lock_entries(name: str) -> dict[str, tuple[str, int]]:
    """package → (version, number of hashes) of a lock written by `uv pip compile --generate-hashes`."""
    entries: dict[str, tuple[str, int]] = {}
    current = ""
    for line in (REPO / name).read_text().splitlines():
        match = _PIN.match(line)
        if match:
            current = normalise(match.group(1))
            version, hashes = entries.get(current, (match.group(2), 0))
            entries[current] = (version, hashes)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = entries[current]
            entries[current] = (version, hashes + 1)
        elif line and not line.startswith((" ", "#")):
            current = ""
    return entries


@pytest.mark.parametrize(("source", "lock"), sorted(LOCKS.items()))
def test_every_input_pin_is_in_its_lock_at_the_same_version(source: str, lock: str) -> None:
    locked = lock_entries(lock)

    stale = {
        package: (version, locked.get(package, ("missing", 0))[0])
        for package, version in input_pins(source).items()
        if locked.get(package, ("missing", 0))[0] != version
    }

    assert not stale, f"{lock} is not {source} (input, lock): {stale} — run `make lock`"


@pytest.mark.parametrize("lock", sorted(LOCKS.values()))
def test_every_locked_package_has_hashes(lock: str) -> None:
    unhashed = [package for package, (_, hashes) in lock_entries(lock).items() if hashes == 0]

    assert lock_entries(lock), f"{lock} is empty"
    assert not unhashed, f"{lock}: no --hash for {unhashed} — run `make lock`, never edit a lock"


def test_lambda_ships_the_versions_the_tests_ran_with() -> None:
    runtime = lock_entries("requirements.txt")
    dev = lock_entries("requirements-dev.lock")

    differ = {
        p: (v, dev.get(p, ("missing", 0))[0]) for p, (v, _) in runtime.items() if dev.get(p, ("", 0))[0] != v
    }

    assert not differ, f"requirements.txt vs requirements-dev.lock: {differ} — run `make lock`"
