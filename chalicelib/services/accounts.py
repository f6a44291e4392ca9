"""Storefront accounts: registration modes, sign-in, password reset, guests, own profile."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from chalicelib.clock import Clock, IdFactory, new_id, utc_now
from chalicelib.domain.customers import (
    AccountToken,
    Connection,
    Customer,
    CustomerView,
    ResetRequest,
    TokenPurpose,
)
from chalicelib.domain.employees import Principal
from chalicelib.errors import (
    AccountDisabledError,
    ConflictError,
    InvalidInputError,
    InvalidTokenError,
    NotFoundError,
    PendingApprovalError,
    RegistrationDisabledError,
    ServiceUnavailableError,
    ThrottledError,
    UnauthenticatedError,
)
from chalicelib.observability import logger
from chalicelib.repositories.ports import CustomerRepository, ResetRequestQueue
from chalicelib.schemas.accounts import RegisterRequest, UpdateMeRequest
from chalicelib.schemas.customers import CreateCustomerRequest, UpdateCustomerRequest
from chalicelib.security.passwords import hash_password, verify_password
from chalicelib.security.tokens import TokenSigner
from chalicelib.services.config import ConfigService
from chalicelib.services.customers import CustomerService
from chalicelib.services.notifications import Notifier
from chalicelib.services.password_policy import check_password
from chalicelib.services.throttle import LoginThrottle, Throttle
from chalicelib.text import normalise_email

_BAD_CREDENTIALS = "The e-mail address or password is incorrect."
_BAD_LINK = "The link is invalid, expired or already used."
# The reset worker reads the queue by pages and stops taking work this close to its deadline.
_RESET_PAGE = 25
_RESET_SAFETY_MS = 10_000
_SELF_SERVICE_FIELDS = (
    "title_id",
    "first_name",
    "last_name",
    "birthday",
    "newsletter",
    "optin",
    "language",
    "email",
    "password",
    "company",
    "siret",
    "ape",
    "website",
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    customer: Customer
    token: str | None
    expires_at: datetime | None


class AccountService:
    def __init__(
        self,
        repository: CustomerRepository,
        customers: CustomerService,
        config: ConfigService,
        notifier: Notifier,
        throttle: Throttle,
        signer: TokenSigner,
        *,
        reset_queue: ResetRequestQueue,
        token_ttl: timedelta,
        login_throttle: LoginThrottle,
        reset_ttl: timedelta = timedelta(hours=1),
        set_password_ttl: timedelta = timedelta(days=7),
        clock: Clock = utc_now,
        new_secret: Callable[[], str] = lambda: secrets.token_urlsafe(32),
        ids: IdFactory = new_id,
    ) -> None:
        self._reset_queue = reset_queue
        self._new_id = ids
        self._repository = repository
        self._customers = customers
        self._config = config
        self._notifier = notifier
        self._throttle = throttle  # forgot-password mails per address
        self._login_throttle = login_throttle  # sign-in and current-password checks
        self._signer = signer
        self._token_ttl = token_ttl
        self._reset_ttl = reset_ttl
        self._set_password_ttl = set_password_ttl
        self._clock = clock
        self._new_secret = new_secret

    # -- sessions ------------------------------------------------------------------------------
    def _session(self, customer: Customer) -> Session:
        if customer.status != "active":
            return Session(customer, None, None)
        now = self._clock()
        token = self._signer.issue(
            customer.id, "customer", "clientele:store", now, generation=customer.session_generation
        )
        return Session(customer, token, now + self._token_ttl)

    def register(self, request: RegisterRequest) -> Session:
        """Raises: RegistrationDisabledError, InvalidInputError, AlreadyExistsError."""
        settings = self._config.settings()
        if settings.registration_mode == "disabled":
            raise RegistrationDisabledError("This shop does not offer customer accounts.")
        pending = settings.registration_mode == "required"
        fields = request.model_dump(exclude_unset=True)
        existing = self._repository.get_by_email(request.email)
        if existing is not None and existing.is_guest:
            # Registering with a guest's e-mail turns that guest (and its orders) into the account.
            guest_groups = [g for g in existing.group_ids if g != "guest"] or ["customer"]
            changes = UpdateCustomerRequest.model_validate(
                fields
                | {
                    "is_guest": False,
                    "group_ids": guest_groups,
                    "default_group_id": "customer" if "customer" in guest_groups else guest_groups[0],
                    "status": "pending_approval" if pending else "active",
                }
            )
            customer = self._customers.update(existing.id, changes, source="storefront")
            logger.info("guest registered", customer_id=customer.id, pending=pending)
        else:
            create = CreateCustomerRequest.model_validate(
                fields | {"status": "pending_approval" if pending else "active"}
            )
            customer = self._customers.create(create, source="storefront")
            logger.info("customer registered", customer_id=customer.id, pending=pending)
        return self._session(customer)

    def login(self, email: str, password: str, ip: str, user_agent: str | None = None) -> Session:
        """Raises: ThrottledError, UnauthenticatedError, PendingApprovalError, AccountDisabledError."""
        # Reserved before argon2 (per e-mail and client IP, and per IP): see LoginThrottle.
        attempt = self._login_throttle.reserve(normalise_email(email), ip)
        customer = self._repository.get_by_email(email)
        # verify_password always does the argon2 work: unknown e-mails cost what wrong passwords do.
        valid = verify_password(customer.password_hash if customer else None, password)
        if customer is None or not valid:
            raise UnauthenticatedError(_BAD_CREDENTIALS)
        self._login_throttle.succeeded(attempt)
        # Only someone who knows the password learns the account's state.
        if customer.status == "pending_approval":
            raise PendingApprovalError("This account is waiting for the shop's approval.")
        if customer.status == "disabled":
            raise AccountDisabledError("This account is disabled.")
        now = self._clock()
        self._repository.add_connection(customer.id, Connection(at=now, ip=ip, user_agent=user_agent))
        visited = replace(customer, last_visit_at=now)
        try:
            self._repository.update(customer, visited)
            customer = replace(visited, version=customer.version + 1)
        except ConflictError:
            # The last-visit stamp is best effort: a concurrent edit wins, the sign-in still does.
            logger.info("last visit not recorded (concurrent change)", customer_id=customer.id)
        logger.info("customer signed in", customer_id=customer.id)
        return self._session(customer)

    def authenticate(self, token: str) -> Principal:
        """Raises: UnauthenticatedError (bad, expired or revoked token; account not active)."""
        claims = self._signer.verify(token, "clientele:store", self._clock())
        customer = self._repository.get(claims.subject)
        if customer is None or customer.status != "active":
            raise UnauthenticatedError("The token is no longer valid.")
        if claims.generation != customer.session_generation:
            raise UnauthenticatedError("The token is no longer valid.")
        return Principal(subject_id=customer.id, role="customer")

    # -- password links ------------------------------------------------------------------------
    def _issue_link(self, customer: Customer, purpose: TokenPurpose, ttl: timedelta) -> tuple[str, str]:
        secret = self._new_secret()
        hashed = token_hash(secret)
        valid_until = self._clock() + ttl
        self._repository.put_account_token(AccountToken(hashed, customer.id, purpose, valid_until))
        base = self._config.settings().storefront_url.rstrip("/")
        return f"{base}/password/reset?token={secret}", hashed

    def forgot_password(self, email: str) -> None:
        """Always succeeds (no account enumeration): queues the request for `send_queued_resets`.

        The route does the same work for every address — the throttle and one queued item — and
        never looks the account up: looking it up and mailing it here made known addresses answer
        measurably slower than unknown ones (issue 16 §1.6)."""
        normalised = normalise_email(email)
        subjects = (("forgot-email", normalised),)
        try:
            self._throttle.check(subjects)
        except ThrottledError:
            # Still a 202: the answer must not depend on the account or on the throttle.
            logger.info("password reset throttled")
            return
        self._throttle.fail(subjects)  # counts requests: at most N reset mails per window
        self._reset_queue.put(ResetRequest(self._new_id(), normalised, self._clock()))

    def send_queued_resets(self, remaining_ms: Callable[[], int] | None = None) -> int:
        """The worker: mail a reset link for each queued request whose account exists (oldest
        first), then drop the request. Returns the number of requests handled.

        At-least-once: the mail is claimed per request, so a request handled twice (a crash
        before its delete, overlapping runs) mails once. A failed send leaves the request queued
        for the next run."""
        handled = 0
        while remaining_ms is None or remaining_ms() >= _RESET_SAFETY_MS:
            page = self._reset_queue.oldest(_RESET_PAGE)
            for request in page:
                try:
                    self._send_reset(request)
                except ServiceUnavailableError:
                    logger.warning("password reset mail not sent; kept for the next run")
                    return handled
                self._reset_queue.delete(request)
                handled += 1
            if len(page) < _RESET_PAGE:
                break
        return handled

    def _send_reset(self, request: ResetRequest) -> None:
        customer = self._repository.get_by_email(request.email)
        if customer is None or customer.is_guest or customer.status == "disabled":
            return
        link, _ = self._issue_link(customer, "reset", self._reset_ttl)
        self._notifier.send_to_customer(
            f"password-reset:{request.id}",
            customer,
            "password_reset",
            {"link": link, "valid_minutes": int(self._reset_ttl.total_seconds() // 60)},
        )

    def reset_password(self, token: str, password: str) -> None:
        """Raises: InvalidTokenError (unknown, used, expired or forged), InvalidInputError (policy)."""
        hashed = token_hash(token)
        # Only "reset" and "set_password" links live in the password scope; an erase or a
        # verification link is not found here.
        stored = self._repository.get_account_token(hashed, "password")
        now = self._clock()
        if stored is None or stored.purpose not in ("reset", "set_password") or stored.valid_until <= now:
            raise InvalidTokenError(_BAD_LINK)
        customer = self._repository.get(stored.customer_id)
        if customer is None:
            raise InvalidTokenError(_BAD_LINK)
        check_password(password, self._config.settings().password_policy)
        after = replace(
            customer,
            password_hash=hash_password(password),
            session_generation=customer.session_generation + 1,
            updated_at=now,
        )
        self._repository.update_consuming_token(customer, after, stored)
        logger.info("password reset", customer_id=customer.id, purpose=stored.purpose)

    # -- back-office actions -------------------------------------------------------------------
    def approve(self, customer_id: str) -> Customer:
        """Approve a pending account and mail the customer once. Raises: NotFoundError."""
        customer = self._customers.get(customer_id)
        if customer.approved:
            return customer
        approved = self._customers.update(customer_id, UpdateCustomerRequest(status="active"))
        self._notifier.send_to_customer(f"approved:{customer_id}", approved, "account_approved", {})
        return approved

    def convert_guest(self, customer_id: str) -> Customer:
        """Guest → account; mails a set-password link. Raises: NotFoundError, ConflictError."""
        customer = self._customers.get(customer_id)
        if not customer.is_guest:
            raise ConflictError("This customer already has an account.")
        groups = [g for g in customer.group_ids if g != "guest"] or ["customer"]
        converted = self._customers.update(
            customer_id,
            UpdateCustomerRequest(is_guest=False, group_ids=groups, default_group_id=groups[0]),
        )
        link, hashed = self._issue_link(converted, "set_password", self._set_password_ttl)
        self._notifier.send_to_customer(
            f"set-password:{hashed}",
            converted,
            "set_password",
            {"link": link, "valid_days": self._set_password_ttl.days},
        )
        return converted

    # -- own profile ---------------------------------------------------------------------------
    def me(self, customer_id: str) -> Customer:
        return self._customers.get(customer_id)

    def update_me(self, customer_id: str, request: UpdateMeRequest, ip: str) -> Customer:
        """Raises: InvalidInputError (incl. wrong current password), ThrottledError, AlreadyExistsError."""
        customer = self._customers.get(customer_id)
        given = request.model_fields_set
        email_changes = "email" in given and normalise_email(request.email or "") != normalise_email(
            customer.email
        )
        if email_changes or "password" in given:
            self._check_current_password(customer, request.current_password, ip)
        changes = {name: getattr(request, name) for name in _SELF_SERVICE_FIELDS if name in given}
        if not changes:
            return customer
        return self._customers.update(
            customer_id, UpdateCustomerRequest.model_validate(changes), source="storefront"
        )

    def _check_current_password(self, customer: Customer, current: str | None, ip: str) -> None:
        # The same pair/IP model as sign-in, keyed by the account id (the e-mail may be changing).
        attempt = self._login_throttle.reserve(f"customer:{customer.id}", ip)
        if current is None or not verify_password(customer.password_hash, current):
            raise InvalidInputError(
                "Changing the e-mail or password needs the current password.",
                {"current_password": "missing or incorrect"},
            )
        self._login_throttle.succeeded(attempt)

    def personal_data(self, customer_id: str) -> CustomerView:
        """Raises: NotFoundError."""
        view = self._repository.view(customer_id)
        if view is None:
            raise NotFoundError("Customer not found.")
        return view
