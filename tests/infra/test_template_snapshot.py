"""Each stage's synthesised CloudFormation template is the committed golden one, asset hashes aside."""

from __future__ import annotations

from tests.infra.conftest import Synthesis
from tests.snapshots.golden import assert_matches_golden, without_asset_hashes


def test_template_is_the_golden_one(synthesis: Synthesis, stage_name: str) -> None:
    template = without_asset_hashes(synthesis.templates[stage_name])
    assert_matches_golden(f"template-{stage_name}.json", template)
