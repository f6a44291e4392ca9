"""Concrete list envelopes (named, so the OpenAPI document shows them)."""

from __future__ import annotations

from chalicelib.schemas.common import ListResponse, ResponseModel
from chalicelib.schemas.config import PublicTitleResponse, TitleResponse
from chalicelib.schemas.customers import CustomerResponse, SearchResultResponse
from chalicelib.schemas.staff import EmployeeResponse


class CustomerListResponse(ListResponse[CustomerResponse]):
    pass


class EmployeeListResponse(ListResponse[EmployeeResponse]):
    pass


class SearchResponse(ResponseModel):
    items: list[SearchResultResponse]


class TitleListResponse(ResponseModel):
    items: list[TitleResponse]


class PublicTitleListResponse(ResponseModel):
    items: list[PublicTitleResponse]
