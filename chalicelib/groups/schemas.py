"""Response shapes of the customer-group routes that are the groups feature's own (group members)."""

from __future__ import annotations

from chalicelib.core.schemas import ListResponse
from chalicelib.customers.schemas import (
    CustomerResponse,
)


class MemberListResponse(ListResponse[CustomerResponse]):
    pass
