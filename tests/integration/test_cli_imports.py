"""`make cli ARGS="import customers FILE"` and `... export customers FILE` with no stack running
and no terminal (CI=true): the CLI starts its own embedded AWS, uploads through the presigned URL,
delivers the upload's S3 event to the app's own handler, prints plain progress lines and the
summary; the export writes the file (issue 17 §5)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLIENTELE_", "MOTO_"))}
    env.update(CLIENTELE_DATA_DIR=str(data_dir), CI="true", PYTHONUNBUFFERED="1")
    return subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "devtools.cli", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_cli_import_then_export_without_a_running_stack(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    upload = tmp_path / "clients.csv"
    # As Excel saves it on a French Windows: Windows-1252, `;`, CRLF, a title row above the header.
    data = (
        "Clients 2024;;\r\nAdresse e-mail;Prénom;Nom\r\nh@example.com;Hélène;Müller\r\n"
        "z@example.com;Zoé;Roux\r\nnot-an-email;Cy;Cole\r\n"
    ).encode("cp1252")
    upload.write_bytes(data)

    preview = cli(data_dir, "import", "customers", str(upload), "--option", "skip_lines=1", "--preview")
    assert preview.returncode == 0, preview.stdout + preview.stderr
    assert "  line 3 create: email=h@example.com, first_name=Hélène, last_name=Müller" in preview.stdout
    assert "Nothing was written." in preview.stdout

    imported = cli(data_dir, "import", "customers", str(upload), "--option", "skip_lines=1")
    output = imported.stdout
    assert imported.returncode == 1, output + imported.stderr  # a row failed: not a success
    lines = output.splitlines()
    assert lines[0].startswith("Import ")
    assert lines[0].endswith(f"customers from clients.csv ({len(data)} bytes)")
    # Plain progress lines (no terminal), the last one at the end state.
    progress = [line for line in lines if line.startswith(("pending ", "running ", "completed"))]
    last = "completed_with_errors 100% rows 3 created 2 updated 0 warnings 0 errors 1"
    assert progress[-1].startswith(last)
    assert "rows/s" in progress[-1] and "\x1b[" not in output
    assert "3 row(s) read, 2 created, 0 updated, 0 unchanged, 1 failed" in output
    assert "  line 5, Adresse e-mail: " in output  # the file's own line, title row counted
    assert "not-an-email" not in output  # never echoed
    assert "Report: s3://clientele-local/reports/" in output
    assert '"level"' not in output  # the app's JSON logs don't bury the summary

    exported = tmp_path / "out.csv"
    done = cli(data_dir, "export", "customers", str(exported), "--format", "prestashop8")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "completed — 2 customer(s) written to" in done.stdout
    text = exported.read_text(encoding="utf-8-sig")
    assert text.startswith("ID;Social title;First name;Last name;Email address;")
    assert ";Hélène;Müller;h@example.com;" in text and ";Zoé;Roux;z@example.com;" in text


def test_cli_import_usage_errors_name_the_options(tmp_path: Path) -> None:
    upload = tmp_path / "a.csv"
    upload.write_bytes(b"Email\na@example.com\n")
    done = cli(tmp_path / "data", "import", "customers", str(upload), "--option", "colour=red")
    assert done.returncode == 2 and "skip_lines" in done.stderr


def test_cli_import_against_a_running_stack_is_run_by_the_stacks_event_runner(tmp_path: Path) -> None:
    from tests.integration.test_local_stack import Launcher

    launcher = Launcher(tmp_path / "data")
    upload = tmp_path / "clients.csv"
    upload.write_bytes(b"Email address;First Name;Last name\na@example.com;Ann;Ash\n")
    try:
        stack = launcher.start()
        done = launcher.cli("import", "customers", str(upload))
        assert done.returncode == 0, done.stdout + done.stderr
        assert "completed — 1 row(s) read, 1 created" in done.stdout
        # The stack's runner delivered it: the CLI ran no handler of its own.
        assert stack.runner_status()["deliveries"] >= 1
        stack.interrupt()
    finally:
        launcher.close()
