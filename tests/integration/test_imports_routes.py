"""Imports and exports through the routes and the S3 → EventBridge handlers, against moto."""

from __future__ import annotations

import json

import boto3
import requests

from chalicelib.core.settings import get_settings
from tests.integration.conftest import Api

CSV = (
    "ID;Title;Last name;First Name;Email address;Age;Enabled;News.;Opt.;Registration;Last visit;\n"
    "2;1;Gorred;Francis;francis@example.com;-;1;0;0;2013-07-04 15:20:02;2013-07-04 15:18:50;\n"
    "3;9;Bad;Row;not-an-email;-;1;0;0;-;-;\n"
)


def object_created(admin: Api, key: str, times: int = 1) -> None:
    """Deliver the S3 "Object Created" event for `key` (`times` > 1: redelivered)."""
    s3 = boto3.client("s3")
    head = s3.head_object(Bucket=get_settings().bucket_name, Key=key)
    event = admin.client.events.generate_cw_event(
        source="aws.s3",
        detail_type="Object Created",
        detail={
            "bucket": {"name": get_settings().bucket_name},
            "object": {"key": key, "size": head["ContentLength"], "etag": head["ETag"].strip('"')},
        },
        resources=[f"arn:aws:s3:::{get_settings().bucket_name}"],
        region="us-east-1",
    )
    name = "export_requested" if key.startswith("exports/") else "import_uploaded"
    for _ in range(times):
        admin.client.lambda_.invoke(name, event)


def test_upload_through_the_presigned_url_runs_the_import_once(admin: Api) -> None:
    status, created = admin.json(
        "POST", "/admin/imports", {"kind": "customers", "filename": "../../my file.csv"}
    )
    assert status == 201 and created["job"]["status"] == "pending"
    url = created["upload_url"]
    assert "/imports/" in url and "my_file.csv" in url
    assert requests.put(url, data=CSV.encode(), timeout=5).status_code == 200
    key = f"imports/{created['import_id']}/my_file.csv"
    object_created(admin, key, times=2)  # redelivered
    status, job = admin.json("GET", f"/admin/imports/{created['import_id']}")
    assert status == 200
    assert (job["status"], job["rows_read"], job["created"], job["failed"], job["progress"]) == (
        "completed_with_errors",
        2,
        1,
        1,
        1.0,
    )
    assert {(e["line"], e["column"]) for e in job["errors"]} == {(3, "Email address"), (3, "Title")}
    report = requests.get(job["report_url"], timeout=5).content.decode("utf-8-sig")
    assert report.startswith("Line;Column;Reason") and "not-an-email" not in report
    _, customers = admin.json("GET", "/admin/customers")
    assert [c["email"] for c in customers["items"]] == ["francis@example.com"]
    _, jobs = admin.json("GET", "/admin/imports")
    assert [j["id"] for j in jobs["items"]] == [created["import_id"]]
    _, page = admin.json("GET", f"/admin/imports/{created['import_id']}/errors?limit=1")
    assert len(page["items"]) == 1


def test_a_finished_imports_file_is_deleted_and_a_redelivery_changes_nothing(admin: Api) -> None:
    """Issue 16 §4: the uploaded file (every row's personal data) stayed in the bucket for good."""
    status, created = admin.json("POST", "/admin/imports", {"kind": "customers", "filename": "shop.csv"})
    assert status == 201
    key = f"imports/{created['import_id']}/shop.csv"
    s3 = boto3.client("s3")
    s3.put_object(Bucket=get_settings().bucket_name, Key=key, Body=CSV.encode())
    object_created(admin, key, times=2)
    listed = s3.list_objects_v2(Bucket=get_settings().bucket_name, Prefix="imports/")
    assert [o["Key"] for o in listed.get("Contents", [])] == []
    _, job = admin.json("GET", f"/admin/imports/{created['import_id']}")
    assert (job["status"], job["created"], job["failed"]) == ("completed_with_errors", 1, 1)
    assert job["report_url"]  # the report (lines, columns, reasons: no row content) stays


def test_inline_csv_and_json_rows(admin: Api) -> None:
    response = admin.call("POST", "/admin/customers/import", CSV, headers={"Content-Type": "text/csv"})
    job = json.loads(response.body)
    assert response.status_code == 200 and (job["created"], job["failed"]) == (1, 1)
    rows = {
        "rows": [
            {"Email address": "json@example.com", "First Name": "Jay", "Last name": "Son", "News.": True}
        ]
    }
    status, job = admin.json("POST", "/admin/customers/import", rows)
    assert status == 200 and job["created"] == 1 and job["status"] == "completed"
    assert admin.json("POST", "/admin/customers/import", {"rows": "nope"})[0] == 400
    wrong_type = admin.call("POST", "/admin/customers/import", "x", headers={"Content-Type": "image/png"})
    assert wrong_type.status_code == 415


def test_export_is_csv_in_the_import_format(admin: Api) -> None:
    admin.call("POST", "/admin/customers/import", CSV, headers={"Content-Type": "text/csv"})
    response = admin.call("GET", "/admin/customers/export?newsletter=0")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/csv")
    text = response.body.decode("utf-8") if isinstance(response.body, bytes) else response.body
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("ID;Title;Last name;First Name;Email address;")
    assert len(lines) == 2 and "francis@example.com" in lines[1]


def test_async_export(admin: Api) -> None:
    admin.call("POST", "/admin/customers/import", CSV, headers={"Content-Type": "text/csv"})
    status, started = admin.json("GET", "/admin/customers/export?async=true")
    assert status == 202 and started["status"] == "pending"
    object_created(admin, f"exports/{started['export_id']}/request.json")
    status, job = admin.json("GET", f"/admin/exports/{started['export_id']}")
    assert status == 200 and job["status"] == "completed" and job["rows"] == 1
    body = requests.get(job["url"], timeout=5).content.decode("utf-8-sig")
    assert "francis@example.com" in body
    assert admin.json("GET", "/admin/exports/nope")[0] == 404


def test_import_validation_and_auth(admin: Api, support: Api) -> None:
    assert admin.json("POST", "/admin/imports", {"kind": "orders", "filename": "x.csv"})[0] == 400
    assert admin.json("GET", "/admin/imports/nope")[0] == 404
    assert admin.json("GET", "/admin/imports?cursor=forged")[0] == 400
    assert support.json("POST", "/admin/imports", {"kind": "customers", "filename": "x.csv"})[0] == 403
    assert support.json("GET", "/admin/customers/export")[0] == 403


def test_a_huge_field_or_an_open_quote_never_answers_500_nor_sticks_the_job(admin: Api) -> None:
    bad = (
        "Email address;First Name;Last name\n"
        "a@example.com;Ann;" + "x" * 200_000 + "\n"  # over csv's own field limit
        'b@example.com;"Bob;Berg\n'  # a quote never closed
        "c@example.com;Cy;Cole\n"
    )
    response = admin.call("POST", "/admin/customers/import", bad, headers={"Content-Type": "text/csv"})
    job = json.loads(response.body)
    assert response.status_code == 200, job
    assert (job["status"], job["rows_read"], job["created"], job["failed"]) == (
        "completed_with_errors",
        3,
        1,
        2,
    )
    assert [(e["line"], e["column"]) for e in job["errors"]] == [(2, "row"), (3, "row")]
    assert "x" * 20 not in response.body.decode()
    # The same file through S3: finished, its good row applied, nothing left for the watchdog.
    _, created = admin.json("POST", "/admin/imports", {"kind": "customers", "filename": "bad.csv"})
    assert requests.put(created["upload_url"], data=bad.encode(), timeout=5).status_code == 200
    object_created(admin, f"imports/{created['import_id']}/bad.csv")
    _, job = admin.json("GET", f"/admin/imports/{created['import_id']}")
    assert (job["status"], job["failed"], job["unchanged"]) == ("completed_with_errors", 2, 1)
    assert job["failure"] is None and {(e["line"], e["column"]) for e in job["errors"]} == {
        (2, "row"),
        (3, "row"),
    }


def test_the_watchdog_gives_up_on_a_job_whose_runs_keep_dying_in_dynamodb(admin: Api) -> None:
    from datetime import timedelta

    from chalicelib.imports.domain import ImportJob
    from chalicelib.wiring import container

    jobs = container().imports.jobs
    now = container().imports.clock()
    running = ImportJob(
        id="01STALLEDJOB",
        kind="customers",
        filename="big.csv",
        created_at=now,
        status="running",
        source_key="imports/01STALLEDJOB/big.csv",
        checkpoint_rows=600,
        checkpoint_line=601,
        claimed_rows=600,
        stalls=1,  # one run already died without applying a row
        lease_until=now - timedelta(minutes=1),
    )
    jobs.create(running)
    stored = jobs.get(running.id)
    assert (stored.checkpoint_line, stored.claimed_rows, stored.stalls) == (601, 600, 1)
    assert container().imports.resume_stalled() == []
    status, job = admin.json("GET", f"/admin/imports/{running.id}")
    assert status == 200 and job["status"] == "failed"
    assert job["failure"].startswith("The import stopped making progress after line 601")


def test_an_import_that_drops_a_column_is_completed_with_warnings_never_plain_completed(
    admin: Api,
) -> None:
    # Given a clean file with one column nobody reads ("Shoe size"), two rows with a value in it
    content = (
        "Email address;First Name;Last name;Shoe size\na@example.com;Ana;Ruiz;38\nb@example.com;Bo;Berg;\n"
    )
    _, created = admin.json("POST", "/admin/imports", {"kind": "customers", "filename": "shoes.csv"})
    assert requests.put(created["upload_url"], data=content.encode(), timeout=5).status_code == 200

    # When it is imported (and the event redelivered)
    object_created(admin, f"imports/{created['import_id']}/shoes.csv", times=2)

    # Then nothing failed, but the job says what it dropped, by column, with a count (stored in DynamoDB)
    _, job = admin.json("GET", f"/admin/imports/{created['import_id']}")
    assert (job["status"], job["created"], job["failed"]) == ("completed_with_warnings", 2, 0)
    assert job["warnings"] == [{"column": "Shoe size", "reason": "unknown column, ignored", "count": 1}]
    assert job["errors"] == []


def test_a_job_shows_each_column_of_the_header_with_the_field_it_goes_to(admin: Api) -> None:
    # Given a file whose header has a known column, a translated one and one nobody reads
    content = "Email address;Prénom;Shoe size\na@example.com;Ana;38\n"
    _, created = admin.json("POST", "/admin/imports", {"kind": "customers", "filename": "cols.csv"})
    assert requests.put(created["upload_url"], data=content.encode(), timeout=5).status_code == 200

    # When it is imported
    object_created(admin, f"imports/{created['import_id']}/cols.csv")

    # Then the job (as stored) lists the header as matched, for the back-office's mapping step
    _, job = admin.json("GET", f"/admin/imports/{created['import_id']}")
    assert job["columns"] == [
        {"column": "Email address", "field": "email"},
        {"column": "Prénom", "field": "first_name"},
        {"column": "Shoe size", "field": "ignore"},
    ]


def test_imported_plaintext_passwords_are_hashed_by_the_chunk_workers_before_anyone_signs_in(
    admin: Api, anonymous: Api
) -> None:
    """Issue 17 §4: the import writes rows without hashing; the chunk function hashes them."""
    body = "Email address;First Name;Last name;Password\n"
    body += "ana@example.com;Ana;Lopez;Imported-Pass-1\nbob@example.com;Bob;Martin;Imported-Pass-2\n"
    _, created = admin.json("POST", "/admin/imports", {"kind": "customers", "filename": "shop.csv"})
    key = f"imports/{created['import_id']}/shop.csv"
    s3 = boto3.client("s3")
    bucket = get_settings().bucket_name
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode())
    object_created(admin, key)
    _, job = admin.json("GET", f"/admin/imports/{created['import_id']}")
    assert (job["status"], job["created"], job["passwords_total"], job["passwords_hashed"]) == (
        "running",
        2,
        2,
        0,
    )
    login = {"email": "ana@example.com", "password": "Imported-Pass-1"}
    assert anonymous.json("POST", "/store/login", login)[0] == 401  # still pending: no sign-in yet
    chunks = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="import-passwords/")["Contents"]]
    assert len(chunks) == 1 and chunks[0].startswith(f"import-passwords/{created['import_id']}/")
    assert chunks[0].endswith("-0000000002.json")  # <run>-<first line>
    for _ in range(2):  # redelivered
        _deliver_chunk(admin, chunks[0])
    _, job = admin.json("GET", f"/admin/imports/{created['import_id']}")
    assert (job["status"], job["passwords_hashed"]) == ("completed", 2)
    assert s3.list_objects_v2(Bucket=bucket, Prefix="import-passwords/").get("Contents") is None
    status, session = anonymous.json("POST", "/store/login", login)
    assert status == 200 and session["customer"]["email"] == "ana@example.com"


def deliver_password_chunks(admin: Api, import_id: str) -> None:
    """Run the password workers over every chunk of the import, as their events would."""
    listed = boto3.client("s3").list_objects_v2(
        Bucket=get_settings().bucket_name, Prefix=f"import-passwords/{import_id}/"
    )
    for item in listed.get("Contents", []):
        _deliver_chunk(admin, item["Key"])


def _deliver_chunk(admin: Api, key: str) -> None:
    event = admin.client.events.generate_cw_event(
        source="aws.s3",
        detail_type="Object Created",
        detail={"bucket": {"name": get_settings().bucket_name}, "object": {"key": key}},
        resources=[f"arn:aws:s3:::{get_settings().bucket_name}"],
        region="us-east-1",
    )
    admin.client.lambda_.invoke("import_password_chunk", event)
