"""`make bench`: DynamoDB requests and items read per customer operation, on 10,000 customers in moto.

Counts come from botocore's after-call events on PynamoDB's client, so they are what DynamoDB
would bill and throttle, not timings. Compare with DESIGN.md's access-pattern table. "read" is the
items Queries and GetItems read (a profile index's rows are its keys, ~150 bytes each), "got" the
items BatchGetItem returned (a list page's profiles, read whole after the keys: docs/keys.md,
"Projections"); read/rows is how many index rows a page's filters cost per row shown.
"""

from __future__ import annotations

import itertools
import os
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

os.environ.setdefault("CLIENTELE_STAGE", "test")
os.environ.setdefault("CLIENTELE_TABLE_NAME", "clientele-bench")
os.environ.setdefault("CLIENTELE_TOKEN_SECRET", "bench-" + "b" * 40)
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "ERROR")
for _name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ[_name] = "bench"
os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = "us-east-1"
os.environ.pop("AWS_ENDPOINT_URL", None)

from moto import mock_aws  # noqa: E402

CUSTOMERS = int(os.environ.get("BENCH_CUSTOMERS", "10000"))
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
FIRST = [
    "Ana",
    "Álvaro",
    "María José",
    "Élodie",
    "Zoe",
    "Jürgen",
    "Ñuria",
    "Bob",
    "Chloé",
    "Iñigo",
    "Lucía",
    "Marc",
    "Olivia",
    "Hélène",
    "Pablo",
    "Sofía",
    "Tomás",
    "Amélie",
    "Noah",
    "Inés",
]
LAST = [
    "García",
    "Álvarez",
    "Berg",
    "Núñez",
    "Martin",
    "de la Cruz",
    "Dubois",
    "Müller",
    "López",
    "Ólafsson",
    "Smith",
    "Fernández",
    "Lefèvre",
    "Zimmer",
    "Pérez",
    "Moreau",
    "Brown",
    "Sánchez",
]


@dataclass
class Counter:
    requests: dict[str, int] = field(default_factory=dict)
    items_read: int = 0
    items_got: int = 0

    def reset(self) -> None:
        self.requests, self.items_read, self.items_got = {}, 0, 0

    def after_call(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        name = model.name
        self.requests[name] = self.requests.get(name, 0) + 1
        if name in ("Query", "Scan"):
            self.items_read += int(parsed.get("ScannedCount", 0))
        elif name == "GetItem":
            self.items_read += 1 if parsed.get("Item") else 0
        elif name == "BatchGetItem":
            got = sum(len(v) for v in parsed.get("Responses", {}).values())
            self.items_read += got  # every item read, as the other benches count them
            self.items_got += got


def seed(rng: random.Random) -> list[str]:
    from chalicelib.core.text import normalise_email
    from chalicelib.customers.domain import Connection, Customer
    from chalicelib.customers.mapping import to_record
    from chalicelib.customers.repository import DynamoCustomerRepository
    from chalicelib.customers.write_items import membership_record
    from chalicelib.models import keys
    from chalicelib.models.base import TableRecord
    from chalicelib.models.customers import EmailRecord
    from chalicelib.shop.domain import ConfigEntry
    from chalicelib.shop.repository import DynamoConfigRepository

    DynamoConfigRepository().put_entry(ConfigEntry("GROUP", "vip", {"name": "VIP"}))
    ids = []
    with TableRecord.batch_write() as batch:
        for number in range(CUSTOMERS):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            registered = NOW - timedelta(days=rng.randint(0, 5 * 365), seconds=rng.randint(0, 86400))
            groups = ("customer", "vip") if rng.random() < 0.1 else ("customer",)
            customer = Customer(
                id=f"01BENCH{number:019d}",
                email=f"{first[:3].lower()}.{number}@example.com",
                first_name=first,
                last_name=last,
                registered_at=registered,
                created_at=registered,
                updated_at=registered,
                birthday=date(rng.randint(1940, 2008), rng.randint(1, 12), rng.randint(1, 28))
                if rng.random() < 0.8
                else None,
                last_visit_at=registered + timedelta(days=rng.randint(0, 300))
                if rng.random() < 0.7
                else None,
                newsletter=rng.random() < 0.3,
                optin=rng.random() < 0.1,
                is_guest=rng.random() < 0.08,
                enabled=rng.random() > 0.05,
                approved=rng.random() > 0.02,
                group_ids=groups,
                default_group_id="customer",
                version=1,
            )
            record = to_record(customer)
            record.version = 1
            batch.save(record)
            batch.save(
                EmailRecord(
                    keys.email_pk(normalise_email(customer.email)), keys.email_sk(), customer_id=customer.id
                )
            )
            for group_id in groups:
                batch.save(membership_record(customer, group_id))
            ids.append(customer.id)
    from chalicelib.addresses.domain import Address, address_id
    from chalicelib.addresses.records import to_address_record as address_record

    countries = ["ES", "FR", "DE", "IT", "PT", "BE", "NL", "GB", "US", "MX"]
    with TableRecord.batch_write() as batch:
        for number, customer_id in enumerate(ids):
            for copy in range(1 + number % 3):
                batch.save(
                    address_record(
                        Address(
                            id=address_id(customer_id, f"01ADDR{number:08d}{copy}"),
                            customer_id=customer_id,
                            first_name=rng.choice(FIRST),
                            last_name=rng.choice(LAST),
                            address1=f"{rng.randint(1, 200)} Main Street",
                            postcode=f"{rng.randint(1000, 99999):05d}",
                            city=rng.choice(["Madrid", "Paris", "Lyon", "Berlin", "Porto", "Sevilla"]),
                            country=rng.choice(countries),
                            created_at=NOW,
                            updated_at=NOW,
                        )
                    )
                )
    repository = DynamoCustomerRepository()
    for number in range(0, CUSTOMERS, 10):
        ip = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
        repository.add_connection(ids[number], Connection(at=NOW - timedelta(minutes=number), ip=ip))
    return ids


@dataclass
class Row:
    operation: str
    pattern: str
    expected: str
    requests: dict[str, int]
    items_read: int
    items_got: int
    returned: int


def main() -> int:
    from devtools import moto_keyed_queries, moto_transactions

    moto_transactions.install()
    moto_keyed_queries.install()
    rng = random.Random(20261125)
    with mock_aws():
        from chalicelib import bootstrap
        from chalicelib.core.settings import get_settings
        from chalicelib.customers.schemas import CreateCustomerRequest, ListCustomersParams
        from chalicelib.models.base import TableRecord
        from chalicelib.wiring import build_container, use_container

        bootstrap.ensure_table()
        services = build_container(get_settings())
        use_container(services)
        services.config.seed_defaults()
        print(f"seeding {CUSTOMERS} customers into moto ...", file=sys.stderr)
        ids = seed(rng)
        counter = Counter()
        TableRecord._get_connection().connection.client.meta.events.register(
            "after-call.dynamodb", counter.after_call
        )
        customers = services.customers
        services.config.settings()  # configuration is cached per process: measure the operations
        rows: list[Row] = []

        def measure(operation: str, pattern: str, expected: str, call: Callable[[], int]) -> None:
            # Steady state: the shop configuration is in the per-process cache, as on a warm Lambda.
            services.config.invalidate()
            services.config.settings()
            counter.reset()
            returned = call()
            rows.append(
                Row(
                    operation,
                    pattern,
                    expected,
                    dict(counter.requests),
                    counter.items_read - counter.items_got,
                    counter.items_got,
                    returned,
                )
            )

        target = ids[len(ids) // 2]
        measure("get customer", "#1", "1 Query", lambda: 1 if customers.get(target) else 0)
        measure("customer view", "#3", "1 Query", lambda: 1 if customers.view(target) else 0)
        measure(
            "create customer",
            "#2 (uniqueness)",
            "1 TransactWriteItems",
            lambda: (
                1
                if customers.create(
                    CreateCustomerRequest(first_name="Bench", last_name="Mark", email="bench.new@example.com")
                )
                else 0
            ),
        )

        def page(**params: Any) -> Callable[[], int]:
            return lambda: len(customers.list_page(ListCustomersParams(**params))[0])

        for sort in ("id", "registered_at", "last_visit_at", "last_name", "first_name", "email", "age"):
            for prefix in ("", "-"):
                measure(
                    f"list page sort={prefix}{sort}",
                    "#5",
                    "1 Query + 1 BatchGet",
                    page(sort=f"{prefix}{sort}"),
                )
        singles: list[tuple[str, dict[str, Any]]] = [
            ("newsletter=1", {"newsletter": "1"}),
            ("optin=1", {"optin": "1"}),
            ("enabled=0", {"enabled": "0"}),
            ("is_guest=1", {"is_guest": "1"}),
            ("status=pending_approval", {"status": "pending_approval"}),
            ("group_id=vip", {"group_id": "vip"}),
            ("last_name=gar", {"last_name": "gar"}),
            ("first_name=mar", {"first_name": "mar"}),
            ("email=ana.1", {"email": "ana.1"}),
            ("registered_from=2026-01-01", {"registered_from": "2026-01-01"}),
            ("age_min=30&age_max=40", {"age_min": 30, "age_max": 40}),
        ]
        flags = ("status", "enabled", "newsletter", "optin", "is_guest")
        for label, params in singles:
            # A flag filter reads each matching partition of the flags index (docs/keys.md).
            if set(params) & set(flags):
                expected = "1 Query a partition + 1 BatchGet"
            else:
                expected = "1 Query, reads ≈ rows" if "group_id" in params else "1 Query + 1 BatchGet"
            measure(f"filtered page {label}", "#6", expected, page(**params))
        # Every two-flag combination the back office offers, each flag at its rarer value (the
        # hardest case for a row-by-row check), then combinations with other filters and sorts.
        rare = {
            "enabled": "0",
            "newsletter": "1",
            "optin": "1",
            "is_guest": "1",
            "status": "pending_approval",
        }
        pairs = [
            (f"{a}={rare[a]}&{b}={rare[b]}", {a: rare[a], b: rare[b]})
            for a, b in itertools.combinations(rare, 2)
        ]
        combined: list[tuple[str, dict[str, Any]]] = [
            *pairs,
            ("group_id=vip&newsletter=1", {"group_id": "vip", "newsletter": "1"}),
            ("newsletter=1&sort=last_name", {"newsletter": "1", "sort": "last_name"}),
            ("last_name=gar&is_guest=1", {"last_name": "gar", "is_guest": "1"}),
        ]
        for label, params in combined:
            measure(f"combined filters {label}", "#5+#6", "report", page(**params))

        # A factory per measured call, like page(): each call binds its own arguments (a lambda
        # in the loop would see the last ones; one with default arguments has no type for mypy).
        def search(q: str, by: str) -> Callable[[], int]:
            return lambda: len(customers.search(q, by, 50))

        for label, (q, by) in {
            "search by=name q=mar": ("mar", "name"),
            "search by=name q='ana garcia'": ("ana garcia", "name"),
            "search by=all q=ana.1": ("ana.1", "all"),
            "search by=ip q=10.": ("10.", "ip"),
        }.items():
            measure(label, "#7", "1-3 Queries + 1 BatchGet", search(q, by))
        addresses, groups = services.addresses, services.groups
        from chalicelib.addresses.schemas import ListAddressesParams

        def address_page(**params: Any) -> Callable[[], int]:
            return lambda: len(addresses.list_page(ListAddressesParams(**params))[0])

        measure(
            "addresses of a customer",
            "#3 (collection)",
            "1 Query",
            lambda: len(addresses.for_customer(ids[5], 50, None)[0]),
        )
        for label, params in {
            "address page (no filter)": {},
            "address page country=ES": {"country": "ES"},
            "address page postcode=280": {"postcode": "280"},
            "address page city=par": {"city": "par"},
            "address page last_name=gar": {"last_name": "gar"},
        }.items():
            measure(
                label,
                "addresses",
                "1 Query",
                address_page(**params),
            )
        measure("group members page (vip)", "#8", "1 Query", lambda: len(groups.members("vip", 50, None)[0]))
        measure(
            "pricing for a customer + category",
            "#1 + #13 (cached)",
            "1 GetItem",
            lambda: 1 if groups.pricing(ids[7], "shoes") else 0,
        )
        use_container(None)

    print(f"\nDynamoDB requests and items read per operation ({CUSTOMERS:,} customers, page size 50)\n")
    header = (
        f"{'operation':<56} {'pattern':<18} {'expected':<34} {'requests':<28} "
        f"{'read':>5} {'got':>5} {'rows':>5} {'read/rows':>9}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        requests = ", ".join(f"{n} {op}" for op, n in sorted(row.requests.items()))
        ratio = f"{row.items_read / row.returned:.2f}" if row.returned else "-"
        print(
            f"{row.operation:<56} {row.pattern:<18} {row.expected:<34} {requests:<28} "
            f"{row.items_read:>5} {row.items_got:>5} {row.returned:>5} {ratio:>9}"
        )
    print(
        "\nEvery HTTP call also does 1 GetItem for the employee behind the token (pattern #15);"
        "\nshop configuration is one cached Query (#13). Create also reads nothing before writing."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
