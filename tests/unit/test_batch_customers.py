"""An import batch's customers so far (imports/batch_customers.py): found by reference and by
e-mail through indexes, with the answers the scan over every customer gave."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.imports.batch_customers import BatchCustomers
from tests.contract.test_customer_repository_contract import make


def test_a_customer_is_found_by_its_current_email_and_reference_only() -> None:
    latest = BatchCustomers()
    ann = make(1, email="Ann@Example.com", merchant_ref="41")
    latest[ann.id] = ann
    assert latest.with_email("ann@example.com") == ann
    assert latest.with_reference("41") == ann
    assert latest.with_reference(None) is None and latest.with_reference("") is None

    moved = replace(ann, email="ann@new.example", merchant_ref="42")
    latest[ann.id] = moved
    assert latest.with_email("ann@example.com") is None  # the old entry no longer matches
    assert latest.with_reference("41") is None
    assert latest.with_email("ann@new.example") == moved and latest.with_reference("42") == moved
    assert list(latest) == [ann.id] and latest[ann.id] == moved


def test_of_two_customers_with_one_email_the_first_touched_is_found() -> None:
    latest = BatchCustomers()
    first, second = make(1, email="one@example.com"), make(2, email="two@example.com")
    latest[first.id] = first
    latest[second.id] = second
    # A later row gives the second customer the first one's e-mail (the write will refuse it).
    latest[second.id] = replace(second, email="one@example.com")
    assert latest.with_email("one@example.com") == first
    latest[first.id] = replace(first, email="gone@example.com")
    assert latest.with_email("one@example.com") == latest[second.id]
