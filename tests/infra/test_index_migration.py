"""A deployed stage reaches the models' indexes one GSI create or delete per stack update."""

from __future__ import annotations

import itertools

from chalicelib.bootstrap import table_definition
from infra.index_migration import index_steps, legacy_index, table_at_step


def names(indexes: list[dict[str, object]]) -> set[str]:
    return {str(index["index_name"]) for index in indexes}


def test_each_step_creates_or_deletes_one_index_from_the_deployed_layout_to_the_models() -> None:
    final = table_definition()["global_secondary_indexes"]
    steps = index_steps(final)
    assert steps[0] == [legacy_index(n) for n in range(1, 13)]
    assert steps[-1] == final
    for before, after in itertools.pairwise(steps):
        assert len(names(before) ^ names(after)) == 1  # CloudFormation: one GSI per update
        assert len(after) <= 20  # DynamoDB's GSI quota
    # GSI11 and GSI12 change projection: deleted, then created; GSI10 goes last, after GSI18.
    assert [len(s) for s in steps] == [12, 11, 12, 11, 12, 13, 14, 15, 16, 17, 18, 17]
    assert "GSI10" in names(steps[-2]) and "GSI18" in names(steps[-2])


def test_a_step_declares_exactly_the_attributes_its_index_keys_use() -> None:
    definition = table_definition()
    step = table_at_step(definition, 0)
    used = {"PK", "SK"} | {f"GSI{n}{part}" for n in range(1, 13) for part in ("PK", "SK")}
    assert {a["AttributeName"] for a in step["attribute_definitions"]} == used
    last = table_at_step(definition, len(index_steps(definition["global_secondary_indexes"])) - 1)
    key = lambda a: a["AttributeName"]  # noqa: E731
    assert sorted(last["attribute_definitions"], key=key) == sorted(
        definition["attribute_definitions"], key=key
    )
