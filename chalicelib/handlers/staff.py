"""Back-office sign-in and employees."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.core.observability import logger
from chalicelib.handlers.http import ADMIN, PUBLIC, Call, NoBody, NoQuery, RouteSpec, route
from chalicelib.staff.schemas import (
    CreateEmployeeRequest,
    EmployeeListResponse,
    EmployeeResponse,
    ListEmployeesParams,
    LoginRequest,
    LoginResponse,
    UpdateEmployeeRequest,
)
from chalicelib.wiring import container

staff = Blueprint(__name__)


@route(
    staff,
    "/admin/login",
    "POST",
    RouteSpec(
        summary="Employee sign-in",
        roles=PUBLIC,
        body=LoginRequest,
        response=LoginResponse,
    ),
)
def login(call: Call[LoginRequest, NoQuery]) -> LoginResponse:
    result = container().auth.login(call.body.email, call.body.password, call.source_ip)
    logger.info("employee signed in", employee_id=result.employee.id)
    return LoginResponse(
        token=result.token,
        expires_at=result.expires_at,
        employee=EmployeeResponse.model_validate(result.employee),
    )


@route(
    staff,
    "/admin/employees",
    "GET",
    RouteSpec(
        summary="List employees",
        roles=ADMIN,
        query=ListEmployeesParams,
        response=EmployeeListResponse,
    ),
)
def list_employees(call: Call[NoBody, ListEmployeesParams]) -> EmployeeListResponse:
    rows, cursor = container().employees.list_page(call.query.limit, call.query.cursor)
    return EmployeeListResponse(items=[EmployeeResponse.model_validate(e) for e in rows], next_cursor=cursor)


@route(
    staff,
    "/admin/employees",
    "POST",
    RouteSpec(
        summary="Create an employee",
        roles=ADMIN,
        body=CreateEmployeeRequest,
        response=EmployeeResponse,
        status=201,
        idempotent=True,
        replay=lambda call, stored: EmployeeResponse.model_validate(container().employees.get(stored.id())),
    ),
)
def create_employee(call: Call[CreateEmployeeRequest, NoQuery]) -> EmployeeResponse:
    employee = container().employees.create(call.body)
    logger.info("employee created", employee_id=employee.id, role=employee.role)
    return EmployeeResponse.model_validate(employee)


@route(
    staff,
    "/admin/employees/{employee_id}",
    "GET",
    RouteSpec(
        summary="Get an employee",
        roles=ADMIN,
        response=EmployeeResponse,
    ),
)
def get_employee(call: Call, employee_id: str) -> EmployeeResponse:
    return EmployeeResponse.model_validate(container().employees.get(employee_id))


@route(
    staff,
    "/admin/employees/{employee_id}",
    "PATCH",
    RouteSpec(
        summary="Update an employee",
        roles=ADMIN,
        body=UpdateEmployeeRequest,
        response=EmployeeResponse,
    ),
)
def update_employee(call: Call[UpdateEmployeeRequest, NoQuery], employee_id: str) -> EmployeeResponse:
    return EmployeeResponse.model_validate(container().employees.update(employee_id, call.body))


@route(
    staff,
    "/admin/employees/{employee_id}",
    "DELETE",
    RouteSpec(
        summary="Delete an employee",
        roles=ADMIN,
        status=204,
    ),
)
def delete_employee(call: Call, employee_id: str) -> None:
    container().employees.delete(employee_id)
