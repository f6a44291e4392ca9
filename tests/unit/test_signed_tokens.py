"""The signed links' exact text: links already mailed must keep verifying after any refactoring."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.carts.confirm_tokens import ConfirmTokens
from chalicelib.core.text import email_hash
from chalicelib.privacy.unsubscribe_tokens import UnsubscribeSubject, UnsubscribeTokens

ANN_HASH = "71d4f55f72fa128dfb468a1a3901507c804b74316488744d769d7f4b16696476"
NOW = datetime(2029, 6, 1, tzinfo=UTC)


def test_reminder_confirm_tokens_keep_their_text_and_checks() -> None:
    tokens = ConfirmTokens("s3cret")
    token = tokens.issue("Ann@Example.com", datetime(2030, 1, 2, tzinfo=UTC))
    assert token == f"{ANN_HASH}.1893542400.CN4tXVglkrJSVlBiS1Jxox3E"
    assert tokens.read(token, NOW) == ANN_HASH == email_hash("ann@example.com")
    assert tokens.read(token, datetime(2030, 1, 2, tzinfo=UTC)) is None  # expired
    assert ConfirmTokens("other").read(token, NOW) is None
    assert tokens.read(token + ".x", NOW) is None
    assert tokens.read(token[:-1] + "A", NOW) is None
    assert tokens.read("a" * 201, NOW) is None
    assert tokens.read(None, NOW) is None


def test_unsubscribe_tokens_keep_their_text_and_checks() -> None:
    tokens = UnsubscribeTokens("s3cret")
    by_customer = tokens.for_customer("CUST1", "email_marketing")
    by_email = tokens.for_email("Ann@Example.com", "cart_reminders")
    assert by_customer == "c.CUST1.m.QyTwao3BK5mr3p7cOuTQ2lzd"
    assert by_email == f"e.{ANN_HASH}.r.3JycycI8jZx39A6eTlmsetkT"
    assert tokens.read(by_customer) == UnsubscribeSubject("c", "CUST1", "email_marketing")
    assert tokens.read(by_email) == UnsubscribeSubject("e", ANN_HASH, "cart_reminders")
    # The purposes' keys differ: a confirm token never unsubscribes, and the other way round.
    assert ConfirmTokens("s3cret").read(by_customer, NOW) is None
    assert tokens.read(ConfirmTokens("s3cret").issue("ann@example.com", NOW)) is None
    assert tokens.read(by_customer[:-1] + "A") is None
    assert tokens.read("x" * 201) is None


def test_a_token_with_non_ascii_characters_is_refused_not_an_error() -> None:
    # hmac.compare_digest raises TypeError on a non-ASCII str: a link is caller input, so it must read as
    # "not a token of ours" (None), never reach the error table as a 500.
    tokens = UnsubscribeTokens("s" * 32)
    assert tokens.read("c.X.m.é") is None
    assert tokens.read("c.X.m.\u00e9\u00e9\u00e9") is None
    assert ConfirmTokens("s" * 32).read("é.1.é", datetime(2026, 12, 1, tzinfo=UTC)) is None
