"""Customer persistence shapes."""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    VersionAttribute,
)

from chalicelib.models.base import TableRecord

# The profile's indexes (see CustomerRecord's key design): its seven sort orders and its flags,
# each holding profiles only, keys only (models/base.py PROFILE_INDEXES).
BY_ID = 11
BY_REGISTRATION = 12
BY_LAST_VISIT = 13
BY_LAST_NAME = 14
BY_FIRST_NAME = 15
BY_EMAIL = 16
BY_BIRTHDAY = 17
CUSTOMER_FLAGS_INDEX = 18


class CustomerRecord(TableRecord, discriminator="CUSTOMER"):
    """A customer's profile, the head of the customer's item collection.

    Key design:
      PK = CUSTOMER#<id>  SK = PROFILE                      → #1 customer by id (GetItem);
                                                            #3 view: Query PK (profile, GROUP#, ADDRESS#,
                                                            CONNECTION# items) in one request.
      GSI11 CUSTOMERS / <id>                                → #5 list sorted by id
      GSI12 CUSTOMERS / <registered_at>#<id>                → #5 sort registration; registered_from/to
      GSI13 CUSTOMERS / <last_visit_at|!>#<id>              → #5 sort last visit; last_visit_from/to
      GSI14 CUSTOMERS / <fold(last)>·<fold(first)>·<id>     → #5 sort last name; #7 name search (prefix)
      GSI15 CUSTOMERS / <fold(first)>·<fold(last)>·<id>     → sort first name; #7 name search (prefix)
      GSI16 CUSTOMERS / <email>#<id>                        → #5 sort e-mail; #7 e-mail search (prefix)
      GSI17 CUSTOMERS / <birthday|!>#<id>                   → sort age; age_min/age_max
      GSI18 CUSTOMERS#FLAGS#<approved><enabled><newsletter><optin><guest> / <id>
                                                            → #6 every flag filter (status, enabled,
                                                            newsletter, optin, guest) and any mix of
                                                            them: the matching combinations' partitions,
                                                            merged in id order; retention (guests)
    These eight indexes hold profiles only and project their keys (+ entity_type, PynamoDB's
    discriminator; the sort orders also GSI18PK, so a flag filter is checked on their rows): a list
    or search page reads the keys of its rows and BatchGets the profiles (one BatchGetItem for a
    page of up to 100), so a profile write puts a ~150-byte index item (1 unit) in each instead of a
    copy of the whole profile, and an update that moves no key or flag writes no index item. The
    overloaded GSI1-GSI9 (addresses, carts, orders, threads ... read whole from them) keep ALL and
    hold no profile (docs/keys.md, "Projections").
    What no list shows (the private note, the password hash, consents, import provenance, the
    session generation) is the CustomerPrivateRecord beside it, written only with the profile.

    Write-rate argument for the constant CUSTOMERS partitions: one index partition absorbs about
    1,000 writes/s. Profile writes come from registrations, back-office edits, logins (last visit)
    and imports; a shop reaching 1,000 of those per second is far beyond this product's target, and
    the CSV importer paces its writes below that rate. A throttled index write back-pressures the
    base write (ProvisionedThroughputExceeded → 503, retried by the client), it never corrupts.
    If a shop ever needs more, shard the partition (CUSTOMERS#<n>) and merge n queries per page.
    """

    customer_id = UnicodeAttribute()
    email = UnicodeAttribute()
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    title_id = UnicodeAttribute(null=True)
    birthday = UnicodeAttribute(null=True)
    enabled = BooleanAttribute(default=True)
    approved = BooleanAttribute(default=True)
    newsletter = BooleanAttribute(default=False)
    optin = BooleanAttribute(default=False)
    is_guest = BooleanAttribute(default=False)
    language = UnicodeAttribute(default="en")
    group_ids = ListAttribute(of=UnicodeAttribute, default=list)
    default_group_id = UnicodeAttribute(null=True)
    registered_at = UnicodeAttribute()
    last_visit_at = UnicodeAttribute(null=True)
    merchant_ref = UnicodeAttribute(null=True)
    b2b = JSONAttribute(null=True)
    orders_count = NumberAttribute(default=0)
    total_spent = UnicodeAttribute(default="0.00")
    last_order_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()
    # A profile written before the private part had its own item still holds it here: read as
    # the private part until the profile's next write moves it (docs/keys.md, migration). Such a
    # profile also holds `email_normalised` and `status`, which nothing read (the index keys hold
    # the normalised e-mail; the status derives from approved and enabled): no longer written.
    note = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    password_pending = UnicodeAttribute(null=True)
    session_generation = NumberAttribute(null=True)
    consents = JSONAttribute(null=True)
    import_rows = JSONAttribute(null=True)


class CustomerPrivateRecord(TableRecord, discriminator="CUSTOMER_PRIVATE"):
    """The part of a customer's profile that no list shows.

    Key design:
      PK = CUSTOMER#<id>  SK = PROFILE#PRIVATE  → read with the profile: #1 is a Query of PK with
        SK begins_with PROFILE (one request, both items), #3's view Query has it anyway. In no
        index: a field kept here is not on the item every list page BatchGets, and an index never
        held the password hash or the note. Written in the
        profile's transactions (the profile's version guards both), deleted with the collection.
    """

    customer_id = UnicodeAttribute()
    note = UnicodeAttribute(null=True)
    password_hash = UnicodeAttribute(null=True)
    # An import's "<import id>:<line>" while its password waits for a password worker.
    password_pending = UnicodeAttribute(null=True)
    session_generation = NumberAttribute(default=0)
    consents = JSONAttribute(null=True)
    import_rows = JSONAttribute(null=True)


class EmailRecord(TableRecord, discriminator="CUSTOMER_EMAIL"):
    """Uniqueness guard and lookup for a customer's e-mail.

    Key design:
      PK = EMAIL#<normalised email>  SK = EMAIL  → #2 customer by e-mail (GetItem); created, moved
      and deleted in the same transaction as the profile, so two customers never share an e-mail.
      `blocked` marks an e-mail kept after a delete with allow_reregistration=false.
    """

    customer_id = UnicodeAttribute(null=True)
    blocked = BooleanAttribute(default=False)


class CustomerRefRecord(TableRecord, discriminator="CUSTOMER_REF"):
    """Uniqueness guard and lookup for a customer's reference in the system the shop came from
    (`merchant_ref`: PrestaShop's customer id, kept by the import as its "force ID").

    Key design:
      PK = CUSTOMER_REF#<merchant ref>  SK = REF  → customer by source id (BatchGetItem per import
      batch, before the e-mail); written, moved and deleted in the same transaction as the profile,
      so two customers never share a reference. Holds no personal data: an id of another system
      and our customer id (so the personal-data export has nothing to list from it).
    """

    customer_id = UnicodeAttribute()


class GroupMembershipRecord(TableRecord, discriminator="GROUP_MEMBER"):
    """A customer's membership of a group, carrying the customer's list summary.

    Key design:
      PK = CUSTOMER#<customer id>  SK = GROUP#<group id>  → #8 a customer's groups (in the view Query)
      GSI1 GROUP#<group id> / <customer id>               → #8 group members; #6 list filter group_id
    The summary is rewritten in the same transaction as every profile change, so a members page is
    one Query with no read of the profiles.
    """

    customer_id = UnicodeAttribute()
    group_id = UnicodeAttribute()
    summary = JSONAttribute()


class ConnectionRecord(TableRecord, discriminator="CONNECTION"):
    """One storefront sign-in (the view's "last connections", IP search).

    Key design:
      PK = CUSTOMER#<customer id>  SK = CONNECTION#<at>#<id>  → in the view Query (newest last)
      GSI4 CONNECTIONS / <ip>#<at>#<customer id>              → #7 search by IP prefix
    Write-rate argument for the constant CONNECTIONS partition: one write per login; a shop
    with 1,000 logins/s is beyond the target. Old connections expire through TTL (expires_at).
    """

    customer_id = UnicodeAttribute()
    ip = UnicodeAttribute()
    at = UnicodeAttribute()
    user_agent = UnicodeAttribute(null=True)


class AccountTokenRecord(TableRecord, discriminator="ACCOUNT_TOKEN"):
    """A single-use account link token (password reset, set password after guest conversion).

    Key design:
      PK = ACCOUNT_TOKEN#<scope>#<sha256(token)>  SK = TOKEN  → #15 (GetItem). The scope is the flow
      that accepts the token (password: reset and set_password; verify_email; erase), so a token
      minted for one flow is not found by another. Only the hash is stored;
      consumed by a conditional delete in the same transaction as the password change, so a token
      works once. `valid_until` is checked on read (TTL deletion can lag by days); expires_at lets
      DynamoDB clean up.
    """

    customer_id = UnicodeAttribute()
    purpose = UnicodeAttribute()
    valid_until = UnicodeAttribute()
    # verify_email links: the (normalised) address of the pending registration they confirm.
    email = UnicodeAttribute(null=True)


class PendingRegistrationRecord(TableRecord, discriminator="PENDING_REGISTRATION"):
    """A registration waiting for the link mailed to its address (issue 16 §1.1).

    Key design:
      PK = PENDING_REGISTRATION#<normalised email>  SK = REGISTRATION  → GetItem by address (the
      verify link's token item names the address; sign-in reads it for EmailNotVerified).
      One per address: written with a condition (absent, or requested over 10 minutes ago), so
      however often someone registers with an address it gets at most one mail per 10 minutes —
      the condition decides, not a read before the write. Holds the password's hash only; expires
      through TTL a day after the link does. Joins the personal-data export and the erasure.
    """

    customer_id = UnicodeAttribute()
    token_hash = UnicodeAttribute()
    password_hash = UnicodeAttribute()
    profile = JSONAttribute()
    guest = BooleanAttribute(default=False)
    requested_at = UnicodeAttribute()
    valid_until = UnicodeAttribute()


class SentMailRecord(TableRecord, discriminator="SENT_MAIL"):
    """Proof that the mail for one event was sent (or is being sent).

    Key design:
      PK = SENT_MAIL#<sha256(event key)>  SK = MAIL  → GetItem / conditional put. Claimed before the
      send so a retried request or a redelivered event never mails twice; released if the send fails.
    """

    status = UnicodeAttribute()
    at = UnicodeAttribute()


class ResetRequestRecord(TableRecord, discriminator="RESET_REQUEST"):
    """A forgot-password request waiting for the worker (issue 16 §1.6: the route only queues,
    for known and unknown addresses alike, so its timing says nothing about the account).

    Key design:
      PK = OUTBOX#PASSWORD_RESET  SK = <requested_at>#<request id>  → PutItem from the route; the
        worker Queries it oldest first, mails, then deletes each item. Normally (nearly) empty; the
        route's per-address throttle and the edge's per-IP rate keep writes far below ~1,000/s.
        TTL (a day) removes what a broken worker never took: the e-mail is not kept.
    """

    request_id = UnicodeAttribute()
    email = UnicodeAttribute()
    requested_at = UnicodeAttribute()


class AddressRecord(TableRecord, discriminator="ADDRESS"):
    """A customer's address, in the customer's item collection.

    Key design:
      PK = CUSTOMER#<customer id>  SK = ADDRESS#<address id>  → GetItem by id (the id embeds the
        customer id); a customer's addresses come with the view Query (#3).
      GSI2  ADDRESSES / <address id>                        → all addresses, newest last
      GSI4  ADDRESSES / <fold(last)>·<fold(first)>·<id>     → last_name filter (prefix)
      GSI5  ADDRESSES / <postcode>·<id>                     → postcode filter (prefix)
      GSI6  ADDRESSES / <fold(city)>·<id>                   → city filter (prefix)
      GSI7  ADDRESSES#COUNTRY#<CC> / <id>                   → country filter
    The ADDRESSES partitions take address writes (customers' edits, imports): far below ~1,000/s.
    """

    address_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    alias = UnicodeAttribute()
    company = UnicodeAttribute(null=True)
    first_name = UnicodeAttribute()
    last_name = UnicodeAttribute()
    vat_number = UnicodeAttribute(null=True)
    dni = UnicodeAttribute(null=True)
    address1 = UnicodeAttribute()
    address2 = UnicodeAttribute(null=True)
    postcode = UnicodeAttribute(null=True)
    city = UnicodeAttribute()
    state = UnicodeAttribute(null=True)
    country = UnicodeAttribute()
    phone = UnicodeAttribute(null=True)
    phone_mobile = UnicodeAttribute(null=True)
    other = UnicodeAttribute(null=True)
    merchant_ref = UnicodeAttribute(null=True)
    order_count = NumberAttribute(default=0)
    deleted = BooleanAttribute(default=False)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()


class GuestConsentRecord(TableRecord, discriminator="GUEST_CONSENT"):
    """A guest's confirmed consent to a mail channel (double opt-in), for an address with no account.

    Key design:
      PK = GUEST_CONSENT#<sha256(normalised e-mail)>  SK = CHANNEL#<channel>  → GetItem before a
        guest cart's reminder (none without it: issue 16 §2.2); conditional put when the owner
        confirms the link; the personal-data export reads it and erasure deletes it by the
        customer's e-mail. Only the address's hash is stored.
    """

    channel = UnicodeAttribute()
    source = UnicodeAttribute()
    at = UnicodeAttribute()


class ConsentRecord(TableRecord, discriminator="CONSENT"):
    """One change of a customer's consent to a mail channel (the consent history).

    Key design:
      PK = CUSTOMER#<customer id>  SK = CONSENT#<at>#<channel>#<profile version>
        → the history, oldest first (Query begins_with CONSENT#), written in the same transaction
        as the profile change that moved the channel; the current state is on the profile.
    """

    customer_id = UnicodeAttribute()
    channel = UnicodeAttribute()
    state = UnicodeAttribute()
    level = UnicodeAttribute()
    source = UnicodeAttribute()
    at = UnicodeAttribute()


class SuppressionRecord(TableRecord, discriminator="SUPPRESSION"):
    """An address that unsubscribed from a channel without being a customer (guest cart reminders).

    Key design:
      PK = SUPPRESSION#<sha256(normalised e-mail)>  SK = CHANNEL#<channel>  → GetItem before a guest
        reminder. Only the hash is kept, so the list honours the opt-out without holding the address.
    """

    source = UnicodeAttribute()
    at = UnicodeAttribute()


class ErasureRecord(TableRecord, discriminator="ERASURE"):
    """An erasure job, resumable step by step, and afterwards its audit record (no PII).

    Key design:
      PK = ERASURE#<customer id>  SK = JOB  → one job per customer (GetItem; created conditionally,
        so a second request joins the first); version-checked checkpoints.
      GSI1 ERASURES / <started_at>#<customer id>           → the audit list, newest first
      GSI2 ERASURES#<running|done> / <started_at>#<customer id> → unfinished jobs the cleanup resumes
    Write-rate argument: a few erasures a day; the constant ERASURES partitions stay far below
    1,000 writes/s.
    """

    customer_id = UnicodeAttribute()
    requested_by = UnicodeAttribute()
    started_at = UnicodeAttribute()
    step = UnicodeAttribute()
    position = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)
    items_changed = NumberAttribute(default=0)
    version = VersionAttribute()
