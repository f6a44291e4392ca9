"""Composition root: builds repositories and services once per process from Settings.

Handlers ask `container()`; tests install their own with `use_container()`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from chalicelib.addresses.ports import AddressRepository
from chalicelib.addresses.repository import DynamoAddressRepository
from chalicelib.addresses.service import AddressService
from chalicelib.carts.confirm_tokens import ConfirmTokens
from chalicelib.carts.orders import OrderService
from chalicelib.carts.ports import CartRepository, OrderRepository
from chalicelib.carts.reminder_opt_in import ReminderOptInService
from chalicelib.carts.repository import DynamoCartRepository, DynamoOrderRepository
from chalicelib.carts.service import CartService
from chalicelib.carts.sweep import AbandonedCartSweep
from chalicelib.carts.tokens import CartTokens
from chalicelib.core.clock import Clock, IdFactory, new_id, utc_now
from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import ServiceUnavailableError
from chalicelib.core.files import FileStore, S3FileStore
from chalicelib.core.jwt import TokenSigner
from chalicelib.core.secrets import SecretStore, imap_password_store, prestashop_cookie_key_store
from chalicelib.core.settings import Settings, get_settings
from chalicelib.customers.accounts import AccountService
from chalicelib.customers.ports import CustomerRepository
from chalicelib.customers.repository import DynamoCustomerRepository
from chalicelib.customers.reset_requests import DynamoResetRequestQueue
from chalicelib.customers.service import CustomerService
from chalicelib.groups.service import GroupService
from chalicelib.imports.mappings import ImportMappingService
from chalicelib.imports.password_chunks import DynamoPasswordChunkRepository
from chalicelib.imports.password_workers import ImportPasswordWorkers
from chalicelib.imports.ports import ImportRepository, PasswordChunkRepository
from chalicelib.imports.repository import DynamoImportRepository
from chalicelib.imports.service import ImportService
from chalicelib.mail.notifications import Notifier
from chalicelib.mail.ports import Mailer, SentMailLog
from chalicelib.mail.repository import DynamoSentMailLog, OutboxMailer, SesMailer
from chalicelib.privacy.consents import ConsentService
from chalicelib.privacy.erasure import ErasureService
from chalicelib.privacy.personal_data import PersonalDataService
from chalicelib.privacy.ports import PrivacyRepository
from chalicelib.privacy.repository import DynamoPrivacyRepository
from chalicelib.privacy.retention import RetentionService
from chalicelib.privacy.unsubscribe_tokens import UnsubscribeTokens
from chalicelib.shop.ports import ConfigRepository
from chalicelib.shop.repository import DynamoConfigRepository
from chalicelib.shop.service import ConfigService
from chalicelib.staff.auth import AuthService
from chalicelib.staff.ports import EmployeeRepository
from chalicelib.staff.repository import DynamoEmployeeRepository
from chalicelib.staff.service import EmployeeService
from chalicelib.storefront_keys.ports import StorefrontKeyRepository
from chalicelib.storefront_keys.repository import DynamoStorefrontKeyRepository
from chalicelib.storefront_keys.service import StorefrontKeyService
from chalicelib.support.contact_form import ContactFormService
from chalicelib.support.ingestion import MailIngestion
from chalicelib.support.mail_poll import MailPoller
from chalicelib.support.mailboxes import DynamoMailboxRepository
from chalicelib.support.ports import MailboxRepository, ThreadRepository
from chalicelib.support.reply_tokens import ReplyTokens
from chalicelib.support.repository import DynamoThreadRepository
from chalicelib.support.threads import ThreadService
from chalicelib.throttle.ports import ThrottleRepository
from chalicelib.throttle.repository import DynamoThrottleRepository
from chalicelib.throttle.service import LoginThrottle, Throttle

# The contact form is public: this many messages per IP address and per e-mail per window.
CONTACT_MESSAGES_PER_WINDOW = 5
CONTACT_WINDOW = timedelta(minutes=10)
# Guest carts that ask for a reminder at a given e-mail address, per day.
REMINDER_CARTS_PER_ADDRESS = 5
REMINDER_CARTS_WINDOW = timedelta(days=1)
# Per client IP: a household or an office shares one; a bot with thirty made-up addresses is stopped.
REMINDER_CARTS_PER_IP = 10


@dataclass(frozen=True)
class Container:
    settings: Settings
    config: ConfigService
    customers: CustomerService
    employees: EmployeeService
    auth: AuthService
    accounts: AccountService
    groups: GroupService
    addresses: AddressService
    imports: ImportService
    import_mappings: ImportMappingService
    import_passwords: ImportPasswordWorkers
    carts: CartService
    orders: OrderService
    sweep: AbandonedCartSweep
    threads: ThreadService
    contact_form: ContactFormService
    files: FileStore
    ingestion: MailIngestion
    mail_poll: MailPoller
    mailboxes: MailboxRepository
    imap_password: SecretStore
    prestashop_cookie_key: SecretStore
    consents: ConsentService
    reminder_opt_in: ReminderOptInService
    erasure: ErasureService
    personal_data: PersonalDataService
    retention: RetentionService
    storefront_keys: StorefrontKeyService


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
    secret = secret or token_secret(settings)
    cursors = CursorCodec(secret)
    customer_repository = customers or DynamoCustomerRepository()
    employee_repository = employees or DynamoEmployeeRepository()
    config_service = ConfigService(
        config or DynamoConfigRepository(clock), local_api_url=settings.local_api_url
    )
    customer_service = CustomerService(customer_repository, config_service, cursors, clock)
    address_service = AddressService(
        addresses or DynamoAddressRepository(), customer_repository, config_service, cursors, clock
    )
    ttl = timedelta(minutes=settings.token_ttl_minutes)
    signer = TokenSigner(secret, ttl)
    throttle_repository = throttles or DynamoThrottleRepository()

    def failure_throttle(max_failures: int, window: timedelta) -> Throttle:
        return Throttle(throttle_repository, max_failures=max_failures, window=window, clock=clock)

    throttle = failure_throttle(settings.login_max_failures, timedelta(seconds=settings.login_window_seconds))

    def login_throttle(scope: str) -> LoginThrottle:
        return LoginThrottle(
            throttle_repository,
            scope=scope,
            pair_max=settings.login_max_failures,
            ip_max=settings.login_max_failures_per_ip,
            window=timedelta(seconds=settings.login_window_seconds),
            clock=clock,
        )

    notifier = Notifier(
        mailer or default_mailer(settings, clock), sent_mail or DynamoSentMailLog(clock), config_service
    )
    groups = GroupService(config_service, customer_service)
    file_store = files or S3FileStore(settings)
    order_repository = order_store or DynamoOrderRepository()
    thread_repository = thread_store or DynamoThreadRepository()
    reply_tokens = ReplyTokens(secret)
    threads = ThreadService(
        thread_repository,
        customer_repository,
        employee_repository,
        config_service,
        notifier,
        reply_tokens,
        cursors,
        clock,
        ids,
    )
    contact_throttle = failure_throttle(CONTACT_MESSAGES_PER_WINDOW, CONTACT_WINDOW)
    contact_form = ContactFormService(
        threads,
        thread_repository,
        customer_repository,
        order_repository,
        config_service,
        notifier,
        file_store,
        contact_throttle,
        reply_tokens,
        clock,
        ids,
    )
    cart_repository = cart_store or DynamoCartRepository()
    tokens = CartTokens(secret)
    privacy_repository = privacy_store or DynamoPrivacyRepository()
    consents = ConsentService(
        customer_repository, privacy_repository, config_service, UnsubscribeTokens(secret), clock
    )
    reminder_opt_in = ReminderOptInService(
        privacy_repository, config_service, notifier, ConfirmTokens(secret), clock
    )
    carts = CartService(
        cart_repository,
        customer_repository,
        customer_service,
        address_service,
        groups,
        config_service,
        tokens,
        cursors,
        clock,
        ids,
        reminder_throttle=failure_throttle(REMINDER_CARTS_PER_ADDRESS, REMINDER_CARTS_WINDOW),
        reminder_ip_throttle=failure_throttle(REMINDER_CARTS_PER_IP, REMINDER_CARTS_WINDOW),
        opt_in=reminder_opt_in,
    )
    mailboxes = mailbox_store or DynamoMailboxRepository()
    ingestion = MailIngestion(
        threads,
        thread_repository,
        customer_repository,
        mailboxes,
        config_service,
        file_store,
        reply_tokens,
        cursors,
        clock,
        ids,
    )
    password_store = imap_password or imap_password_store(settings)
    cookie_key_store = prestashop_cookie_key or prestashop_cookie_key_store(settings)
    accounts = AccountService(
        customer_repository,
        customer_service,
        config_service,
        notifier,
        throttle,
        signer,
        reset_queue=DynamoResetRequestQueue(),
        token_ttl=ttl,
        login_throttle=login_throttle("store-login"),
        clock=clock,
        ids=ids,
        cookie_key=cookie_key_store.get,
    )
    orders = OrderService(order_repository, customer_repository, config_service, notifier, cursors, clock)
    import_repository = imports or DynamoImportRepository()
    import_passwords = ImportPasswordWorkers(
        password_chunks or DynamoPasswordChunkRepository(),
        file_store,
        customer_repository,
        import_repository,
        clock,
    )
    erasure = ErasureService(
        privacy_repository,
        customer_repository,
        file_store,
        config_service,
        notifier,
        clock,
        mailboxes=mailboxes,
        imports=import_repository,
    )
    return Container(
        settings=settings,
        ingestion=ingestion,
        mail_poll=MailPoller(ingestion, mailboxes, config_service, password_store, clock),
        mailboxes=mailboxes,
        imap_password=password_store,
        prestashop_cookie_key=cookie_key_store,
        erasure=erasure,
        personal_data=PersonalDataService(
            customer_repository,
            cart_repository,
            orders,
            thread_repository,
            privacy_repository,
            clock,
            mailboxes=mailboxes,
            imports=import_repository,
        ),
        retention=RetentionService(privacy_repository, cart_repository, erasure, config_service, ingestion),
        config=config_service,
        storefront_keys=StorefrontKeyService(storefront_keys or DynamoStorefrontKeyRepository(), clock, ids),
        customers=customer_service,
        employees=EmployeeService(employee_repository, cursors, clock),
        auth=AuthService(
            employee_repository, login_throttle("admin-login"), signer, token_ttl=ttl, clock=clock
        ),
        groups=groups,
        carts=carts,
        threads=threads,
        contact_form=contact_form,
        files=file_store,
        consents=consents,
        reminder_opt_in=reminder_opt_in,
        orders=orders,
        sweep=AbandonedCartSweep(
            cart_repository, customer_repository, carts, config_service, notifier, tokens, consents
        ),
        addresses=address_service,
        imports=ImportService(
            import_repository,
            file_store,
            customer_repository,
            customer_service,
            address_service,
            config_service,
            cursors,
            clock,
            cookie_key=cookie_key_store.get,
            invitations=accounts.send_import_invitations,
            passwords=import_passwords,
        ),
        import_mappings=ImportMappingService(import_repository, config_service, cursors, clock),
        import_passwords=import_passwords,
        accounts=accounts,
    )


def default_mailer(settings: Settings, clock: Clock = utc_now) -> Mailer:
    if settings.effective_mail_transport == "outbox":
        return OutboxMailer(Path(settings.data_dir) / "outbox", clock)
    return SesMailer(settings, clock)


_override: list[Container] = []


@lru_cache(maxsize=1)
def _default_container() -> Container:
    return build_container(get_settings())


def container() -> Container:
    return _override[-1] if _override else _default_container()


def use_container(replacement: Container | None) -> None:
    """Install (or with None, remove) a container for tests and tools."""
    _override.clear()
    if replacement is not None:
        _override.append(replacement)
    _default_container.cache_clear()
