"""The real composition root over every in-memory fake: services with no table, no bucket, no SES.

Unit tests that exercise several features together (checkout, mail in, erasure) build this one world
instead of wiring the eighteen fakes themselves, and reach into the fakes they want to inspect.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chalicelib.core.secrets import FileSecret
from chalicelib.core.settings import get_settings
from chalicelib.wiring import Container, build_container
from tests.factories import FixedClock, sequential_ids
from tests.fakes.addresses import MemoryAddressRepository
from tests.fakes.carts import MemoryCartRepository, MemoryOrderRepository
from tests.fakes.customers import MemoryCustomerRepository
from tests.fakes.files import MemoryFileStore
from tests.fakes.imports import MemoryImportRepository
from tests.fakes.mail import MemoryMailer, MemorySentMailLog
from tests.fakes.privacy import MemoryPrivacyRepository
from tests.fakes.shop import MemoryConfigRepository
from tests.fakes.staff import MemoryEmployeeRepository
from tests.fakes.storefront_keys import MemoryStorefrontKeyRepository
from tests.fakes.support import MemoryMailboxRepository, MemoryThreadRepository
from tests.fakes.throttle import MemoryThrottleRepository


@dataclass
class FakeWorld:
    services: Container
    config: MemoryConfigRepository
    customers: MemoryCustomerRepository
    carts: MemoryCartRepository
    orders: MemoryOrderRepository
    threads: MemoryThreadRepository
    mailboxes: MemoryMailboxRepository
    files: MemoryFileStore
    mailer: MemoryMailer


def fake_world(tmp_path: Path) -> FakeWorld:
    """A fixed clock, sequential ids, the shop's defaults seeded; secrets in files under tmp_path."""
    config = MemoryConfigRepository()
    addresses = MemoryAddressRepository()
    customers = MemoryCustomerRepository(config, addresses)
    orders = MemoryOrderRepository(customers)
    carts = MemoryCartRepository(customers, orders, addresses)
    threads = MemoryThreadRepository(config)
    mailboxes = MemoryMailboxRepository()
    files = MemoryFileStore()
    mailer = MemoryMailer()
    services = build_container(
        get_settings(),
        customers=customers,
        employees=MemoryEmployeeRepository(),
        config=config,
        throttles=MemoryThrottleRepository(),
        addresses=addresses,
        imports=MemoryImportRepository(),
        files=files,
        mailer=mailer,
        sent_mail=MemorySentMailLog(),
        thread_store=threads,
        mailbox_store=mailboxes,
        privacy_store=MemoryPrivacyRepository(customers, threads),
        cart_store=carts,
        order_store=orders,
        clock=FixedClock(),
        ids=sequential_ids(),
        secret="s" * 32,
        imap_password=FileSecret(tmp_path / "imap-password"),
        prestashop_cookie_key=FileSecret(tmp_path / "cookie-key"),
        storefront_keys=MemoryStorefrontKeyRepository(),
    )
    services.config.seed_defaults()
    return FakeWorld(services, config, customers, carts, orders, threads, mailboxes, files, mailer)
