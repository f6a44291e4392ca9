"""Fixed-window failure counters for sign-in and other guessable endpoints."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime, timedelta

from chalicelib.core.clock import Clock, utc_now
from chalicelib.core.errors import ThrottledError
from chalicelib.throttle.ports import ThrottleRepository

Subject = tuple[str, str]  # (scope, subject) e.g. ("store-login-ip", "203.0.113.9")


def client_network(ip: str) -> str:
    """What a throttle counts per client: an IPv4 address, or the /64 of an IPv6 one.

    One IPv6 subscriber holds a whole /64 (2^64 addresses), so counting single IPv6 addresses
    would let anyone rotate past every per-IP limit. IPv4-mapped IPv6 counts as its IPv4."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip  # "unknown" and other placeholders count as themselves
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


@dataclass(frozen=True)
class FixedWindow:
    """The fixed window both throttles count in: windows are aligned to the epoch, so every
    Lambda agrees on where one starts, and a counter is kept a minute past its window's end."""

    length: timedelta

    def start(self, now: datetime) -> datetime:
        seconds = int(self.length.total_seconds())
        return datetime.fromtimestamp(int(now.timestamp()) // seconds * seconds, tz=now.tzinfo)

    def expires(self, start: datetime) -> datetime:
        return start + self.length + timedelta(minutes=1)

    def retry_after(self, start: datetime, now: datetime) -> int:
        """Whole seconds until the window that began at `start` ends (at least one)."""
        return int((start + self.length - now).total_seconds()) + 1


@dataclass(frozen=True, slots=True)
class Throttle:
    repository: ThrottleRepository
    _: KW_ONLY
    max_failures: int
    window: timedelta
    clock: Clock = utc_now

    @property
    def _fixed_window(self) -> FixedWindow:
        return FixedWindow(self.window)

    def check(self, subjects: Sequence[Subject]) -> None:
        """Raises: ThrottledError when any subject used up its failures in this window."""
        now = self.clock()
        start = self._fixed_window.start(now)
        for scope, subject in subjects:
            if self.repository.failures(scope, subject, start) >= self.max_failures:
                raise ThrottledError(
                    "Too many attempts; try again later.", self._fixed_window.retry_after(start, now)
                )

    def fail(self, subjects: Sequence[Subject]) -> None:
        start = self._fixed_window.start(self.clock())
        expires = self._fixed_window.expires(start)
        for scope, subject in subjects:
            self.repository.add_failure(scope, subject, start, expires)


@dataclass(frozen=True)
class LoginAttempt:
    """A reserved sign-in attempt: the counters it was added to, so a success can give it back."""

    subjects: tuple[Subject, ...]
    window_start: datetime


@dataclass(frozen=True, slots=True)
class LoginThrottle:
    """Sign-in throttling after OWASP's authentication guidance.

    Two counters per fixed window: the (account, client IP) pair (`pair_max`, e.g. 5) and the
    client IP across accounts (`ip_max`, e.g. 50, against credential stuffing). No counter is
    per account alone: the right password from an IP that has not failed for that account always
    gets to argon2, so nobody can lock the real owner out by typing wrong passwords.

    The attempt is reserved *before* the password is checked, taking the count that DynamoDB's
    atomic `ADD` returns: N parallel wrong logins get the counts 1..N, and only those within the
    limit reach argon2. A successful sign-in gives its reservation back (only failures count).
    """

    repository: ThrottleRepository
    _: KW_ONLY
    scope: str
    pair_max: int
    ip_max: int
    window: timedelta
    clock: Clock = utc_now

    @property
    def _fixed_window(self) -> FixedWindow:
        return FixedWindow(self.window)

    def reserve(self, account: str, ip: str) -> LoginAttempt:
        """Count this attempt; raises ThrottledError when the pair or the IP is over its limit.

        `account` is the normalised e-mail (or the customer id); keys hold only its hash."""
        now = self.clock()
        start = self._fixed_window.start(now)
        expires = self._fixed_window.expires(start)
        retry = self._fixed_window.retry_after(start, now)
        ip = client_network(ip)
        # A NUL cannot occur in an e-mail or an IP, so (a, b) pairs never collide.
        pair: Subject = (f"{self.scope}-pair", f"{account}\x00{ip}")
        if self.repository.add_failure(*pair, start, expires) > self.pair_max:
            raise ThrottledError("Too many attempts; try again later.", retry)
        per_ip: Subject = (f"{self.scope}-ip", ip)
        if self.repository.add_failure(*per_ip, start, expires) > self.ip_max:
            raise ThrottledError("Too many attempts; try again later.", retry)
        return LoginAttempt((pair, per_ip), start)

    def succeeded(self, attempt: LoginAttempt) -> None:
        """The password was right: the attempt was not a failure, give the reservation back."""
        expires = self._fixed_window.expires(attempt.window_start)
        for scope, subject in attempt.subjects:
            self.repository.add_failure(scope, subject, attempt.window_start, expires, amount=-1)
