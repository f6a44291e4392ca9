"""Imported legacy password hashes (issue 17 §4): PrestaShop's bcrypt and 1.6 MD5 hashes import
as they are, verify at sign-in and become argon2id then; the `passwords` policy (keep / none /
invite) and the once-only invitation mail."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest

from chalicelib.core import passwords
from chalicelib.core.errors import ServiceUnavailableError, UnauthenticatedError
from chalicelib.core.jwt import TokenSigner
from chalicelib.customers.accounts import AccountService
from chalicelib.imports import passwords as import_passwords
from chalicelib.imports.domain import ImportOptions, PasswordPolicy
from chalicelib.imports.service import ImportService
from chalicelib.mail.notifications import Notifier
from chalicelib.throttle.service import LoginThrottle, Throttle
from tests.factories import sequential_ids
from tests.fakes.customers import MemoryCustomerRepository, MemoryResetRequestQueue
from tests.fakes.files import MemoryFileStore
from tests.fakes.imports import MemoryImportRepository
from tests.fakes.mail import MemoryMailer, MemorySentMailLog
from tests.fakes.throttle import MemoryThrottleRepository
from tests.unit.test_import_service import import_parts

SECRET = "k" * 40
FIXTURE = Path(__file__).parent.parent / "fixtures" / "imports" / "prestashop-customer-table-passwd.csv"
# The fixture's hashes: PrestaShop 1.7+ writes PHP's password_hash() ($2y$); 1.6 writes
# md5(_COOKIE_KEY_ . password) with the shop's 56-character cookie key.
COOKIE_KEY = "Zq4XoTg8c1rBxy2v7WnKpD3sLmE5hJ9uAaF0iRzC6tVbN4eQwYoP8kSd"
BCRYPT_USER, BCRYPT_PASSWORD = "pub@prestashop.com", "Mot-de-passe-17"
MD5_USER, MD5_PASSWORD = "ana.garcia@example.com", "Contrasena-16"
BCRYPT_HASH = "$2y$10$3hwTleVna6jUSARfNjaXieZalVBIYLJkIyRPdcc8ADNjgAs0rCrh6"


class Secret:
    def __init__(self, value: str | None = None) -> None:
        self.value = value

    def get(self) -> str | None:
        return self.value

    def put(self, value: str) -> None:
        self.value = value


@dataclass
class World:
    imports: ImportService
    accounts: AccountService
    customers: MemoryCustomerRepository
    jobs: MemoryImportRepository
    files: MemoryFileStore
    mailer: MemoryMailer
    cookie_key: Secret


def build(
    cookie_key: str | None = COOKIE_KEY, rows_per_batch: int = 100, continue_below_ms: int = 0
) -> World:
    parts = import_parts()
    clock, config, customers, customer_service = (
        parts.clock,
        parts.config,
        parts.customers,
        parts.customer_service,
    )
    secret = Secret(cookie_key)
    mailer = MemoryMailer()
    accounts = AccountService(
        customers,
        customer_service,
        config,
        Notifier(mailer, MemorySentMailLog(), config),
        Throttle(MemoryThrottleRepository(), max_failures=50, window=timedelta(minutes=15), clock=clock),
        TokenSigner(SECRET, timedelta(hours=8)),
        reset_queue=MemoryResetRequestQueue(),
        token_ttl=timedelta(hours=8),
        login_throttle=LoginThrottle(
            MemoryThrottleRepository(),
            scope="store-login",
            pair_max=50,
            ip_max=50,
            window=timedelta(minutes=15),
            clock=clock,
        ),
        clock=clock,
        ids=sequential_ids("01TOKEN"),
        cookie_key=secret.get,
    )
    service = parts.import_service(
        rows_per_batch,
        continue_below_ms,
        cookie_key=secret.get,
        invitations=accounts.send_import_invitations,
    )
    return World(service, accounts, customers, parts.jobs, parts.files, mailer, secret)


def run_import(world: World, content: bytes, policy: PasswordPolicy = "keep", remaining: int = 10**9):  # type: ignore[no-untyped-def]
    job, _ = world.imports.create_job("customers", "customers.csv", "emp-1")
    # The options as POST /admin/imports stores them on the job.
    world.jobs.save(job, replace(job, options=ImportOptions(passwords=policy)))
    key = f"imports/{job.id}/customers.csv"
    world.files.put(key, content, "text/csv")
    etag = hashlib.md5(content, usedforsecurity=False).hexdigest()
    return world.imports.handle_upload(key, etag, len(content), lambda: remaining), (key, etag, len(content))


def deliver_markers(world: World, kind: str, remaining: int = 10**9) -> int:
    """The S3 events of the marker objects the run wrote (each delivered once, oldest first)."""
    markers = sorted(k for k in world.files.files if f"/{kind}/" in k)
    for marker in markers:
        world.imports.handle_upload(marker, "m", 0, lambda: remaining)
    return len(markers)


def stored_hash(world: World, email: str) -> str | None:
    customer = world.customers.get_by_email(email)
    assert customer is not None
    return customer.password_hash


# -- the hashes ------------------------------------------------------------------------------------
def test_bcrypt_and_prestashop_md5_verify_and_say_they_need_a_rehash() -> None:
    assert passwords.verify_password(BCRYPT_HASH, BCRYPT_PASSWORD)
    assert not passwords.verify_password(BCRYPT_HASH, "wrong")
    for prefix in ("$2b$", "$2a$"):
        assert passwords.verify_password(prefix + BCRYPT_HASH[4:], BCRYPT_PASSWORD)
    md5 = passwords.prestashop_md5("C13BBD84AF497295A3143540DCE4257D")
    assert md5 == "prestashop-md5$c13bbd84af497295a3143540dce4257d"
    assert passwords.verify_password(md5, MD5_PASSWORD, lambda: COOKIE_KEY)
    assert not passwords.verify_password(md5, "wrong", lambda: COOKIE_KEY)
    assert not passwords.verify_password(md5, MD5_PASSWORD, lambda: None)  # no key: never
    assert not passwords.verify_password(md5, MD5_PASSWORD)
    # Bare hex is never guessed to be an MD5: without the scheme prefix it verifies nothing.
    assert not passwords.verify_password("c13bbd84af497295a3143540dce4257d", MD5_PASSWORD, lambda: COOKIE_KEY)
    assert passwords.needs_rehash(BCRYPT_HASH) and passwords.needs_rehash(md5)
    assert not passwords.needs_rehash(passwords.hash_password("x"))


def test_a_bcrypt_password_over_72_bytes_is_cut_as_php_cuts_it() -> None:
    import bcrypt

    long = "é" * 50  # 100 bytes
    php_hash = "$2y$" + bcrypt.hashpw(long.encode()[:72], bcrypt.gensalt(4)).decode()[4:]
    assert passwords.verify_password(php_hash, long)


def test_cells_are_classified_never_guessed() -> None:
    classify = import_passwords.classify
    assert classify(None, None).kind == "empty"
    assert classify("hunter2-hunter2", None) == import_passwords.PasswordCell("plaintext", "hunter2-hunter2")
    assert classify(BCRYPT_HASH, None) == import_passwords.PasswordCell("bcrypt", BCRYPT_HASH)
    # 32 hex digits in a *password* column could be a password: it stays a plaintext.
    assert classify("c13bbd84af497295a3143540dce4257d", None).kind == "plaintext"
    assert classify(None, "C13BBD84AF497295A3143540DCE4257D").value == (
        "prestashop-md5$c13bbd84af497295a3143540dce4257d"
    )
    assert classify("ignored-plaintext", BCRYPT_HASH).kind == "bcrypt"  # the hash column wins
    with pytest.raises(ValueError, match=r"not a bcrypt or PrestaShop 1\.6 MD5"):
        classify(None, "sha1:5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8")


# -- import, then sign in ---------------------------------------------------------------------------
def test_imported_hashes_sign_in_and_become_argon2id() -> None:
    world = build()
    job, _ = run_import(world, FIXTURE.read_bytes())
    assert (job.created, job.failed) == (3, 0), world.jobs.all_errors(job.id)
    assert stored_hash(world, BCRYPT_USER) == BCRYPT_HASH
    assert stored_hash(world, MD5_USER) == "prestashop-md5$c13bbd84af497295a3143540dce4257d"
    assert not any("cookie key" in w.reason for w in job.warnings)
    # The table's date_add is the registration date, not an ignored column.
    assert not job.warnings, job.warnings
    ana = world.customers.get_by_email(MD5_USER)
    assert ana is not None and ana.registered_at.isoformat().startswith("2015-06-02T17:36:07")

    # A wrong password: 401, and the legacy hash stays as it was.
    for email in (BCRYPT_USER, MD5_USER):
        before = stored_hash(world, email)
        with pytest.raises(UnauthenticatedError):
            world.accounts.login(email, "not-the-password", "203.0.113.9")
        assert stored_hash(world, email) == before

    for email, password in ((BCRYPT_USER, BCRYPT_PASSWORD), (MD5_USER, MD5_PASSWORD)):
        session = world.accounts.login(email, password, "203.0.113.9")
        assert session.token is not None
        after = stored_hash(world, email)
        assert after is not None and after.startswith("$argon2id$")
        assert passwords.verify_password(after, password)
        # The next sign-in uses the argon2id hash; the cookie key is no longer needed.
        world.cookie_key.value = None if email == MD5_USER else world.cookie_key.value
        assert world.accounts.login(email, password, "203.0.113.9").token is not None
        assert stored_hash(world, email) == after


def test_a_rehash_that_loses_the_race_never_fails_the_sign_in() -> None:
    """Two sign-ins read the same legacy hash; the second one's conditional write is refused
    (the record moved on), and it still signs in."""
    world = build()
    run_import(world, FIXTURE.read_bytes())
    original_get = world.customers.get_by_email
    stale = original_get(BCRYPT_USER)
    world.accounts.login(BCRYPT_USER, BCRYPT_PASSWORD, "203.0.113.9")  # the first rehashes
    rehashed = stored_hash(world, BCRYPT_USER)
    world.customers.get_by_email = lambda email: stale  # type: ignore[method-assign]
    session = world.accounts.login(BCRYPT_USER, BCRYPT_PASSWORD, "203.0.113.10")
    world.customers.get_by_email = original_get  # type: ignore[method-assign]
    assert session.token is not None
    assert stored_hash(world, BCRYPT_USER) == rehashed  # not overwritten by the loser


def test_md5_hashes_without_the_cookie_key_are_kept_with_a_warning_and_sign_in_fails() -> None:
    world = build(cookie_key=None)
    job, _ = run_import(world, FIXTURE.read_bytes())
    assert job.created == 3 and job.status == "completed_with_warnings"
    warning = next(w for w in job.warnings if "cookie key" in w.reason)
    assert (warning.column, warning.count) == ("passwd", 2)
    assert warning.reason == (
        "PrestaShop 1.6 hashes need the shop's cookie key (setting import.prestashop_cookie_key)"
    )
    with pytest.raises(UnauthenticatedError):
        world.accounts.login(MD5_USER, MD5_PASSWORD, "203.0.113.9")
    assert stored_hash(world, MD5_USER) == "prestashop-md5$c13bbd84af497295a3143540dce4257d"
    world.cookie_key.value = COOKIE_KEY  # the merchant sets the key: the same hash now works
    assert world.accounts.login(MD5_USER, MD5_PASSWORD, "203.0.113.9").token is not None


def test_a_bad_hash_cell_is_a_row_error_naming_the_column() -> None:
    world = build()
    content = (
        b"email;First name;Last name;Password hash\nbad@example.com;A;B;not-a-hash\n"
        b"ok@example.com;C;D;" + BCRYPT_HASH.encode() + b"\n"
    )
    job, _ = run_import(world, content)
    assert (job.created, job.failed) == (1, 1)
    errors = [(e.line, e.column, e.reason) for e in world.jobs.all_errors(job.id)]
    assert errors == [(2, "Password hash", import_passwords.NOT_A_HASH)]


def test_a_bcrypt_hash_in_the_password_column_is_taken_as_a_hash() -> None:
    world = build()
    content = f"email;name;password\nbc@example.com;B;{BCRYPT_HASH}\nplain@example.com;P;Plain-Passw0rd\n"
    content = (
        content.replace("email;name;", "email;First name;Last name;")
        .replace(";B;", ";B;C;")
        .replace(";P;", ";P;Q;")
    )
    job, _ = run_import(world, content.encode())
    assert job.created == 2
    assert stored_hash(world, "bc@example.com") == BCRYPT_HASH
    plain = stored_hash(world, "plain@example.com")
    assert plain is not None and plain.startswith("$argon2id$")


def test_a_reimported_hash_replaces_the_old_one_and_ends_sessions() -> None:
    world = build()
    run_import(world, b"email;First name;Last name;password\nbc@example.com;B;C;Plain-Passw0rd\n")
    before = world.customers.get_by_email("bc@example.com")
    assert before is not None
    job, _ = run_import(
        world, f"email;First name;Last name;passwd\nbc@example.com;B;C;{BCRYPT_HASH}\n".encode()
    )
    after = world.customers.get_by_email("bc@example.com")
    assert after is not None and job.updated == 1
    assert after.password_hash == BCRYPT_HASH
    assert after.session_generation == before.session_generation + 1
    # The same file again: unchanged.
    assert (
        run_import(world, f"email;First name;Last name;passwd\nbc@example.com;B;C;{BCRYPT_HASH}\n".encode())[
            0
        ].unchanged
        == 1
    )


# -- the passwords policy ------------------------------------------------------------------------
PLAIN = (
    b"email;First name;Last name;password\n"
    b"new1@example.com;Ana;One;Plain-Passw0rd\n"
    b"new2@example.com;Bo;Two;\n"
)


def test_none_stores_no_password_and_mails_nothing() -> None:
    world = build()
    job, _ = run_import(world, PLAIN, "none")
    assert job.failed == 0
    assert stored_hash(world, "new1@example.com") is None
    assert stored_hash(world, "new2@example.com") is None
    assert deliver_markers(world, "_invite") == 0 and world.mailer.sent == []
    hashes = run_import(world, FIXTURE.read_bytes(), "none")[0]
    assert hashes.created == 3 and stored_hash(world, BCRYPT_USER) is None


def test_invite_mails_each_created_customer_once() -> None:
    world = build()
    existing = b"email;First name;Last name\nold@example.com;Old;Customer\n"
    run_import(world, existing)  # already a customer: an update below, never invited
    content = PLAIN + b"old@example.com;Old;Customer;Plain-Passw0rd\n"
    job, event = run_import(world, content, "invite")
    assert (job.created, job.updated, job.unchanged) == (2, 0, 1)
    assert stored_hash(world, "new1@example.com") is None  # invite: no password stored
    assert deliver_markers(world, "_invite") == 1
    assert sorted(m.to for m in world.mailer.sent) == ["new1@example.com", "new2@example.com"]
    mail = world.mailer.sent[0]
    assert "password/reset?token=" in mail.text and "choose a password" in mail.subject
    # The same event twice, and the marker's own event twice: no second mail.
    key, etag, size = event
    assert world.imports.handle_upload(key, etag, size, lambda: 10**9).status == job.status  # type: ignore[union-attr]
    assert deliver_markers(world, "_invite") == 0
    marker = f"imports/{job.id}/_invite/000000000-replayed"
    created = [c.id for c in world.customers.customers.values() if c.email.startswith("new")]
    world.files.put(marker, json.dumps({"customer_ids": created}).encode(), "application/json")
    deliver_markers(world, "_invite")
    assert len(world.mailer.sent) == 2
    assert not [k for k in world.files.files if "/_invite/" in k]  # markers are deleted once done


def test_invite_is_localised_and_skips_who_has_a_password_by_then() -> None:
    world = build()
    content = (
        b"email;First name;Last name;Language\nfr@example.com;Aim\xc3\xa9e;Fr;fr\nes@example.com;Luz;Es;es\n"
    )
    run_import(world, content, "invite")
    es = world.customers.get_by_email("es@example.com")
    assert es is not None
    world.customers.customers[es.id] = replace(es, password_hash=passwords.hash_password("set-meanwhile"))
    deliver_markers(world, "_invite")
    assert [(m.to, m.subject) for m in world.mailer.sent] == [
        ("fr@example.com", "Votre compte My shop a changé de système : choisissez un mot de passe")
    ]


def test_invite_across_a_continuation_mails_every_created_customer_once() -> None:
    world = build(rows_per_batch=2, continue_below_ms=1000)
    rows = b"".join(b"c%d@example.com;Name;Last\n" % n for n in range(5))
    job, _ = run_import(world, b"email;First name;Last name\n" + rows, "invite", remaining=0)
    assert job.status == "running" and job.continuation == 1
    while job.status == "running":
        marker = sorted(k for k in world.files.files if "/_continue/" in k)[-1]
        job = world.imports.handle_upload(marker, "c", 0, lambda: 0)
        world.imports.handle_upload(marker, "c", 0, lambda: 0)  # a redelivered marker: stale
    assert job.created == 5
    deliver_markers(world, "_invite")
    deliver_markers(world, "_invite")
    assert sorted(m.to for m in world.mailer.sent) == [f"c{n}@example.com" for n in range(5)]


def test_a_batch_run_again_after_a_crash_still_invites_what_it_created() -> None:
    """The run died after writing the batch and before its marker: the re-run finds the customers
    stored (unchanged rows) and lists them by their provenance."""
    world = build()
    original_put = world.files.put

    def crash_on_marker(key: str, data: bytes, content_type: str) -> None:
        if "/_invite/" in key:
            raise ServiceUnavailableError("S3 is down")
        original_put(key, data, content_type)

    world.files.put = crash_on_marker  # type: ignore[method-assign]
    content = b"email;First name;Last name\na@example.com;A;A\nb@example.com;B;B\n"
    with pytest.raises(ServiceUnavailableError):
        run_import(world, content, "invite")
    world.files.put = original_put  # type: ignore[method-assign]
    job = next(iter(world.jobs.jobs.values()))
    assert job.checkpoint_rows == 0  # the batch was written, not checkpointed
    # The watchdog hands the job on; the continuation runs the batch again.
    world.jobs.jobs[job.id] = replace(job, lease_until=job.created_at - timedelta(minutes=1))
    world.imports.resume_stalled()
    deliver_markers(world, "_continue")
    deliver_markers(world, "_invite")
    assert sorted(m.to for m in world.mailer.sent) == ["a@example.com", "b@example.com"]


def test_a_failed_invitation_send_keeps_the_marker_for_the_retry() -> None:
    world = build()
    run_import(world, PLAIN, "invite")
    original_send = world.mailer.send
    calls = {"n": 0}

    def flaky(mail):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise ServiceUnavailableError("SES throttled")
        return original_send(mail)

    world.mailer.send = flaky  # type: ignore[method-assign]
    with pytest.raises(ServiceUnavailableError):
        deliver_markers(world, "_invite")
    assert [k for k in world.files.files if "/_invite/" in k]  # kept: the event is retried
    deliver_markers(world, "_invite")  # the retry
    assert sorted(m.to for m in world.mailer.sent) == ["new1@example.com", "new2@example.com"]


def test_the_generated_placeholder_of_the_cookie_key_secret_reads_as_not_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """infra fills the secret with `{"unset": true, ...}` until the merchant sets the key: the
    settings must not say it is set, and the import must still warn."""
    from aws_lambda_powertools.utilities import parameters

    from chalicelib.core.secrets import ParameterSecret
    from chalicelib.core.settings import Settings

    values = {"/ref/key": '{"unset": true, "placeholder": "Xy12"}'}
    monkeypatch.setattr(parameters, "get_parameter", lambda name, **_: values[name])
    secret = ParameterSecret("/ref/key", Settings(), "PrestaShop cookie key")
    assert secret.get() is None
    values["/ref/key"] = COOKIE_KEY
    assert secret.get() == COOKIE_KEY


def test_invitations_out_of_time_go_on_in_a_new_marker() -> None:
    world = build()
    rows = b"".join(b"t%d@example.com;Name;Last\n" % n for n in range(3))
    run_import(world, b"email;First name;Last name\n" + rows, "invite")
    (marker,) = [k for k in world.files.files if "/_invite/" in k]
    world.imports.handle_upload(marker, "m", 0, lambda: 5_000)  # started with too little time
    assert world.mailer.sent == []
    (handed_on,) = [k for k in world.files.files if "/_invite/" in k]
    assert handed_on != marker
    budget = iter([60_000, 60_000, 0, 0])  # time for two mails, then out of time
    world.imports.handle_upload(handed_on, "m", 0, lambda: next(budget))
    assert len(world.mailer.sent) == 2
    deliver_markers(world, "_invite")
    assert sorted(m.to for m in world.mailer.sent) == [f"t{n}@example.com" for n in range(3)]
    assert not [k for k in world.files.files if "/_invite/" in k]
