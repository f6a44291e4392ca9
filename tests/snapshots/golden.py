"""Golden files for what a refactoring must not change: the OpenAPI document and the templates.

A reshaping of the code (issue 18) moves modules, never behaviour: the document the API publishes and
the CloudFormation it deploys stay byte-identical apart from asset hashes, which follow the code.
When a change *means* to alter either, regenerate with `UPDATE_SNAPSHOTS=1 make unit` (or the one test)
and commit the diff: the review then sees the contract change on its own.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

SNAPSHOTS = Path(__file__).parent
# CDK names assets by the SHA-256 of their content (the Lambda zip, the built UI): 64 hex digits.
ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def canonical(document: Any) -> str:
    return json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def without_asset_hashes(template: Any) -> Any:
    return json.loads(ASSET_HASH.sub("<asset-hash>", json.dumps(template)))


def assert_matches_golden(name: str, document: Any) -> None:
    path = SNAPSHOTS / name
    text = canonical(document)
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        path.write_text(text, encoding="utf-8")
    golden = path.read_text(encoding="utf-8")
    assert text == golden, f"{name} changed: if the change is meant, regenerate it with UPDATE_SNAPSHOTS=1"
