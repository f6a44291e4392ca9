"""Storefront access key contracts (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from chalicelib.core.schemas import ItemsResponse, RequestModel, ResponseModel


class CreateStorefrontKeyRequest(RequestModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class StorefrontKeyResponse(ResponseModel):
    id: str
    name: str
    created_at: datetime
    revoked_at: datetime | None = None
    status: str  # active | revoked


class CreatedStorefrontKeyResponse(StorefrontKeyResponse):
    key: str  # shown once: only its hash is stored


class StorefrontKeyListResponse(ItemsResponse[StorefrontKeyResponse]):
    pass
