"""The forgot-password outbox in DynamoDB (ResetRequestRecord): queued by the route, drained by
the password-reset worker."""

from __future__ import annotations

from datetime import timedelta

from chalicelib.core.clock import iso, parse_iso
from chalicelib.customers.domain import ResetRequest
from chalicelib.models import keys
from chalicelib.models.customers import ResetRequestRecord
from chalicelib.models.errors import dynamo_errors

# A request the worker never took is forgotten (TTL): the mail it owed would be stale anyway.
KEPT = timedelta(days=1)


class DynamoResetRequestQueue:
    def put(self, request: ResetRequest) -> None:
        at = iso(request.requested_at)
        record = ResetRequestRecord(
            keys.RESET_REQUESTS,
            keys.reset_request_sk(at, request.id),
            request_id=request.id,
            email=request.email,
            requested_at=at,
            expires_at=request.requested_at + KEPT,
        )
        with dynamo_errors():
            record.save()

    def oldest(self, limit: int) -> list[ResetRequest]:
        with dynamo_errors():
            return [
                ResetRequest(r.request_id, r.email, parse_iso(r.requested_at))
                for r in ResetRequestRecord.query(keys.RESET_REQUESTS, limit=limit)
            ]

    def delete(self, request: ResetRequest) -> None:
        record = ResetRequestRecord(
            keys.RESET_REQUESTS, keys.reset_request_sk(iso(request.requested_at), request.id)
        )
        with dynamo_errors():
            record.delete()
