"""Storefront accounts: registration modes, sign-in, password reset, guests, own profile."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, replace
from datetime import datetime, timedelta
from typing import TypeGuard

from chalicelib.core.clock import Clock, IdFactory, new_id, utc_now
from chalicelib.core.errors import (
    AccountDisabledError,
    AlreadyExistsError,
    ConflictError,
    EmailNotVerifiedError,
    InvalidInputError,
    InvalidTokenError,
    NotFoundError,
    PendingApprovalError,
    RegistrationDisabledError,
    ServiceUnavailableError,
    ThrottledError,
    UnauthenticatedError,
)
from chalicelib.core.jwt import TokenSigner
from chalicelib.core.observability import logger
from chalicelib.core.passwords import CookieKey, hash_password, needs_rehash, verify_password
from chalicelib.core.principal import Principal
from chalicelib.core.text import normalise_email
from chalicelib.customers.account_schemas import RegisterRequest, UpdateMeRequest
from chalicelib.customers.domain import (
    AccountToken,
    Connection,
    Customer,
    CustomerView,
    PendingRegistration,
    ResetRequest,
    TokenPurpose,
)
from chalicelib.customers.ports import CustomerRepository, ResetRequestQueue
from chalicelib.customers.schemas import CreateCustomerRequest, UpdateCustomerRequest
from chalicelib.customers.service import CustomerService
from chalicelib.mail.notifications import Notifier
from chalicelib.shop.password_policy import check_password
from chalicelib.shop.service import ConfigService
from chalicelib.throttle.service import LoginThrottle, Throttle

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


# However often someone registers with an address, it gets at most one verification mail per period.
VERIFY_QUIET_PERIOD = timedelta(minutes=10)


@dataclass(frozen=True)
class VerificationSent:
    """register() answered 202: a link went (or recently went) to the address."""

    status: str = "verification_sent"


@dataclass(frozen=True)
class Session:
    customer: Customer
    token: str | None
    expires_at: datetime | None


def _has_open_account(customer: Customer | None) -> TypeGuard[Customer]:
    """Password mail (reset links, import invitations) goes only to an account that can sign
    in: not to a guest, nor to a disabled account."""
    return customer is not None and not customer.is_guest and customer.status != "disabled"


@dataclass(frozen=True, slots=True)
class AccountService:
    repository: CustomerRepository
    customers: CustomerService
    config: ConfigService
    notifier: Notifier
    throttle: Throttle  # forgot-password mails per address
    signer: TokenSigner
    _: KW_ONLY
    reset_queue: ResetRequestQueue
    token_ttl: timedelta
    login_throttle: LoginThrottle  # sign-in and current-password checks
    reset_ttl: timedelta = timedelta(hours=1)
    set_password_ttl: timedelta = timedelta(days=7)
    verify_ttl: timedelta = timedelta(hours=24)
    clock: Clock = utc_now
    new_secret: Callable[[], str] = lambda: secrets.token_urlsafe(32)
    ids: IdFactory = new_id
    # PrestaShop 1.6's _COOKIE_KEY_ (secret setting import.prestashop_cookie_key): read only
    # when a sign-in meets an imported MD5 hash.
    cookie_key: CookieKey | None = None

    # -- sessions ------------------------------------------------------------------------------
    def _session(self, customer: Customer) -> Session:
        if customer.status != "active":
            return Session(customer, None, None)
        now = self.clock()
        token = self.signer.issue(
            customer.id, "customer", "clientele:store", now, generation=customer.session_generation
        )
        return Session(customer, token, now + self.token_ttl)

    def register(self, request: RegisterRequest) -> Session | VerificationSent:
        """A signed-in session, or VerificationSent when the address must be proven first (it
        belongs to a guest, or the shop requires verification).

        Raises: RegistrationDisabledError, InvalidInputError, AlreadyExistsError."""
        settings = self.config.settings()
        if settings.registration_mode == "disabled":
            raise RegistrationDisabledError("This shop does not offer customer accounts.")
        pending = settings.registration_mode == "required"
        fields = request.model_dump(exclude_unset=True)
        existing = self.repository.get_by_email(request.email)
        create = CreateCustomerRequest.model_validate(
            fields | {"status": "pending_approval" if pending else "active"}
        )
        guest = existing if existing is not None and existing.is_guest else None
        if guest is None and (existing is not None or settings.email_verification == "off"):
            customer = self.customers.create(create, source="storefront")  # 409 when taken
            logger.info("customer registered", customer_id=customer.id, pending=pending)
            return self._session(customer)
        # Nobody proves an address by typing it: a guest's orders and addresses (and, in
        # verification mode, a new account) wait for the link mailed to the address.
        customer = self.customers.build_new(create, source="storefront")  # every rule checked now
        self._start_verification(request, customer.id if guest is None else guest.id, guest is not None)
        return VerificationSent()

    def _start_verification(self, request: RegisterRequest, customer_id: str, guest: bool) -> None:
        now = self.clock()
        secret = self.new_secret()
        hashed = token_hash(secret)
        email = normalise_email(request.email)
        valid_until = now + self.verify_ttl
        profile = request.model_dump(mode="json", exclude_unset=True, exclude={"password"})
        registration = PendingRegistration(
            email=email,
            token_hash=hashed,
            password_hash=hash_password(request.password),
            profile=profile,
            customer_id=customer_id,
            guest=guest,
            requested_at=now,
            valid_until=valid_until,
        )
        token = AccountToken(hashed, customer_id, "verify_email", valid_until, email=email)
        if not self.repository.put_pending_registration(registration, token, now - VERIFY_QUIET_PERIOD):
            # Still 202: the answer never depends on how often the address was tried.
            logger.info("verification mail held back (quiet period)", customer_id=customer_id)
            return
        base = self.config.settings().storefront_url.rstrip("/")
        self.notifier.send(
            f"verify-email:{hashed}",
            request.email,
            request.language,
            "verify_email",
            {
                # No name: whoever registers types it, and an anonymous caller's text never goes
                # into a mail to someone else's address.
                "link": f"{base}/verify?token={secret}",
                "valid_hours": int(self.verify_ttl.total_seconds() // 3600),
            },
        )
        logger.info("verification mailed", customer_id=customer_id, guest=guest)

    def verify_email(self, token: str) -> Session:
        """Use a verify_email link: the pending registration becomes the account (a guest's
        record, orders, carts and addresses included). The link works once.

        Raises: InvalidTokenError, RegistrationDisabledError, InvalidInputError."""
        hashed = token_hash(token)
        stored = self.repository.get_account_token(hashed, "verify_email")
        now = self.clock()
        if (
            stored is None
            or stored.purpose != "verify_email"
            or stored.valid_until <= now
            or not stored.email
        ):
            raise InvalidTokenError(_BAD_LINK)
        registration = self.repository.get_pending_registration(stored.email)
        if registration is None or registration.token_hash != hashed:
            raise InvalidTokenError(_BAD_LINK)  # superseded by a newer registration
        settings = self.config.settings()
        if settings.registration_mode == "disabled":
            raise RegistrationDisabledError("This shop does not offer customer accounts.")
        status = "pending_approval" if settings.registration_mode == "required" else "active"
        if registration.guest:
            customer = self._convert_verified_guest(registration, stored, status)
        else:
            create = CreateCustomerRequest.model_validate(registration.profile | {"status": status})
            built = replace(
                self.customers.build_new(create, source="storefront"),
                id=registration.customer_id,
                password_hash=registration.password_hash,
            )
            try:
                self.repository.create_consuming_token(built, stored)
            except AlreadyExistsError:
                raise InvalidTokenError(_BAD_LINK) from None  # someone registered it meanwhile
            customer = replace(built, version=1)
        self.repository.delete_pending_registration(registration.email)
        logger.info("e-mail verified", customer_id=customer.id, guest=registration.guest)
        return self._session(customer)

    def _convert_verified_guest(
        self, registration: PendingRegistration, stored: AccountToken, status: str
    ) -> Customer:
        guest = self.repository.get(registration.customer_id)
        if guest is None or not guest.is_guest:
            raise InvalidTokenError(_BAD_LINK)
        groups = [g for g in guest.group_ids if g != "guest"] or ["customer"]
        changes = UpdateCustomerRequest.model_validate(
            registration.profile
            | {
                "is_guest": False,
                "group_ids": groups,
                "default_group_id": "customer" if "customer" in groups else groups[0],
                "status": status,
            }
        )
        after = self.customers.build_update(guest, changes, source="storefront")
        after = replace(
            after,
            password_hash=registration.password_hash,
            password_pending=None,  # a password chosen since an import wins over its pending one
            session_generation=guest.session_generation + 1,
        )
        self.repository.update_consuming_token(guest, after, stored)
        return replace(after, version=guest.version + 1)

    def login(self, email: str, password: str, ip: str, user_agent: str | None = None) -> Session:
        """Raises: ThrottledError, UnauthenticatedError, PendingApprovalError, AccountDisabledError."""
        # Reserved before argon2 (per e-mail and client IP, and per IP): see LoginThrottle.
        attempt = self.login_throttle.reserve(normalise_email(email), ip)
        customer = self.repository.get_by_email(email)
        known_hash = customer.password_hash if customer else None
        waiting = None if known_hash else self._waiting_registration(email)
        # verify_password always does the argon2 work: unknown e-mails cost what wrong passwords do.
        valid = verify_password(
            known_hash or (waiting.password_hash if waiting else None), password, self.cookie_key
        )
        if not valid or (customer is None and waiting is None):
            raise UnauthenticatedError(_BAD_CREDENTIALS)
        self.login_throttle.succeeded(attempt)
        if waiting is not None or customer is None:
            # Only the right password learns that the address still waits for its link.
            raise EmailNotVerifiedError("Confirm your e-mail address with the link we sent first.")
        # Only someone who knows the password learns the account's state.
        if customer.status == "pending_approval":
            raise PendingApprovalError("This account is waiting for the shop's approval.")
        if customer.status == "disabled":
            raise AccountDisabledError("This account is disabled.")
        now = self.clock()
        self.repository.add_connection(customer.id, Connection(at=now, ip=ip, user_agent=user_agent))
        visited = replace(customer, last_visit_at=now)
        rehash = known_hash is not None and needs_rehash(known_hash)
        if rehash:
            # An imported legacy hash just verified: it becomes argon2id in the same write. The
            # write is conditional on the version read with the old hash, so it lands only if
            # the stored hash is still the one verified: of two concurrent sign-ins one rehashes,
            # the other's write is refused, and a password changed meanwhile is never replaced.
            visited = replace(visited, password_hash=hash_password(password))
        try:
            self.repository.update(customer, visited)
            customer = replace(visited, version=customer.version + 1)
        except (ConflictError, ServiceUnavailableError) as error:
            # The last-visit stamp and the rehash are best effort: a concurrent edit wins (the
            # next sign-in rehashes), the sign-in still succeeds.
            logger.info(
                "last visit not recorded", customer_id=customer.id, rehash=rehash, error=type(error).__name__
            )
        else:
            if rehash:
                logger.info("legacy password hash replaced by argon2id", customer_id=customer.id)
        logger.info("customer signed in", customer_id=customer.id)
        return self._session(customer)

    def _waiting_registration(self, email: str) -> PendingRegistration | None:
        registration = self.repository.get_pending_registration(email)
        if registration is None or registration.valid_until <= self.clock():
            return None
        return registration

    def authenticate(self, token: str) -> Principal:
        """Raises: UnauthenticatedError (bad, expired or revoked token; account not active)."""
        claims = self.signer.verify(token, "clientele:store", self.clock())
        customer = self.repository.get(claims.subject)
        if customer is None or customer.status != "active":
            raise UnauthenticatedError("The token is no longer valid.")
        if claims.generation != customer.session_generation:
            raise UnauthenticatedError("The token is no longer valid.")
        return Principal(subject_id=customer.id, role="customer")

    # -- password links ------------------------------------------------------------------------
    def _issue_link(self, customer: Customer, purpose: TokenPurpose, ttl: timedelta) -> tuple[str, str]:
        secret = self.new_secret()
        hashed = token_hash(secret)
        valid_until = self.clock() + ttl
        # The link is bound to the address it was mailed to: after an e-mail change (say a typo
        # corrected by the merchant) whoever reads the old mailbox can no longer use it.
        email = normalise_email(customer.email)
        self.repository.put_account_token(
            AccountToken(hashed, customer.id, purpose, valid_until, email=email)
        )
        base = self.config.settings().storefront_url.rstrip("/")
        return f"{base}/password/reset?token={secret}", hashed

    def _mail_set_password_link(
        self, customer: Customer, template: str, event_key: str | None = None
    ) -> None:
        """Mail a new set-password link once per `event_key` (by default the link's own token:
        every link a mail of its own)."""
        link, hashed = self._issue_link(customer, "set_password", self.set_password_ttl)
        self.notifier.send_to_customer(
            event_key or f"set-password:{hashed}",
            customer,
            template,
            {"link": link, "valid_days": self.set_password_ttl.days},
        )

    def forgot_password(self, email: str) -> None:
        """Always succeeds (no account enumeration): queues the request for `send_queued_resets`.

        The route does the same work for every address — the throttle and one queued item — and
        never looks the account up: looking it up and mailing it here made known addresses answer
        measurably slower than unknown ones (issue 16 §1.6)."""
        normalised = normalise_email(email)
        subjects = (("forgot-email", normalised),)
        try:
            self.throttle.check(subjects)
        except ThrottledError:
            # Still a 202: the answer must not depend on the account or on the throttle.
            logger.info("password reset throttled")
            return
        self.throttle.fail(subjects)  # counts requests: at most N reset mails per window
        self.reset_queue.put(ResetRequest(self.ids(), normalised, self.clock()))

    def send_queued_resets(self, remaining_ms: Callable[[], int] | None = None) -> int:
        """The worker: mail a reset link for each queued request whose account exists (oldest
        first), then drop the request. Returns the number of requests handled.

        At-least-once: the mail is claimed per request, so a request handled twice (a crash
        before its delete, overlapping runs) mails once. A failed send leaves the request queued
        for the next run."""
        handled = 0
        while remaining_ms is None or remaining_ms() >= _RESET_SAFETY_MS:
            page = self.reset_queue.oldest(_RESET_PAGE)
            for request in page:
                try:
                    self._send_reset(request)
                except ServiceUnavailableError:
                    logger.warning("password reset mail not sent; kept for the next run")
                    return handled
                self.reset_queue.delete(request)
                handled += 1
            if len(page) < _RESET_PAGE:
                break
        return handled

    def _send_reset(self, request: ResetRequest) -> None:
        customer = self.repository.get_by_email(request.email)
        if not _has_open_account(customer):
            return
        link, _ = self._issue_link(customer, "reset", self.reset_ttl)
        self.notifier.send_to_customer(
            f"password-reset:{request.id}",
            customer,
            "password_reset",
            {"link": link, "valid_minutes": int(self.reset_ttl.total_seconds() // 60)},
        )

    def reset_password(self, token: str, password: str) -> None:
        """Raises: InvalidTokenError (unknown, used, expired or forged), InvalidInputError (policy)."""
        hashed = token_hash(token)
        # Only "reset" and "set_password" links live in the password scope; an erase or a
        # verification link is not found here.
        stored = self.repository.get_account_token(hashed, "password")
        now = self.clock()
        if stored is None or stored.purpose not in ("reset", "set_password") or stored.valid_until <= now:
            raise InvalidTokenError(_BAD_LINK)
        customer = self.repository.get(stored.customer_id)
        if customer is None or (stored.email is not None and stored.email != normalise_email(customer.email)):
            raise InvalidTokenError(_BAD_LINK)
        check_password(password, self.config.settings().password_policy)
        after = customer
        if stored.purpose == "set_password" and customer.is_guest:
            # convert-guest: the guest becomes an account only now that its link was used.
            groups = [g for g in customer.group_ids if g != "guest"] or ["customer"]
            after = self.customers.build_update(
                customer, UpdateCustomerRequest(is_guest=False, group_ids=groups, default_group_id=groups[0])
            )
        after = replace(
            after,
            password_hash=hash_password(password),
            # An import's password still waiting for its worker must not overwrite this one.
            password_pending=None,
            session_generation=customer.session_generation + 1,
            updated_at=now,
        )
        self.repository.update_consuming_token(customer, after, stored)
        logger.info("password reset", customer_id=customer.id, purpose=stored.purpose)

    # -- back-office actions -------------------------------------------------------------------
    def approve(self, customer_id: str) -> Customer:
        """Approve a pending account and mail the customer once. Raises: NotFoundError."""
        customer = self.customers.get(customer_id)
        if customer.approved:
            return customer
        approved = self.customers.update(customer_id, UpdateCustomerRequest(status="active"))
        self.notifier.send_to_customer(f"approved:{customer_id}", approved, "account_approved", {})
        return approved

    def convert_guest(self, customer_id: str) -> Customer:
        """Mail the guest a set-password link; the guest becomes an account when the link is used
        (the address proves itself), not before. Raises: NotFoundError, ConflictError."""
        customer = self.customers.get(customer_id)
        if not customer.is_guest:
            raise ConflictError("This customer already has an account.")
        self._mail_set_password_link(customer, "set_password")
        logger.info("set-password link mailed to a guest", customer_id=customer_id)
        return customer

    def send_import_invitations(self, customer_ids: list[str], remaining_ms: Callable[[], int]) -> list[str]:
        """`passwords: invite`: mail each customer an import created a set-password link (the
        `set_password` tokens and template guests get), once per customer however often this
        runs: the mail is claimed per customer before it is sent. Skipped: customers gone (a
        create that failed), guests, disabled accounts and those who have a password by now.
        Returns the ids left when the time ran short (the caller hands them on).

        Raises: ServiceUnavailableError (a send failed: its claim is released, and the event is
        retried as a whole; those already mailed are not mailed again)."""
        for position, customer_id in enumerate(customer_ids):
            if remaining_ms() < _RESET_SAFETY_MS:
                return customer_ids[position:]
            customer = self.repository.get(customer_id)
            if not _has_open_account(customer):
                continue
            if customer.password_hash is not None:
                continue
            self._mail_set_password_link(customer, "import_invitation", f"import-invite:{customer.id}")
        return []

    # -- own profile ---------------------------------------------------------------------------
    def me(self, customer_id: str) -> Customer:
        return self.customers.get(customer_id)

    def update_me(self, customer_id: str, request: UpdateMeRequest, ip: str) -> Session:
        """The changed profile, with a fresh token when the change ended the other sessions (a new
        password or e-mail bumps the session generation; the caller stays signed in).

        Raises: InvalidInputError (incl. wrong current password), ThrottledError, AlreadyExistsError."""
        customer = self.customers.get(customer_id)
        given = request.model_fields_set
        email_changes = "email" in given and normalise_email(request.email or "") != normalise_email(
            customer.email
        )
        if email_changes or "password" in given:
            self._check_current_password(customer, request.current_password, ip)
        changes = {name: getattr(request, name) for name in _SELF_SERVICE_FIELDS if name in given}
        if not changes:
            return Session(customer, None, None)
        updated = self.customers.update(
            customer_id, UpdateCustomerRequest.model_validate(changes), source="storefront"
        )
        if updated.session_generation == customer.session_generation:
            return Session(updated, None, None)
        logger.info("sessions ended by a credential change", customer_id=customer_id)
        return self._session(updated)

    def _check_current_password(self, customer: Customer, current: str | None, ip: str) -> None:
        # The same pair/IP model as sign-in, keyed by the account id (the e-mail may be changing).
        attempt = self.login_throttle.reserve(f"customer:{customer.id}", ip)
        if current is None or not verify_password(customer.password_hash, current, self.cookie_key):
            raise InvalidInputError(
                "Changing the e-mail or password needs the current password.",
                {"current_password": "missing or incorrect"},
            )
        self.login_throttle.succeeded(attempt)

    def personal_data(self, customer_id: str) -> CustomerView:
        """Raises: NotFoundError."""
        view = self.repository.view(customer_id)
        if view is None:
            raise NotFoundError("Customer not found.")
        return view
