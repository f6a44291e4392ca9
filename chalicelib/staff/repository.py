"""Employees and login throttles in DynamoDB (access pattern #15)."""

from __future__ import annotations

from typing import Any

from pynamodb.transactions import TransactWrite

from chalicelib.core.errors import AlreadyExistsError, ConflictError, NotFoundError
from chalicelib.core.principal import ROLES
from chalicelib.core.text import normalise_email
from chalicelib.models import keys
from chalicelib.models.base import TableRecord
from chalicelib.models.errors import dynamo_errors, get_item
from chalicelib.models.mapping import RecordMapping
from chalicelib.models.paging import Page, query_page
from chalicelib.models.staff import EmployeeEmailRecord, EmployeeRecord
from chalicelib.staff.domain import Employee

_EMAIL_SK = "EMAIL"


# Every field is copied by name (models/mapping.py); the id is stored as employee_id.
_EMPLOYEE = RecordMapping(Employee, EmployeeRecord, renames={"id": "employee_id"}, exclude=("role",))


def _to_record(employee: Employee) -> EmployeeRecord:
    return _EMPLOYEE.to_record(
        employee,
        keys.employee_pk(employee.id),
        keys.PROFILE,
        role=employee.role,
        gsi1pk=keys.EMPLOYEES,
        gsi1sk=employee.id,
    )


def _from_record(record: EmployeeRecord) -> Employee:
    # An unknown stored role reads as the least privileged one.
    return _EMPLOYEE.from_record(record, role=record.role if record.role in ROLES else "support")


def _email_item(email: str, employee_id: str = "") -> EmployeeEmailRecord:
    return EmployeeEmailRecord(
        keys.employee_email_pk(normalise_email(email)), _EMAIL_SK, employee_id=employee_id
    )


class DynamoEmployeeRepository:
    """Employees with an e-mail uniqueness item, kept together by transactions."""

    def create(self, employee: Employee) -> None:
        with (
            dynamo_errors(
                on_cancel=lambda _c: AlreadyExistsError("An employee with this e-mail already exists.")
            ),
            TransactWrite(connection=TableRecord._get_connection().connection) as transaction,
        ):
            transaction.save(_to_record(employee), condition=EmployeeRecord.pk.does_not_exist())
            transaction.save(
                _email_item(employee.email, employee.id),
                condition=EmployeeEmailRecord.pk.does_not_exist(),
            )

    def get(self, employee_id: str) -> Employee | None:
        record = get_item(EmployeeRecord, keys.employee_pk(employee_id), keys.PROFILE)
        return _from_record(record) if record is not None else None

    def get_by_email(self, email: str) -> Employee | None:
        item = get_item(EmployeeEmailRecord, keys.employee_email_pk(normalise_email(email)), _EMAIL_SK)
        return self.get(item.employee_id) if item is not None else None

    def update(self, before: Employee, after: Employee) -> None:
        record = _to_record(after)
        record.version = before.version
        email_changed = normalise_email(before.email) != normalise_email(after.email)

        def on_cancel(_codes: list[str]) -> Exception:
            if self.get(after.id) is None:
                return NotFoundError("Employee not found.")
            if email_changed and self.get_by_email(after.email) is not None:
                return AlreadyExistsError("An employee with this e-mail already exists.")
            return ConflictError("The employee was changed by someone else; reload and try again.")

        with dynamo_errors(on_cancel=on_cancel):
            with TransactWrite(connection=TableRecord._get_connection().connection) as transaction:
                transaction.save(record, condition=EmployeeRecord.pk.exists())
                if email_changed:
                    transaction.delete(
                        _email_item(before.email),
                        condition=EmployeeEmailRecord.employee_id == before.id,
                    )
                    transaction.save(
                        _email_item(after.email, after.id),
                        condition=EmployeeEmailRecord.pk.does_not_exist(),
                    )

    def delete(self, employee: Employee) -> None:
        with dynamo_errors(on_cancel=lambda _c: NotFoundError("Employee not found.")):
            with TransactWrite(connection=TableRecord._get_connection().connection) as transaction:
                transaction.delete(_to_record(employee), condition=EmployeeRecord.pk.exists())
                transaction.delete(_email_item(employee.email))

    def list_page(self, limit: int, position: dict[str, Any] | None) -> Page[Employee]:
        return query_page(
            EmployeeRecord.gsi1.query, keys.EMPLOYEES, EmployeeRecord, _from_record, limit, position
        )

    def count(self) -> int:
        with dynamo_errors():
            result = EmployeeRecord.gsi1.count(keys.EMPLOYEES, limit=1000)
        return int(result)
