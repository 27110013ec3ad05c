"""--mode full: every measured number asked about, problems, measures and
metadata cross-checked against the text. Through a mock endpoint (answers built
from the request's schema) and against the real local server (recorded)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx2
import pytest

from edufacts.backends.assist import chunk_schema
from edufacts.backends.client import CallPolicy
from edufacts.backends.full import build_full_chunks, narrative_spans
from edufacts.backends.merge import MergePolicy
from edufacts.backends.registry import open_backend
from edufacts.errors import ConfigError
from edufacts.pipeline import extract_document
from edufacts.readers.load import load_bytes
from edufacts.settings import Settings
from edufacts.stages.catalog import load_catalog
from edufacts.stages.numbers import find_mentions, span_states
from edufacts.stages.rules import propose
from edufacts.stages.segment import build_sections, find_headings, find_tables

from .test_llm_failures import completion

MIXED = (
    "东阳区2023年社会事业发展情况报告\n"
    "一、教育事业\n"
    "2023年全区共有幼儿园74所,在园幼儿7772人。全区生均公用经费达到1200元。\n"
    "二、存在的问题\n"
    "农村学校教师结构性缺编问题仍然突出。\n"
    "三、卫生健康\n"
    "全区共有医疗机构120个,完成健康体检15000人次。组织开展送教活动36场。\n"
    "四、下一步工作\n"
    "加快推进城区学校扩容工程建设。\n"
)
INVENTED = "全面实现教育现代化"
"""An answer no chunk holds: the cross-check must drop it."""


def mixed_document() -> Any:
    return load_bytes(MIXED.encode("utf-8"), Path("mixed.txt"))


def rules_pass(document: Any) -> tuple[Any, Any, Any, Any]:
    text = document.normalized
    catalog = load_catalog()
    mentions = find_mentions(text)
    proposals, unclaimed = propose(
        document, catalog, mentions, build_sections(text, find_headings(text)), find_tables(text)
    )
    return catalog, mentions, proposals, [item for item in unclaimed if item.proposal is not None]


def test_full_chunks_cover_every_sentence_and_ask_about_every_measured_number() -> None:
    document = mixed_document()
    catalog, mentions, proposals, set_aside = rules_pass(document)
    chunks = build_full_chunks(document, catalog, proposals, set_aside, mentions)
    asked = [(q.start, q.end) for chunk in chunks for q in chunk.questions]
    expected = sorted(
        (p.mention.start, p.mention.end) for p in [*proposals, *(u.proposal for u in set_aside)]
    )
    assert sorted(asked) == expected and len(asked) == len(set(asked))
    assert {document.normalized[start:end] for start, end in asked} >= {"74所", "120个", "36场"}
    covered = "".join(document.normalized[chunk.start : chunk.end] for chunk in chunks)
    assert covered.replace("\n", "") == MIXED.replace("\n", "")
    schema, _ = chunk_schema(chunks[0], full=True)
    assert {"problems", "measures"} <= set(schema["properties"])


def test_an_answer_must_be_a_span_of_its_chunk() -> None:
    document = mixed_document()
    catalog, mentions, proposals, set_aside = rules_pass(document)
    chunk = build_full_chunks(document, catalog, proposals, set_aside, mentions)[0]
    spans, rejected = narrative_spans(
        document.normalized, chunk, ["【m1】全区共有幼儿园74所", INVENTED, "幼儿园", "全区共有幼儿园74所"]
    )
    assert rejected == 2  # the invented sentence, and one too short to place
    assert [document.normalized[start:end] for start, end in spans] == ["全区共有幼儿园74所"]


def full_answer(request: httpx2.Request) -> str:
    """What a model that calls everything an education fact would answer: the
    first catalog option (or 其他), one real and one invented problem, and
    metadata with one value the document does not hold."""
    body = json.loads(request.content)
    response_format = body["response_format"]
    # An endpoint gets the schema pydantic writes (nested answers as $refs); the
    # local server the grammar's, written out inline.
    schema = response_format.get("schema") or response_format["json_schema"]["schema"]
    properties = schema["properties"]
    if "title" in properties:
        return json.dumps(
            {
                "title": "东阳区2023年社会事业发展情况报告",
                "province": "浙江省",
                "city": None,
                "district": "东阳区",
                "issuer": None,
                "doc_number": None,
                "report_year": 2023,
                "doc_type": "other",
            },
            ensure_ascii=False,
        )
    prompt = body["messages"][-1]["content"]
    answer: dict[str, Any] = {}
    for key, item in properties.items():
        if key in {"problems", "measures"}:
            continue
        if "$ref" in item:
            item = schema["$defs"][item["$ref"].rsplit("/", 1)[-1]]
        props = item["properties"]
        options = props["indicator"]["enum"]
        answer[key] = {
            "indicator": options[1] if len(options) > 2 else options[0],
            "fact": True,
            "label": "测试",
        }
        answer[key].update(
            {name: [] if name == "scope" else None for name in ("scope", "year") if name in props}
        )
    real = "组织开展送教活动36场" if "送教" in prompt else ""
    answer["problems"] = [INVENTED, *([real] if real else [])]
    answer["measures"] = []
    return json.dumps(answer, ensure_ascii=False)


def test_full_mode_through_a_mock_endpoint(tmp_path: Path) -> None:
    asked: list[dict[str, Any]] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        asked.append(json.loads(request.content))
        return httpx2.Response(200, json=completion(full_answer(request)))

    settings = Settings(
        backend="openai", mode="full", base_url="http://mock.invalid/v1", model="test-model", no_cache=True
    )
    document = mixed_document()
    rules = extract_document(document, Settings(backend="rules"))
    http_client = httpx2.Client(transport=httpx2.MockTransport(handler))
    with open_backend(settings, policy=CallPolicy(attempts=1), http_client=http_client) as backend:
        by_default = extract_document(document, settings, backend)
        backend.policy = MergePolicy(model_restores_unsettled_topic=True)
        result = extract_document(document, settings, backend)
    # By default a number the rules set aside stays set aside, whatever the model says.
    assert {f.raw for f in by_default.facts} == {f.raw for f in rules.facts}
    assert result.run.failures == []
    assert result.run.prompt_version is not None and result.run.prompt_version.startswith("full-v1@")
    assert result.run.llm_calls == len(asked) // 2 >= 2  # the chunks and the metadata question, twice
    # With restoring on, the number the rules set aside only by its neighbour's topic
    # (送教活动36场) is restored; the health numbers the sentence itself names stay set aside.
    restored = [fact for fact in result.facts if fact.raw == "36场"]
    assert restored and restored[0].source == "llm"
    assert {u.raw for u in result.unclaimed if u.reason == "out_of_scope"} == {"120个", "15000人次"}
    assert {f.raw for f in rules.facts} | {"36场"} == {f.raw for f in result.facts}
    for fact in result.facts:
        assert document.text[fact.start : fact.end] == fact.raw
        assert span_states(document.normalized[fact.start : fact.end], fact.value)
    # Problems: the rules' one, and the model's real span; the invented one dropped and counted.
    problems = [item.text for item in result.problems]
    assert "组织开展送教活动36场" in problems and INVENTED not in problems
    assert "农村学校教师结构性缺编问题仍然突出。" in problems
    for item in [*result.problems, *result.measures]:
        assert document.text[item.start : item.end] == item.text
    rejected = [finding for finding in result.findings if finding.kind == "model_answer_rejected"]
    assert rejected and rejected[0].detail.startswith(f"{len(asked) // 2} model answers")
    # Metadata: the rules' values stand, the document does not say 浙江省.
    assert result.meta.province is None and result.meta.district == "东阳区"


def test_an_unknown_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown mode"):
        Settings.resolve({"backend": "local", "mode": "everything"})


@pytest.mark.vcr
def test_full_mode_against_the_local_model(local_full_assistant: Any) -> None:
    document = mixed_document()
    result = extract_document(document, Settings(backend="local", mode="full"), local_full_assistant)
    assert result.run.failures == []
    assert result.run.prompt_version is not None and "+meta-v1@" in result.run.prompt_version
    text = document.text
    for fact in result.facts:
        assert text[fact.start : fact.end] == fact.raw
    for item in [*result.problems, *result.measures]:
        assert text[item.start : item.end] == item.text
    for name in ("title", "province", "city", "district", "issuer", "doc_number"):
        value = getattr(result.meta, name)
        assert value is None or value in text
