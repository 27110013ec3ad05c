"""--mode full, for strong endpoints: the whole document is cut into chunks of
whole sentences and the model is asked about every measured number in each
(the rules' facts and the numbers they set aside as not about education alike:
education or not, fact or not, indicator, scope, year, label), for the chunk's
problems and measures, and once per document for its metadata. Every answer is
cross-checked against the text before it counts: a problem or measure must be a
span of the chunk, a metadata value must be written in the document; values
still come only from spans."""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, create_model

from ..errors import LLMError
from ..models import DocType
from ..readers.load import Document
from ..stages.catalog import Catalog
from ..stages.numbers import Mention
from ..stages.rules import Proposal, UnclaimedMention
from ..usage import UsageMeter
from .assist import (
    Chunk,
    ChunkResult,
    Question,
    chunk_messages,
    chunk_schema,
    claims_from_answer,
    literal_of,
    marked_chunk,
    model_options,
    question_for,
    sentence_spans,
)
from .client import ModelClient
from .prompts import PromptSet

PROMPT_VERSION = "full-v1"
META_PROMPT_VERSION = "meta-v1"
_MAX_CHUNK_CHARS = 420
_MAX_QUESTIONS = 8
_MIN_ITEM_CHARS = 6
_HEAD_CHARS = 700
_TAIL_CHARS = 200
_MARKER = re.compile(r"【m\d+】")
META_TEXT_FIELDS = ("title", "province", "city", "district", "issuer", "doc_number")
_META_TEXT_CHARS = 60


@dataclass(frozen=True, kw_only=True)
class NarrativeAnswer:
    """The problems and measures the model named, kept only where the text has them."""

    problems: tuple[tuple[int, int], ...] = ()
    measures: tuple[tuple[int, int], ...] = ()
    rejected: int = 0
    """answers that are not a span of their chunk"""


def _pieces(start: int, end: int, mentions: list[Mention], starts: list[int]) -> list[tuple[int, int]]:
    """A sentence longer than a chunk (a flattened table, a crawl without
    punctuation) in pieces of at most a chunk, never cut inside a number
    (`starts`: the mentions' starts, in order; mentions do not overlap, so only
    the last one starting before a cut can hold it)."""
    pieces = []
    while end - start > _MAX_CHUNK_CHARS:
        cut = start + _MAX_CHUNK_CHARS
        before = bisect_left(starts, cut) - 1
        if before >= 0 and cut < mentions[before].end:
            cut = mentions[before].start
        if cut <= start:
            cut = start + _MAX_CHUNK_CHARS
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


def build_full_chunks(
    document: Document,
    catalog: Catalog,
    proposals: list[Proposal],
    set_aside: list[UnclaimedMention],
    mentions: list[Mention],
) -> list[Chunk]:
    """Every sentence outside site chrome, in chunks of consecutive sentences;
    each of the rules' proposals (facts, and numbers set aside as out of scope)
    is a question of the chunk holding it."""
    text = document.normalized
    asked = sorted(
        [*proposals, *(item.proposal for item in set_aside if item.proposal is not None)],
        key=lambda proposal: proposal.mention.start,
    )
    starts = [mention.start for mention in mentions]
    spans = [
        piece
        for start, end in sentence_spans(text)
        if text[start:end].strip()
        and not (document.in_boilerplate(start) and document.in_boilerplate(end - 1))
        for piece in _pieces(start, end, mentions, starts)
    ]
    groups: list[tuple[int, int, list[Proposal]]] = []
    index = 0
    for start, end in spans:
        inside = []
        while index < len(asked) and asked[index].mention.start < end:
            if asked[index].mention.start >= start:
                inside.append(asked[index])
            index += 1
        if groups:
            group_start, _, group = groups[-1]
            if end - group_start <= _MAX_CHUNK_CHARS and len(group) + len(inside) <= _MAX_QUESTIONS:
                groups[-1] = (group_start, end, [*group, *inside])
                continue
        groups.append((start, end, inside))
    year_mentions = [m for m in mentions if m.kind == "year" and m.value is not None]
    chunks = []
    for number, (start, end, group) in enumerate(groups, 1):
        questions: list[Question] = []
        for proposal in group:
            options = model_options(catalog, proposal, text)
            questions.append(question_for(f"m{len(questions) + 1}", proposal, options, catalog, text))
        chunks.append(marked_chunk(f"f{number:03d}", text, start, end, questions, catalog, year_mentions))
    return chunks


def narrative_spans(text: str, chunk: Chunk, answers: list[str]) -> tuple[list[tuple[int, int]], int]:
    """Each answer located in its chunk (markers the model copied removed);
    answers the chunk does not hold verbatim are counted, not kept."""
    spans: list[tuple[int, int]] = []
    rejected = 0
    for answer in answers:
        wanted = _MARKER.sub("", answer).strip().rstrip("。;")
        position = text.find(wanted, chunk.start, chunk.end) if len(wanted) >= _MIN_ITEM_CHARS else -1
        if position < 0:
            rejected += 1
            continue
        span = (position, position + len(wanted))
        if span not in spans:
            spans.append(span)
    return spans, rejected


def meta_schema() -> tuple[dict[str, Any], type[BaseModel]]:
    nullable_text = {"anyOf": [{"type": "string", "maxLength": _META_TEXT_CHARS}, {"type": "null"}]}
    doc_types = list(get_args(DocType))
    properties: dict[str, Any] = {name: nullable_text for name in META_TEXT_FIELDS}
    properties["report_year"] = {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    properties["doc_type"] = {"anyOf": [{"type": "string", "enum": doc_types}, {"type": "null"}]}
    fields: dict[str, Any] = {name: (str | None, None) for name in META_TEXT_FIELDS}
    fields["report_year"] = (int | None, None)
    fields["doc_type"] = (literal_of(tuple(doc_types)) | None, None)
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    return schema, create_model("MetaAnswer", __config__=ConfigDict(extra="ignore"), **fields)


def checked_meta(text: str, answer: BaseModel) -> tuple[dict[str, Any], int]:
    """The metadata values the document holds (a text field written in it, a
    report year whose four digits appear in it), and how many were not."""
    kept: dict[str, Any] = {}
    rejected = 0
    for name in META_TEXT_FIELDS:
        value = (getattr(answer, name) or "").strip()
        if not value:
            continue
        if value in text:
            kept[name] = value
        else:
            rejected += 1
    year = getattr(answer, "report_year", None)
    if year is not None:
        if 1949 <= year <= 2100 and str(year) in text:
            kept["report_year"] = year
        else:
            rejected += 1
    doc_type = getattr(answer, "doc_type", None)
    if doc_type is not None:
        kept["doc_type"] = doc_type  # a classification: nothing to find in the text
    return kept, rejected


@dataclass(frozen=True, kw_only=True)
class FullAnswers:
    chunks: list[ChunkResult]
    narrative: NarrativeAnswer
    meta: dict[str, Any]
    meta_rejected: int
    meta_result: ChunkResult


def ask_full(
    document: Document,
    catalog: Catalog,
    proposals: list[Proposal],
    set_aside: list[UnclaimedMention],
    mentions: list[Mention],
    client: ModelClient,
    prompts: tuple[PromptSet, PromptSet],
    on_chunk: Callable[[ChunkResult, int, int], None] | None = None,
    pool: Executor | None = None,
    stop: threading.Event | None = None,
) -> FullAnswers:
    """Ask about every chunk and about the metadata; a call that fails is
    recorded with its error (the rules' result stands for it), never dropped."""
    chunk_prompt, meta_prompt = prompts
    text = document.normalized
    spans: dict[str, dict[str, list[tuple[int, int]]]] = {}
    rejected = 0
    lock = threading.Lock()

    def ask(chunk: Chunk) -> ChunkResult:
        nonlocal rejected
        meter = UsageMeter()
        if stop is not None and stop.is_set():
            return ChunkResult(chunk, [], "the run was interrupted")
        schema, model = chunk_schema(chunk, full=True)
        try:
            answer = client.ask(
                chunk_messages(chunk_prompt, chunk), model, schema, chunk_prompt.sha256, meter
            )
        except LLMError as error:
            return ChunkResult(chunk, [], str(error), meter.total)
        found: dict[str, list[tuple[int, int]]] = {}
        missed = 0
        for name in ("problems", "measures"):
            found[name], wrong = narrative_spans(text, chunk, getattr(answer, name))
            missed += wrong
        with lock:
            spans[chunk.id] = found
            rejected += missed
        return ChunkResult(chunk, claims_from_answer(chunk, answer, catalog), None, meter.total)

    chunks = build_full_chunks(document, catalog, proposals, set_aside, mentions)
    head = Chunk(
        id="meta",
        start=0,
        end=min(len(text), _HEAD_CHARS),
        text=text[:_HEAD_CHARS],
        questions=(),
        scope_terms=(),
        years=(),
    )
    meta_meter = UsageMeter()
    meta: dict[str, Any] = {}
    meta_rejected = 0
    meta_error = None
    if stop is None or not stop.is_set():
        schema, model = meta_schema()
        tail = text[-_TAIL_CHARS:] if len(text) > _HEAD_CHARS + _TAIL_CHARS else ""
        messages = meta_prompt.render(head=text[:_HEAD_CHARS], tail=tail)
        try:
            answer = client.ask(messages, model, schema, meta_prompt.sha256, meta_meter)
            meta, meta_rejected = checked_meta(text, answer)
        except LLMError as error:
            meta_error = str(error)
    else:
        meta_error = "the run was interrupted"
    meta_result = ChunkResult(head, [], meta_error, meta_meter.total)
    results = []
    for result in pool.map(ask, chunks) if pool is not None else map(ask, chunks):
        results.append(result)
        if on_chunk is not None:
            on_chunk(result, len(results), len(chunks))
    problems = [span for chunk in chunks for span in spans.get(chunk.id, {}).get("problems", [])]
    measures = [span for chunk in chunks for span in spans.get(chunk.id, {}).get("measures", [])]
    return FullAnswers(
        chunks=results,
        narrative=NarrativeAnswer(problems=tuple(problems), measures=tuple(measures), rejected=rejected),
        meta=meta,
        meta_rejected=meta_rejected,
        meta_result=meta_result,
    )


__all__ = [
    "FullAnswers",
    "NarrativeAnswer",
    "ask_full",
    "build_full_chunks",
    "checked_meta",
    "narrative_spans",
]
