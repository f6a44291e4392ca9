"""Composition root: one Container per process, each service built from Settings on first use.

Handlers ask `container()`; tests install their own with `use_container()`.

Every Lambda function imports the same app.py, so building every feature for every function made
the sweep import the mail poller and the imports (issue 19). Each feature's parts are a small
module here (wiring/<feature>.py: a class of lazily built attributes, each importing its feature's
modules when first read); the Container is all of them together, and a function builds, and
imports, only what its first invocation reads.
"""

from __future__ import annotations

import inspect
from functools import lru_cache
from typing import TYPE_CHECKING

from chalicelib.core.clock import Clock, IdFactory, new_id, utc_now
from chalicelib.core.observability import logger
from chalicelib.core.settings import Settings, get_settings
from chalicelib.core.snapshots import after_restore, before_snapshot
from chalicelib.wiring.base import Given, part
from chalicelib.wiring.privacy import PrivacyParts
from chalicelib.wiring.storefront_keys import StorefrontKeyParts

if TYPE_CHECKING:
    from chalicelib.addresses.ports import AddressRepository
    from chalicelib.carts.ports import CartRepository, OrderRepository
    from chalicelib.core.files import FileStore
    from chalicelib.core.secrets import SecretStore
    from chalicelib.customers.ports import CustomerRepository
    from chalicelib.imports.ports import ImportRepository, PasswordChunkRepository
    from chalicelib.mail.ports import Mailer, SentMailLog
    from chalicelib.privacy.ports import PrivacyRepository
    from chalicelib.shop.ports import ConfigRepository
    from chalicelib.staff.ports import EmployeeRepository
    from chalicelib.storefront_keys.ports import StorefrontKeyRepository
    from chalicelib.support.ports import MailboxRepository, ThreadRepository
    from chalicelib.throttle.ports import ThrottleRepository


class Container(PrivacyParts, StorefrontKeyParts):
    """Every feature's services and stores, each built on first read (see wiring/base.py)."""


def build_container(
    settings: Settings,
    *,
    customers: CustomerRepository | None = None,
    employees: EmployeeRepository | None = None,
    config: ConfigRepository | None = None,
    throttles: ThrottleRepository | None = None,
    addresses: AddressRepository | None = None,
    imports: ImportRepository | None = None,
    files: FileStore | None = None,
    mailer: Mailer | None = None,
    sent_mail: SentMailLog | None = None,
    thread_store: ThreadRepository | None = None,
    mailbox_store: MailboxRepository | None = None,
    privacy_store: PrivacyRepository | None = None,
    cart_store: CartRepository | None = None,
    order_store: OrderRepository | None = None,
    clock: Clock = utc_now,
    ids: IdFactory = new_id,
    secret: str | None = None,
    imap_password: SecretStore | None = None,
    prestashop_cookie_key: SecretStore | None = None,
    storefront_keys: StorefrontKeyRepository | None = None,
    password_chunks: PasswordChunkRepository | None = None,
) -> Container:
    """A container over the given stores; the real one (DynamoDB, S3, SES) for each left out."""
    given = Given(
        customers=customers,
        employees=employees,
        config=config,
        throttles=throttles,
        addresses=addresses,
        imports=imports,
        files=files,
        mailer=mailer,
        sent_mail=sent_mail,
        thread_store=thread_store,
        mailbox_store=mailbox_store,
        privacy_store=privacy_store,
        cart_store=cart_store,
        order_store=order_store,
        imap_password=imap_password,
        prestashop_cookie_key=prestashop_cookie_key,
        storefront_keys=storefront_keys,
        password_chunks=password_chunks,
    )
    return Container(settings, given, clock=clock, ids=ids, secret=secret)


_override: list[Container] = []


@lru_cache(maxsize=1)
def _default_container() -> Container:
    return build_container(get_settings())


# Its stores hold boto3 clients (open connections, the credentials of the snapshot's init) and
# ConfigService's cache: each restored copy builds its own on first use.
after_restore(_default_container.cache_clear)


@before_snapshot
def _load_every_part() -> None:
    """Under SnapStart the init is paid once, at publish time, so it loads what a plain cold start
    leaves to first use: every part is built once (importing its feature's modules), then dropped
    with its clients, so a restored copy's first request imports nothing. A part that cannot be
    built before a request (a secret not readable yet) is left to its first use."""
    primed = build_container(get_settings())
    for name in dir(Container):
        if isinstance(inspect.getattr_static(Container, name), part):
            try:
                getattr(primed, name)
            except Exception:
                logger.warning("part not loaded before the snapshot", part=name)


def container() -> Container:
    return _override[-1] if _override else _default_container()


def use_container(replacement: Container | None) -> None:
    """Install (or with None, remove) a container for tests and tools."""
    _override.clear()
    if replacement is not None:
        _override.append(replacement)
    _default_container.cache_clear()
