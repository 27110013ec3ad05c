"""Test doubles for batch runs, shared by tests/test_batch.py and
benchmarks/batch_scale.py: a mock OpenAI-compatible endpoint (threaded HTTP
server) and a synthetic corpus cut from the real reports at their headings."""

from __future__ import annotations

import contextlib
import hashlib
import json
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import pairwise
from pathlib import Path
from types import TracebackType
from typing import Any

from edufacts.stages.segment import find_headings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "eval" / "docs"


def answer_value(schema: dict[str, Any], defs: dict[str, Any], rng: random.Random) -> Any:
    """A value that fits `schema`: an enum member picked by `rng`, the first
    branch of anyOf, every property of an object ($refs resolved)."""
    if "$ref" in schema:
        return answer_value(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, rng)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return rng.choice(schema["enum"])
    if "anyOf" in schema:
        return answer_value(schema["anyOf"][0], defs, rng)
    kind = schema.get("type")
    if kind == "object":
        return {key: answer_value(value, defs, rng) for key, value in schema.get("properties", {}).items()}
    if kind == "array":
        return []
    if kind == "string":
        return "测试"
    if kind in ("integer", "number"):
        return 0
    return None if kind == "null" else False


def answer_for(body: dict[str, Any]) -> str:
    """A valid answer for a chat request: from the json_object+schema that
    llama.cpp takes or the json_schema OpenAI takes. The same request always
    gets the same answer (the choice is seeded by the request's messages)."""
    if "response_format" not in body:
        return "是"  # the topic check's one free token (no log-probabilities: no verdict)
    response_format = body["response_format"]
    schema = response_format.get("schema") or response_format["json_schema"]["schema"]
    seed = hashlib.sha256(json.dumps(body["messages"], ensure_ascii=False).encode()).digest()
    rng = random.Random(seed)
    return json.dumps(answer_value(schema, schema.get("$defs", {}), rng), ensure_ascii=False)


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the default backlog of 5 drops connections under --jobs 32
    daemon_threads = True


class MockEndpoint:
    """/v1/models and /v1/chat/completions on 127.0.0.1, each completion after
    a delay drawn from `latency` (seconds, uniform). Counts requests in flight
    (max, and the time-weighted mean while any was open). With `hold_after`,
    requests beyond that many wait until release(). With `meet`, the first
    that many requests wait for each other (a 500 if they never all come)."""

    def __init__(
        self,
        latency: tuple[float, float] = (0.0, 0.0),
        hold_after: int | None = None,
        meet: int = 0,
        broken: bool = False,
        seed: int = 0,
    ) -> None:
        self.broken = broken
        """Answer every call with invalid JSON."""
        self.latency = latency
        self.hold_after = hold_after
        self.meet = meet
        self._barrier = threading.Barrier(max(meet, 1), timeout=20)
        self._released = threading.Event()
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.requests = 0
        self.chunks: list[str] = []
        """The user message of every completion request, in arrival order."""
        self.in_flight = 0
        self.max_in_flight = 0
        self._busy_area = 0.0
        self._busy_seconds = 0.0
        self._changed = 0.0
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, payload: dict[str, Any]) -> None:
                data = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)  # unless the client is gone (an interrupted batch)

            def do_GET(self) -> None:
                self._send({"object": "list", "data": [{"id": "mock", "object": "model", "owned_by": "t"}]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["content-length"])))
                try:
                    payload = endpoint._complete(body)
                except threading.BrokenBarrierError:
                    self.send_response(500)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                self._send(payload)

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _count(self, change: int) -> None:
        now = time.perf_counter()
        if self.in_flight:
            self._busy_area += self.in_flight * (now - self._changed)
            self._busy_seconds += now - self._changed
        self._changed = now
        self.in_flight += change
        self.max_in_flight = max(self.max_in_flight, self.in_flight)

    @property
    def mean_in_flight(self) -> float:
        """Calls in flight on average over the time any call was in flight."""
        return self._busy_area / self._busy_seconds if self._busy_seconds else 0.0

    def _complete(self, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.requests += 1
            number = self.requests
            self.chunks.append(str(body["messages"][-1]["content"]))
            delay = self._rng.uniform(*self.latency)
            self._count(+1)
        try:
            if number <= self.meet:
                self._barrier.wait()
            if self.hold_after is not None and number > self.hold_after:
                self._released.wait()
            time.sleep(delay)
            content = "{not json" if self.broken else answer_for(body)
        finally:
            with self._lock:
                self._count(-1)
        prompt_tokens = len(json.dumps(body["messages"], ensure_ascii=False)) // 2
        completion_tokens = len(content) // 2
        return {
            "id": f"chatcmpl-{number}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model", "mock"),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    def release(self) -> None:
        self._released.set()

    def __enter__(self) -> MockEndpoint:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


def report_sections(docs: Path = DOCS) -> list[str]:
    """The real reports cut at every heading: pieces of at least 60 characters."""
    pieces = []
    for path in sorted(docs.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        starts = [0, *(heading.start for heading in find_headings(text)), len(text)]
        for start, end in pairwise(starts):
            piece = text[start:end].strip()
            if len(piece) >= 60:
                pieces.append(piece)
    return pieces


def synthetic_corpus(
    folder: Path, count: int, sections: tuple[int, int] = (2, 4), seed: int = 6
) -> list[Path]:
    """`count` reports, each a title and a few sections of the real reports
    recombined at random (seeded): realistic text, sizes and numbers."""
    pieces = report_sections()
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number in range(count):
        body = "\n".join(rng.sample(pieces, rng.randint(*sections)))
        path = folder / f"report_{number:05d}.txt"
        path.write_text(f"某区教育工作报告（第{number + 1}号）\n{body}\n", encoding="utf-8")
        paths.append(path)
    return paths


def extract_command(folder: Path, out: Path, base_url: str, jobs: int, *more: str) -> list[str]:
    """`edufacts extract` as a subprocess against a mock endpoint, the answer cache off
    (synthetic documents repeat their sections: cached answers would hide the calls)."""
    return [
        sys.executable,
        "-m",
        "edufacts.cli",
        "extract",
        str(folder),
        "--out",
        str(out),
        "--backend",
        "openai",
        "--base-url",
        base_url,
        "--model",
        "mock",
        "--no-cache",
        "--jobs",
        str(jobs),
        *more,
    ]
