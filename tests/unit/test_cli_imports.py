"""The CLI's import options (devtools.cli_imports): --option KEY=VALUE typed by ImportOptions."""

from __future__ import annotations

import argparse

import pytest

from chalicelib.domain.imports import ImportOptions
from devtools.cli_imports import CliUsageError, import_options


def args(*options: str, mapping: str | None = None, preview: bool = False) -> argparse.Namespace:
    return argparse.Namespace(option=list(options), mapping=mapping, preview=preview)


def test_options_are_typed_from_the_import_options_contract() -> None:
    parsed = import_options(
        args(
            "delimiter=,",
            "encoding=windows-1252",
            "skip-lines=2",
            "create_missing_groups=true",
            'group_map={"3": "vip"}',
            mapping="prestashop",
            preview=True,
        )
    )
    assert parsed == ImportOptions(
        delimiter=",",
        encoding="windows-1252",
        skip_lines=2,
        create_missing_groups=True,
        group_map={"3": "vip"},
        mapping_name="prestashop",
        preview=True,
    )
    assert import_options(args()) == ImportOptions()


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("colour=red", "KEY one of"),
        ("skip_lines=two", "whole number"),
        ("create_missing_groups=maybe", "true or false"),
        ("mapping=[1]", "JSON object"),
        ("delimiter", "KEY=VALUE"),
    ],
)
def test_bad_options_are_usage_errors(option: str, message: str) -> None:
    with pytest.raises(CliUsageError, match=message):
        import_options(args(option))
