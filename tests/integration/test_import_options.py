"""Issue 17 §1 (mapping step), §3 (statuses), mode and saved mappings: the import options through
the routes, the S3 upload and the import worker's events, against moto."""

from __future__ import annotations

import json
from typing import Any

import boto3
import requests

from chalicelib.core.settings import get_settings
from tests.integration.conftest import Api
from tests.integration.test_imports_routes import object_created

# A header the matcher can't know ("Contact" holds the e-mail), one dropped on purpose ("Club
# card") and one nobody reads ("Shoe size").
FILE = (
    "Contact;Last name;First Name;News.;Shoe size;Club card\n"
    "ann@example.com;Berg;Ann;1;38;AB-1\n"
    "bob@example.com;Cole;Bob;0;;AB-2\n"
    "not-an-email;Bad;Row;1;40;AB-3\n"
)
MAPPING = {"Contact": "email", "Club card": "ignore"}


def _emails(admin: Api) -> list[str]:
    _, page = admin.json("GET", "/admin/customers?limit=200")
    return sorted(c["email"] for c in page["items"])


def _bucket_keys(prefix: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=get_settings().bucket_name, Prefix=prefix)
    return [o["Key"] for o in listed.get("Contents", [])]


def _upload(admin: Api, content: str, **options: Any) -> str:
    body = {"kind": "customers", "filename": "shop.csv", **options}
    status, created = admin.json("POST", "/admin/imports", body)
    assert status == 201, created
    assert requests.put(created["upload_url"], data=content.encode(), timeout=5).status_code == 200
    object_created(admin, f"imports/{created['import_id']}/shop.csv")
    return str(created["import_id"])


def test_a_preview_writes_nothing_and_apply_runs_it_once_with_the_options_previewed(admin: Api) -> None:
    # Given a customer that exists already, and a file previewed with an explicit mapping
    assert (
        admin.json(
            "POST", "/admin/customers", {"email": "bob@example.com", "first_name": "B", "last_name": "C"}
        )[0]
        == 201
    )
    before = _emails(admin)
    import_id = _upload(admin, FILE, mapping=MAPPING, preview=True)

    # Then nothing was written: same customers, the job previewed with its first rows as stored
    assert _emails(admin) == before
    status, job = admin.json("GET", f"/admin/imports/{import_id}")
    assert status == 200 and job["status"] == "previewed"
    assert job["options"]["mapping"] == MAPPING and job["options"]["preview"] is True
    assert (job["rows_read"], job["created"], job["updated"], job["failed"]) == (3, 1, 1, 1)
    rows = job["preview_rows"]
    assert [(r["line"], r["action"]) for r in rows] == [(2, "create"), (3, "update"), (4, "error")]
    assert rows[0]["values"]["first_name"] == "Ann" and rows[0]["values"]["newsletter"] is True
    assert "password" not in json.dumps(rows[0]["values"]).replace("has_password", "")
    assert rows[2]["errors"] and rows[2]["errors"][0]["column"] == "Contact"
    assert {"column": "Shoe size", "reason": "unknown column, ignored", "count": 2} in job["warnings"]
    assert all(w["column"] != "Club card" for w in job["warnings"])  # ignored on purpose: no warning
    assert job["errors"] == []  # the preview's errors are on its rows, not the job's error list
    # ... and the upload's event delivered again previews nothing again
    object_created(admin, f"imports/{import_id}/shop.csv")
    assert admin.json("GET", f"/admin/imports/{import_id}")[1]["status"] == "previewed"

    # When it is applied (twice: the second returns the job as it is)
    status, applied = admin.json("POST", f"/admin/imports/{import_id}/apply")
    assert status == 200 and applied["status"] == "running" and applied["applied_at"]
    status, again = admin.json("POST", f"/admin/imports/{import_id}/apply")
    assert status == 200 and again["status"] == "running" and again["applied_at"] == applied["applied_at"]
    # The run happens in the import worker, started by one continuation marker
    markers = _bucket_keys(f"imports/{import_id}/_continue/")
    assert markers == [f"imports/{import_id}/_continue/000001"]
    object_created(admin, markers[0], times=2)

    # Then it ran with the mapping as previewed, once
    status, job = admin.json("GET", f"/admin/imports/{import_id}")
    assert (job["status"], job["created"], job["updated"], job["failed"]) == (
        "completed_with_errors",
        1,
        1,
        1,
    )
    assert job["preview_rows"] is None
    assert {"column": "Shoe size", "reason": "unknown column, ignored", "count": 2} in job["warnings"]
    assert _emails(admin) == ["ann@example.com", "bob@example.com"]
    # The preview's rows and the file (personal data) are gone with the run
    assert _bucket_keys(f"imports/{import_id}/shop.csv") == []
    from chalicelib.wiring import container

    assert container().imports.jobs.get_preview(import_id) == []
    # The report lists the errors and the warnings
    report = requests.get(job["report_url"], timeout=5).content.decode("utf-8-sig").splitlines()
    assert report[0] == "Line;Column;Reason;Kind;Rows;"
    assert "-;Shoe size;unknown column, ignored;warning;2;" in report
    assert admin.json("POST", f"/admin/imports/{import_id}/apply")[0] == 200  # still the job as is


def test_apply_is_409_unless_the_job_was_previewed(admin: Api, support: Api) -> None:
    import_id = _upload(admin, "Email address;First Name;Last name\na@example.com;A;B\n")
    status, error = admin.json("POST", f"/admin/imports/{import_id}/apply")
    assert status == 409 and error["Code"]
    _, pending = admin.json(
        "POST", "/admin/imports", {"kind": "customers", "filename": "x.csv", "preview": True}
    )
    assert admin.json("POST", f"/admin/imports/{pending['import_id']}/apply")[0] == 409  # not uploaded yet
    assert admin.json("POST", "/admin/imports/nope/apply")[0] == 404
    assert support.json("POST", f"/admin/imports/{import_id}/apply")[0] == 403


def test_bad_options_are_a_400_naming_the_field_never_echoing_the_input(admin: Api) -> None:
    base = {"kind": "customers", "filename": "x.csv"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"delimiter": "#"}, "delimiter"),
        ({"multi_value_separator": ";"}, "multi_value_separator"),
        ({"encoding": "ebcdic"}, "encoding"),
        ({"date_format": "yyyy/dd/mm"}, "date_format"),
        ({"skip_lines": 1001}, "skip_lines"),
        ({"skip_lines": -1}, "skip_lines"),
        ({"mode": "upsert"}, "mode"),
        ({"passwords": "plain"}, "passwords"),
        ({"create_missing_groups": "perhaps"}, "create_missing_groups"),
        ({"mapping": {"Secret column": "favourite_colour"}}, "mapping"),
        ({"mapping": {"Secret column": 7}}, "mapping"),
        ({"mapping": ["Secret column"]}, "mapping"),
        ({"group_map": {"3": "no-such-group"}}, "group_map"),
        ({"mapping_name": "Secret mapping"}, "mapping_name"),
        ({"mapping_name": "../etc"}, "mapping_name"),
        ({"preview": "sometimes"}, "preview"),
        ({"unknown_option": 1}, "unknown_option"),
    ]
    for extra, field in cases:
        status, error = admin.json("POST", "/admin/imports", base | extra)
        assert status == 400, (extra, error)
        assert set(error) == {"Code", "Message", "Fields"} and field in error["Fields"], (extra, error)
        text = json.dumps(error)
        assert "Secret" not in text and "favourite_colour" not in text and "no-such-group" not in text
    # An address mapping names address fields: "country" is one, "newsletter" is not
    ok = {"kind": "addresses", "filename": "a.csv", "mapping": {"Pays": "country"}}
    assert admin.json("POST", "/admin/imports", ok)[0] == 201
    wrong = ok | {"mapping": {"News": "newsletter"}}
    assert admin.json("POST", "/admin/imports", wrong)[0] == 400
    # Tab may be sent as the character or as "tab"; both are stored as the character
    for tab in ("\t", "tab"):
        status, created = admin.json(
            "POST", "/admin/imports", base | {"delimiter": tab, "group_map": {"3": "customer"}}
        )
        assert status == 201 and created["job"]["options"]["delimiter"] == "\t"
        assert created["job"]["options"]["group_map"] == {"3": "customer"}


def test_saved_mappings_crud_conflict_and_reuse_by_name(admin: Api, support: Api) -> None:
    body = {
        "name": "PrestaShop FR",
        "kind": "customers",
        "mapping": MAPPING,
        "delimiter": ";",
        "mode": "create",
    }
    status, saved = admin.json("POST", "/admin/import-mappings", body)
    assert status == 201 and saved["name"] == "PrestaShop FR" and saved["options"]["mapping"] == MAPPING
    assert saved["options"]["preview"] is False and saved["options"]["mode"] == "create"
    # A second mapping of the same name, in any case, is a 409
    status, error = admin.json("POST", "/admin/import-mappings", body | {"name": "prestashop fr"})
    assert status == 409 and error["Code"]
    assert (
        admin.json(
            "POST",
            "/admin/import-mappings",
            body | {"name": "Shopify", "kind": "addresses", "mapping": {"News": "newsletter"}},
        )[0]
        == 400
    )
    assert admin.json("POST", "/admin/import-mappings", body | {"name": "Preview", "preview": True})[0] == 400
    assert admin.json("POST", "/admin/import-mappings", {"name": "Shopify", "delimiter": ","})[0] == 201
    _, listed = admin.json("GET", "/admin/import-mappings")
    assert [m["name"] for m in listed["items"]] == ["PrestaShop FR", "Shopify"]
    assert admin.json("GET", "/admin/import-mappings/prestashop%20fr")[1]["name"] == "PrestaShop FR"

    # PATCH replaces the fields sent; null resets one to its default
    status, patched = admin.json(
        "PATCH", "/admin/import-mappings/PrestaShop FR", {"mode": "both", "delimiter": None}
    )
    assert status == 200 and patched["options"]["mode"] == "both" and patched["options"]["delimiter"] is None
    assert patched["options"]["mapping"] == MAPPING
    assert admin.json("PATCH", "/admin/import-mappings/PrestaShop FR", {"mapping": {"A": "nope"}})[0] == 400
    assert admin.json("PATCH", "/admin/import-mappings/Nobody", {"mode": "both"})[0] == 404

    # mapping_name loads it; explicit fields override it
    status, created = admin.json(
        "POST",
        "/admin/imports",
        {"kind": "customers", "filename": "x.csv", "mapping_name": "prestashop fr", "mode": "update"},
    )
    assert status == 201
    options = created["job"]["options"]
    assert (options["mapping_name"], options["mapping"], options["mode"]) == (
        "PrestaShop FR",
        MAPPING,
        "update",
    )
    wrong_kind = {"kind": "addresses", "filename": "a.csv", "mapping_name": "Shopify"}
    assert admin.json("POST", "/admin/imports", wrong_kind)[1]["Fields"] == {
        "mapping_name": "is a mapping for customers"
    }

    # Admins only; DELETE then 404
    assert support.json("GET", "/admin/import-mappings")[0] == 403
    assert support.json("POST", "/admin/import-mappings", {"name": "X"})[0] == 403
    assert admin.call("DELETE", "/admin/import-mappings/Shopify").status_code == 204
    assert admin.json("GET", "/admin/import-mappings/Shopify")[0] == 404
    assert admin.json("GET", "/admin/import-mappings/" + "x" * 3000)[0] == 404  # no name is that long
    assert admin.json("PATCH", "/admin/import-mappings/%2E%2E", {"mode": "both"})[0] == 404
    assert admin.call("DELETE", "/admin/import-mappings/Shopify").status_code == 404
    # The job created with the mapping keeps its copy of the options
    assert admin.call("DELETE", "/admin/import-mappings/PrestaShop FR").status_code == 204
    _, job = admin.json("GET", f"/admin/imports/{created['import_id']}")
    assert job["options"]["mapping"] == MAPPING


def test_mode_create_and_update_skip_rows_with_a_warning_and_statuses_follow(admin: Api) -> None:
    clean = "Email address;First Name;Last name\nann@example.com;Ann;Berg\n"
    # Nothing dropped, skipped or changed: plain completed
    assert admin.json("GET", f"/admin/imports/{_upload(admin, clean)}")[1]["status"] == "completed"

    both = "Email address;First Name;Last name\nann@example.com;Anne;Berg\nnew@example.com;New;Person\n"
    # mode create: the existing customer is left alone, reported as a skipped row
    _, job = admin.json("GET", f"/admin/imports/{_upload(admin, both, mode='create')}")
    assert (job["status"], job["created"], job["updated"], job["failed"]) == (
        "completed_with_warnings",
        1,
        0,
        0,
    )
    assert job["warnings"] == [
        {"column": "Email address", "reason": "already exists, skipped (mode create)", "count": 1}
    ]
    _, page = admin.json("GET", "/admin/customers?limit=200")
    assert {c["email"]: c["first_name"] for c in page["items"]}["ann@example.com"] == "Ann"

    # mode update: only known customers change; an unknown one is skipped
    update = "Email address;First Name;Last name\nann@example.com;Anna;Berg\nghost@example.com;G;H\n"
    _, job = admin.json("GET", f"/admin/imports/{_upload(admin, update, mode='update')}")
    assert (job["status"], job["created"], job["updated"]) == ("completed_with_warnings", 0, 1)
    assert job["warnings"][0]["reason"] == "not found, skipped (mode update)"
    assert "ghost@example.com" not in _emails(admin)

    # A failed row makes it completed_with_errors, its warnings listed too
    bad = "Email address;First Name;Last name;Shoe size\nnot-an-email;A;B;40\n"
    _, job = admin.json("GET", f"/admin/imports/{_upload(admin, bad)}")
    assert job["status"] == "completed_with_errors" and job["warnings"][0]["column"] == "Shoe size"


def test_inline_import_takes_the_options_as_query_parameters(admin: Api) -> None:
    csv = "Email address,First Name,Last name\nann@example.com,Ann,Berg\n"
    response = admin.call(
        "POST", "/admin/customers/import?delimiter=,&mode=update", csv, headers={"Content-Type": "text/csv"}
    )
    job = json.loads(response.body)
    assert response.status_code == 200 and job["options"]["mode"] == "update"
    assert (job["status"], job["created"]) == ("completed_with_warnings", 0)
    bad = admin.call("POST", "/admin/customers/import?mode=upsert", csv, headers={"Content-Type": "text/csv"})
    assert bad.status_code == 400 and "mode" in json.loads(bad.body)["Fields"]
    unknown = admin.call(
        "POST", "/admin/customers/import?mapping_name=nope", csv, headers={"Content-Type": "text/csv"}
    )
    assert unknown.status_code == 400 and "mapping_name" in json.loads(unknown.body)["Fields"]


def test_a_mapping_may_name_every_field_the_header_matcher_detects(admin: Api) -> None:
    # Given the fields PrestaShop 1.6's sample header is matched to (ImportJob.columns) — the
    # mapping step sends them back as the merchant leaves or changes them
    base = {"kind": "customers", "filename": "customers_import.csv"}
    for field in ("default_group", "name", "groups", "title", "enabled"):
        # Then each is a mapping target, not a 400
        status, created = admin.json("POST", "/admin/imports", base | {"mapping": {"Column": field}})
        assert status == 201, (field, created)
    for field in ("manufacturer", "supplier", "enabled", "country"):
        body = {"kind": "addresses", "filename": "a.csv", "mapping": {"Column": field}}
        assert admin.json("POST", "/admin/imports", body)[0] == 201, field
    # and a field the kind doesn't have still is
    wrong = {"kind": "addresses", "filename": "a.csv", "mapping": {"Column": "default_group"}}
    assert admin.json("POST", "/admin/imports", wrong)[0] == 400
