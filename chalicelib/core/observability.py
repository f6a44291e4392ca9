"""Logger, tracer and metrics shared by every layer (Powertools).

Logs are structured and never carry PII: log ids and counts, not e-mails, names or tokens.
"""

from __future__ import annotations

import warnings

from aws_lambda_powertools import Logger, Metrics, Tracer

# An invocation that records no metric is normal here (reads, most events); Powertools warns on
# every such flush, which would bury real log lines.
warnings.filterwarnings("ignore", message="No application metrics to publish", category=UserWarning)

logger = Logger(service="clientele")
tracer = Tracer(service="clientele")
metrics = Metrics(namespace="Clientele", service="clientele")
