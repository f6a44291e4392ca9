"""`make run` end to end: the local stack as a real process on free ports in a temp data dir.

Each test starts `python -m devtools.local_stack` (the real chalicelib bootstrap and app.py), talks
to its moto and API over 127.0.0.1, and stops it with Ctrl-C (SIGINT) or kill -9, then checks what
the next start finds. A subprocess, not a thread: chalicelib reads the environment at import time
and moto's recorder is a process-wide singleton, so each stack gets a fresh interpreter — exactly
as `make run` does.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from botocore.config import Config

from devtools.recording import RecordingMark, pending_recording

REPO = Path(__file__).resolve().parents[2]
TABLE = "clientele"
BUCKET = "clientele-local"
# Safety nets only: every wait below is on a signal (stack.json, the runner's counts, the process
# exiting), and these generous bounds only decide when a stuck stack fails the test on a busy machine.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
SIGNAL_TIMEOUT = 120.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Stack:
    process: subprocess.Popen[str]
    moto_endpoint: str
    api_url: str

    def client(self, service: str, **kwargs: Any) -> Any:
        make_client: Any = boto3.client  # typed per service name; these tests pass it as a str
        return make_client(
            service,
            endpoint_url=self.moto_endpoint,
            region_name="us-east-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
            **kwargs,
        )

    def runner_status(self) -> dict[str, int]:
        """The event runner's counts (`GET /_local/events`)."""
        response = requests.get(f"{self.api_url}/_local/events", timeout=SIGNAL_TIMEOUT)
        assert response.status_code == 200, response.text
        counts: dict[str, int] = response.json()
        return counts

    def wait_for_bucket_poll(self) -> dict[str, int]:
        """Return once the runner has finished a bucket poll that started after this call.

        A poll in progress now may have listed the bucket before the caller's upload; the one after
        it cannot have. Each poll delivers what it found before it counts, so on return every
        object uploaded before the call has reached its handlers (or failed in them).
        """
        target = self.runner_status()["polls"] + 2
        return self.wait_for_runner(lambda status: status["polls"] >= target)

    def wait_for_runner(self, done: Callable[[dict[str, int]], bool]) -> dict[str, int]:
        """Poll the runner's counts until `done` holds; the timeout is a safety net for a stuck runner."""
        deadline = time.monotonic() + SIGNAL_TIMEOUT
        while not done(status := self.runner_status()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the event runner is stuck: {status}")
            time.sleep(0.05)
        return status

    def interrupt(self) -> str:
        """Ctrl-C, as a person stops `make run`. Returns the process output."""
        self.process.send_signal(signal.SIGINT)
        output, _ = self.process.communicate(timeout=STOP_TIMEOUT)
        assert self.process.returncode == 0, output
        return output

    def kill(self) -> str:
        """kill -9: no shutdown snapshot, no cleanup. Returns the process output."""
        self.process.kill()
        output, _ = self.process.communicate(timeout=STOP_TIMEOUT)
        return output


class Launcher:
    """Starts stacks on one data dir, each on fresh free ports; kills leftovers at teardown."""

    def __init__(self, data_dir: Path, project_dir: Path = REPO) -> None:
        self.data_dir = data_dir
        self.project_dir = project_dir
        self._processes: list[subprocess.Popen[str]] = []

    def environment(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLIENTELE_", "MOTO_"))}
        env.update(
            CLIENTELE_DATA_DIR=str(self.data_dir),
            MOTO_PORT=str(free_port()),
            PORT=str(free_port()),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra)
        return env

    def spawn(self, module: str, *args: str, **extra: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", module, *args],
            cwd=REPO,
            env=self.environment(**extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self._processes.append(process)
        return process

    def start(self, **extra: str) -> Stack:
        process = self.spawn("devtools.local_stack", "--project-dir", str(self.project_dir), **extra)
        deadline = time.monotonic() + START_TIMEOUT
        stack_file = self.data_dir / "stack.json"
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"stack exited early:\n{process.communicate()[0]}")
            info = _read_json(stack_file)
            if info and info.get("pid") == process.pid and info.get("api_url"):
                return Stack(process, info["moto_endpoint"], info["api_url"])
            time.sleep(0.05)
        process.kill()
        pytest.fail(f"stack did not start:\n{process.communicate()[0]}")

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = self.environment()
        return subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "devtools.cli", "--project-dir", str(self.project_dir), *args],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            check=False,
        )

    def close(self) -> None:
        for process in self._processes:
            if process.poll() is None:
                process.kill()
                process.communicate()


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[Launcher]:
    launcher = Launcher(tmp_path / "data")
    yield launcher
    launcher.close()


# Outside every prefix the stack's event runner delivers (imports/, exports/, inbound/, ...): under
# imports/ the running stack imported the sample and then deleted it as a finished import's source,
# so whether the object survived depended on when the kill came (a flaky failure in CI).
SAMPLE_KEY = "samples/customers list.csv"


def write_sample_data(stack: Stack) -> None:
    """One write of each kind the app makes: item, update, transaction, delete, uploads."""
    dynamodb = stack.client("dynamodb")
    dynamodb.put_item(
        TableName=TABLE,
        Item={
            "PK": {"S": "TEST#1"},
            "SK": {"S": "A"},
            "count": {"N": "1"},
            "blob": {"B": b"\x00\xff"},
            "tags": {"SS": ["x", "y"]},
            "nested": {"M": {"B": {"S": "a string under a key named B"}}},
        },
    )
    dynamodb.update_item(
        TableName=TABLE,
        Key={"PK": {"S": "TEST#1"}, "SK": {"S": "A"}},
        UpdateExpression="ADD #c :n",
        ExpressionAttributeNames={"#c": "count"},
        ExpressionAttributeValues={":n": {"N": "41"}},
    )
    dynamodb.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": {"PK": {"S": "TEST#2"}, "SK": {"S": "A"}}}},
            {"Put": {"TableName": TABLE, "Item": {"PK": {"S": "TEST#3"}, "SK": {"S": "A"}}}},
        ]
    )
    dynamodb.delete_item(TableName=TABLE, Key={"PK": {"S": "TEST#3"}, "SK": {"S": "A"}})

    s3 = stack.client("s3")
    s3.put_object(
        Bucket=BUCKET,
        Key=SAMPLE_KEY,
        Body=b"email;name\n",
        ContentType="text/csv",
        Metadata={"uploaded-by": "test"},
    )
    # Browser-style upload through a presigned URL (SigV4, already expired when replayed).
    presigner = stack.client("s3", config=Config(signature_version="s3v4"))
    url = presigner.generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": "uploads/photo.bin"}, ExpiresIn=1
    )
    assert requests.put(url, data=b"\x89PNG", timeout=10).status_code == 200


def assert_sample_data(stack: Stack) -> None:
    dynamodb = stack.client("dynamodb")
    item = dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "TEST#1"}, "SK": {"S": "A"}})["Item"]
    assert item["count"] == {"N": "42"}
    assert item["blob"] == {"B": b"\x00\xff"}
    assert sorted(item["tags"]["SS"]) == ["x", "y"]
    assert item["nested"] == {"M": {"B": {"S": "a string under a key named B"}}}
    keys = {"TEST#2", "TEST#3"}
    found = {
        k
        for k in keys
        if "Item" in dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": k}, "SK": {"S": "A"}})
    }
    assert found == {"TEST#2"}

    s3 = stack.client("s3")
    csv = s3.get_object(Bucket=BUCKET, Key=SAMPLE_KEY)
    assert csv["Body"].read() == b"email;name\n"
    assert csv["ContentType"] == "text/csv"
    assert csv["Metadata"] == {"uploaded-by": "test"}
    assert s3.get_object(Bucket=BUCKET, Key="uploads/photo.bin")["Body"].read() == b"\x89PNG"


def test_data_survives_ctrl_c_and_restart(launcher: Launcher) -> None:
    # Given a running stack with data written through moto
    stack = launcher.start()
    assert requests.get(f"{stack.api_url}/admin/employees", timeout=10).status_code == 401
    write_sample_data(stack)

    # When it is stopped with Ctrl-C
    output = stack.interrupt()

    # Then the state is in the snapshot, the recording is empty and nothing is left running
    assert "saved" in output
    assert (launcher.data_dir / "snapshot.jsonl").stat().st_size > 0
    assert (launcher.data_dir / "moto-recording.jsonl").read_bytes() == b""
    assert not (launcher.data_dir / "stack.json").exists()
    for url in (stack.api_url, stack.moto_endpoint):
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=2)

    # And the next start restores it from the snapshot
    restarted = launcher.start()
    assert_sample_data(restarted)
    restarted.interrupt()


def test_data_survives_kill_9(launcher: Launcher) -> None:
    # Given a stack that has written data (first start, so no snapshot holds it)
    stack = launcher.start()
    write_sample_data(stack)
    assert (launcher.data_dir / "moto-recording.jsonl").stat().st_size > 0

    # When it is killed with no chance to snapshot
    stack.kill()
    assert (launcher.data_dir / "stack.json").exists()  # stale, must not block the next start

    # Then the next start replays the recording
    restarted = launcher.start()
    assert_sample_data(restarted)
    restarted.kill()

    # And a second crash loses nothing either (snapshot from the start + new recording)
    again = launcher.start()
    assert_sample_data(again)
    again.interrupt()


def test_second_stack_on_the_same_data_dir_is_refused(launcher: Launcher) -> None:
    stack = launcher.start()

    second = launcher.spawn("devtools.local_stack")
    output, _ = second.communicate(timeout=START_TIMEOUT)

    assert second.returncode == 1
    assert "already running" in output
    assert str(stack.process.pid) in output
    assert stack.process.poll() is None
    stack.interrupt()


def test_busy_moto_port_fails_with_a_clear_message(launcher: Launcher) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = launcher.spawn("devtools.local_stack", MOTO_PORT=str(port))
        output, _ = process.communicate(timeout=START_TIMEOUT)

    assert process.returncode == 1
    assert f"port {port}" in output
    assert "MOTO_PORT" in output
    assert "Traceback" not in output
    assert not (launcher.data_dir / "stack.json").exists()


def test_cli_create_admin_against_a_running_stack_and_without_one(launcher: Launcher) -> None:
    email = "owner@example.com"
    # With the stack down, the CLI runs its own moto on the same data dir
    created = launcher.cli("create-admin", email)
    assert created.returncode == 0, created.stderr
    password = created.stdout.split("Password: ", 1)[1].split()[0]

    # The admin exists when the stack starts, and can sign in
    stack = launcher.start()
    login = requests.post(
        f"{stack.api_url}/admin/login", json={"email": email, "password": password}, timeout=10
    )
    assert login.status_code == 200, login.text
    token = login.json()["token"]

    # With the stack up, the CLI writes through the stack's moto (a duplicate is refused there)
    duplicate = launcher.cli("create-admin", email)
    assert duplicate.returncode == 1
    assert "AlreadyExists" in duplicate.stderr
    assert password not in duplicate.stdout + duplicate.stderr

    # The token secret is kept in the data dir: a token survives a restart
    output = stack.kill()
    restarted = launcher.start()
    employees = requests.get(
        f"{restarted.api_url}/admin/employees",
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert employees.status_code == 200, employees.text
    output += restarted.interrupt()
    assert (launcher.data_dir / "token-secret").stat().st_mode & 0o777 == 0o600

    # Nothing the stack logged carries the e-mail or the password
    assert email not in output
    assert password not in output


def test_cli_create_storefront_key_works_against_the_stack(launcher: Launcher) -> None:
    created = launcher.cli("create-storefront-key", "Main shop")
    assert created.returncode == 0, created.stderr
    key = created.stdout.split("Key: ", 1)[1].split()[0]
    stack = launcher.start()
    cart = requests.post(f"{stack.api_url}/store/carts", timeout=10).json()
    line = {"quantity": 1, "unit_price": "9.90", "product_name": "Mug"}
    path = f"{stack.api_url}/store/carts/{cart['id']}/lines/mug-1"
    guest = {"X-Cart-Token": cart["cart_token"]}
    assert requests.put(path, json=line, headers=guest, timeout=10).status_code == 401
    written = requests.put(path, json=line, headers=guest | {"X-Storefront-Key": key}, timeout=10)
    assert written.status_code == 200, written.text
    output = stack.interrupt()
    assert key not in output
    assert launcher.cli("create-storefront-key", "").returncode == 1


def test_cli_run_schedule_with_an_unknown_name_lists_the_known_ones(launcher: Launcher) -> None:
    result = launcher.cli("run-schedule", "no-such-schedule")

    assert result.returncode == 2
    assert "no schedule named 'no-such-schedule'" in result.stderr


EVENT_APP = """
import json
import os

from chalice import Chalice

app = Chalice(app_name="clientele")


@app.on_cw_event(
    {"source": ["aws.s3"], "detail-type": ["Object Created"],
     "detail": {"object": {"key": [{"prefix": "imports/"}]}}},
    name="on_import",
)
def on_import(event):
    with open(os.environ["EVENT_LOG"], "a") as log:
        log.write(json.dumps(event.to_dict()) + "\\n")


@app.route("/")
def index():
    return {"ok": True}
"""


@pytest.fixture
def event_project(tmp_path: Path) -> Path:
    """A minimal Chalice project with an S3 event handler, served by the real local stack."""
    project = tmp_path / "project"
    (project / ".chalice").mkdir(parents=True)
    (project / ".chalice" / "config.json").write_text((REPO / ".chalice/config.json").read_text())
    (project / "app.py").write_text(textwrap.dedent(EVENT_APP))
    return project


def logged_events(path: Path) -> list[dict[str, Any]]:
    with contextlib.suppress(FileNotFoundError):
        return [json.loads(line) for line in path.read_text().splitlines()]
    return []


def test_presigned_upload_becomes_an_eventbridge_event(tmp_path: Path, event_project: Path) -> None:
    launcher = Launcher(tmp_path / "data", project_dir=event_project)
    event_log = tmp_path / "events.jsonl"
    try:
        stack = launcher.start(EVENT_LOG=str(event_log))
        assert requests.get(stack.api_url, timeout=10).json() == {"ok": True}
        s3 = stack.client("s3")
        url = s3.generate_presigned_url(
            "put_object", Params={"Bucket": BUCKET, "Key": "imports/7/a.csv"}, ExpiresIn=60
        )
        assert requests.put(url, data=b"a;b\n", timeout=10).status_code == 200
        s3.put_object(Bucket=BUCKET, Key="exports/ignored.csv", Body=b"x")

        # Waits on the runner's own signal (a finished poll after the uploads), not on a budget.
        status = stack.wait_for_bucket_poll()
        assert (status["objects"], status["deliveries"], status["failures"]) == (2, 1, 0)
        (event,) = logged_events(event_log)
        assert event["detail-type"] == "Object Created"
        assert event["source"] == "aws.s3"
        assert event["detail"]["object"]["key"] == "imports/7/a.csv"
        assert event["detail"]["object"]["size"] == 4
        assert event["resources"] == [f"arn:aws:s3:::{BUCKET}"]
        stack.interrupt()

        # A restart does not deliver the same object again
        restarted = launcher.start(EVENT_LOG=str(event_log))
        s3 = restarted.client("s3")
        s3.put_object(Bucket=BUCKET, Key="imports/8/b.csv", Body=b"b")
        assert restarted.wait_for_bucket_poll()["deliveries"] == 1
        events = logged_events(event_log)
        restarted.interrupt()
        assert [e["detail"]["object"]["key"] for e in events] == [
            "imports/7/a.csv",
            "imports/8/b.csv",
        ]
    finally:
        launcher.close()


# ------------------------------------------------------------------------------------------
# The recording/snapshot overlap rule, without processes


def recorded(*targets: str) -> bytes:
    return b"".join(json.dumps({"method": "POST", "url": t}).encode() + b"\n" for t in targets)


def test_recording_already_in_the_snapshot_is_not_replayed_twice() -> None:
    # A crash after the snapshot was written but before the recording was reset
    covered = recorded("UpdateItem ADD 1")
    later = recorded("PutItem")

    pending, dropped = pending_recording(covered + later, RecordingMark.of(covered))

    assert pending == later
    assert dropped == 0


def test_recording_reset_after_the_snapshot_is_replayed_whole() -> None:
    old = recorded("UpdateItem ADD 1")
    new = recorded("PutItem")

    pending, _ = pending_recording(new, RecordingMark.of(old))

    assert pending == new


def test_torn_last_line_from_a_kill_is_dropped() -> None:
    whole = recorded("PutItem")

    pending, dropped = pending_recording(whole + b'{"method": "PO', None)

    assert pending == whole
    assert dropped == 1
