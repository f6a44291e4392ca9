"""The scheduled IMAP / POP3 poll of the shop's customer-service mailbox.

IMAP fetches by UID from a stored UIDVALIDITY + last-UID checkpoint (a new UIDVALIDITY refetches
everything; dedupe drops what is already stored); POP3 by UIDL, remembering the UIDLs stored that
are still on the server. Neither relies on the seen flag (BODY.PEEK). A message is deleted, when
asked, only after it is stored. The checkpoint is written before each message together with the
message being tried: a message that ends run after run (an error, or the Lambda dying on it) is
kept unparsed with its raw copy after MAX_ATTEMPTS runs, so it never blocks the ones after it.
Each run is bounded and stops before the Lambda deadline; connection and login failures are
recorded in the mailbox state — without the password — and the next run tries again.

The seed's `norsh` flag (no rsh pre-authentication) only means something to PHP's c-client: it is
accepted and has no effect here.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import poplib
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from chalicelib.core.clock import Clock, utc_now
from chalicelib.core.errors import DomainError
from chalicelib.core.observability import logger, metrics
from chalicelib.core.secrets import SecretStore
from chalicelib.shop.schemas import ImapSettings
from chalicelib.shop.service import ConfigService
from chalicelib.support.domain import MailboxState
from chalicelib.support.ingestion import IngestResult, MailIngestion
from chalicelib.support.ports import MailboxRepository

MAX_MESSAGES_PER_RUN = 200
SAFETY_MARGIN_MS = 20_000
CONNECT_TIMEOUT_SECONDS = 20
# Runs that may end on one message before it is kept unparsed and the poll moves past it.
MAX_ATTEMPTS = 3
# POP3 without delete_messages: how many stored messages left on the server are remembered.
MAX_REMEMBERED_UIDLS = 20_000
_MAIL_ERRORS = (OSError, imaplib.IMAP4.error, poplib.error_proto, ssl.SSLError, EOFError)


@dataclass
class PollResult:
    source: str
    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    unprocessed: int = 0
    deleted: int = 0
    error: str | None = None
    stopped_early: bool = False
    # How far the session got (connect, login, mailbox, fetch): names the failure in `error`.
    stage: str = "connect"


def uidl_key(uidl: str) -> str:
    """What the state item keeps of a UIDL: 12 hex digits of its hash (UIDLs can be 70 bytes)."""
    return hashlib.sha256(uidl.encode()).hexdigest()[:12]


def _remembered(on_server: list[tuple[int, str]], seen: set[str]) -> tuple[str, ...]:
    """The stored UIDLs still on the server, newest last, at most MAX_REMEMBERED_UIDLS of them
    (so the state item stays far below DynamoDB's 400 KB; older ones would be fetched again and
    dropped by dedupe)."""
    return tuple(u for _, u in on_server if u in seen)[-MAX_REMEMBERED_UIDLS:]


def _context(settings: ImapSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.novalidate_cert or not settings.validate_cert:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


# What each kind of failure is called in the mailbox state, with a reason written here: the
# server's own words (its banner, its NO/BAD text) are never stored or shown to support staff —
# they are whatever the remote end chose to send.
_AT_STAGE = {
    "connect": ("ConnectionFailed", "the connection to the mail server failed"),
    "login": ("AuthenticationFailed", "the server refused the user name or password"),
    "mailbox": ("MailboxUnavailable", "the mailbox could not be opened"),
    "fetch": ("ProtocolError", "the server answered a command unexpectedly"),
}


def describe(error: BaseException, stage: str = "connect") -> str:
    """`<ErrorClass>: <short reason>` for the mailbox state and the log, from a fixed vocabulary:
    never the server's text, never the password."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return "CertificateNotTrusted: the server's TLS certificate could not be verified"
    if isinstance(error, ssl.SSLError):
        return "TlsFailed: the TLS handshake with the server failed"
    if isinstance(error, TimeoutError):
        return "Timeout: the server did not answer in time"
    if isinstance(error, socket.gaierror):
        return "HostNotFound: the server's name does not resolve"
    if isinstance(error, ConnectionRefusedError):
        return "ConnectionRefused: nothing answers on that host and port"
    if isinstance(error, (EOFError, imaplib.IMAP4.abort, ConnectionError)):
        return "ConnectionLost: the server closed the connection"
    if isinstance(error, OSError):
        return "ConnectionFailed: the connection to the mail server failed"
    name, reason = _AT_STAGE.get(stage, _AT_STAGE["fetch"])
    return f"{name}: {reason}"


@dataclass(frozen=True, slots=True)
class MailPoller:
    ingestion: MailIngestion
    mailboxes: MailboxRepository
    config: ConfigService
    secret: SecretStore
    clock: Clock = utc_now

    def run(self, now: datetime | None = None, remaining_ms: Callable[[], int] | None = None) -> PollResult:
        settings = self.config.settings().customer_service.imap
        source = "pop3" if settings.pop3 else "imap"
        state = self.mailboxes.state(source)
        result = PollResult(source)
        started = time.monotonic()
        if not settings.url or not settings.user:
            result.error = "not configured (customer_service.imap url and user)"
        else:
            password = self.secret.get()
            if password is None:
                result.error = "no password set (PUT /admin/customer-service/mailbox/password)"
            else:
                # The methods keep their checkpoint here, so a connection that drops mid-run
                # still records how far it got.
                progress = [state]
                try:
                    if settings.pop3:
                        self._pop3(settings, password, progress, result, remaining_ms)
                    else:
                        self._imap(settings, password, progress, result, remaining_ms)
                except _MAIL_ERRORS as error:
                    result.error = describe(error, result.stage)
                except DomainError as error:
                    # Storage trouble while storing a message: the checkpoint stays before it.
                    result.error = f"StorageFailed: a message could not be stored ({type(error).__name__})"
                state = progress[0]
        duration = int((time.monotonic() - started) * 1000)
        self.mailboxes.save_state(
            replace(
                state,
                last_poll_at=now or self.clock(),
                last_result="error" if result.error else ("partial" if result.stopped_early else "ok"),
                last_error=result.error,
                last_fetched=result.fetched,
                fetched_total=state.fetched_total + result.fetched,
                duration_ms=duration,
            )
        )
        if result.error:
            logger.warning("mail poll failed", source=source, error=result.error)
        logger.info("mail poll", source=source, fetched=result.fetched, stored=result.stored)
        metrics.add_metric(name="MailFetched", unit="Count", value=result.fetched)
        metrics.add_metric(name="MailPollDuration", unit="Milliseconds", value=duration)
        return result

    def _out_of_time(self, result: PollResult, remaining_ms: Callable[[], int] | None) -> bool:
        if result.fetched >= MAX_MESSAGES_PER_RUN or (
            remaining_ms is not None and remaining_ms() < SAFETY_MARGIN_MS
        ):
            result.stopped_early = True
        return result.stopped_early

    def _ingest(
        self, raw: bytes, source: str, key: str, progress: list[MailboxState]
    ) -> tuple[IngestResult, MailboxState]:
        """One message, tried at most MAX_ATTEMPTS times over the runs. Returns the outcome and the
        state with the attempt cleared (the caller advances its checkpoint past the message)."""
        state = progress[0]
        attempts = state.attempts + 1 if state.attempting == key else 1
        # Saved before ingesting, and left in progress[0] if ingesting raises (run() saves it):
        # a run that ends on this message, however it ends, counts as an attempt.
        marked = progress[0] = replace(state, attempting=key, attempts=attempts)
        self.mailboxes.save_state(marked)
        if attempts > MAX_ATTEMPTS:
            logger.warning("mail kept unparsed after repeated failures", source=source, attempts=attempts)
            reason = f"could not be ingested in {MAX_ATTEMPTS} runs: kept unparsed"
            outcome = self.ingestion.keep_unparsed(raw, source, reason)
        else:
            outcome = self.ingestion.ingest(raw, source)
        return outcome, replace(marked, attempting=None, attempts=0)

    def _record(self, outcome: IngestResult, result: PollResult) -> None:
        result.fetched += 1
        if outcome.outcome == "duplicate":
            result.duplicates += 1
        elif outcome.outcome == "unprocessed":
            result.unprocessed += 1
        else:
            result.stored += 1

    # -- IMAP ----------------------------------------------------------------------------------
    def _imap_connect(self, settings: ImapSettings) -> imaplib.IMAP4:
        context = _context(settings)
        if settings.ssl and not settings.tls:
            return imaplib.IMAP4_SSL(
                settings.url, settings.port or 993, ssl_context=context, timeout=CONNECT_TIMEOUT_SECONDS
            )
        connection = imaplib.IMAP4(settings.url, settings.port or 143, timeout=CONNECT_TIMEOUT_SECONDS)
        if settings.tls or (not settings.notls and "STARTTLS" in connection.capabilities):
            connection.starttls(ssl_context=context)
        return connection

    def _imap(
        self,
        settings: ImapSettings,
        password: str,
        progress: list[MailboxState],
        result: PollResult,
        remaining_ms: Callable[[], int] | None,
    ) -> None:
        state = progress[0]
        connection = self._imap_connect(settings)
        try:
            result.stage = "login"
            connection.login(settings.user, password)
            result.stage = "mailbox"
            mailbox = '"' + settings.mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'
            status, _ = connection.select(mailbox, readonly=not settings.delete_messages)
            if status != "OK":
                raise imaplib.IMAP4.error(f"mailbox {settings.mailbox!r} can't be opened")
            validity_raw = connection.untagged_responses.get("UIDVALIDITY", [b"0"])[0]
            validity = int(validity_raw if isinstance(validity_raw, bytes) else b"0")
            last = state.last_uid if state.uidvalidity == validity else 0
            if state.uidvalidity is not None and state.uidvalidity != validity:
                logger.info("IMAP UIDVALIDITY changed: fetching the mailbox again", source="imap")
            state = progress[0] = replace(state, uidvalidity=validity, last_uid=last)
            result.stage = "fetch"
            status, data = connection.uid("SEARCH", f"UID {last + 1}:*")
            uids = sorted(int(uid) for uid in (data[0] or b"").split() if int(uid) > last)
            flagged = False
            for uid in uids:
                if self._out_of_time(result, remaining_ms):
                    break
                status, parts = connection.uid("FETCH", str(uid), "(BODY.PEEK[])")
                raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None)
                if status != "OK" or not isinstance(raw, bytes):
                    raise imaplib.IMAP4.error(f"UID {uid} could not be fetched")
                outcome, state = self._ingest(raw, "imap", f"{validity}:{uid}", progress)
                self._record(outcome, result)
                state = progress[0] = replace(state, last_uid=uid)
                if settings.delete_messages:
                    connection.uid("STORE", str(uid), "+FLAGS", "(\\Deleted)")
                    flagged = True
                    result.deleted += 1
            if flagged:
                connection.expunge()
        finally:
            self._close_imap(connection)

    @staticmethod
    def _close_imap(connection: imaplib.IMAP4) -> None:
        try:
            connection.logout()
        except (TimeoutError, *_MAIL_ERRORS):
            pass

    # -- POP3 ----------------------------------------------------------------------------------
    def _pop3_connect(self, settings: ImapSettings) -> poplib.POP3:
        context = _context(settings)
        if settings.ssl and not settings.tls:
            return poplib.POP3_SSL(
                settings.url, settings.port or 995, context=context, timeout=CONNECT_TIMEOUT_SECONDS
            )
        connection = poplib.POP3(settings.url, settings.port or 110, timeout=CONNECT_TIMEOUT_SECONDS)
        if settings.tls or not settings.notls:
            try:
                connection.stls(context=context)
            except poplib.error_proto:
                if settings.tls:
                    raise
        return connection

    def _pop3(
        self,
        settings: ImapSettings,
        password: str,
        progress: list[MailboxState],
        result: PollResult,
        remaining_ms: Callable[[], int] | None,
    ) -> None:
        state = progress[0]
        connection = self._pop3_connect(settings)
        committed = False
        try:
            result.stage = "login"
            connection.user(settings.user)
            connection.pass_(password)
            result.stage = "fetch"
            _, listing, _ = connection.uidl()
            on_server: list[tuple[int, str]] = []
            for line in listing:
                position, _, uidl = line.decode("ascii", errors="replace").partition(" ")
                on_server.append((int(position), uidl_key(uidl.strip())))
            seen = set(state.uidls)
            for number, uidl in on_server:
                if uidl in seen:
                    if settings.delete_messages:  # stored by a run that ended before QUIT
                        connection.dele(number)
                        result.deleted += 1
                    continue
                if self._out_of_time(result, remaining_ms):
                    break
                _, lines, _ = connection.retr(number)
                raw = b"\r\n".join(lines) + b"\r\n"
                outcome, state = self._ingest(raw, "pop3", uidl, progress)
                self._record(outcome, result)
                seen.add(uidl)
                if settings.delete_messages:
                    connection.dele(number)
                    result.deleted += 1
                state = progress[0] = replace(state, uidls=_remembered(on_server, seen))
            connection.quit()
            committed = True
            # Only UIDLs still on the server are remembered (deleted ones went at QUIT).
            kept = () if settings.delete_messages else _remembered(on_server, seen)
            progress[0] = replace(state, uidls=kept)
        finally:
            if not committed:
                with contextlib.suppress(OSError):
                    connection.close()
