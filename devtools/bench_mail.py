"""`make bench` (mail part): DynamoDB requests per ingested message and ingestion throughput, and
the customer-service reads (thread list page, thread view), in moto.

Counts come from botocore's events on PynamoDB's client (what DynamoDB would bill), not timings;
messages/s is moto's in-process speed, a floor for the real thing. Target from the mail-ingestion
issue: at most 4 requests for a reply to an existing thread.
"""

from __future__ import annotations

import os
import time
from email.message import EmailMessage
from typing import Any

from devtools.bench import NOW, Counter

MESSAGES = int(os.environ.get("BENCH_MAILS", "500"))


def _mail(number: int, **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"customer{number % 50}@example.com"
    message["To"] = headers.pop("To", "support@shop-example.com")
    message["Subject"] = headers.pop("subject", f"Question {number}")
    message["Message-ID"] = f"<bench-{number}@example.com>"
    for name, value in headers.items():
        message[name] = value
    message.set_content(f"Message number {number}.\n\nOn Monday, Shop wrote:\n> earlier text\n")
    return message.as_bytes()


def main() -> int:
    from moto import mock_aws

    from devtools import moto_keyed_queries, moto_transactions

    moto_transactions.install()
    moto_keyed_queries.install()
    with mock_aws():
        from chalicelib import bootstrap
        from chalicelib.core.settings import get_settings
        from chalicelib.models.base import TableRecord
        from chalicelib.support.schemas import ListThreadsParams, ReplyRequest
        from chalicelib.wiring import build_container, use_container
        from tests.fakes.mail import MemoryMailer

        bootstrap.ensure_table()
        bootstrap.ensure_bucket()
        services = build_container(get_settings(), mailer=MemoryMailer(), clock=lambda: NOW)
        use_container(services)
        services.config.seed_defaults()
        services.config.invalidate()
        services.config.settings()
        counter = Counter()
        TableRecord._get_connection().connection.client.meta.events.register(
            "after-call.dynamodb", counter.after_call
        )
        rows: list[tuple[str, dict[str, int], int]] = []

        def measure(label: str, call: Any) -> Any:
            services.config.settings()
            counter.reset()
            value = call()
            rows.append((label, dict(counter.requests), counter.items_read))
            return value

        ingestion = services.ingestion
        first = measure("new thread (no customer match)", lambda: ingestion.ingest(_mail(0), "ses"))
        measure("duplicate (same Message-ID)", lambda: ingestion.ingest(_mail(0), "imap"))
        measure(
            "reply to an existing thread (In-Reply-To)",
            lambda: ingestion.ingest(_mail(1, **{"In-Reply-To": "<bench-0@example.com>"}), "ses"),
        )
        reply = services.threads.reply(first.thread_id, ReplyRequest(message="Answer"), "EMPLOYEE")
        token_address = services.threads.reply_tokens.address("support@shop-example.com", first.thread_id)
        measure(
            "reply to an existing thread (reply token)",
            lambda: ingestion.ingest(_mail(2, To=token_address), "ses"),
        )
        measure(
            "reply to an existing thread (References)",
            lambda: ingestion.ingest(_mail(3, References=f"<x@y> {reply.message_id}"), "ses"),
        )
        started = time.monotonic()
        for number in range(10, 10 + MESSAGES):
            headers = {"In-Reply-To": "<bench-0@example.com>"} if number % 2 else {}
            ingestion.ingest(_mail(number, **headers), "imap")
        elapsed = time.monotonic() - started
        measure("thread list page (50)", lambda: services.threads.list_page(ListThreadsParams()))
        measure("thread view (marks read)", lambda: services.threads.view(first.thread_id))
        measure("next unanswered", lambda: services.threads.next_unanswered())
        use_container(None)

    print("\nMail ingestion and customer service: DynamoDB requests per operation\n")
    header = f"{'operation':<46} {'requests':<48} {'read':>5}"
    print(header)
    print("-" * len(header))
    for label, requests, read in rows:
        text = ", ".join(f"{n} {op}" for op, n in sorted(requests.items()))
        total = sum(requests.values())
        print(f"{label:<46} {text + f' (= {total})':<48} {read:>5}")
    rate = MESSAGES / elapsed
    print(f"\ningestion throughput: {rate:.0f} messages/s ({MESSAGES} messages, half of them replies; moto)")
    print("target: <= 4 requests for a reply to an existing thread")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
