"""No feature reaches into another's internals (issue 18 §3/§4): a module of one feature package
neither imports another feature's private names nor calls a private attribute on a class or module
it imported from another feature. Transactions that span features use the write-item builders
the owning feature exports (e.g. chalicelib/customers/write_items.py)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "chalicelib"
# Shared layers anyone may use as documented (their `_` names are PynamoDB's or the layer's own).
SHARED = {"core", "models", "handlers"}


def _feature(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "chalicelib" or parts[1] in SHARED:
        return None
    return parts[1]


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def violations(path: Path, source: str | None = None) -> list[str]:
    parts = path.relative_to(ROOT).parts
    own = parts[0] if len(parts) > 1 else None
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    foreign: set[str] = set()  # local names bound to another feature's modules, classes, functions
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            other = _feature(node.module)
            if other is None or other == own:
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{path}:{node.lineno} imports {node.module}.{alias.name}")
                foreign.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                other = _feature(alias.name)
                if other is not None and other != own:
                    foreign.add(alias.asname or alias.name.split(".")[0])
    # Simple aliases (`customers = DynamoCustomerRepository`) are followed once.
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name) and node.value.id in foreign:
            foreign.update(t.id for t in node.targets if isinstance(t, ast.Name))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            base = node.value
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name) and base.id in foreign:
                found.append(f"{path}:{node.lineno} uses {ast.unparse(node)}")
    return found


def test_no_feature_uses_another_features_private_names() -> None:
    found = [v for path in sorted(ROOT.rglob("*.py")) for v in violations(path)]
    assert found == []


def test_the_check_catches_a_private_call_through_an_alias() -> None:
    source = (
        "from chalicelib.customers.repository import DynamoCustomerRepository, _private_helper\n"
        "from chalicelib.carts.repository import _own_helper\n"
        "customers = DynamoCustomerRepository\n"
        "customers._create_items(None, None)\n"
    )
    found = violations(ROOT / "carts" / "probe.py", source)
    assert len(found) == 2
    assert "imports chalicelib.customers.repository._private_helper" in found[0]
    assert "uses customers._create_items" in found[1]
