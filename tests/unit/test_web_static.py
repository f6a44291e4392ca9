"""The local stack's web UI server (devtools/web_static.py): the UI's files, its icon, a 404 (not
chalice local's 403) for a file it does not have, and the API untouched (issue 16 §5)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from chalice import Chalice
from chalice.config import Config
from chalice.local import create_local_server

from devtools.web_static import serve_web

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def ui(tmp_path: Path) -> Iterator[str]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<!doctype html><link rel="icon" href="./favicon.svg">')
    (dist / "favicon.svg").write_bytes((REPO / "web" / "public" / "favicon.svg").read_bytes())
    app = Chalice("web-static-test")

    @app.route("/store/ping")
    def ping() -> dict[str, bool]:
        return {"ok": True}

    server = create_local_server(app, Config(chalice_stage="local"), "127.0.0.1", 0)
    serve_web(server, dist)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server.server_address[1]}"
    finally:
        server.server.shutdown()
        server.server.server_close()
        thread.join(timeout=5)


def test_the_ui_ships_an_icon_its_page_links() -> None:
    assert 'rel="icon"' in (REPO / "web" / "index.html").read_text()
    assert (REPO / "web" / "public" / "favicon.svg").read_bytes().startswith(b"<svg")


def test_the_icon_is_served_and_a_missing_file_is_404_not_403(ui: str) -> None:
    icon = requests.get(f"{ui}/favicon.svg", timeout=10)
    assert icon.status_code == 200 and icon.headers["Content-Type"].startswith("image/svg+xml")
    for missing in ("/favicon.ico", "/assets/gone.js", "/no/such/page", "/../etc/passwd"):
        answer = requests.get(ui + missing, timeout=10)
        assert answer.status_code == 404, missing
        assert "Content-Security-Policy" in answer.headers
        assert requests.head(ui + missing, timeout=10).status_code == 404
    # The API is still chalice local's: its routes, and its own answer for unknown API paths.
    assert requests.get(f"{ui}/store/ping", timeout=10).json() == {"ok": True}
    assert requests.get(f"{ui}/store/nothing-here", timeout=10).status_code == 403
