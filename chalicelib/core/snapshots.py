"""Lambda SnapStart restore hooks: what copies restored from one snapshot must not share.

With SnapStart (infra/snap_start.py) Lambda imports the app once, snapshots the initialised process and
starts every new copy of the function from that snapshot: whatever init created exists alike in every
copy — the `random` module's state, cached boto3 clients with their connections and credentials,
secrets cached with a time stamp. A module that keeps such a thing registers a hook here that drops
it (it is then re-created on first use, in the copy). Lambda's Python runtime runs them once per
restore, through its own `snapshot_restore_py` library; outside Lambda nothing is ever restored, the
library is absent and the hooks never run.

The other way round, a `before_snapshot` hook runs once, in the init Lambda snapshots: what it loads
is in every restored copy for free (a plain cold start never runs it).

Ids and secret tokens need no hook: they are drawn from `os.urandom` (`clock.new_id`, `secrets`),
which the kernel answers afresh in each copy.
"""

from __future__ import annotations

import random
from collections.abc import Callable

AfterRestore = Callable[[], None]
BeforeSnapshot = Callable[[], None]

_hooks: list[AfterRestore] = []
_before_snapshot: list[BeforeSnapshot] = []


def before_snapshot(hook: BeforeSnapshot) -> BeforeSnapshot:
    """Run `hook` once in the init Lambda snapshots (SnapStart only); usable as a decorator."""
    _before_snapshot.append(hook)
    return hook


def run_before_snapshot_hooks() -> None:
    """What the Lambda runtime calls before it takes the snapshot (and the bench, before forking)."""
    for hook in _before_snapshot:
        hook()


def after_restore(hook: AfterRestore) -> AfterRestore:
    """Run `hook` in each copy restored from a snapshot (in registration order); usable as a decorator."""
    _hooks.append(hook)
    return hook


def run_after_restore_hooks() -> None:
    """What the Lambda runtime calls after each restore (and the tests, in each forked copy)."""
    for hook in _hooks:
        hook()


@after_restore
def _reseed_random() -> None:
    # botocore's retry jitter and X-Ray's sampler draw from `random`: copies sharing one state would
    # back off in lockstep after the same throttling and sample the same requests.
    random.seed()


def register_with_runtime() -> bool:
    """Hands both runs of hooks to the Lambda runtime's snapshot hooks, when it has them."""
    try:
        # Provided by Lambda's managed Python runtimes (not a dependency of ours).
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(run_before_snapshot_hooks)
    register_after_restore(run_after_restore_hooks)
    return True


register_with_runtime()
