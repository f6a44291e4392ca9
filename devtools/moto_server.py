"""The embedded moto server: moto's ThreadedMotoServer, made to fail fast and take any upload.

Imports moto, which reads its settings (the recorder's file among them) when first imported:
import this only once the environment is prepared (devtools.environment.prepare_environment).
"""

from __future__ import annotations

import socket
import threading
import time

from moto.server import ThreadedMotoServer

from devtools.environment import LOCAL_HOST, LocalStackError

SERVER_START_TIMEOUT_SECONDS = 10.0


def check_port_free(port: int, what: str, variable: str) -> None:
    """Fail with a message a person can act on instead of a bind traceback in a thread."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((LOCAL_HOST, port))
        except OSError:
            raise LocalStackError(
                f"port {port} on {LOCAL_HOST} is already in use, so the {what} can't start; "
                f"stop whatever uses it or set {variable} to another port"
            ) from None


class MotoServer(ThreadedMotoServer):
    """ThreadedMotoServer whose start() raises when it can't bind instead of waiting forever,
    and whose S3 takes any upload (see devtools.moto_uploads).

    (werkzeug calls sys.exit() inside the server thread when the port is taken, so moto's own
    start() would block on its ready event for good.)
    """

    def _server_entry(self) -> None:
        # moto's own _server_entry, with the dispatcher that takes any PUT body as it is.
        from moto.moto_server.werkzeug_app import MotoRequestHandler
        from werkzeug.serving import make_server

        from devtools.moto_uploads import RawUploadDispatcher

        self._server = make_server(
            self._ip_address, self._port, RawUploadDispatcher(), True, request_handler=MotoRequestHandler
        )
        self._server_ready_event.set()
        self._server.serve_forever()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server_entry, daemon=True, name="moto")
        self._thread.start()
        deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
        while not self._server_ready_event.wait(0.02):
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise LocalStackError(f"moto could not listen on {LOCAL_HOST}:{self._port}")
