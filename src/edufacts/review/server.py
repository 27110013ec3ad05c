"""Serving the review app on 127.0.0.1 with uvicorn, in the foreground (the
CLI) or in a background thread (tests, benchmarks)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from ..errors import ConfigError
from .app import create_app
from .workspace import Workspace

HOST = "127.0.0.1"


def _bind_check(port: int) -> int:
    """The port to use: a free one for 0; a clear error when a given one is taken."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As uvicorn's own socket does: a port left in TIME_WAIT by the last run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError as error:
            raise ConfigError(f"cannot listen on {HOST}:{port}: {error.strerror}") from None
        return int(probe.getsockname()[1])


def make_server(workspace: Workspace, port: int = 0, token: str | None = None) -> tuple[uvicorn.Server, str]:
    port = _bind_check(port)
    config = uvicorn.Config(
        create_app(workspace, token),
        host=HOST,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    return uvicorn.Server(config), f"http://{HOST}:{port}/"


@contextmanager
def serving_in_background(workspace: Workspace, token: str | None = None) -> Iterator[str]:
    """The app on a free port in a thread; yields its address, stops it on exit."""
    server, address = make_server(workspace, 0, token)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ConfigError("the review server did not start")
        time.sleep(0.02)
    try:
        yield address
    finally:
        server.should_exit = True
        thread.join(timeout=10)
