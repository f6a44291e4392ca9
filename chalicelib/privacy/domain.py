"""Privacy: erasure jobs and the statuses they wait on.

Consents and import provenance are the customer's (customers/domain.py): the profile holds them and
the customers feature writes them, so privacy imports customers and never the other way round. The
export's shape, which holds every feature's types, is in export.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

# An erasure waits while one of the customer's orders is still in one of these.
OPEN_ORDER_STATUSES = frozenset({"pending", "processing", "shipped"})

ErasureStep = Literal["threads", "files", "orders", "carts", "tokens", "collection", "profile", "done"]
ERASURE_STEPS: tuple[ErasureStep, ...] = (
    "threads",
    # Bucket copies outside the threads: kept (unprocessed) mail from the address, the sources and
    # reports of the imports that touched the customer, export files.
    "files",
    "orders",
    "carts",
    "tokens",
    "collection",
    "profile",
    "done",
)


@dataclass(frozen=True)
class ErasureJob:
    """An erasure in progress or done; also its audit record (ids and times only, no PII)."""

    customer_id: str
    requested_by: str  # "employee:<id>", "customer" or "retention"
    started_at: datetime
    step: ErasureStep = "threads"
    position: str | None = None  # the step's checkpoint (an opaque index position)
    finished_at: datetime | None = None
    items_changed: int = 0
    version: int = 0

    @property
    def done(self) -> bool:
        return self.step == "done"


def step_after(step: ErasureStep) -> ErasureStep:
    return ERASURE_STEPS[min(ERASURE_STEPS.index(step) + 1, len(ERASURE_STEPS) - 1)]
