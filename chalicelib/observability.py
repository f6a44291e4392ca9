"""Logger, tracer and metrics shared by every layer (Powertools).

Logs are structured and never carry PII: log ids and counts, not e-mails, names or tokens.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger(service="clientele")
tracer = Tracer(service="clientele")
metrics = Metrics(namespace="Clientele", service="clientele")
