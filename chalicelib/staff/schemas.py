"""Back-office authentication and employee contracts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import StringConstraints

from chalicelib.core.principal import Role
from chalicelib.core.schemas import (
    Email,
    Language,
    Limit,
    ListResponse,
    Name,
    Password,
    RequestModel,
    ResponseModel,
)


class LoginRequest(RequestModel):
    email: Annotated[str, StringConstraints(min_length=1, max_length=254)]
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


class ListEmployeesParams(RequestModel):
    limit: Limit = 50
    cursor: Annotated[str, StringConstraints(max_length=2048)] | None = None


class EmployeeListResponse(ListResponse[EmployeeResponse]):
    pass
