"""The lazy grammar sampler picks exactly the tokens the full pass picks (greedy
decoding), with the real default model. Skipped without the local extra."""

from __future__ import annotations

import json
from typing import Any

import pytest

from edufacts.backends.weights import DEFAULT_MODEL, installed_path, model_spec
from edufacts.settings import Settings

llama_cpp = pytest.importorskip("llama_cpp")

OPTIONS = ["其他", "学前三年毛入园率", "普惠性幼儿园覆盖率", "非教育"]
SCHEMA = {
    "type": "object",
    "properties": {
        "m1": {
            "type": "object",
            "properties": {
                "indicator": {
                    "type": "string",
                    "enum": ["其他", "学前三年毛入园率", "普惠性幼儿园覆盖率", "非教育"],
                },
                "year": {"anyOf": [{"type": "integer", "enum": [2022]}, {"type": "null"}]},
                "label": {"type": "string", "maxLength": 12},
            },
            "required": ["indicator", "year", "label"],
        }
    },
    "required": ["m1"],
}
MESSAGES = [
    {"role": "system", "content": "你是教育统计数据的标注员。只根据原文回答标记数字的问题。"},
    {
        "role": "user",
        "content": "原文:\n2022年,全县学前三年毛入园率达到【m1】92.5%。\n回答 indicator、year、label。",
    },
]


@pytest.fixture(scope="module")
def llama() -> Any:
    path = installed_path(model_spec(DEFAULT_MODEL), Settings(backend="rules").cache_root)
    if path is None:
        pytest.skip(f"model {DEFAULT_MODEL} not installed")
    return llama_cpp.Llama(model_path=str(path), n_ctx=1024, n_threads=2, verbose=False)


def _answer(llama: Any) -> str:
    llama.reset()  # no prompt reuse between the two runs: the same computation each time
    grammar = llama_cpp.LlamaGrammar.from_json_schema(json.dumps(SCHEMA), verbose=False)
    completion = llama.create_chat_completion(
        messages=MESSAGES, grammar=grammar, temperature=0.0, max_tokens=80, seed=0
    )
    return str(completion["choices"][0]["message"]["content"])


def test_lazy_grammar_answers_exactly_what_the_full_pass_answers(
    llama: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edufacts.backends import llama_server

    samplers: list[Any] = []

    class Recorded(llama_server.LazyGrammar):
        def __init__(self, model: Any, grammar: Any) -> None:
            super().__init__(model, grammar)
            samplers.append(self)

    full = _answer(llama)
    monkeypatch.setattr(llama_server, "LazyGrammar", Recorded)
    monkeypatch.setattr(llama_cpp.Llama, "_init_sampler", llama_server._init_sampler)
    lazy = _answer(llama)
    assert lazy == full
    assert json.loads(lazy)["m1"]["indicator"] in OPTIONS
    # the shortcut ran, and the full pass was the exception
    (sampler,) = samplers
    assert sampler.tokens > 10 and sampler.full_passes < sampler.tokens / 2
