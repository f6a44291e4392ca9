"""The embedded S3 takes any upload as S3 does (issue 17 §7): a presigned PUT with any
Content-Type and any bytes is stored exactly, and its recording replays the same bytes.

One LocalAws in a subprocess (chalicelib reads the environment at import time and moto's recorder
is a process-wide singleton): it uploads the bodies, reads them back, deletes them with the
recorder off, replays the recording (what the next start does after a kill -9) and reads again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

DRIVER = textwrap.dedent(
    """
    import base64, http.client, json, sys, urllib.request
    from pathlib import Path
    from urllib.parse import urlsplit

    import boto3

    from devtools.local_aws import LocalAws
    from devtools.recording import MotoAdmin

    aws = LocalAws(Path(sys.argv[1]), 0).start()
    from chalicelib.core.settings import get_settings

    bucket = get_settings().bucket_name
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=aws.endpoint)
    url = lambda key: s3.generate_presigned_url(
        "put_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=60
    )
    cp1252 = "Email;Prénom\\r\\nh@example.com;Hélène\\r\\n".encode("cp1252")
    utf8_form = "Action=DeleteTable&TableName=clientele&x=a+b%20c\\nZoé".encode()
    binary = bytes(range(256)) * 4
    results = {}
    # urllib's default Content-Type: application/x-www-form-urlencoded (the issue's hang).
    request = urllib.request.Request(url("imports/1/a.csv"), data=cp1252, method="PUT")
    results["urllib"] = urllib.request.urlopen(request, timeout=10).status
    # curl --data-binary: the same type, and a body that reads as an AWS query.
    request = urllib.request.Request(url("imports/2/b.csv"), data=utf8_form, method="PUT")
    results["query"] = urllib.request.urlopen(request, timeout=10).status
    # Any type, any bytes, chunked (no Content-Length).
    parts = urlsplit(url("imports/3/c.bin"))
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request(
        "PUT",
        f"{parts.path}?{parts.query}",
        body=iter([binary[:300], binary[300:]]),
        headers={"Content-Type": "multipart/form-data; boundary=x"},
        encode_chunked=True,
    )
    results["chunked"] = connection.getresponse().status

    def stored():
        return {
            key: [base64.b64encode(o["Body"].read()).decode(), o["ContentType"]]
            for key in ("imports/1/a.csv", "imports/2/b.csv", "imports/3/c.bin")
            for o in [s3.get_object(Bucket=bucket, Key=key)]
        }

    results["stored"] = stored()
    admin = MotoAdmin(aws.endpoint)
    admin.stop_recording()
    s3.delete_objects(
        Bucket=bucket,
        Delete={"Objects": [{"Key": k} for k in results["stored"]]},
    )
    admin.replay_recording()
    results["replayed"] = stored()
    results["expected"] = [base64.b64encode(b).decode() for b in (cp1252, utf8_form, binary)]
    aws.stop(snapshot=False)
    print("RESULT " + json.dumps(results))
    """
)


def test_presigned_puts_with_any_type_and_bytes_are_stored_and_replayed_exactly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CLIENTELE_", "MOTO_"))}
    env.update(CLIENTELE_DATA_DIR=str(tmp_path / "data"), PYTHONPATH=str(REPO))
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", DRIVER, str(tmp_path / "data")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert done.returncode == 0 and lines, done.stdout[-2000:] + done.stderr[-3000:]
    results = json.loads(lines[0].removeprefix("RESULT "))
    assert (results["urllib"], results["query"], results["chunked"]) == (200, 200, 200)
    cp1252, utf8_form, binary = results["expected"]
    expected = {
        "imports/1/a.csv": [cp1252, "application/x-www-form-urlencoded"],
        "imports/2/b.csv": [utf8_form, "application/x-www-form-urlencoded"],
        "imports/3/c.bin": [binary, "multipart/form-data; boundary=x"],
    }
    assert results["stored"] == expected
    assert results["replayed"] == expected
