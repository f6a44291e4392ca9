"""Two import-linter contract types the built-in ones cannot express (registered in pyproject.toml's
[tool.importlinter] `contract_types`, run by `lint-imports` in `make test`).

- `exports`: a feature package is imported from outside only through the modules it exports. The
  built-in `forbidden`/`protected` contracts list what is private, so a new module would be public
  until someone remembers to list it; here a module is private unless an `exports` expression names
  it. (A package's `__init__.py` stays a docstring: re-exporting from it would make every importer
  load the whole feature at cold start.)
- `acyclic`: no import cycle between any two modules (TYPE_CHECKING imports included). The
  built-in `acyclic_siblings`, also in pyproject.toml, does the same for the feature packages as
  wholes; this one also catches a loop inside one package.
"""

from __future__ import annotations

from collections.abc import Iterable

import grimp
from importlinter import Contract, ContractCheck, fields, output
from importlinter.application import contract_utils
from importlinter.domain import helpers


def _names(graph: grimp.ImportGraph, expressions: Iterable[object], as_packages: bool) -> set[str]:
    return {
        m.name
        for m in helpers.module_expressions_to_modules(graph, expressions, as_packages=as_packages)  # type: ignore[arg-type]
    }


def _inside(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


class ExportsContract(Contract):
    """Modules outside a feature import only its exported modules.

    Options:
        features:           the feature packages (module expressions).
        exports:            the modules other code may import (module expressions, e.g.
                            `chalicelib.*.domain`); importing the package itself is always allowed.
        allowed_importers:  modules that may import anything (the composition root).
        ignore_imports:     imports let through, each with its reason in a comment (optional).
    """

    type_name = "exports"

    features = fields.ListField(subfield=fields.ModuleExpressionField())
    exports = fields.ListField(subfield=fields.ModuleExpressionField())
    allowed_importers = fields.ListField(subfield=fields.ModuleExpressionField(), required=False)
    ignore_imports = fields.SetField(subfield=fields.ImportExpressionField(), required=False)
    unmatched_ignore_imports_alerting = fields.EnumField(
        contract_utils.AlertLevel, default=contract_utils.AlertLevel.ERROR
    )

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        removal = contract_utils.remove_ignored_imports_and_report(
            graph=graph,
            ignore_imports=self.ignore_imports,  # type: ignore[arg-type]
            unmatched_alerting=self.unmatched_ignore_imports_alerting,  # type: ignore[arg-type]
        )
        features = sorted(_names(graph, self.features, as_packages=False))  # type: ignore[arg-type]
        exported = _names(graph, self.exports, as_packages=False)  # type: ignore[arg-type]
        free = _names(graph, self.allowed_importers or [], as_packages=True)  # type: ignore[arg-type]
        illegal: list[tuple[str, str, tuple[int, ...]]] = []
        for feature in features:
            for imported in sorted(graph.find_descendants(feature)):
                if imported in exported:
                    continue
                for importer in sorted(graph.find_modules_that_directly_import(imported)):
                    if _inside(importer, feature) or importer in free:
                        continue
                    details = graph.get_import_details(importer=importer, imported=imported)
                    illegal.append((importer, imported, tuple(d["line_number"] for d in details)))
        return ContractCheck(
            kept=not illegal,
            warnings=list(removal.warnings),
            ignored_import_count=removal.ignored_import_count,
            metadata={"illegal": illegal},
        )

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error("Imports of a module its feature does not export:", bold=False)
        output.new_line()
        for importer, imported, lines in check.metadata["illegal"]:
            output.print_error(f"- {importer} -> {imported} (l.{', '.join(map(str, lines))})", bold=False)
        output.new_line()


class AcyclicContract(Contract):
    """No module of `packages` reaches itself through its imports (TYPE_CHECKING ones included:
    mypy and a reader follow them too).

    Options:
        packages:   the packages whose modules are checked (module expressions).
    """

    type_name = "acyclic"

    packages = fields.ListField(subfield=fields.ModuleExpressionField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        modules = _names(graph, self.packages, as_packages=True)  # type: ignore[arg-type]
        cycles = strongly_connected(
            {m: {i for i in graph.find_modules_directly_imported_by(m) if i in modules} for m in modules}
        )
        return ContractCheck(kept=not cycles, warnings=None, metadata={"cycles": cycles})

    def render_broken_contract(self, check: ContractCheck) -> None:
        output.print_error(
            "Modules that import each other (directly or through the others listed):", bold=False
        )
        output.new_line()
        for cycle in check.metadata["cycles"]:
            output.print_error("- " + ", ".join(cycle), bold=False)
        output.new_line()


def strongly_connected(edges: dict[str, set[str]]) -> list[list[str]]:
    """The groups of two or more nodes that reach each other (Tarjan's algorithm, iterative so a
    deep import chain cannot hit the recursion limit), each sorted, in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return sorted(found)
