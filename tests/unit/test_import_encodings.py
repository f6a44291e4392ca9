"""The import pipeline reads what Excel writes and never imports "H�l�ne" (issue 17 §3)."""

from __future__ import annotations

import codecs
from dataclasses import replace

from chalicelib.imports.domain import ImportOptions
from tests.unit.test_import_service import World, build, deliver, errors

HEADER = "Email address;First Name;Last name\r\n"
FILLER = "".join(f"p{n:05d}@example.com;Paul;Martin\r\n" for n in range(2500))  # ~80 KiB of ASCII


def upload(world: World, data: bytes, options: ImportOptions | None = None) -> str:
    job, _ = world.service.create_job("customers", "file.csv", "emp-1")
    if options is not None:
        world.jobs.save(job, replace(job, options=options))
    world.files.put(f"imports/{job.id}/file.csv", data, "text/csv")
    return job.id


def test_windows_1252_with_the_first_accent_after_70_kib_imports_helene_with_no_error() -> None:
    world = build(rows_per_batch=600)
    data = (HEADER + FILLER + "helene@example.com;Hélène;Müller\r\n").encode("cp1252")
    assert data.index(b"\xe9") > 70 * 1024
    job = deliver(world, upload(world, data))
    assert (job.status, job.created, job.failed) == ("completed", 2501, 0), errors(world, job.id)
    helene = world.customers.get_by_email("helene@example.com")
    assert helene is not None and (helene.first_name, helene.last_name) == ("Hélène", "Müller")


def test_a_file_mixing_utf8_and_windows_1252_fails_naming_the_line_and_the_option() -> None:
    world = build()
    data = (HEADER + "zoe@example.com;Zoé;Roux\r\n").encode() + "h@example.com;Hélène;M\r\n".encode("cp1252")
    job = deliver(world, upload(world, data))
    assert job.status == "failed"
    assert (job.failure or "").startswith("Line 3 ") and "`encoding` option" in (job.failure or "")
    # Forced, the same bytes as Windows-1252: "Zoé" is what the merchant asked for, nothing stops.
    again = deliver(world, upload(world, data, ImportOptions(encoding="windows-1252")))
    assert (again.status, again.created) == ("completed", 2)


def test_excel_unicode_text_utf16_tab_separated_imports() -> None:
    world = build()
    text = "Email address\tFirst Name\tLast name\r\nh@example.com\tHélène\tMüller\r\n"
    for data in (
        codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    ):
        job = deliver(world, upload(world, data))
        assert (job.status, job.failed) == ("completed", 0), job.failure
    helene = world.customers.get_by_email("h@example.com")
    assert helene is not None and helene.first_name == "Hélène"


def test_title_rows_and_a_forced_delimiter_come_from_the_job_options() -> None:
    world = build()
    data = b"Clientele export\r\n\r\nEmail address|First Name|Last name\r\na@example.com|Ann|Ash\r\n"
    job = deliver(world, upload(world, data, ImportOptions(skip_lines=2, delimiter="|")))
    assert (job.status, job.created) == ("completed", 1), job.failure


def test_a_mixed_file_failing_after_applied_batches_fails_on_its_line_keeping_what_was_applied() -> None:
    world = build(rows_per_batch=2)
    good = "".join(f"p{n}@example.com;Zoé;Roux\r\n" for n in range(6)).encode()  # lines 2-7: UTF-8
    data = HEADER.encode() + good + "h@example.com;Hélène;M\r\n".encode("cp1252")  # line 8
    job = deliver(world, upload(world, data))
    assert job.status == "failed" and (job.failure or "").startswith("Line 8 "), job.failure
    # The batches applied before the bad line stay applied, and the job says how far it got.
    assert job.created == job.checkpoint_rows and job.created >= 4
    assert world.customers.get_by_email("h@example.com") is None
