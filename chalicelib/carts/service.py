"""Carts: the storefront's cart and checkout, and the back-office cart views."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from chalicelib.addresses.domain import ADDRESS_FIELDS, Address
from chalicelib.addresses.schemas import AddressRequest
from chalicelib.addresses.service import AddressService
from chalicelib.carts.domain import (
    MAX_CART_LINES,
    Cart,
    CartFilters,
    CartLine,
    CheckoutWrite,
    Order,
    StatusChange,
    Totals,
    Voucher,
    money,
    money_text,
    price_lines,
)
from chalicelib.carts.ports import CartRepository
from chalicelib.carts.reminder_opt_in import ReminderOptInService
from chalicelib.carts.schemas import CartLineRequest, CheckoutRequest, CreateCartRequest, ListCartsParams
from chalicelib.carts.tokens import CartTokens
from chalicelib.core.clock import Clock, IdFactory, new_id, range_end, range_start, utc_now
from chalicelib.core.cursors import CursorCodec
from chalicelib.core.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    RuleViolationError,
)
from chalicelib.core.observability import logger
from chalicelib.core.schemas import Language
from chalicelib.core.text import normalise_email
from chalicelib.customers.domain import Customer
from chalicelib.customers.ports import CustomerRepository
from chalicelib.customers.schemas import CreateCustomerRequest
from chalicelib.customers.service import CustomerService
from chalicelib.groups.service import GroupService
from chalicelib.models.errors import TransactionCancelledError
from chalicelib.shop.service import ConfigService
from chalicelib.throttle.service import Throttle, client_network

# A checkout loses a race on the customer's profile (another checkout, a login) at most this
# many times before it gives up with a 409.
_CHECKOUT_ATTEMPTS = 3
# Fields of an address kept on an order (what was shipped where, frozen at checkout): all but the
# customer's own label for it and the free-text notes.
_SNAPSHOT_FIELDS = tuple(name for name in ADDRESS_FIELDS if name not in ("alias", "dni", "other"))


# The group whose prices an unproven guest checkout gets (every new guest starts in it).
_GUEST_GROUP = "guest"


@dataclass(frozen=True)
class Shopper:
    """Who calls a storefront cart route: a signed-in customer, a guest's cart token, or both."""

    customer_id: str | None = None
    cart_token: str | None = None
    ip: str | None = None  # the client IP the throttles count (the buyer's, behind a storefront key)


@dataclass(frozen=True)
class PricedCart:
    cart: Cart
    totals: Totals
    group_id: str
    currency: str
    cart_token: str | None = None


def snapshot_of(address: Address | AddressRequest) -> dict[str, Any]:
    data = asdict(address) if isinstance(address, Address) else address.model_dump()
    snapshot = {name: data.get(name) for name in _SNAPSHOT_FIELDS}
    if isinstance(address, Address):
        snapshot["address_id"] = address.id
    return snapshot


@dataclass(frozen=True, slots=True)
class CartService:
    carts: CartRepository
    customers: CustomerRepository
    customer_service: CustomerService
    addresses: AddressService
    groups: GroupService
    config: ConfigService
    tokens: CartTokens
    cursors: CursorCodec
    clock: Clock = utc_now
    ids: IdFactory = new_id
    reminder_throttle: Throttle | None = None
    reminder_ip_throttle: Throttle | None = None
    opt_in: ReminderOptInService | None = None

    # -- pricing -------------------------------------------------------------------------------
    def price(self, cart: Cart, voucher_percent: Decimal = Decimal("0")) -> PricedCart:
        group_id: str | None = None
        if cart.customer_id is not None:
            customer = self.customers.get(cart.customer_id)
            group_id = customer.default_group_id if customer else None
        return self.price_with_group(cart, group_id, voucher_percent)

    def price_with_group(
        self, cart: Cart, group_id: str | None, voucher_percent: Decimal = Decimal("0")
    ) -> PricedCart:
        group, reduction_for = self.groups.reductions(group_id)
        totals = price_lines(cart.lines, reduction_for, voucher_percent)
        return PricedCart(cart, totals, group, self.config.settings().currency)

    # -- storefront ----------------------------------------------------------------------------
    def _cart_for(self, cart_id: str, shopper: Shopper) -> Cart:
        """The cart if this shopper may use it; anything else is "not found" (no probing)."""
        cart = self.carts.get(cart_id)
        if cart is None:
            raise NotFoundError("Cart not found.")
        token_opens = self.tokens.cart_id_of(shopper.cart_token) == cart.id
        if cart.customer_id is None:
            allowed = token_opens
        else:
            # A guest's ordered cart stays readable with its token (it belongs to the guest
            # customer the checkout created, and can't change any more).
            allowed = shopper.customer_id == cart.customer_id or (token_opens and cart.status == "ordered")
        if not allowed:
            raise NotFoundError("Cart not found.")
        return cart

    def create(self, request: CreateCartRequest, shopper: Shopper) -> PricedCart:
        now = self.clock()
        language: str = request.language or "en"
        customer = None
        if shopper.customer_id is not None:
            customer = self.customers.get(shopper.customer_id)
            if customer is None:
                raise NotFoundError("Customer not found.")
            language = request.language or customer.language
        reminded_address = None
        reminding_ip = None
        if customer is None and request.email and request.cart_reminders:
            # Anyone can type someone else's address: a few reminder-carrying carts per address a
            # day, and a few more per client IP (thirty made-up addresses from one IP), so nobody
            # can be flooded with confirmation mails they never asked for.
            reminded_address = [("guest-cart-email", normalise_email(str(request.email)))]
            reminding_ip = [("guest-cart-ip", client_network(shopper.ip or "unknown"))]
            if self.reminder_throttle is not None:
                self.reminder_throttle.check(reminded_address)
            if self.reminder_ip_throttle is not None:
                self.reminder_ip_throttle.check(reminding_ip)
        cart = Cart(
            id=self.ids(),
            status="open",
            created_at=now,
            updated_at=now,
            customer_id=customer.id if customer else None,
            email=None if customer else (str(request.email) if request.email else None),
            language=language,
            cart_reminders=request.cart_reminders,
        )
        self.carts.create(cart)
        if reminded_address is not None and self.reminder_throttle is not None:
            self.reminder_throttle.fail(reminded_address)
        if reminding_ip is not None and self.reminder_ip_throttle is not None:
            self.reminder_ip_throttle.fail(reminding_ip)
        if reminded_address is not None and cart.email and self.opt_in is not None:
            # Double opt-in: the address's owner confirms before any reminder goes to it.
            self.opt_in.request(cart.email, language)
        priced = self.price_with_group(
            replace(cart, version=1), customer.default_group_id if customer else None
        )
        token = None if customer else self.tokens.issue(cart.id)
        return replace(priced, cart_token=token)

    def get(self, cart_id: str, shopper: Shopper) -> PricedCart:
        return self.price(self._cart_for(cart_id, shopper))

    def replay_created(self, cart_id: str, shopper: Shopper) -> PricedCart:
        """A retried `create` (same caller, key and body): the cart as it is now, with its guest
        token derived again (tokens are HMACs of the id; none is stored). Raises: NotFoundError."""
        if shopper.customer_id is not None:
            return self.get(cart_id, shopper)
        token = self.tokens.issue(cart_id)
        return replace(self.get(cart_id, Shopper(customer_id=None, cart_token=token)), cart_token=token)

    def set_line(
        self, cart_id: str, product_id: str, request: CartLineRequest, shopper: Shopper
    ) -> PricedCart:
        """Add, change or (quantity 0) remove a line. A change to an abandoned cart reopens it.

        Raises: NotFoundError, ConflictError (ordered, or changed concurrently), RuleViolationError."""
        before = self._cart_for(cart_id, shopper)
        if before.status == "ordered":
            raise ConflictError("This cart has already been checked out.")
        lines = [line for line in before.lines if line.product_id != product_id]
        if request.quantity > 0:
            line = CartLine(
                product_id=product_id,
                product_name=request.product_name,
                quantity=request.quantity,
                unit_price=request.unit_price,
                category_id=request.category_id,
                attributes=dict(request.attributes),
            )
            position = next((i for i, old in enumerate(before.lines) if old.product_id == product_id), None)
            lines.insert(len(lines) if position is None else position, line)
        if len(lines) > MAX_CART_LINES:
            raise RuleViolationError(f"A cart holds at most {MAX_CART_LINES} lines.")
        # Built at the version the save leaves it at (`save` checks `before`'s version and ignores
        # `after`'s): one copy of the cart per call, not two.
        after = replace(
            before,
            lines=tuple(lines),
            updated_at=self.clock(),
            status="open",
            abandoned_at=None,
            reminder_due=False,
            expires_at=None,
            version=before.version + 1,
        )
        if not self.carts.save(before, after):
            raise ConflictError("The cart was changed at the same time; reload it and try again.")
        return self.price(after)

    def attach(self, cart_token: str | None, customer: Customer) -> str | None:
        """A guest cart becomes the customer's when they sign in with its token. Never fails the
        sign-in: a bad token or a cart that can't move is ignored (and logged)."""
        cart_id = self.tokens.cart_id_of(cart_token)
        if cart_id is None:
            return None
        cart = self.carts.get(cart_id)
        if cart is None or cart.customer_id not in (None, customer.id) or cart.status == "ordered":
            logger.info("guest cart not attached")
            return None
        if cart.customer_id == customer.id:
            return cart.id
        after = replace(cart, customer_id=customer.id, email=None, updated_at=self.clock())
        if not self.carts.save(cart, after):
            logger.info("guest cart changed while attaching")
            return None
        return cart.id

    # -- checkout ------------------------------------------------------------------------------
    def checkout(self, cart_id: str, request: CheckoutRequest, shopper: Shopper) -> Order:
        """Raises: NotFoundError, ConflictError (already ordered, concurrent change),
        RuleViolationError (empty cart, bad voucher), ForbiddenError (guest checkout off),
        InvalidInputError (guest details missing)."""
        for attempt in range(1, _CHECKOUT_ATTEMPTS + 1):
            cart = self._cart_for(cart_id, shopper)
            write = self._checkout_write(cart, request)
            try:
                self.carts.checkout(write)
            except TransactionCancelledError as conflict:
                raced_on_customer = conflict.reasons and conflict.reasons <= {
                    "customer",
                    "membership",
                    "group",
                }
                if raced_on_customer and attempt < _CHECKOUT_ATTEMPTS:
                    continue
                raise self._checkout_error(cart_id, conflict.reasons) from None
            logger.info("checkout", order_id=write.order.id, guest=write.customer_before is None)
            return replace(write.order, version=1)
        raise ConflictError("The cart changed while checking out; try again.")  # pragma: no cover

    def _checkout_error(self, cart_id: str, reasons: set[str]) -> Exception:
        if "voucher" in reasons:
            return RuleViolationError("The voucher code is not valid.")
        if "address" in reasons:
            return NotFoundError("Address not found.")
        current = self.carts.get(cart_id)
        if "cart" in reasons and current is not None and current.status == "ordered":
            return ConflictError("This cart has already been checked out.")
        if "email" in reasons:
            return ConflictError("Another order for this e-mail address is in progress; try again.")
        return ConflictError("The cart changed while checking out; reload it and try again.")

    def _checkout_write(self, cart: Cart, request: CheckoutRequest) -> CheckoutWrite:
        if cart.status == "ordered":
            raise ConflictError("This cart has already been checked out.")
        if not cart.lines:
            raise RuleViolationError("The cart is empty.")
        now = self.clock()
        customer_before, customer, unproven = self._buyer(cart, request)
        delivery, invoice, address_ids = self._addresses_for(customer, request, guest=customer.is_guest)
        # An anonymous checkout with an existing guest's address proves nothing about who is
        # buying: the order is the address's, but it gets the shop's guest prices (not the group
        # an employee gave that guest), no voucher issued to that guest, and leaves its stats alone.
        owner = None if unproven else customer
        voucher = self._voucher(request.voucher_code, cart, owner, now)
        priced = self.price_with_group(
            cart,
            _GUEST_GROUP if unproven else customer.default_group_id,
            voucher.percent if voucher else Decimal("0"),
        )
        totals = priced.totals
        order = Order(
            id=self.ids(),
            customer_id=customer.id,
            cart_id=cart.id,
            status="pending",
            currency=priced.currency,
            payment_method=request.payment_method,
            lines=tuple(
                {
                    "product_id": p.line.product_id,
                    "product_name": p.line.product_name,
                    "quantity": p.line.quantity,
                    "unit_price": str(p.line.unit_price),
                    "category_id": p.line.category_id,
                    "attributes": dict(p.line.attributes),
                    "reduction_percent": str(p.reduction_percent),
                    "subtotal": money_text(p.subtotal),
                    "discount": money_text(p.discount),
                    "total": money_text(p.total),
                }
                for p in totals.lines
            ),
            subtotal=money_text(totals.subtotal),
            discount=money_text(totals.discount),
            voucher_discount=money_text(totals.voucher_discount),
            total=money_text(totals.total),
            created_at=now,
            updated_at=now,
            history=(StatusChange("pending", now),),
            delivery_address=delivery,
            invoice_address=invoice,
            voucher_code=voucher.code if voucher else None,
        )
        customer_after = (
            customer
            if unproven
            else replace(
                customer,
                orders_count=customer.orders_count + 1,
                total_spent=money_text(money(Decimal(customer.total_spent)) + totals.total),
                last_order_at=now,
            )
        )
        cart_after = replace(
            cart,
            status="ordered",
            ordered_at=now,
            order_id=order.id,
            updated_at=now,
            customer_id=customer.id,
            reminder_due=False,
            expires_at=None,
        )
        return CheckoutWrite(
            cart_before=cart,
            cart_after=cart_after,
            order=order,
            customer_before=customer_before,
            customer_after=customer_after,
            address_ids=address_ids,
            voucher_code=voucher.code if voucher else None,
            now=now,
        )

    def _buyer(self, cart: Cart, request: CheckoutRequest) -> tuple[Customer | None, Customer, bool]:
        """(before, customer, unproven): before is None when this checkout creates a guest
        customer; unproven when it reuses an existing guest nobody signed in as."""
        if cart.customer_id is not None:
            customer = self.customers.get(cart.customer_id)
            if customer is None:
                raise NotFoundError("Customer not found.")
            return customer, customer, False
        if not self.config.settings().guest_checkout:
            raise ForbiddenError("Guest checkout is disabled: sign in or create an account to order.")
        email = str(request.email) if request.email else cart.email
        missing = {
            name: "required for a guest checkout"
            for name, value in (
                ("email", email),
                ("first_name", request.first_name),
                ("last_name", request.last_name),
            )
            if not value
        }
        if missing:
            raise InvalidInputError("Guest checkout needs an e-mail address and a name.", missing)
        assert email is not None
        assert request.first_name is not None
        assert request.last_name is not None
        existing = self.customers.get_by_email(email)
        if existing is not None:
            if not existing.is_guest:
                raise ConflictError("An account exists for this e-mail address: sign in to check out.")
            return existing, existing, True
        guest = self.customer_service.build_new(
            CreateCustomerRequest(
                first_name=request.first_name,
                last_name=request.last_name,
                email=email,
                is_guest=True,
                language=cast(Language, cart.language if cart.language in ("en", "fr", "es") else "en"),
            ),
            source="storefront",
        )
        return None, guest, False

    def _addresses_for(
        self, customer: Customer, request: CheckoutRequest, *, guest: bool
    ) -> tuple[dict[str, Any] | None, dict[str, Any] | None, tuple[str, ...]]:
        used: list[str] = []

        def resolve(address_id: str | None, inline: AddressRequest | None) -> dict[str, Any] | None:
            if address_id is not None:
                if guest:
                    raise NotFoundError("Address not found.")
                address = self.addresses.get(address_id, owner=customer.id)
                if address.id not in used:
                    used.append(address.id)
                return snapshot_of(address)
            return snapshot_of(inline) if inline is not None else None

        delivery = resolve(request.delivery_address_id, request.delivery_address)
        invoice = resolve(request.invoice_address_id, request.invoice_address) or delivery
        return delivery, invoice, tuple(used)

    def _voucher(
        self, code: str | None, cart: Cart, customer: Customer | None, now: datetime
    ) -> Voucher | None:
        """The voucher if it is the cart's own or issued to `customer` (None: cart vouchers only)."""
        if code is None:
            return None
        voucher = self.carts.get_voucher(code.strip().upper())
        valid = (
            voucher is not None
            and voucher.used_by_order is None
            and voucher.valid_until > now
            and (
                voucher.cart_id == cart.id
                or (
                    customer is not None
                    and voucher.customer_id is not None
                    and voucher.customer_id == customer.id
                )
            )
        )
        if not valid:
            raise RuleViolationError("The voucher code is not valid.")
        return voucher

    # -- back-office ---------------------------------------------------------------------------
    def list_page(self, params: ListCartsParams) -> tuple[list[Cart], str | None]:
        filters = CartFilters(
            customer_id=params.customer_id,
            status=params.status,
            updated_from=range_start(params.updated_from),
            updated_to=range_end(params.updated_to),
        )
        if filters.updated_from and filters.updated_to and filters.updated_from > filters.updated_to:
            raise InvalidInputError(
                "The query parameters are not valid.", {"updated_from": "must not be after updated_to"}
            )
        scope = f"carts|{filters.customer_id}|{filters.status}|{filters.updated_from}|{filters.updated_to}"
        page = self.carts.list_page(filters, params.limit, self.cursors.decode(params.cursor, scope))
        return page.items, self.cursors.encode(page.next_position, scope)

    def admin_get(self, cart_id: str) -> PricedCart:
        cart = self.carts.get(cart_id)
        if cart is None:
            raise NotFoundError("Cart not found.")
        return self.price(cart)

    def delete(self, cart_id: str) -> None:
        """Only abandoned carts can be deleted (open ones are in use, ordered ones are history).

        Raises: NotFoundError, RuleViolationError."""
        cart = self.carts.get(cart_id)
        if cart is None:
            raise NotFoundError("Cart not found.")
        if cart.status != "abandoned" or not self.carts.delete_abandoned(cart):
            raise RuleViolationError("Only abandoned carts can be deleted.")

    def for_customer(self, customer_id: str, limit: int = 20) -> list[Cart]:
        return self.carts.for_customer(customer_id, limit)
