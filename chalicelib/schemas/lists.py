"""Concrete list envelopes (named, so the OpenAPI document shows them)."""

from __future__ import annotations

from chalicelib.core.schemas import ListResponse, ResponseModel
from chalicelib.customers.schemas import CustomerResponse, SearchResultResponse
from chalicelib.shop.schemas import (
    ContactResponse,
    GroupResponse,
    OrderMessageResponse,
    PublicContactResponse,
    PublicTitleResponse,
    TitleResponse,
)
from chalicelib.staff.schemas import EmployeeResponse


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


class GroupListResponse(ResponseModel):
    items: list[GroupResponse]


class ContactListResponse(ResponseModel):
    items: list[ContactResponse]


class PublicContactListResponse(ResponseModel):
    items: list[PublicContactResponse]


class OrderMessageListResponse(ResponseModel):
    items: list[OrderMessageResponse]


class MemberListResponse(ListResponse[CustomerResponse]):
    pass
