"""The layers of chalicelib/ (pyproject.toml's [tool.importlinter] contracts, also run by `make test`'s
lint step), the two contract types devtools/import_contracts.py adds, and app.py's imports (app.py is
no package, so import-linter cannot see it)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import grimp
import pytest
from importlinter import configuration
from importlinter.application.use_cases import lint_imports

from devtools.import_contracts import AcyclicContract, ExportsContract, strongly_connected

ROOT = Path(__file__).resolve().parents[2]


def test_the_tree_keeps_every_import_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    # Not importlinter.cli: it reconfigures logging and so disables the app's loggers for the tests
    # that run after this one in the same process. No cache (cache_dir=None): the xdist workers
    # would write it at the same time.
    configuration.configure()
    assert lint_imports(config_filename=str(ROOT / "pyproject.toml"), cache_dir=None, no_logo=True)


def test_app_imports_only_the_edge_and_core() -> None:
    tree = ast.parse((ROOT / "app.py").read_text())
    imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)] + [
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    ]
    ours = [name for name in imported if name.split(".")[0] == "chalicelib"]
    assert ours
    assert [n for n in ours if not n.startswith(("chalicelib.handlers.", "chalicelib.core."))] == []


def test_nothing_in_chalicelib_imports_app() -> None:
    graph = grimp.build_graph("chalicelib", include_external_packages=True, cache_dir=None)
    assert "app" not in graph.modules or not graph.find_modules_that_directly_import("app")


def _graph(*imports: tuple[str, str]) -> grimp.ImportGraph:
    graph = grimp.ImportGraph()
    for importer, imported in imports:
        for name in (importer, imported):
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):
                graph.add_module(".".join(parts[:depth]))
        graph.add_import(importer=importer, imported=imported, line_number=3, line_contents="import")
    return graph


def _exports(**options: Any) -> ExportsContract:
    return ExportsContract(
        name="exports",
        session_options={"root_packages": ["pkg"]},
        contract_options={
            "features": ["pkg.a", "pkg.b"],
            "exports": ["pkg.*.domain"],
            "allowed_importers": ["pkg.root"],
            **options,
        },
    )


def test_exports_let_a_feature_use_anything_of_its_own_and_only_the_exports_of_another() -> None:
    graph = _graph(
        ("pkg.a.service", "pkg.a.repository"),  # within a feature: free
        ("pkg.a.service", "pkg.b.domain"),  # exported
        ("pkg.a.repository", "pkg.b.repository"),  # another feature's storage
        ("pkg.root", "pkg.b.repository"),  # the composition root
        ("pkg.edge", "pkg.a.repository"),  # the edge is outside every feature too
    )

    check = _exports().check(graph, verbose=False)

    assert not check.kept
    assert [(importer, imported) for importer, imported, _ in check.metadata["illegal"]] == [
        ("pkg.edge", "pkg.a.repository"),
        ("pkg.a.repository", "pkg.b.repository"),
    ]


def test_an_ignored_import_is_let_through() -> None:
    graph = _graph(("pkg.a.repository", "pkg.b.repository"), ("pkg.root", "pkg.a.service"))

    check = _exports(ignore_imports=["pkg.a.repository -> pkg.b.repository"]).check(graph, verbose=False)

    assert check.kept
    assert check.ignored_import_count == 1


def test_a_module_cycle_is_found_however_long_and_a_package_cycle_is_not_one() -> None:
    graph = _graph(
        ("pkg.a.one", "pkg.b.two"),
        ("pkg.b.two", "pkg.c.three"),
        ("pkg.c.three", "pkg.a.one"),
        ("pkg.a.x", "pkg.b.y"),  # the packages a and b lean on each other, no module does
        ("pkg.b.z", "pkg.a.w"),
    )
    contract = AcyclicContract(
        name="acyclic", session_options={"root_packages": ["pkg"]}, contract_options={"packages": ["pkg"]}
    )

    check = contract.check(graph, verbose=False)

    assert not check.kept
    assert check.metadata["cycles"] == [["pkg.a.one", "pkg.b.two", "pkg.c.three"]]


def test_strongly_connected_groups() -> None:
    edges = {"a": {"b"}, "b": {"a", "c"}, "c": {"d"}, "d": {"c"}, "e": {"e", "a"}}

    assert strongly_connected(edges) == [["a", "b"], ["c", "d"]]
    assert strongly_connected({str(i): {str(i + 1)} for i in range(5000)}) == []  # no recursion limit
