"""Failure injection through a mock HTTP transport: server down, 500, 429 with
Retry-After, malformed JSON, truncated output, the token cap. In every case the
chunk fails into run.failures and the rules result stands for it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest

from edufacts.backends.assist import PROMPT_VERSION, build_chunks, chunk_schema
from edufacts.backends.cache import AnswerCache
from edufacts.backends.client import CallPolicy, Endpoint, ModelClient
from edufacts.backends.prompts import load_prompt
from edufacts.backends.registry import open_backend
from edufacts.backends.server import free_port
from edufacts.errors import LLMError
from edufacts.pipeline import extract_document
from edufacts.readers.load import load_document
from edufacts.settings import Settings

from .conftest import DOCS, rules_pass

DOC = DOCS / "000_83a7c735898b844d.txt"
Handler = Callable[[httpx2.Request], httpx2.Response]


def completion(content: str, finish_reason: str = "stop", tokens: int = 100) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": tokens - 10, "completion_tokens": 10, "total_tokens": tokens},
    }


def answer_for(request: httpx2.Request) -> str:
    """A valid answer built from the schema the request carries: the first option
    of every indicator enum. (The endpoint is fake; the schema is ours.)"""
    body = json.loads(request.content)
    if "response_format" not in body:
        return "是"  # the topic check's one free token (no log-probabilities: no verdict)
    schema = body["response_format"]["schema"]
    answer = {}
    for key, item in schema["properties"].items():
        props = item["properties"]
        entry: dict[str, Any] = {"indicator": props["indicator"]["enum"][-2], "label": "测试"}
        if "scope" in props:
            entry["scope"] = []
        if "year" in props:
            entry["year"] = None
        answer[key] = entry
    return json.dumps(answer, ensure_ascii=False)


class Recorder:
    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        return self.handler(request)


def client_with(
    handler: Handler,
    tmp_path: Path,
    policy: CallPolicy | None = None,
    sleeps: list[float] | None = None,
    cache: bool = False,
) -> ModelClient:
    endpoint = Endpoint(
        base_url="http://mock.invalid/v1", model="test-model", identity="test", local_grammar=True
    )
    return ModelClient(
        endpoint,
        AnswerCache(tmp_path / "answers") if cache else None,
        policy or CallPolicy(wait_base=0.01),
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
        sleep=(sleeps.append if sleeps is not None else lambda seconds: None),
    )


def first_chunk_call(client: ModelClient) -> Any:
    document = load_document(DOC)
    catalog, mentions, proposals = rules_pass(document)
    chunk = build_chunks(document, catalog, proposals, mentions)[0]
    schema, model = chunk_schema(chunk)
    prompt = load_prompt(PROMPT_VERSION)
    messages = prompt.render(
        chunk=chunk.text,
        questions=[{"key": q.key, "raw": q.raw, "options": q.options} for q in chunk.questions],
        scope_terms=chunk.scope_terms or ("无",),
    )
    return client.ask(messages, model, schema, prompt.sha256)


def test_a_good_answer_passes_and_the_schema_goes_in_the_body(tmp_path: Path) -> None:
    recorder = Recorder(lambda request: httpx2.Response(200, json=completion(answer_for(request))))
    client = client_with(recorder, tmp_path)
    answer = first_chunk_call(client)
    assert answer.m1.label == "测试"
    body = json.loads(recorder.requests[0].content)
    # llama.cpp takes json_object plus a schema; instructor adds no English system prompt.
    assert body["response_format"]["type"] == "json_object"
    assert "genius expert" not in json.dumps(body, ensure_ascii=False)
    assert body["messages"][0]["role"] == "system"
    assert client.usage.calls == 1 and client.usage.tokens == 100


def test_a_500_is_retried_then_succeeds(tmp_path: Path) -> None:
    statuses = iter([500, 200])

    def handler(request: httpx2.Request) -> httpx2.Response:
        status = next(statuses)
        if status == 500:
            return httpx2.Response(500, json={"error": {"message": "boom"}})
        return httpx2.Response(200, json=completion(answer_for(request)))

    client = client_with(handler, tmp_path)
    first_chunk_call(client)
    assert client.usage.calls == 2 and client.usage.retries == 1


def test_a_429_waits_as_long_as_retry_after_says(tmp_path: Path) -> None:
    statuses = iter([429, 200])
    sleeps: list[float] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        if next(statuses) == 429:
            return httpx2.Response(429, headers={"retry-after": "7"}, json={"error": {"message": "slow"}})
        return httpx2.Response(200, json=completion(answer_for(request)))

    client = client_with(handler, tmp_path, CallPolicy(wait_base=0.01, wait_max=60), sleeps)
    first_chunk_call(client)
    assert sleeps == [7.0]


def test_server_down_fails_after_the_attempts(tmp_path: Path) -> None:
    endpoint = Endpoint(base_url=f"http://127.0.0.1:{free_port()}/v1", model="m", identity="m")
    client = ModelClient(
        endpoint, None, CallPolicy(attempts=2, wait_base=0.01, timeout=5), sleep=lambda s: None
    )
    with pytest.raises(LLMError, match="APIConnectionError"):
        first_chunk_call(client)
    assert client.usage.calls == 2


def test_malformed_json_is_reasked_once_then_fails(tmp_path: Path) -> None:
    recorder = Recorder(lambda request: httpx2.Response(200, json=completion("{not json")))
    client = client_with(recorder, tmp_path, CallPolicy(attempts=3, wait_base=0.01))
    with pytest.raises(LLMError, match="model call failed"):
        first_chunk_call(client)
    # instructor's re-ask (the error fed back) is the second request; invalid
    # output is not a transient error, so no further attempts are spent.
    assert len(recorder.requests) == 2
    second = json.loads(recorder.requests[1].content)
    assert any("not json" in str(message.get("content")) for message in second["messages"])


def test_truncated_output_is_detected_by_finish_reason(tmp_path: Path) -> None:
    recorder = Recorder(lambda request: httpx2.Response(200, json=completion('{"m1": {"ind', "length")))
    client = client_with(recorder, tmp_path)
    with pytest.raises(LLMError, match="finish_reason=length"):
        first_chunk_call(client)
    assert len(recorder.requests) == 1


def test_retries_stop_at_the_token_cap(tmp_path: Path) -> None:
    recorder = Recorder(lambda request: httpx2.Response(503, json={"error": {"message": "busy"}}))
    client = client_with(recorder, tmp_path, CallPolicy(attempts=10, wait_base=0.01, token_budget=1))
    # 503s report no tokens, so only the attempt cap applies here...
    with pytest.raises(LLMError):
        first_chunk_call(client)
    assert len(recorder.requests) == 10

    spent = Recorder(lambda request: httpx2.Response(200, json=completion("{bad", tokens=5000)))
    capped = client_with(spent, tmp_path, CallPolicy(attempts=10, wait_base=0.01, token_budget=4000))
    with pytest.raises(LLMError) as failure:
        first_chunk_call(capped)
    assert failure.value.tokens >= 5000
    assert len(spent.requests) <= 2


def test_a_second_run_is_served_from_the_cache(tmp_path: Path) -> None:
    recorder = Recorder(lambda request: httpx2.Response(200, json=completion(answer_for(request))))
    first = client_with(recorder, tmp_path, cache=True)
    first_chunk_call(first)
    first.cache.close()  # type: ignore[union-attr]
    second = client_with(recorder, tmp_path, cache=True)
    first_chunk_call(second)
    assert len(recorder.requests) == 1
    assert second.usage.calls == 0 and second.usage.cached_calls == 1


def test_failed_chunks_keep_the_rules_result_and_are_listed(tmp_path: Path) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        if "m3" in body.get("response_format", {}).get("schema", {}).get("properties", {}):
            return httpx2.Response(500, json={"error": {"message": "boom"}})
        return httpx2.Response(200, json=completion(answer_for(request)))

    # Built by the backend factory, as every backend is, with a mock HTTP transport.
    settings = Settings(backend="local", base_url="http://mock.invalid/v1", model="test-model", no_cache=True)
    http_client = httpx2.Client(transport=httpx2.MockTransport(handler))
    document = load_document(DOC)
    rules = extract_document(document, Settings(backend="rules"))
    with open_backend(settings, policy=CallPolicy(attempts=1), http_client=http_client) as backend:
        assisted = extract_document(document, settings, backend)
    assert assisted.run.failures, "some chunks have three or more questions and fail"
    assert all("InternalServerError" in failure.error for failure in assisted.run.failures)
    # Nothing lost: every rules fact is still there, at the same span, with the same value.
    assert [(f.start, f.end, f.value) for f in assisted.facts if f.source == "rules"] != []
    assert {(f.start, f.end) for f in assisted.facts} == {(f.start, f.end) for f in rules.facts}
    for fact in assisted.facts:
        assert document.text[fact.start : fact.end] == fact.raw
