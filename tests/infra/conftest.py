"""Synthesise the CDK app once per test session (one subprocess, shared by the xdist workers)."""

from __future__ import annotations

import fcntl
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.stages import PROJECT_DIR, cdk_context, stages


@dataclass(frozen=True)
class Synthesis:
    outdir: Path
    templates: dict[str, dict[str, Any]]  # stage name → CloudFormation template
    nag: dict[str, Any]  # cdk-nag.json
    seconds: float  # wall clock (depends on what else the machine runs)
    cpu_seconds: float  # CPU time of the synthesis and its children (python, jsii's node)


def _synthesise(workdir: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CLIENTELE_", "POWERTOOLS_", "AWS_"))}
    env.update(
        PYTHONPATH=str(PROJECT_DIR),
        CDK_OUTDIR=str(workdir / "cdk.out"),
        AWS_DEFAULT_REGION="us-east-1",
        JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION="1",
    )
    if not (PROJECT_DIR / "web" / "dist" / "index.html").is_file():
        # The stack deploys the built UI only when it exists (make synth/deploy build it first);
        # the tests check that deployment too, so they build it as make does.
        make = shutil.which("make") or "make"
        subprocess.run(  # noqa: S603 (make, the project's own target)
            [make, "--no-print-directory", "-C", str(PROJECT_DIR), "web"], check=True, timeout=600
        )
    started = time.monotonic()
    cpu_before = _children_cpu()
    result = subprocess.run(
        [sys.executable, "-m", "infra.app"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    (workdir / "synth.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        raise RuntimeError(f"synthesis failed ({result.returncode}):\n{result.stderr[-4000:]}")
    (workdir / "cpu_seconds").write_text(f"{_children_cpu() - cpu_before:.1f}")
    (workdir / "seconds").write_text(f"{time.monotonic() - started:.1f}")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@pytest.fixture(scope="session")
def synthesis(tmp_path_factory: pytest.TempPathFactory) -> Synthesis:
    # With pytest-xdist each worker has its own basetemp under the session's directory: the first
    # worker synthesises under the lock, the others wait and read the same cloud assembly. Without
    # xdist the basetemp *is* the session's directory (its parent is shared by every session and
    # checkout on the machine, which would hand out another run's templates).
    basetemp = tmp_path_factory.getbasetemp()
    session_dir = basetemp.parent if os.environ.get("PYTEST_XDIST_WORKER") else basetemp
    shared = session_dir / "infra-synth"
    shared.mkdir(exist_ok=True)
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (shared / "seconds").exists():
                _synthesise(shared)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    outdir = shared / "cdk.out"
    templates = {
        stage.name: json.loads((outdir / f"{stage.stack_name}.template.json").read_text())
        for stage in stages(cdk_context())
    }
    return Synthesis(
        outdir=outdir,
        templates=templates,
        nag=json.loads((outdir / "cdk-nag.json").read_text()),
        seconds=float((shared / "seconds").read_text()),
        cpu_seconds=float((shared / "cpu_seconds").read_text()),
    )


@pytest.fixture(scope="session", params=[stage.name for stage in stages(cdk_context())])
def stage_name(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name
