"""What each Lambda function may touch: the least-privilege grants, by Chalice function name.

A function the app declares but this table doesn't name gets `DEFAULT_ACCESS` (the table and the
token key, nothing in the bucket, no mail): add its entry here when it needs more.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.imports.domain import (
    EXPORT_PREFIX,
    IMPORT_PREFIX,
    PASSWORD_CHUNK_PREFIX,
    REPORT_PREFIX,
    WORKER_FUNCTION,
)
from chalicelib.support.attachments import ATTACHMENT_PREFIX
from chalicelib.support.ingestion import UNPROCESSED_PREFIX

# Where SES writes received mail (the receipt rule's S3 action); the inbound-mail handler reads it.
INBOUND_PREFIX = "inbound/"

API_HANDLER = "api_handler"


@dataclass(frozen=True)
class Access:
    # Every function builds the container, which reads the token key and uses the table.
    table_write: bool = True
    read_prefixes: tuple[str, ...] = ()
    write_prefixes: tuple[str, ...] = ()
    # Objects under these prefixes may be listed and deleted (erasure removes a thread's attachments).
    delete_prefixes: tuple[str, ...] = ()
    send_mail: bool = False
    imap_password: bool = False
    imap_password_write: bool = False
    # The PrestaShop cookie key (imported MD5 hashes): sign-in reads it, the import asks whether it
    # is set, PATCH /admin/settings writes it.
    cookie_key: bool = False
    cookie_key_write: bool = False
    # The value CloudFront puts in X-Clientele-Origin-Verify: only the API checks it, on each request.
    origin_secret: bool = False


DEFAULT_ACCESS = Access()

ACCESS: dict[str, Access] = {
    # Routes: presigned PUT for imports/, export request markers, inline imports' reports, presigned
    # GET for reports/ and exports/, account and approval mails.
    # Customer service: contact-form attachments (write), presigned GET of attachments and raw
    # copies of unprocessed mail, retrying an unprocessed message (read the raw copy, write its
    # attachments), the mailbox password (write-only). Erasure (POST /admin/customers/{id}/erase,
    # /store/erase/confirm) deletes attachments; the personal-data export presigns GETs of them.
    API_HANDLER: Access(
        read_prefixes=(REPORT_PREFIX, EXPORT_PREFIX, ATTACHMENT_PREFIX, UNPROCESSED_PREFIX, INBOUND_PREFIX),
        # Inline imports hand their plaintext passwords to the password workers too.
        write_prefixes=(
            IMPORT_PREFIX,
            EXPORT_PREFIX,
            REPORT_PREFIX,
            ATTACHMENT_PREFIX,
            UNPROCESSED_PREFIX,
            PASSWORD_CHUNK_PREFIX,
        ),
        delete_prefixes=(ATTACHMENT_PREFIX,),
        send_mail=True,
        imap_password=True,
        imap_password_write=True,
        cookie_key=True,
        cookie_key_write=True,
        origin_secret=True,
    ),
    # Reads the uploaded CSV, writes continuation and invitation markers, the error report and
    # password chunks; mails the set-password invitations of `passwords: invite` (one marker's
    # event at a time).
    "import_uploaded": Access(
        read_prefixes=(IMPORT_PREFIX,),
        write_prefixes=(IMPORT_PREFIX, REPORT_PREFIX, PASSWORD_CHUNK_PREFIX),
        send_mail=True,
        cookie_key=True,
    ),
    # Also hands a lost password chunk out again (reads and rewrites it) or gives up on it (deletes).
    "import-watchdog": Access(
        read_prefixes=(IMPORT_PREFIX, PASSWORD_CHUNK_PREFIX),
        write_prefixes=(IMPORT_PREFIX, REPORT_PREFIX, PASSWORD_CHUNK_PREFIX),
        delete_prefixes=(PASSWORD_CHUNK_PREFIX,),
    ),
    # Reads a chunk of plaintext passwords, writes the hashes (table), deletes the chunk. Nothing
    # else in the bucket: not the merchants' uploaded files.
    WORKER_FUNCTION: Access(read_prefixes=(PASSWORD_CHUNK_PREFIX,), delete_prefixes=(PASSWORD_CHUNK_PREFIX,)),
    # Reads the request marker, writes the CSV beside it.
    "export_requested": Access(read_prefixes=(EXPORT_PREFIX,), write_prefixes=(EXPORT_PREFIX,)),
    # Announced handlers (carts, customer service): ready for when the app declares them.
    "abandoned-cart-sweep": Access(send_mail=True),
    # Looks the queued forgot-password requests' accounts up and mails the reset links.
    "password-reset-outbox": Access(send_mail=True),
    "mail-poll": Access(write_prefixes=(ATTACHMENT_PREFIX, UNPROCESSED_PREFIX), imap_password=True),
    # Reads what SES stored, writes attachments (an unprocessed message keeps its inbound/ copy).
    "inbound_mail": Access(read_prefixes=(INBOUND_PREFIX,), write_prefixes=(ATTACHMENT_PREFIX,)),
    # Resumes erasures and erases old guests (their threads' attachments), and forgets old
    # unprocessed mail (its raw copy under unprocessed/ or inbound/). Sends no mail.
    "retention-cleanup": Access(delete_prefixes=(ATTACHMENT_PREFIX, UNPROCESSED_PREFIX, INBOUND_PREFIX)),
}


def access_for(function_name: str) -> Access:
    return ACCESS.get(function_name, DEFAULT_ACCESS)
