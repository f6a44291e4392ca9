"""Key builders: the only place key strings are assembled. Pure functions, unit-tested.

Sortable parts are ISO-8601 UTC timestamps, zero-padded numbers and time-ordered ids (ULIDs).
"""

from __future__ import annotations

import hashlib
import itertools

SEP = "#"
# Joins the parts of an index sort key. It sorts before every printable character (space
# included), so "Ana" < "Ana María" and shorter values come first, as in a sorted list.
FIELD_SEP = "\x01"
# Sorts before every digit and letter: rows without a value come first in ascending order.
MISSING = "!"

CUSTOMERS = "CUSTOMERS"
PROFILE = "PROFILE"
# The profile's private part: its sort key starts with PROFILE, so one Query reads both.
PROFILE_PRIVATE = "PROFILE#PRIVATE"
CONFIG = "CONFIG"
EMPLOYEES = "EMPLOYEES"
CONNECTIONS = "CONNECTIONS"


def customer_pk(customer_id: str) -> str:
    return f"CUSTOMER#{customer_id}"


def email_pk(normalised_email: str) -> str:
    return f"EMAIL#{normalised_email}"


def email_sk() -> str:
    return "EMAIL"


def customer_ref_pk(merchant_ref: str) -> str:
    return f"CUSTOMER_REF#{merchant_ref}"


CUSTOMER_REF_SK = "REF"


def membership_sk(group_id: str) -> str:
    return f"GROUP#{group_id}"


def membership_prefix() -> str:
    return "GROUP#"


def group_members_pk(group_id: str) -> str:
    return f"GROUP#{group_id}"


def connection_sk(at_iso: str, connection_id: str) -> str:
    return f"CONNECTION#{at_iso}#{connection_id}"


def connection_prefix() -> str:
    return "CONNECTION#"


def ip_search_sk(ip: str, at_iso: str, customer_id: str) -> str:
    return FIELD_SEP.join((ip, at_iso, customer_id))


def customer_flags_pk(approved: bool, enabled: bool, newsletter: bool, optin: bool, guest: bool) -> str:
    """The profile's partition of the flags index: one per combination of its five booleans,
    e.g. CUSTOMERS#FLAGS#11100 (approved, enabled, newsletter, no opt-in, not a guest). Any mix
    of flag filters is a set of these partitions, each read by key (docs/keys.md)."""
    bits = "".join(flag(value) for value in (approved, enabled, newsletter, optin, guest))
    return f"{CUSTOMERS}#FLAGS#{bits}"


def flag(value: bool) -> str:
    return "1" if value else "0"


# What most profiles are (approved, enabled, no newsletter, no opt-in, not a guest): the partition
# nearest to it is likely the largest, so it is read first and bounds the reads of the others.
_USUAL_FLAGS = (True, True, False, False, False)
# A status filter as the (approved, enabled) pairs it accepts.
_STATUS_ACCESS = {
    "active": ((True, True),),
    "disabled": ((True, False),),
    "pending_approval": ((False, True), (False, False)),
}


def customer_flag_partitions(
    *,
    status: str | None = None,
    enabled: bool | None = None,
    newsletter: bool | None = None,
    optin: bool | None = None,
    guest: bool | None = None,
) -> tuple[str, ...]:
    """Every flags partition whose combination passes the given filters (None: either value; no
    partition when they contradict each other), ordered by how far the combination is from the
    usual profile, so the likeliest-largest partition comes first."""
    wanted = (None, enabled, newsletter, optin, guest)
    found = []
    for combination in itertools.product((True, False), repeat=5):
        if status is not None and combination[:2] not in _STATUS_ACCESS.get(status, ()):
            continue
        if any(w is not None and w != value for w, value in zip(wanted, combination, strict=True)):
            continue
        distance = sum(a != b for a, b in zip(combination, _USUAL_FLAGS, strict=True))
        found.append((distance, customer_flags_pk(*combination)))
    return tuple(partition for _, partition in sorted(found, key=lambda entry: entry[0]))


def sort_key(*parts: str | None) -> str:
    """Join sortable parts; missing values become MISSING so every row keeps its place."""
    return FIELD_SEP.join(part if part else MISSING for part in parts)


def config_sk(kind: str, item_id: str = "") -> str:
    return f"{kind}#{item_id}" if item_id else kind


def employee_pk(employee_id: str) -> str:
    return f"EMPLOYEE#{employee_id}"


def employee_email_pk(normalised_email: str) -> str:
    return f"EMPLOYEE_EMAIL#{normalised_email}"


def throttle_pk(scope: str, subject_hash: str) -> str:
    return f"THROTTLE#{scope}#{subject_hash}"


def account_token_pk(scope: str, token_hash: str) -> str:
    """The flow (scope) that accepts the token is part of the key: another flow never finds it."""
    return f"ACCOUNT_TOKEN#{scope}#{token_hash}"


def pending_registration_pk(normalised_email: str) -> str:
    return f"PENDING_REGISTRATION#{normalised_email}"


PENDING_REGISTRATION_SK = "REGISTRATION"


def sent_mail_pk(event_hash: str) -> str:
    return f"SENT_MAIL#{event_hash}"


# Forgot-password requests waiting for the worker that looks the account up and mails the link.
RESET_REQUESTS = "OUTBOX#PASSWORD_RESET"


def reset_request_sk(requested_at_iso: str, request_id: str) -> str:
    return f"{requested_at_iso}#{request_id}"


ADDRESSES = "ADDRESSES"


def address_sk(address_id: str) -> str:
    return f"ADDRESS#{address_id}"


def address_prefix() -> str:
    return "ADDRESS#"


def address_country_pk(country: str) -> str:
    return f"{ADDRESSES}#COUNTRY#{country}"


IMPORTS = "IMPORTS"
JOB = "JOB"


def import_pk(import_id: str) -> str:
    return f"IMPORT#{import_id}"


def import_error_sk(line: int, column: str) -> str:
    return f"ERROR#{line:010d}#{column}"


def import_error_prefix() -> str:
    return "ERROR#"


IMPORT_PASSWORDS = "PASSWORDS"


def import_password_chunk_sk(run: str, chunk: int) -> str:
    return f"PWCHUNK#{run}#{chunk:010d}"


def import_password_chunk_prefix() -> str:
    return "PWCHUNK#"


def export_pk(export_id: str) -> str:
    return f"EXPORT#{export_id}"


PREVIEW = "PREVIEW"
IMPORT_MAPPINGS = "IMPORT_MAPPINGS"
MAPPING = "MAPPING"


def import_mapping_pk(name: str) -> str:
    """Names are unique regardless of case ("PrestaShop" and "prestashop" are one mapping)."""
    return f"IMPORT_MAPPING#{name.casefold()}"


# -- carts, orders, vouchers (the carts and orders issue) ----------------------------------------
CART = "CART"
ORDER = "ORDER"
ORDERS = "ORDERS"
VOUCHER = "VOUCHER"
REMINDERS_DUE = "CART_REMINDERS_DUE"
# Open carts are spread over this many index partitions: cart writes are the storefront's hot
# path, and one partition takes about 1,000 writes/s. The sweep and the open-carts list read each.
OPEN_CART_SHARDS = 4


def cart_pk(cart_id: str) -> str:
    return f"CART#{cart_id}"


def order_pk(order_id: str) -> str:
    return f"ORDER#{order_id}"


def voucher_pk(code: str) -> str:
    return f"VOUCHER#{code}"


def open_carts_pk(shard: int) -> str:
    return f"OPEN_CARTS#{shard}"


def open_cart_partitions() -> list[str]:
    return [open_carts_pk(shard) for shard in range(OPEN_CART_SHARDS)]


def cart_shard(cart_id: str) -> int:
    """A stable shard for a cart (ids are ULIDs: their random tail spreads carts evenly)."""
    return int(hashlib.sha256(cart_id.encode()).hexdigest()[:8], 16) % OPEN_CART_SHARDS


def carts_status_pk(status: str) -> str:
    """Partition of abandoned or ordered carts (open carts live in the OPEN_CARTS shards)."""
    return f"CARTS#{status}"


def cart_email_pk(normalised_email: str) -> str:
    """A guest's carts by the e-mail they gave (export and erasure of someone's guest carts)."""
    return f"CART_EMAIL#{normalised_email}"


def orders_status_pk(status: str) -> str:
    return f"ORDERS#{status}"


def activity_sk(kind: str, at_iso: str, item_id: str) -> str:
    """A customer's carts / orders / threads on GSI1 `CUSTOMER#<id>`: `<KIND>#<at>#<id>`."""
    return f"{kind}#{at_iso}#{item_id}"


def activity_prefix(kind: str) -> str:
    return f"{kind}#"


def time_sk(at_iso: str, item_id: str) -> str:
    return f"{at_iso}#{item_id}"


# -- customer service (threads, messages) -------------------------------------------------------
THREAD = "THREAD"
THREADS = "THREADS"
UNANSWERED = "UNANSWERED"
CS_STATS = "CS_STATS"


def thread_pk(thread_id: str) -> str:
    return f"THREAD#{thread_id}"


MESSAGE_PREFIX = "MESSAGE#"


def message_sk(received_iso: str, message_id: str) -> str:
    return f"{MESSAGE_PREFIX}{received_iso}#{message_id}"


def event_sk(at_iso: str, event_id: str) -> str:
    return f"EVENT#{at_iso}#{event_id}"


def threads_by_contact_status_pk(contact_id: str, status: str) -> str:
    return f"THREADS#{contact_id}#{status}"


def thread_email_pk(normalised_email: str) -> str:
    return f"THREAD_EMAIL#{normalised_email}"


def threads_assigned_pk(employee_id: str) -> str:
    return f"THREADS#ASSIGNED#{employee_id}"


def threads_status_pk(status: str) -> str:
    return f"THREADS#STATUS#{status}"


def threads_contact_pk(contact_id: str) -> str:
    return f"THREADS#CONTACT#{contact_id}"


THREADS_UNREAD = "THREADS#UNREAD"


def message_id_pk(message_id_hash: str) -> str:
    return f"MSGID#{message_id_hash}"


def thread_tag_pk(tag: str) -> str:
    return f"TAG#{tag}"


def stats_day_sk(day_iso: str) -> str:
    return f"DAY#{day_iso}"


UNPROCESSED = "UNPROCESSED"
MAILBOX = "MAILBOX"


def unprocessed_pk(unprocessed_id: str) -> str:
    return f"UNPROCESSED#{unprocessed_id}"


def unprocessed_from_pk(normalised_email: str) -> str:
    """GSI3 partition of the unprocessed mail from one address (a hash: the item holds no e-mail)."""
    return "UNPROCESSED_FROM#" + hashlib.sha256(normalised_email.encode()).hexdigest()


# -- privacy (consent history, suppressions, erasure jobs) ------------------------------------
ERASURES = "ERASURES"


def consent_sk(at_iso: str, channel: str, version: int) -> str:
    return f"CONSENT#{at_iso}#{channel}#{version:08d}"


def consent_prefix() -> str:
    return "CONSENT#"


def guest_consent_pk(email_hash: str) -> str:
    return f"GUEST_CONSENT#{email_hash}"


def suppression_pk(email_hash: str) -> str:
    return f"SUPPRESSION#{email_hash}"


def suppression_sk(channel: str) -> str:
    return f"CHANNEL#{channel}"


def erasure_pk(customer_id: str) -> str:
    return f"ERASURE#{customer_id}"


def erasures_status_pk(status: str) -> str:
    return f"{ERASURES}#{status}"


def account_token_activity_sk(token_hash: str) -> str:
    """An account token on GSI1 `CUSTOMER#<id>`, so erasure finds the customer's tokens."""
    return f"ACCOUNT_TOKEN#{token_hash}"


def ulid_floor(millis: int) -> str:
    """The smallest ULID minted at `millis` (ULIDs sort by creation time: ids below it are older)."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    chars = []
    value = millis
    for _ in range(10):
        chars.append(alphabet[value & 31])
        value >>= 5
    return "".join(reversed(chars)) + "0" * 16


# -- storefront access keys -------------------------------------------------------------------
STOREFRONT_KEYS = "STOREFRONT_KEYS"
STOREFRONT_KEY_SK = "KEY"


def storefront_key_pk(key_id: str) -> str:
    return f"STOREFRONT_KEY#{key_id}"
