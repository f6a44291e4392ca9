"""Consent rules, privacy keys and unsubscribe tokens (pure, no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from chalicelib.core.clock import new_id
from chalicelib.core.text import email_hash
from chalicelib.customers.domain import (
    Consent,
    consent_changes,
    flag_values,
    follow_flags,
    state_of,
    with_consent,
)
from chalicelib.models import keys
from chalicelib.privacy.domain import step_after
from chalicelib.privacy.unsubscribe_tokens import UnsubscribeTokens

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SECRET = "s" * 40


def test_ticking_and_unticking_boxes_moves_their_channels_only_when_they_change() -> None:
    consents = follow_flags((), {"newsletter": True, "optin": False}, "storefront", NOW)
    assert consents == (Consent("email_marketing", "subscribed", "single", "storefront", NOW),)
    assert state_of(consents, "partner_offers") == "not_subscribed"  # never ticked: no record
    later = NOW + timedelta(days=1)
    assert follow_flags(consents, {"newsletter": True}, "admin", later) == consents
    off = follow_flags(consents, {"newsletter": False}, "import", later)
    assert off == (Consent("email_marketing", "unsubscribed", "single", "import", later),)
    assert consent_changes(consents, off) == list(off)
    assert flag_values(off) == {"newsletter": False, "optin": False}


def test_with_consent_keeps_one_entry_per_channel_in_a_stable_order() -> None:
    reminders = Consent("cart_reminders", "subscribed", "confirmed", "storefront", NOW)
    marketing = Consent("email_marketing", "subscribed", "single", "admin", NOW)
    both = with_consent(with_consent((), reminders), marketing)
    assert [c.channel for c in both] == ["email_marketing", "cart_reminders"]
    assert flag_values(both) == {"newsletter": True, "optin": False}


def test_erasure_steps_run_in_order_and_end_at_done() -> None:
    assert step_after("threads") == "files" and step_after("files") == "orders"
    assert step_after("profile") == "done"
    assert step_after("done") == "done"


def test_privacy_keys() -> None:
    assert keys.consent_sk("2026-11-23T10:00:00Z", "email_marketing", 3) == (
        "CONSENT#2026-11-23T10:00:00Z#email_marketing#00000003"
    )
    assert keys.erasure_pk("01A") == "ERASURE#01A"
    assert keys.suppression_pk("ab") == "SUPPRESSION#ab" and keys.suppression_sk("cart_reminders") == (
        "CHANNEL#cart_reminders"
    )


def test_ulid_floor_orders_ids_by_creation_time() -> None:
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    minted = new_id()
    assert keys.ulid_floor(now_ms - 60_000) < minted < keys.ulid_floor(now_ms + 60_000)
    assert len(keys.ulid_floor(now_ms)) == 26


def test_unsubscribe_tokens_name_who_and_which_channel_and_resist_forgery() -> None:
    tokens = UnsubscribeTokens(SECRET)
    token = tokens.for_customer("01ABC", "cart_reminders")
    subject = tokens.read(token)
    assert subject is not None and (subject.kind, subject.subject, subject.channel) == (
        "c",
        "01ABC",
        "cart_reminders",
    )
    guest = tokens.read(tokens.for_email("Guest@Example.com", "cart_reminders"))
    assert guest is not None and guest.subject == email_hash("guest@example.com")
    assert "example" not in tokens.for_email("guest@example.com", "cart_reminders")
    assert tokens.read(token.replace("01ABC", "01ABD")) is None
    assert tokens.read(token.replace(".r.", ".m.")) is None
    assert UnsubscribeTokens("t" * 40).read(token) is None
    assert tokens.read(None) is None and tokens.read("a.b.c") is None and tokens.read("x" * 500) is None
