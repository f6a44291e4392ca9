"""The CDK app: `python -m infra.app` (make synth) or the CDK CLI (make deploy, cdk.json's "app").

Synthesises one stack per stage in cdk.json (or only `-c stage=NAME`), checks it with cdk-nag's
AwsSolutions pack and fails when a finding is left unsuppressed. Needs no AWS credentials.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import aws_cdk as cdk

from infra.nag import NAG_REPORT, check
from infra.stages import cdk_context, stages


def main() -> int:
    # chalice's packager asks for a region; the template itself uses ${AWS::Region}.
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    # chalice.cdk packages into ./chalice.out, one directory per synthesis: keep only the current one.
    shutil.rmtree(Path.cwd() / "chalice.out", ignore_errors=True)
    # The CDK CLI names the output directory (CDK_OUTDIR); run directly, it is ./cdk.out.
    outdir = os.environ.get("CDK_OUTDIR") or str(Path.cwd() / "cdk.out")
    app = cdk.App(outdir=outdir, context={**cdk_context()})
    only = app.node.try_get_context("stage")
    from infra.stack import ClienteleStack

    for stage in stages(cdk_context(), only or None):
        ClienteleStack(
            app,
            stage,
            description=f"Clientele {stage.name}: API, event functions, table, bucket, mail, web UI",
        )
    nag = check(app)
    assembly = app.synth()
    (Path(assembly.directory) / NAG_REPORT).write_text(json.dumps(nag, indent=2) + "\n")
    for finding in nag["findings"]:
        print(f"cdk-nag {finding['rule']}: {finding['description']} {finding['resources']}", file=sys.stderr)
    if nag["findings"] or not nag["success"]:
        print(f"{len(nag['findings'])} unacknowledged cdk-nag finding(s), see {NAG_REPORT}", file=sys.stderr)
        return 1
    print(f"synthesised {', '.join(s.stack_name for s in assembly.stacks)} into {assembly.directory}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
