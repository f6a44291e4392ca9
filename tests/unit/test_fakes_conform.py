"""Every fake in tests/fakes/ is checked by mypy against its port.

mypy (strict, tests/fakes/ in its `files`) can only hold a fake to its Protocol where the code says
which Protocol it stands for: each fake module ends with `_port_check*` functions taking the fake and
returning the port. This test makes sure no fake is left without one, so a port that grows a method
fails `mypy` until every fake of it has the method too.
"""

from __future__ import annotations

import ast
from pathlib import Path

FAKES = Path(__file__).resolve().parents[1] / "fakes"


def _checked_fakes(tree: ast.Module) -> dict[str, str]:
    """Fake class name → the port its `_port_check*` function returns."""
    checked: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("_port_check"):
            (arg,) = node.args.args
            assert arg.annotation is not None and node.returns is not None, node.name
            checked[ast.unparse(arg.annotation)] = ast.unparse(node.returns)
    return checked


def test_every_fake_has_a_port_check() -> None:
    modules = sorted(p for p in FAKES.glob("*.py") if p.name != "__init__.py")
    assert modules
    unchecked = []
    for module in modules:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        checked = _checked_fakes(tree)
        fakes = [n.name for n in tree.body if isinstance(n, ast.ClassDef) and not n.name.startswith("_")]
        unchecked += [f"{module.name}: {name}" for name in fakes if name not in checked]
    assert unchecked == [], f"fakes without a _port_check: {unchecked}"


def test_mypy_checks_the_fakes() -> None:
    import tomllib

    pyproject = tomllib.loads((FAKES.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    assert {"devtools", "tests/fakes"} <= set(pyproject["tool"]["mypy"]["files"])
