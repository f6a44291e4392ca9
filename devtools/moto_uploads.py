"""Make the embedded S3 take any upload, as S3 does: any Content-Type, any bytes.

A presigned PUT sent as `application/x-www-form-urlencoded` (the default of Python's urllib and
of `curl --data-binary`) broke moto 5.2.5's server in two ways:

- its dispatcher (moto_server/werkzeug_app.py, `DomainDispatcherApplication._get_body`) reads a
  form body to guess the service from `Action=`, decodes it as UTF-8 and only puts the body back
  when that worked. Windows-1252 bytes fail to decode, the body is gone from the socket, and the
  recorder then waits for Content-Length bytes that never come: the client hangs until it times out;
- werkzeug then parses the body as a form (`Request.want_form_data_parsed`), so even a UTF-8
  body reached S3 as b"" and was stored as an EMPTY object — silently.

Here every PUT body is read from the socket once (Content-Length or chunked) and handed to moto as
a re-readable copy with its length; the dispatcher never reads a PUT body (no AWS API routes a PUT
by its body: S3's PUT body is the object); and moto's request never parses a PUT body as a form.
The Content-Type header itself is left as sent, so S3 stores it as the object's type, as AWS does.
Because the recorder reads that same copy, a replay (after a kill -9) restores the same bytes.

Used by the local stack and the CLI (devtools.moto_server); never by the app.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.werkzeug_app import BackendRequest, DomainDispatcherApplication, create_backend_app

_BODY_METHOD = "PUT"


def _read_body(environ: dict[str, Any]) -> bytes:
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):  # chunked: werkzeug de-chunks and ends the stream
        data: bytes = stream.read()
        return data
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    chunks, left = [], length
    while left > 0:
        chunk = stream.read(min(left, 1 << 20))
        if not chunk:
            break  # the client closed early: moto sees what came
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class RawBodyRequest(BackendRequest):
    """moto's server request, except that a PUT body is never parsed as a form."""

    @property
    def want_form_data_parsed(self) -> bool:
        return self.method != _BODY_METHOD and bool(self.environ.get("CONTENT_TYPE"))


def _backend_app(service: Any) -> Any:
    app = create_backend_app(service)
    app.request_class = RawBodyRequest
    return app


class RawUploadDispatcher(DomainDispatcherApplication):
    """moto's dispatcher, with every PUT body buffered once and never read to guess the service."""

    def __init__(self) -> None:
        super().__init__(_backend_app)

    def _get_body(self, environ: dict[str, Any]) -> str | None:
        if environ.get("REQUEST_METHOD") == _BODY_METHOD:
            return None
        body: str | None = super()._get_body(environ)
        return body

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") == _BODY_METHOD:
            body = _read_body(environ)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            # De-chunked above: what moto (and its recorder, and a replay) see is a plain body.
            environ.pop("HTTP_TRANSFER_ENCODING", None)
            environ["wsgi.input_terminated"] = False
        result: Iterable[bytes] = super().__call__(environ, start_response)
        return result
