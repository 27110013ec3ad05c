"""The managed llama.cpp server: llama-cpp-python's OpenAI-compatible server on
127.0.0.1 and a free port, started once per batch, health-checked with a
timeout, and always stopped (also on Ctrl-C or an exception)."""

from __future__ import annotations

import atexit
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from ..errors import ConfigError, LLMError
from .weights import LOCAL_EXTRA_HINT, llama_server_available

logger = logging.getLogger("edufacts")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent() -> None:
    """Linux: the server is killed when we die, also of a signal that runs no
    cleanup (SIGTERM's default action, SIGKILL), so it is never left running.
    SIGKILL, not SIGTERM: uvicorn would first finish the generation under way."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class ManagedServer:
    def __init__(
        self,
        model_path: Path,
        log_path: Path,
        *,
        n_ctx: int = 4096,
        n_threads: int | None = None,
        startup_timeout: float = 180.0,
        chat_format: str | None = None,
    ) -> None:
        self.model_path = model_path
        self.chat_format = chat_format
        self.log_path = log_path
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 2
        self.startup_timeout = startup_timeout
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "edufacts.backends.llama_server",  # llama_cpp.server with lazy grammar sampling
            "--model",
            str(self.model_path),
            "--model_alias",
            self.model_path.stem,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.n_ctx),
            "--n_threads",
            str(self.n_threads),
            *(["--chat_format", self.chat_format] if self.chat_format else []),
        ]

    def start(self) -> None:
        if not llama_server_available():
            raise ConfigError(f"the local backend needs llama-cpp-python's server; run: {LOCAL_EXTRA_HINT}")
        if not self.model_path.is_file():
            raise ConfigError(f"model file not found: {self.model_path}")
        self.port = free_port()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(
                self.command(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                # Its own process group: a Ctrl-C reaches us once, and we stop it in order.
                start_new_session=True,
                preexec_fn=_die_with_parent,
            )
        atexit.register(self.stop)
        logger.info(
            "starting llama-cpp-python's server on port %d with %s (log: %s)",
            self.port,
            self.model_path.name,
            self.log_path,
        )
        self._wait_healthy()
        logger.info("the model server is up")

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            process = self._process
            assert process is not None
            if process.poll() is not None:
                self.stop()
                raise LLMError(
                    f"the llama.cpp server exited with code {process.returncode} while starting; "
                    f"see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.25)
        self.stop()
        raise LLMError(
            f"the llama.cpp server did not answer within {self.startup_timeout:.0f} s; see {self.log_path}"
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        except ProcessLookupError:
            pass

    def __enter__(self) -> ManagedServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
