"""Back-office sign-in and employees."""

from __future__ import annotations

from chalice.app import Blueprint

from chalicelib.core.observability import logger
from chalicelib.handlers.http import ADMIN, PUBLIC, Call, NoBody, NoQuery, Routes, RouteSpec
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
api = Routes(staff)


@api.post("/admin/login", RouteSpec("Employee sign-in", PUBLIC, body=LoginRequest, response=LoginResponse))
def login(call: Call[LoginRequest, NoQuery]) -> LoginResponse:
    result = container().auth.login(call.body.email, call.body.password, call.source_ip)
    logger.info("employee signed in", employee_id=result.employee.id)
    return LoginResponse.model_validate(result)


@api.get(
    "/admin/employees",
    RouteSpec("List employees", ADMIN, query=ListEmployeesParams, response=EmployeeListResponse),
)
def list_employees(call: Call[NoBody, ListEmployeesParams]) -> EmployeeListResponse:
    rows, cursor = container().employees.list_page(call.query.limit, call.query.cursor)
    return EmployeeListResponse.page(rows, cursor)


@api.post(
    "/admin/employees",
    RouteSpec(
        "Create an employee",
        ADMIN,
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


@api.get("/admin/employees/{employee_id}", RouteSpec("Get an employee", ADMIN, response=EmployeeResponse))
def get_employee(call: Call, employee_id: str) -> EmployeeResponse:
    return EmployeeResponse.model_validate(container().employees.get(employee_id))


@api.patch(
    "/admin/employees/{employee_id}",
    RouteSpec("Update an employee", ADMIN, body=UpdateEmployeeRequest, response=EmployeeResponse),
)
def update_employee(call: Call[UpdateEmployeeRequest, NoQuery], employee_id: str) -> EmployeeResponse:
    return EmployeeResponse.model_validate(container().employees.update(employee_id, call.body))


@api.delete("/admin/employees/{employee_id}", RouteSpec("Delete an employee", ADMIN, status=204))
def delete_employee(call: Call, employee_id: str) -> None:
    container().employees.delete(employee_id)
