"""The table's indexes, step by step, from a stage deployed before the profile indexes to the
models' (docs/keys.md, "Migrating a deployed stage").

CloudFormation creates or deletes one GSI per stack update and cannot change a projection in
place, so `cdk deploy -c table_index_step=N` declares step N's indexes instead of the models':
step 0 is the deployed layout (GSI1-GSI12, all ALL), each next step one create or delete, the
last the models'. Indexes whose projection changes are deleted then created (GSI11, GSI12: empty
on such a stage), new ones created (GSI13-GSI18), dropped ones deleted last (GSI10, the old flags
index: only once reads use GSI18).
"""

from __future__ import annotations

from typing import Any

Index = dict[str, Any]
LEGACY_INDEX_COUNT = 12


def legacy_index(number: int) -> Index:
    return {
        "index_name": f"GSI{number}",
        "key_schema": [
            {"AttributeName": f"GSI{number}PK", "KeyType": "HASH"},
            {"AttributeName": f"GSI{number}SK", "KeyType": "RANGE"},
        ],
        "projection": {"ProjectionType": "ALL"},
    }


def _shape(index: Index) -> tuple[Any, ...]:
    """What CloudFormation compares: the name, keys and projection."""
    return index["index_name"], index["key_schema"], index["projection"]


def index_steps(final: list[Index]) -> list[list[Index]]:
    """Every step's index list; consecutive steps differ by one index created or deleted."""
    current = [legacy_index(n) for n in range(1, LEGACY_INDEX_COUNT + 1)]
    wanted = {index["index_name"]: index for index in final}
    steps = [list(current)]

    def apply(change: list[Index]) -> None:
        steps.append(change)

    for index in list(current):  # changed projection or keys: delete, then create
        name = index["index_name"]
        if name in wanted and _shape(wanted[name]) != _shape(index):
            current = [i for i in current if i["index_name"] != name]
            apply(list(current))
            current = [*current, wanted[name]]
            apply(list(current))
    for name, index in wanted.items():  # new indexes
        if name not in {i["index_name"] for i in current}:
            current = [*current, index]
            apply(list(current))
    for index in list(current):  # dropped indexes, last
        if index["index_name"] not in wanted:
            current = [i for i in current if i["index_name"] != index["index_name"]]
            apply(list(current))
    steps[-1] = list(final)  # the same indexes, in the models' order
    return steps


def table_at_step(definition: dict[str, Any], step: int) -> dict[str, Any]:
    """The table definition with step `step`'s indexes and the attributes their keys use."""
    steps = index_steps(definition["global_secondary_indexes"])
    if not 0 <= step < len(steps):
        raise SystemExit(f"table_index_step must be 0..{len(steps) - 1}")
    indexes = steps[step]
    used = {k["AttributeName"] for k in definition["key_schema"]}
    used |= {k["AttributeName"] for index in indexes for k in index["key_schema"]}
    attributes = [{"AttributeName": name, "AttributeType": "S"} for name in sorted(used)]
    return {**definition, "global_secondary_indexes": indexes, "attribute_definitions": attributes}
