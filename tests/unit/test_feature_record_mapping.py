"""Carts, orders, vouchers, threads, messages, events, erasure jobs, imports and import mappings:
each maps to its record in one place (chalicelib/models/mapping.py plus the entity's stated
exceptions). Every field survives the table both ways, and the items written are exactly the
ones the hand-written mappers wrote (tests/fixtures/stored_records.json was captured from them):
stored data does not change."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chalicelib.carts import records as carts
from chalicelib.carts.domain import Cart, CartLine, Order, StatusChange, Voucher
from chalicelib.imports import repository as imports
from chalicelib.imports.domain import ImportColumn, ImportJob, ImportMapping, ImportOptions, ImportWarning
from chalicelib.models.base import TableRecord
from chalicelib.privacy import repository as privacy
from chalicelib.privacy.domain import ErasureJob
from chalicelib.support import records as support
from chalicelib.support.domain import Attachment, Message, Thread, ThreadEvent
from tests.factories import FIXED_NOW

STORED = json.loads((Path(__file__).parents[1] / "fixtures" / "stored_records.json").read_text())
LATER = FIXED_NOW + timedelta(hours=1)
FULL_CART = Cart(
    id="cart1",
    status="abandoned",
    created_at=FIXED_NOW,
    updated_at=LATER,
    customer_id="c1",
    email="ann@example.com",
    language="fr",
    cart_reminders=True,
    lines=(
        CartLine("p1", "Mug", 2, Decimal("9.900000"), "cat1", {"colour": "red"}),
        CartLine("p2", "Tea", 1, Decimal("3.5")),
    ),
    abandoned_at=LATER,
    ordered_at=LATER,
    order_id="o1",
    reminder_due=True,
    reminded_at=LATER,
    voucher_code="SAVE10",
    expires_at=LATER + timedelta(days=30),
    version=3,
)
BARE_CART = Cart(id="cart2", status="open", created_at=FIXED_NOW, updated_at=FIXED_NOW)
FULL_ORDER = Order(
    id="o1",
    customer_id="c1",
    cart_id="cart1",
    status="shipped",
    currency="EUR",
    payment_method="card",
    lines=({"product_id": "p1", "quantity": 2, "total": "19.80"},),
    subtotal="19.80",
    discount="1.98",
    voucher_discount="0.00",
    total="17.82",
    created_at=FIXED_NOW,
    updated_at=LATER,
    history=(
        StatusChange("pending", FIXED_NOW),
        StatusChange("shipped", LATER, "e1", "by post", True),
    ),
    delivery_address={"city": "Lyon", "country": "FR"},
    invoice_address={"city": "Paris", "country": "FR"},
    voucher_code="SAVE10",
    version=2,
)
BARE_ORDER = Order(
    id="o2",
    customer_id="c1",
    cart_id="cart2",
    status="pending",
    currency="EUR",
    payment_method="card",
    lines=(),
    subtotal="0.00",
    discount="0.00",
    voucher_discount="0.00",
    total="0.00",
    created_at=FIXED_NOW,
    updated_at=FIXED_NOW,
)
FULL_VOUCHER = Voucher("SAVE10", "cart1", "c1", Decimal("10"), LATER, FIXED_NOW, "o1")
BARE_VOUCHER = Voucher("SAVE5", "cart2", None, Decimal("5.5"), LATER, FIXED_NOW)
FULL_THREAD = Thread(
    id="t1",
    contact_id="support",
    email="ann@example.com",
    status="pending1",
    created_at=FIXED_NOW,
    updated_at=LATER,
    last_message_at=LATER,
    last_message_from="customer",
    subject="Where is my order?",
    customer_id="c1",
    order_id="o1",
    product_id="p1",
    language="fr",
    unread=True,
    read_at=FIXED_NOW,
    assigned_employee_id="e1",
    message_count=3,
    first_response_at=LATER,
    tag="ABC123",
    last_customer_message_id="<m1@example.com>",
    references=("<m0@example.com>", "<m1@example.com>"),
    sender_verified=False,
    version=5,
)
BARE_THREAD = Thread(
    id="t2",
    contact_id="support",
    email="bob@example.com",
    status="open",
    created_at=FIXED_NOW,
    updated_at=FIXED_NOW,
    last_message_at=FIXED_NOW,
    last_message_from="employee",
)
FULL_MESSAGE = Message(
    id="m1",
    thread_id="t1",
    sender="customer",
    received_at=LATER,
    text="Hello",
    html="<p>Hello</p>",
    email="ann@example.com",
    employee_id="e1",
    subject="Re: order",
    attachments=(Attachment("a.pdf", 12, "application/pdf", "attachments/t1/m1/a.pdf"),),
    message_id="<m1@example.com>",
    in_reply_to="<m0@example.com>",
    references=("<m0@example.com>",),
    auto_submitted=True,
    source="mail",
    notes=("an attachment was dropped",),
    raw_key="inbound/abc",
)
BARE_MESSAGE = Message(id="m2", thread_id="t2", sender="employee", received_at=FIXED_NOW, text="Hi")
FULL_EVENT = ThreadEvent("ev1", "t1", "forward", LATER, "e1", {"to": "e2", "comment": "yours"})
BARE_EVENT = ThreadEvent("ev2", "t2", "status", FIXED_NOW, None)
FULL_ERASURE = ErasureJob("c1", "employee:e1", FIXED_NOW, "done", "POS#1", LATER, 12, 4)
BARE_ERASURE = ErasureJob("c2", "customer", FIXED_NOW)
OPTIONS = ImportOptions(
    mapping={"E-mail": "email", "Junk": "ignore"},
    mapping_name="shop",
    delimiter=";",
    multi_value_separator="|",
    encoding="windows-1252",
    date_format="dd/mm/yyyy",
    skip_lines=1,
    mode="update",
    passwords="invite",
    create_missing_groups=True,
    group_map={"3": "g1"},
    preview=True,
)
FULL_IMPORT = ImportJob(
    id="imp1",
    kind="addresses",
    filename="a.csv",
    created_at=FIXED_NOW,
    created_by="e1",
    status="running",
    source_key="imports/imp1.csv",
    source_etag="etag",
    bytes_total=1000,
    bytes_read=500,
    rows_read=10,
    created=4,
    updated=3,
    unchanged=2,
    failed=1,
    checkpoint_rows=9,
    continuation=1,
    checkpoint_line=11,
    claimed_rows=5,
    stalls=1,
    lease_until=LATER,
    started_at=FIXED_NOW,
    finished_at=LATER,
    report_key="reports/imp1.csv",
    failure="boom",
    options=OPTIONS,
    layout="shopify",
    warnings=(ImportWarning("Junk", "ignored", 10),),
    detected_date_format="dd/mm/yyyy",
    applied_at=LATER,
    columns=(ImportColumn("E-mail", "email"), ImportColumn("Junk", "ignore")),
    passwords_total=8,
    password_chunks=2,
    awaiting="completed",
    version=7,
)
BARE_IMPORT = ImportJob(id="imp2", kind="customers", filename="c.csv", created_at=FIXED_NOW)
FULL_MAPPING = ImportMapping(
    "shop",
    "customers",
    dataclasses.replace(OPTIONS, preview=False, mapping_name=None),
    FIXED_NOW,
    LATER,
    "e1",
    2,
)
BARE_MAPPING = ImportMapping("plain", "addresses", ImportOptions(), FIXED_NOW, FIXED_NOW)
VOUCHER_EXPIRES = LATER + timedelta(days=7)


def _voucher_record(voucher: Voucher) -> TableRecord:
    return carts.to_voucher_record(voucher, VOUCHER_EXPIRES)


# name in the fixture, to record, from record, (full, bare)
ENTITIES: list[tuple[str, Callable[[Any], TableRecord], Callable[[Any], Any], tuple[Any, Any]]] = [
    ("cart", carts.to_cart_record, carts.from_cart_record, (FULL_CART, BARE_CART)),
    ("order", carts.to_order_record, carts.from_order_record, (FULL_ORDER, BARE_ORDER)),
    ("voucher", _voucher_record, carts.from_voucher_record, (FULL_VOUCHER, BARE_VOUCHER)),
    ("thread", support.to_thread_record, support.from_thread_record, (FULL_THREAD, BARE_THREAD)),
    ("message", support.to_message_record, support.from_message_record, (FULL_MESSAGE, BARE_MESSAGE)),
    ("event", support.to_event_record, support.from_event_record, (FULL_EVENT, BARE_EVENT)),
    ("erasure", privacy._job_record, privacy._job_from, (FULL_ERASURE, BARE_ERASURE)),
    ("import", imports._job_record, imports._job, (FULL_IMPORT, BARE_IMPORT)),
    ("mapping", imports._mapping_record, imports._mapping, (FULL_MAPPING, BARE_MAPPING)),
]


@pytest.mark.parametrize(
    ("name", "to_record", "from_record", "objects"), ENTITIES, ids=[e[0] for e in ENTITIES]
)
def test_the_items_written_are_the_ones_the_hand_written_mappers_wrote(
    name: str,
    to_record: Callable[[Any], TableRecord],
    from_record: Callable[[Any], Any],
    objects: tuple[Any, Any],
) -> None:
    assert [to_record(obj).serialize() for obj in objects] == STORED[name]


@pytest.mark.parametrize(
    ("name", "to_record", "from_record", "objects"), ENTITIES, ids=[e[0] for e in ENTITIES]
)
def test_every_field_survives_the_table_both_ways(
    name: str,
    to_record: Callable[[Any], TableRecord],
    from_record: Callable[[Any], Any],
    objects: tuple[Any, Any],
) -> None:
    for obj in objects:
        record = to_record(obj)
        # Through the wire format, as a read from the table sees it.
        read = type(record).from_raw_data(record.serialize())
        assert from_record(read) == obj
