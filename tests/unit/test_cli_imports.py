"""The CLI's import options (devtools.cli_imports): --option KEY=VALUE typed by ImportOptions."""

from __future__ import annotations

import argparse
from dataclasses import replace

import pytest

from chalicelib.imports.domain import ImportOptions
from devtools.cli_imports import CliUsageError, given_options


def args(*options: str) -> argparse.Namespace:
    return argparse.Namespace(option=list(options), mapping=None, preview=False)


def test_options_are_typed_from_the_import_options_contract() -> None:
    given = given_options(
        args(
            "delimiter=,",
            "encoding=windows-1252",
            "skip-lines=2",
            "create_missing_groups=true",
            'group_map={"3": "vip"}',
        )
    )
    assert replace(ImportOptions(), **given) == ImportOptions(
        delimiter=",",
        encoding="windows-1252",
        skip_lines=2,
        create_missing_groups=True,
        group_map={"3": "vip"},
    )
    # Only what was given: a saved mapping's other options stay as saved.
    assert given_options(args("skip_lines=0")) == {"skip_lines": 0} and given_options(args()) == {}


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("colour=red", "KEY one of"),
        ("preview=true", "KEY one of"),  # --preview, as --mapping NAME, is a flag of its own
        ("skip_lines=two", "whole number"),
        ("create_missing_groups=maybe", "true or false"),
        ("mapping=[1]", "JSON object"),
        ("delimiter", "KEY=VALUE"),
    ],
)
def test_bad_options_are_usage_errors(option: str, message: str) -> None:
    with pytest.raises(CliUsageError, match=message):
        given_options(args(option))


class _GaveUp:
    def __init__(self) -> None:
        self.value = False

    def gave_up(self) -> bool:
        return self.value


def test_following_stops_only_once_the_runner_gave_up_and_the_job_stood_still() -> None:
    from devtools.cli_imports import STALL_SECONDS, _Stall

    now = [0.0]
    delivery = _GaveUp()
    stalled = _Stall(delivery, clock=lambda: now[0])
    assert not stalled("job v1")
    now[0] = STALL_SECONDS + 1
    assert not stalled("job v1")  # unchanged, but the runner has not given up: a slow batch
    delivery.value = True
    assert stalled("job v1")
    assert not stalled("job v2")  # it moved again: still followed
    assert not _Stall(None, clock=lambda: now[0])("job v1")  # a running stack's runner: never
