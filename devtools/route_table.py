"""Writes chalicelib/handlers/route_table.py from app.py's full registration.

    python -m devtools.route_table

Run it after adding, removing or moving a route: tests/unit/test_route_table.py fails until the
table matches (the API's Lambda function serves only the routes the table names).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from chalicelib.handlers.route_table import RouteTable

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "chalicelib" / "handlers" / "route_table.py"

# The table's module text above its entries (docstring, imports, the RouteTable alias) is kept as
# written: only the entries are generated.
_ENTRIES_START = "ROUTES: RouteTable = {\n"


def route_table(app: Any) -> RouteTable:
    """The app's routes by the module of their view, in registration order."""
    table: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {}
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            route = (method, path, tuple(entry.content_types))
            table.setdefault(entry.view_function.__module__, []).append(route)
    return {module: tuple(routes) for module, routes in table.items()}


def render(table: RouteTable) -> str:
    lines: list[str] = []
    for module, routes in table.items():
        lines.append(f"    {module!r}: (\n")
        lines.extend(f"        ({method!r}, {path!r}, {types!r}),\n" for method, path, types in routes)
        lines.append("    ),\n")
    header = TABLE.read_text().partition(_ENTRIES_START)[0] + _ENTRIES_START
    return header + "".join(lines).replace("'", '"') + "}\n"


def main() -> None:
    from app import app

    TABLE.write_text(render(route_table(app)))
    subprocess.run([sys.executable, "-m", "ruff", "format", "--quiet", str(TABLE)], check=True, cwd=ROOT)
    print(f"wrote {TABLE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
