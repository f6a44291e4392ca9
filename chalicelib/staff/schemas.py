"""Back-office authentication and employee contracts."""

from __future__ import annotations

from datetime import datetime

from chalicelib.core.principal import Role
from chalicelib.core.schemas import (
    Email,
    Language,
    ListResponse,
    Name,
    PageParams,
    Password,
    RequestModel,
    ResponseModel,
    TypedEmail,
)


class LoginRequest(RequestModel):
    email: TypedEmail
    password: Password


class EmployeeResponse(ResponseModel):
    id: str
    email: str
    first_name: str
    last_name: str
    role: Role
    active: bool
    language: str
    created_at: datetime
    updated_at: datetime


class LoginResponse(ResponseModel):
    token: str
    expires_at: datetime
    employee: EmployeeResponse


class CreateEmployeeRequest(RequestModel):
    email: Email
    first_name: Name
    last_name: Name
    role: Role
    password: Password
    language: Language = "en"


class UpdateEmployeeRequest(RequestModel):
    email: Email | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    role: Role | None = None
    password: Password | None = None
    active: bool | None = None
    language: Language | None = None


class ListEmployeesParams(PageParams):
    """?limit=&cursor= of the employees list (no filters: a shop has a handful)."""


class EmployeeListResponse(ListResponse[EmployeeResponse]):
    pass
