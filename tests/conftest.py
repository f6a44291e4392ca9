"""Test environment: set before anything imports chalicelib (settings and models read it once)."""

from __future__ import annotations

import os

os.environ.update(
    {
        "CLIENTELE_STAGE": "test",
        "CLIENTELE_TABLE_NAME": "clientele-test",
        "CLIENTELE_BUCKET_NAME": "clientele-test",
        "CLIENTELE_TOKEN_SECRET": "test-secret-" + "x" * 40,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "POWERTOOLS_METRICS_NAMESPACE": "ClienteleTest",
        "POWERTOOLS_SERVICE_NAME": "clientele",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }
)
for name in (
    "AWS_ENDPOINT_URL",
    "AWS_PROFILE",
    "CLIENTELE_ADMIN_EMAIL",
    "CLIENTELE_ADMIN_PASSWORD",
):
    os.environ.pop(name, None)

# moto deep-copies the whole table for every transaction item; this keeps its all-or-nothing
# behaviour at the cost of the items touched (see devtools/moto_transactions.py).
# moto also sorts the whole table for every Query; the keyed patch reads the query's partition.
from devtools import moto_keyed_queries, moto_transactions  # noqa: E402

moto_transactions.install()
moto_keyed_queries.install()
