"""What every feature's parts share: the settings, the stores a test or tool hands in, the clock
and ids, the signing key and what is derived from it, the file store.

Each feature's parts (wiring/<feature>.py) are a class of lazily built attributes over this base;
the Container (wiring/__init__.py) is all of them together. An attribute imports its feature's
modules when it is first read, so a function imports and builds only what it uses (issue 19).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any, overload

from chalicelib.core.clock import Clock, IdFactory
from chalicelib.core.errors import ServiceUnavailableError
from chalicelib.core.settings import Settings

if TYPE_CHECKING:
    from chalicelib.addresses.ports import AddressRepository
    from chalicelib.carts.ports import CartRepository, OrderRepository
    from chalicelib.core.cursors import CursorCodec
    from chalicelib.core.files import FileStore
    from chalicelib.core.jwt import TokenSigner
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


@dataclass(frozen=True)
class Given:
    """The repositories and stores a test or tool hands in (`build_container(customers=...)`);
    None builds the real one, on first use."""

    customers: CustomerRepository | None = None
    employees: EmployeeRepository | None = None
    config: ConfigRepository | None = None
    throttles: ThrottleRepository | None = None
    addresses: AddressRepository | None = None
    imports: ImportRepository | None = None
    files: FileStore | None = None
    mailer: Mailer | None = None
    sent_mail: SentMailLog | None = None
    thread_store: ThreadRepository | None = None
    mailbox_store: MailboxRepository | None = None
    privacy_store: PrivacyRepository | None = None
    cart_store: CartRepository | None = None
    order_store: OrderRepository | None = None
    imap_password: SecretStore | None = None
    prestashop_cookie_key: SecretStore | None = None
    storefront_keys: StorefrontKeyRepository | None = None
    password_chunks: PasswordChunkRepository | None = None


class part[T](cached_property[T]):  # noqa: N801 (a decorator, as cached_property is)
    """A container attribute built on first read and kept: functools.cached_property, under the
    container's lock. Python 3.12 dropped cached_property's own lock, and the local stack serves
    requests on threads: two first reads at once must not build two ConfigServices (two caches).
    The lock is reentrant because building one part reads others."""

    @overload
    def __get__(self, instance: None, owner: type[Any] | None = None) -> part[T]: ...
    @overload
    def __get__(self, instance: object, owner: type[Any] | None = None) -> T: ...
    def __get__(self, instance: object | None, owner: type[Any] | None = None) -> T | part[T]:
        if instance is None:
            return self
        if self.attrname is not None and self.attrname in instance.__dict__:
            built: T = instance.__dict__[self.attrname]
            return built
        lock: threading.RLock = instance.__dict__["_lock"]
        with lock:
            return super().__get__(instance, owner)


class BaseParts:
    """The settings and what every feature's parts use."""

    def __init__(
        self, settings: Settings, given: Given, *, clock: Clock, ids: IdFactory, secret: str | None
    ) -> None:
        self._lock = threading.RLock()
        self.settings = settings
        self.given = given
        self.clock = clock
        self.ids = ids
        self._secret = secret

    @part
    def secret(self) -> str:
        """Read when a part first signs something: from SSM in AWS, so not on every cold start."""
        return self._secret or token_secret(self.settings)

    @part
    def cursors(self) -> CursorCodec:
        from chalicelib.core.cursors import CursorCodec

        return CursorCodec(self.secret)

    @part
    def token_ttl(self) -> timedelta:
        return timedelta(minutes=self.settings.token_ttl_minutes)

    @part
    def signer(self) -> TokenSigner:
        from chalicelib.core.jwt import TokenSigner  # PyJWT and cryptography: only sign-ins need them

        return TokenSigner(self.secret, self.token_ttl)

    @part
    def files(self) -> FileStore:
        from chalicelib.core.files import S3FileStore

        return self.given.files or S3FileStore(self.settings)


def token_secret(settings: Settings) -> str:
    """The signing key: from the environment locally, from SSM Parameter Store in AWS."""
    if settings.token_secret:
        return settings.token_secret
    if settings.token_secret_parameter:
        from aws_lambda_powertools.utilities import parameters

        value = parameters.get_parameter(settings.token_secret_parameter, decrypt=True, max_age=300)
        if isinstance(value, str) and len(value) >= 32:
            return value
    raise ServiceUnavailableError("The token signing key is not configured.")


def origin_secret(settings: Settings) -> str | None:
    """The secret CloudFront sends as X-Clientele-Origin-Verify, or None (no CloudFront in front).

    Read through Powertools' parameter cache (5 minutes), so a rotated secret applies without a
    redeploy. Raises: ServiceUnavailableError (configured but unreadable: fail closed)."""
    if settings.origin_secret:
        return settings.origin_secret
    if not settings.origin_secret_parameter:
        return None
    from aws_lambda_powertools.utilities import parameters

    value = parameters.get_parameter(settings.origin_secret_parameter, decrypt=True, max_age=300)
    if isinstance(value, str) and len(value) >= 32:
        return value
    raise ServiceUnavailableError("The origin secret is not configured.")
