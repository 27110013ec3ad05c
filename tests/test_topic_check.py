"""The model's topic check, without a model: which numbers are asked about, how
the answer's first-token probabilities are read, and how the merge uses them.
(Against the real local server it runs in tests/test_llm_local.py's cassettes.)
Made-up sentences in the shape of the genre."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import httpx2

from edufacts.backends.cache import AnswerCache
from edufacts.backends.client import Endpoint, ModelClient
from edufacts.backends.merge import MergePolicy, apply_claims
from edufacts.backends.prompts import load_prompt
from edufacts.backends.topic_check import PROMPT_VERSION, TopicVerdict, check_topics, doubtful, topic_messages
from edufacts.readers.load import load_bytes
from edufacts.stages.catalog import load_catalog
from edufacts.stages.numbers import find_mentions
from edufacts.stages.rules import propose
from edufacts.stages.segment import build_sections, find_headings, find_tables

MIXED = (
    "一、基本情况\n"
    "全县共有中小学58所,在校学生4.1万人,专任教师3200人,新建幼儿园3所,新增学位1800个,"
    "小学入学率100%,初中巩固率99.5%。\n"
    "过去的一年,全县各项工作取得新进展。省级补助资金下达3780万元,完成年度计划的100%。发展新党员90名。\n"
    "二、其他\n全县有医院12个,床位2450张。\n"
)


def proposals_of(text: str):  # type: ignore[no-untyped-def]
    """The document, catalog, the rules' proposals and what they set aside as another
    field's (with the proposal each would have been: what the pipeline gives a backend)."""
    document = load_bytes(text.encode("utf-8"), Path("t.txt"))
    normalized = document.normalized
    sections = build_sections(normalized, find_headings(normalized))
    catalog = load_catalog()
    proposals, unclaimed = propose(
        document, catalog, find_mentions(normalized), sections, find_tables(normalized)
    )
    return document, catalog, proposals, [item for item in unclaimed if item.proposal is not None]


def test_only_numbers_whose_topic_the_rules_guessed_are_asked_about() -> None:
    document, _, proposals, set_aside = proposals_of(MIXED)
    assert [item.reason for item in set_aside] == ["out_of_scope", "out_of_scope"]
    asked = {p.mention.start for p in doubtful(document.normalized, proposals, set_aside)}
    raw = {
        document.normalized[p.mention.start : p.mention.end] for p in proposals if p.mention.start in asked
    }
    # no education word in their sentences: the rules' judgement is a guess
    assert {"3780万元", "100%"} <= raw
    # an education word beside the number decided, or party work in an education report: not asked
    assert not raw & {"58所", "4.1万人", "90名"} and "90名" in {
        document.normalized[p.mention.start : p.mention.end] for p in proposals
    }
    # in a report where the rules found no other field's number, nothing is asked
    document, _, proposals, set_aside = proposals_of(MIXED.split("二、其他")[0])
    assert set_aside == [] and doubtful(document.normalized, proposals, set_aside) == []


def test_the_question_marks_the_number_in_its_sentence_under_its_heading() -> None:
    document, _, proposals, _ = proposals_of(MIXED)
    text = document.normalized
    (money,) = [p for p in proposals if text[p.mention.start : p.mention.end] == "3780万元"]
    system, user = topic_messages(load_prompt(PROMPT_VERSION), text, money)
    assert system["role"] == "system" and "只回答“是”或“否”" in system["content"]
    assert user["content"].splitlines()[:2] == [
        "标题:一、基本情况",
        "句子:省级补助资金下达【3780万元】,完成年度计划的100%。",
    ]


def top_logprobs_completion(top: dict[str, float]) -> dict[str, Any]:
    return {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "test-model",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": max(top, key=top.__getitem__)},
                "finish_reason": "length",
                "logprobs": {
                    "content": [
                        {
                            "token": max(top, key=top.__getitem__),
                            "logprob": max(top.values()),
                            "bytes": None,
                            "top_logprobs": [
                                {"token": token, "logprob": logprob, "bytes": None}
                                for token, logprob in top.items()
                            ],
                        }
                    ]
                },
            }
        ],
        "usage": {"prompt_tokens": 90, "completion_tokens": 1, "total_tokens": 91},
    }


def mock_client(tmp_path: Path, top: dict[str, float] | None, requests: list[dict[str, Any]]) -> ModelClient:
    def handler(request: httpx2.Request) -> httpx2.Response:
        requests.append(json.loads(request.content))
        if top is None:  # an endpoint that returns no log-probabilities
            body = top_logprobs_completion({"是": 0.0})
            del body["choices"][0]["logprobs"]
            return httpx2.Response(200, json=body)
        return httpx2.Response(200, json=top_logprobs_completion(top))

    endpoint = Endpoint(
        base_url="http://mock.invalid/v1", model="test-model", identity="test", local_grammar=True
    )
    return ModelClient(
        endpoint,
        AnswerCache(tmp_path / "answers"),
        http_client=httpx2.Client(transport=httpx2.MockTransport(handler)),
    )


def test_the_answer_is_the_probability_of_no_among_yes_and_no(tmp_path: Path) -> None:
    requests: list[dict[str, Any]] = []
    # 是 is the model's answer, yet 否 keeps 0.6 of the two: the probability decides
    client = mock_client(
        tmp_path, {"是": math.log(0.3), "否": math.log(0.45), "不": math.log(0.25)}, requests
    )
    document, _, proposals, set_aside = proposals_of(MIXED)
    results = check_topics(
        document, doubtful(document.normalized, proposals, set_aside), client, load_prompt(PROMPT_VERSION)
    )
    verdicts = [result.verdict for result in results]
    assert verdicts and all(v is not None and abs(v.not_education - 0.6) < 1e-9 for v in verdicts)
    assert requests[0]["max_tokens"] == 1 and requests[0]["logprobs"] is True
    assert "response_format" not in requests[0]  # no grammar: the free first token is read
    # asked again, the answers come from the cache
    again = check_topics(
        document, doubtful(document.normalized, proposals, set_aside), client, load_prompt(PROMPT_VERSION)
    )
    assert len(requests) == len(results) and all(r.chunk_result.status == "cached" for r in again)


def test_an_endpoint_without_log_probabilities_gives_no_verdict(tmp_path: Path) -> None:
    client = mock_client(tmp_path, None, [])
    document, _, proposals, set_aside = proposals_of(MIXED)
    results = check_topics(
        document, doubtful(document.normalized, proposals, set_aside), client, load_prompt(PROMPT_VERSION)
    )
    assert results and all(r.verdict is None and r.chunk_result.error is None for r in results)


def test_the_merge_sets_aside_what_the_check_rejects_at_the_threshold() -> None:
    document, catalog, proposals, _ = proposals_of(MIXED)
    text = document.normalized
    (money,) = [p for p in proposals if text[p.mention.start : p.mention.end] == "3780万元"]
    span = (money.mention.start, money.mention.end)

    def kept(share: float) -> bool:
        verdict = TopicVerdict(start=span[0], end=span[1], not_education=share)
        merged = apply_claims(catalog, proposals, [], MergePolicy(), text, verdicts=[verdict])
        starts = {p.mention.start for p in merged.proposals}
        assert (span[0] in starts) is not any(d.mention.start == span[0] for d in merged.dropped)
        assert all(d.reason == "out_of_scope" for d in merged.dropped)
        return span[0] in starts

    assert kept(0.49) and not kept(0.5) and not kept(0.9)
