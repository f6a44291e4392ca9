"""The back-office web UI (web/dist, built by `make web`) served by the local stack's API server.

Same origin as the API, so the browser needs no CORS locally: `GET /` is the app's index.html and
`GET /assets/...` its hashed files; every other request (the API: /admin, /store, /openapi.json)
goes to `chalice local` unchanged. Static responses carry the Content-Security-Policy the UI is
built for (no inline scripts); `connect-src` adds the local S3 (moto) endpoint, where the import
screen PUTs CSV files through the API's presigned URLs.
"""

from __future__ import annotations

import functools
import mimetypes
from pathlib import Path
from typing import Any

API_PREFIXES = ("/admin/", "/store/")
API_PATHS = ("/admin", "/store", "/openapi.json")

NOT_FOUND = b"<!doctype html><title>Not found</title><p>Not found.</p>"

NOT_BUILT = (
    b"<!doctype html><title>Clientele</title><p>The web UI is not built. "
    b"Run <code>make web</code> (or <code>make run</code>, which builds it) and reload.</p>"
)


def content_security_policy(connect_extra: str = "") -> str:
    """The UI's policy: scripts and styles only from this origin, no inline script, no plugins;
    message HTML (later) only in sandboxed srcdoc frames."""
    connect = " ".join(part for part in ("'self'", connect_extra) if part)
    return "; ".join(
        (
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            "frame-src 'self' about:",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


def is_api_path(path: str) -> bool:
    """Whether a request path belongs to the API (chalice local answers it, never the UI's files)."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    return path in API_PATHS or path.startswith(API_PREFIXES)


def static_file(dist: Path, path: str) -> Path | None:
    """The file under `dist` a request path names, or None (API paths, missing files, traversal)."""
    path = path.split("?", 1)[0].split("#", 1)[0]
    if is_api_path(path):
        return None
    relative = "index.html" if path in ("/", "/index.html") else path.lstrip("/")
    try:
        root = dist.resolve(strict=True)
        candidate = (root / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if root not in candidate.parents or not candidate.is_file():
        return None
    return candidate


def serve_web(server: Any, dist: Path, connect_extra: str = "") -> None:
    """Wrap the chalice local request handler so that GET/HEAD of the UI's files are answered
    from `dist`; everything else is left to chalice local."""
    http_server = server.server
    handler_factory = http_server.RequestHandlerClass
    if not isinstance(handler_factory, functools.partial):
        return
    base: Any = handler_factory.func
    policy = content_security_policy(connect_extra)

    class WebHandler(base):  # type: ignore[misc]
        def _static(self, with_body: bool) -> bool:
            bare = self.path.split("?", 1)[0]
            if is_api_path(bare):
                return False
            found = static_file(dist, bare)
            if found is None:
                if bare in ("/", "/index.html") and not (dist / "index.html").is_file():
                    self._send(503, "text/html; charset=utf-8", NOT_BUILT, with_body, "no-store")
                    return True
                # A file the UI does not have is a 404, as a static host answers (chalice local
                # would say 403 "Missing Authentication Token", and browsers log it as an error).
                self._send(404, "text/html; charset=utf-8", NOT_FOUND, with_body, "no-store")
                return True
            media = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
            if media.startswith("text/") or media in ("application/javascript", "image/svg+xml"):
                media += "; charset=utf-8"
            # Hashed asset names never change content; index.html must always be fresh.
            cache = "public, max-age=31536000, immutable" if "/assets/" in bare else "no-store"
            self._send(200, media, found.read_bytes(), with_body, cache)
            return True

        def _send(self, status: int, media: str, body: bytes, with_body: bool, cache: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", cache)
            self.send_header("Content-Security-Policy", policy)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("X-Frame-Options", "DENY")
            self.end_headers()
            if with_body:
                self.wfile.write(body)

        def do_GET(self) -> None:  # noqa: N802 - http.server names it
            if not self._static(with_body=True):
                super().do_GET()

        def do_HEAD(self) -> None:  # noqa: N802 - http.server names it
            if not self._static(with_body=False):
                super().do_HEAD()

    http_server.RequestHandlerClass = functools.partial(
        WebHandler, *handler_factory.args, **handler_factory.keywords
    )
