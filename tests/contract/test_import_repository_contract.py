"""One contract, two implementations: the in-memory import repository and DynamoDB (moto) must agree
— on jobs (created once, version-checked saves, newest-first paging), row errors (line/column order,
paging, clearing), previews, saved mappings (one per name in any case, version-checked) and exports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from moto import mock_aws

from chalicelib import bootstrap
from chalicelib.core.errors import AlreadyExistsError, ConflictError
from chalicelib.imports.domain import (
    ExportJob,
    ImportJob,
    ImportMapping,
    ImportOptions,
    ImportWarning,
    PreviewRow,
    RowError,
)
from chalicelib.imports.ports import ImportRepository
from chalicelib.imports.repository import DynamoImportRepository
from chalicelib.models.paging import Page
from tests.factories import FIXED_NOW
from tests.fakes.imports import MemoryImportRepository


@pytest.fixture(params=["memory", "dynamodb"])
def imports(request: pytest.FixtureRequest) -> Iterator[ImportRepository]:
    if request.param == "memory":
        yield MemoryImportRepository()
        return
    with mock_aws():
        bootstrap.ensure_table()
        yield DynamoImportRepository()


def job(number: int, minutes: int | None = None, **overrides: object) -> ImportJob:
    base = ImportJob(
        id=f"01IMPORT{number:018d}",
        kind="customers",
        filename=f"customers-{number}.csv",
        created_at=FIXED_NOW + timedelta(minutes=number if minutes is None else minutes),
        created_by="01EMPLOYEE",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def every(read: Any, limit: int) -> list[list[Any]]:
    """Each page of a listing, read to its end by handing back the position it gives."""
    pages, position = [], None
    while True:
        page: Page[Any] = read(limit, position)
        pages.append(page.items)
        position = page.next_position
        if position is None:
            return pages


def test_a_job_is_created_once_and_saved_at_its_version(imports: ImportRepository) -> None:
    options = ImportOptions(delimiter=";", mode="create", group_map={"3": "vip"})
    warning = ImportWarning(column="Extra", reason="ignored", count=2)
    imports.create(job(1, options=options, warnings=(warning,), status="running"))
    stored = imports.get(job(1).id)
    assert stored == job(1, options=options, warnings=(warning,), status="running", version=1)
    assert imports.get("01NOPE") is None
    # A redelivered upload event creates the same job again: AlreadyExistsError on both twins (ImportService
    # relies on it; DynamoDB used to surface the failed condition as a 503 storage error).
    with pytest.raises(AlreadyExistsError):
        imports.create(job(1))
    assert imports.get(job(1).id) == stored

    saved = imports.save(stored, replace(stored, rows_read=10, created=9, failed=1))
    assert saved.version == 2 and imports.get(job(1).id) == saved
    with pytest.raises(ConflictError):
        imports.save(stored, replace(stored, rows_read=99))  # another run advanced the job
    with pytest.raises(ConflictError):
        imports.save(job(2, version=1), job(2))  # never created
    assert imports.get(job(2).id) is None


def test_jobs_list_newest_first_page_by_page(imports: ImportRepository) -> None:
    for number in (2, 5, 1, 4, 3):
        imports.create(job(number))
    pages = every(imports.list_page, 2)
    assert [[j.id[-1] for j in page] for page in pages] == [["5", "4"], ["3", "2"], ["1"]]
    assert every(imports.list_page, 10)[0][0] == imports.get(job(5).id)
    assert len(every(imports.list_page, 5)) == 1  # a full last page says there is no next one


def test_row_errors_are_kept_per_line_and_column_in_order(imports: ImportRepository) -> None:
    imports.put_errors(job(1).id, [RowError(12, "email", "invalid"), RowError(3, "last_name", "required")])
    imports.put_errors(
        job(1).id,
        [RowError(3, "email", "invalid"), RowError(12, "email", "taken"), RowError(100, "city", "x")],
    )
    imports.put_errors(job(2).id, [RowError(1, "email", "invalid")])
    expected = [
        RowError(3, "email", "invalid"),
        RowError(3, "last_name", "required"),
        RowError(12, "email", "taken"),  # the same line and column again replaces the first
        RowError(100, "city", "x"),
    ]
    assert list(imports.all_errors(job(1).id)) == expected
    pages = every(lambda limit, position: imports.errors_page(job(1).id, limit, position), 3)
    assert [e for page in pages for e in page] == expected and pages[0] == expected[:3]
    assert len(every(lambda limit, position: imports.errors_page(job(1).id, limit, position), 4)) == 1
    assert list(imports.all_errors("01NONE")) == []

    imports.clear_errors(job(1).id)
    imports.clear_errors(job(1).id)  # nothing left: not an error
    assert list(imports.all_errors(job(1).id)) == []
    assert list(imports.all_errors(job(2).id)) == [RowError(1, "email", "invalid")]


def test_a_preview_is_replaced_read_and_deleted(imports: ImportRepository) -> None:
    rows = [
        PreviewRow(2, "create", {"email": "ana@example.com", "first_name": "Ana"}),
        PreviewRow(3, "error", {"email": "nope"}, (RowError(3, "email", "invalid"),)),
    ]
    expires = FIXED_NOW + timedelta(days=1)
    assert imports.get_preview(job(1).id) == []
    imports.put_preview(job(1).id, [PreviewRow(9, "skip", {})], FIXED_NOW, expires)
    imports.put_preview(job(1).id, rows, FIXED_NOW, expires)
    assert imports.get_preview(job(1).id) == rows
    imports.delete_preview(job(1).id)
    imports.delete_preview(job(1).id)  # idempotent
    assert imports.get_preview(job(1).id) == []


def mapping(name: str, **overrides: object) -> ImportMapping:
    base = ImportMapping(
        name=name,
        kind="customers",
        options=ImportOptions(mapping={"E-mail": "email", "Notes": "IGNORE"}, delimiter=";"),
        created_at=FIXED_NOW,
        updated_at=FIXED_NOW,
        created_by="01EMPLOYEE",
    )
    return replace(base, **overrides)  # type: ignore[arg-type]


def test_a_mapping_name_is_taken_in_any_case(imports: ImportRepository) -> None:
    assert imports.create_mapping(mapping("PrestaShop")) == mapping("PrestaShop", version=1)
    with pytest.raises(AlreadyExistsError):
        imports.create_mapping(mapping("prestashop", kind="addresses"))
    assert imports.get_mapping("PRESTASHOP") == mapping("PrestaShop", version=1)
    assert imports.get_mapping("Other") is None


def test_a_mapping_never_keeps_a_preview_or_a_mapping_name(imports: ImportRepository) -> None:
    options = replace(mapping("Shop").options, preview=True, mapping_name="Shop")
    imports.create_mapping(mapping("Shop", options=options))
    stored = imports.get_mapping("Shop")
    assert stored is not None and (stored.options.preview, stored.options.mapping_name) == (False, None)
    assert stored.options.mapping == {"E-mail": "email", "Notes": "IGNORE"}


def test_a_mapping_is_saved_at_its_version_and_deleted_once(imports: ImportRepository) -> None:
    first = imports.create_mapping(mapping("Shop"))
    later = FIXED_NOW + timedelta(hours=1)
    saved = imports.save_mapping(first, replace(first, kind="addresses", updated_at=later))
    assert saved.version == 2 and imports.get_mapping("shop") == saved
    with pytest.raises(ConflictError):
        imports.save_mapping(first, replace(first, updated_at=later))
    assert imports.delete_mapping("SHOP") is True
    assert imports.delete_mapping("Shop") is False
    with pytest.raises(ConflictError):
        imports.save_mapping(saved, replace(saved, updated_at=later))  # deleted meanwhile
    assert imports.get_mapping("Shop") is None


def test_mappings_list_by_name_in_any_case_page_by_page(imports: ImportRepository) -> None:
    for name in ("delta", "Alpha", "charlie", "Bravo", "echo"):
        imports.create_mapping(mapping(name))
    pages = every(imports.list_mappings, 2)
    names = [[m.name for m in page] for page in pages]
    assert names == [["Alpha", "Bravo"], ["charlie", "delta"], ["echo"]]


def test_an_export_job_is_saved_over_and_read_back(imports: ImportRepository) -> None:
    started = ExportJob("01EXPORT", FIXED_NOW, {"group": "vip", "q": "ana"})
    imports.save_export(started)
    assert imports.get_export("01EXPORT") == started
    done = replace(
        started, status="completed", rows=3, key="exports/01EXPORT.csv", finished_at=FIXED_NOW + timedelta(1)
    )
    imports.save_export(done)
    assert imports.get_export("01EXPORT") == done
    assert imports.get_export("01NOPE") is None
