"""Privacy: consent per channel (with its history), import provenance, erasure jobs.

The customers feature's types hold consents and import rows, so this module imports no other feature
(the export's shape, which holds every feature's types, is in export.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ConsentChannel = Literal["email_marketing", "partner_offers", "cart_reminders"]
CONSENT_CHANNELS: tuple[ConsentChannel, ...] = ("email_marketing", "partner_offers", "cart_reminders")
ConsentState = Literal["subscribed", "unsubscribed", "not_subscribed"]
OptInLevel = Literal["single", "confirmed"]
ConsentSource = Literal["storefront", "admin", "import", "unsubscribe_link", "double_opt_in"]
# The profile's booleans are views of two channels: newsletter = email_marketing, optin = partner_offers.
FLAG_CHANNELS: tuple[tuple[str, ConsentChannel], ...] = (
    ("newsletter", "email_marketing"),
    ("optin", "partner_offers"),
)
# How many import rows a profile remembers (the newest): enough to answer "where did this come from".
IMPORT_ROWS_KEPT = 20


@dataclass(frozen=True)
class Consent:
    """One channel's state as it was set at `at` (the current state, or a history entry)."""

    channel: ConsentChannel
    state: ConsentState
    level: OptInLevel
    source: ConsentSource
    at: datetime


@dataclass(frozen=True)
class ImportRow:
    """A CSV row that created or changed a customer (ids and line numbers only, never content)."""

    import_id: str
    line: int
    action: Literal["created", "updated"]
    at: datetime


def state_of(consents: tuple[Consent, ...], channel: ConsentChannel) -> ConsentState:
    for consent in consents:
        if consent.channel == channel:
            return consent.state
    return "not_subscribed"


def with_consent(consents: tuple[Consent, ...], consent: Consent) -> tuple[Consent, ...]:
    """`consents` with `consent` replacing its channel's entry (channels kept in a stable order)."""
    others = {c.channel: c for c in consents if c.channel != consent.channel}
    others[consent.channel] = consent
    return tuple(others[channel] for channel in CONSENT_CHANNELS if channel in others)


def consent_changes(before: tuple[Consent, ...], after: tuple[Consent, ...]) -> list[Consent]:
    """The entries of `after` that are new (each becomes a history item)."""
    old = set(before)
    return [consent for consent in after if consent not in old]


def follow_flags(
    before: tuple[Consent, ...], flags: dict[str, bool], source: ConsentSource, at: datetime
) -> tuple[Consent, ...]:
    """Consents after the profile's newsletter / optin flags were set to `flags`: ticking a box
    subscribes (single opt-in), unticking one that was subscribed unsubscribes; unchanged boxes
    leave the channel alone."""
    consents = before
    for flag, channel in FLAG_CHANNELS:
        if flag not in flags:
            continue
        state = state_of(consents, channel)
        if flags[flag] and state != "subscribed":
            consents = with_consent(consents, Consent(channel, "subscribed", "single", source, at))
        elif not flags[flag] and state == "subscribed":
            consents = with_consent(consents, Consent(channel, "unsubscribed", "single", source, at))
    return consents


def flag_values(consents: tuple[Consent, ...]) -> dict[str, bool]:
    """newsletter / optin as the consents say."""
    return {flag: state_of(consents, channel) == "subscribed" for flag, channel in FLAG_CHANNELS}


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
