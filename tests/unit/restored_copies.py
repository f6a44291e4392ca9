"""Two copies "restored" from one snapshot, and what each mints: `python -m tests.unit.restored_copies`.

The process imports the app and builds what a first request builds (the composition root, a table
connection), as a function's init does before Lambda takes its SnapStart snapshot; then it forks twice.
Each child is a copy restored from that same memory: it runs the after-restore hooks (unless
`--no-hooks`), as Lambda's runtime does, mints ids and tokens and draws from `random`, and writes
what it got as one JSON line. Run in a process of its own: forking the test runner (threads, open
files) would copy more than a Lambda init.

A fork is not quite a restore: Python reseeds `random` in a forked child by itself (an at-fork hook),
which nothing does on a SnapStart restore. So each child first puts back the state `random` had at the
snapshot, as a restored copy finds it.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import sys
import uuid
from typing import Any

MINTED_PER_COPY = 50


def _init() -> dict[str, object]:
    """Lambda's init: the app imported, then what a first invocation caches (the composition root, the
    table's PynamoDB connection), which a restored copy must not go on using."""
    import app  # noqa: F401 (the import is the init)
    from chalicelib import wiring
    from chalicelib.models.base import TableRecord

    return {"container": wiring.container(), "connection": TableRecord._get_connection()}


def _restored_copy(
    cached_at_init: dict[str, object], random_at_snapshot: tuple[Any, ...], run_hooks: bool
) -> dict[str, Any]:
    from chalicelib import wiring
    from chalicelib.core.clock import new_id
    from chalicelib.core.passwords import generate_password
    from chalicelib.core.snapshots import run_after_restore_hooks
    from chalicelib.models.base import TableRecord

    random.setstate(random_at_snapshot)
    if run_hooks:
        run_after_restore_hooks()
    return {
        "ids": [new_id() for _ in range(MINTED_PER_COPY)],
        "tokens": [secrets.token_urlsafe(32) for _ in range(MINTED_PER_COPY)],
        "passwords": [generate_password() for _ in range(MINTED_PER_COPY)],
        "uuids": [str(uuid.uuid4()) for _ in range(MINTED_PER_COPY)],
        "random": [random.random() for _ in range(MINTED_PER_COPY)],
        "own_container": wiring.container() is not cached_at_init["container"],
        "own_connection": TableRecord._get_connection() is not cached_at_init["connection"],
    }


def main() -> None:
    run_hooks = "--no-hooks" not in sys.argv
    cached_at_init = _init()
    random_at_snapshot = random.getstate()
    children = []
    for _ in range(2):
        reader, writer = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(reader)
            with os.fdopen(writer, "w") as out:
                out.write(json.dumps(_restored_copy(cached_at_init, random_at_snapshot, run_hooks)))
            os._exit(0)
        os.close(writer)
        children.append((pid, reader))
    for pid, reader in children:
        with os.fdopen(reader) as result:
            print(result.read())
        _, status = os.waitpid(pid, 0)
        if status != 0:
            raise SystemExit(f"restored copy {pid} failed ({status})")


if __name__ == "__main__":
    main()
