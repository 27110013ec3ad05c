"""Model assistance for the rules' proposals: the document is cut into chunks of
whole sentences, each number the rules proposed as a fact is marked in the
chunk, and the model answers small constrained questions about each marked
number (indicator from its candidates, scope, year, label). The output schema
is generated per chunk, so it holds exactly the marked numbers and nothing
else. The model never gives a value: values stay with the span."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ..errors import LLMError
from ..readers.load import Document
from ..stages.catalog import Catalog, bigrams
from ..stages.numbers import Mention
from ..stages.rules import Proposal, unit_fits
from ..stages.segment import SENTENCE_END
from ..usage import Usage, UsageMeter
from .client import ModelClient
from .merge import ModelClaim
from .prompts import PromptSet

PROMPT_VERSION = "mentions-v2"
OTHER = "其他"
NOT_EDUCATION = "非教育"
_MAX_CHUNK_CHARS = 360
_MAX_QUESTIONS = 8
_LABEL_CHARS = 12
_MAX_OPTIONS = 5
NARRATIVE_CHARS = 120
MAX_NARRATIVE_ITEMS = 4


@dataclass(frozen=True, kw_only=True)
class Question:
    key: str
    start: int
    end: int
    raw: str
    options: tuple[str, ...]
    indicator_of: dict[str, str | None]
    """Option shown -> catalog id (None for 其他)."""


@dataclass(frozen=True, kw_only=True)
class Chunk:
    id: str
    start: int
    end: int
    text: str
    """The chunk with 【mN】 before each marked number."""
    questions: tuple[Question, ...]
    scope_terms: tuple[str, ...]
    years: tuple[int, ...]


@dataclass(frozen=True)
class ChunkResult:
    chunk: Chunk
    claims: list[ModelClaim]
    error: str | None
    usage: Usage = field(default_factory=Usage)

    @property
    def status(self) -> str:
        """For the run ledger: failed, cached, retried or ok."""
        if self.error is not None:
            return "failed"
        if self.usage.cached_calls and not self.usage.calls:
            return "cached"
        return "retried" if self.usage.retries else "ok"


def sentence_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    start = 0
    for match in SENTENCE_END.finditer(text):
        spans.append((start, match.end()))
        start = match.end()
    if start < len(text):
        spans.append((start, len(text)))
    return spans


@cache  # per catalog (hashed by identity): asked once per question
def _option_names(catalog: Catalog) -> dict[str, str]:
    """One display name per indicator (its Chinese title), unique."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for indicator in catalog.indicators.values():
        name = indicator.title
        if name in taken or name in {OTHER, NOT_EDUCATION}:
            name = f"{name}({indicator.id})"
        taken.add(name)
        names[indicator.id] = name
    return names


@cache
def _catalog_position(catalog: Catalog) -> dict[str, int]:
    return {indicator_id: position for position, indicator_id in enumerate(catalog.indicators)}


def model_options(catalog: Catalog, proposal: Proposal, text: str) -> list[str]:
    """Indicator ids offered to the model for one number: the rules' candidates,
    then the other indicators its unit fits, closest in wording to the text
    around it first (the rules' lexicon misses what the model should catch), at most 5."""
    unit = proposal.measured[1] if proposal.measured else proposal.unit
    chosen = list(dict.fromkeys(proposal.candidates))
    context_bigrams = bigrams(text[max(0, proposal.mention.start - 40) : proposal.mention.end + 10])
    fitting = [
        (len(bigrams("".join(indicator.names)) & context_bigrams), position, indicator.id)
        for position, indicator in enumerate(catalog.indicators.values())
        if unit_fits(indicator, unit) and indicator.id not in chosen
    ]
    for _, _, indicator_id in sorted(fitting, key=lambda item: (-item[0], item[1])):
        if len(chosen) >= _MAX_OPTIONS:
            break
        chosen.append(indicator_id)
    return chosen


def build_chunks(
    document: Document, catalog: Catalog, proposals: list[Proposal], mentions: list[Mention]
) -> list[Chunk]:
    """Consecutive sentences holding proposals, up to a size; table cells are
    left to the rules (their row and column labels are not in the sentence)."""
    text = document.normalized
    sentences = sentence_spans(text)
    options_of: dict[int, list[str]] = {}
    for proposal in proposals:
        if proposal.table_cell is None:
            options_of[proposal.mention.start] = model_options(catalog, proposal, text)
    # Only numbers some catalog indicator could measure are worth a model call.
    asked = [p for p in proposals if options_of.get(p.mention.start)]
    groups: list[list[Proposal]] = []
    bounds: list[tuple[int, int]] = []
    sentence_index = 0
    for proposal in asked:
        while sentence_index < len(sentences) and sentences[sentence_index][1] <= proposal.mention.start:
            sentence_index += 1
        start, end = sentences[min(sentence_index, len(sentences) - 1)]
        end = max(end, proposal.mention.end)
        if groups and len(groups[-1]) < _MAX_QUESTIONS:
            same_sentence = start < bounds[-1][1]
            fits = end - bounds[-1][0] <= _MAX_CHUNK_CHARS
            if same_sentence or fits:
                groups[-1].append(proposal)
                bounds[-1] = (bounds[-1][0], max(bounds[-1][1], end))
                continue
        groups.append([proposal])
        bounds.append((start, end))
    year_mentions = [m for m in mentions if m.kind == "year" and m.value is not None]
    chunks = []
    for number, (group, (sentence_start, sentence_end)) in enumerate(zip(groups, bounds, strict=True), 1):
        # A long sentence is cut to the neighbourhood of its marked numbers.
        start = max(sentence_start, group[0].mention.start - 160)
        end = min(sentence_end, group[-1].mention.end + 80)
        questions = [
            question_for(f"m{index}", proposal, options_of[proposal.mention.start], catalog, text)
            for index, proposal in enumerate(group, start=1)
        ]
        chunks.append(marked_chunk(f"c{number:03d}", text, start, end, questions, catalog, year_mentions))
    return chunks


def question_for(key: str, proposal: Proposal, options: list[str], catalog: Catalog, text: str) -> Question:
    names = _option_names(catalog)
    # 其他 comes first: small models pick the first option far too often
    # (positional bias), so the first option must be the safe abstention.
    indicator_of: dict[str, str | None] = {OTHER: None}
    indicator_of.update({names[c]: c for c in sorted(options, key=_catalog_position(catalog).__getitem__)})
    mention = proposal.mention
    return Question(
        key=key,
        start=mention.start,
        end=mention.end,
        raw=text[mention.start : mention.end],
        options=(*indicator_of, NOT_EDUCATION),
        indicator_of=indicator_of,
    )


def marked_chunk(
    chunk_id: str,
    text: str,
    start: int,
    end: int,
    questions: list[Question],
    catalog: Catalog,
    year_mentions: list[Mention],
) -> Chunk:
    """text[start:end] with 【mN】 before each question's number, and the scope
    terms and years the answers may choose from."""
    pieces = []
    position = start
    for question in questions:
        pieces.append(text[position : question.start])
        pieces.append(f"【{question.key}】")
        position = question.start
    pieces.append(text[position:end])
    scope_terms = tuple(
        term
        for term, aliases in catalog.scope_aliases.items()
        if any(alias in text[start:end] for alias in aliases)
    )
    years = tuple(
        sorted({int(m.value) for m in year_mentions if start <= m.start < end and m.value is not None})
    )
    return Chunk(
        id=chunk_id,
        start=start,
        end=end,
        text="".join(pieces).strip(),
        questions=tuple(questions),
        scope_terms=scope_terms,
        years=years,
    )


def literal_of(values: tuple[Any, ...]) -> Any:
    """Literal[values] for values known only at run time."""
    return Literal[values]


def chunk_schema(chunk: Chunk, *, full: bool = False) -> tuple[dict[str, Any], type[BaseModel]]:
    """The JSON Schema sent as a grammar, written out without $refs (llama.cpp's
    converter and small models both do better inline), and the pydantic model
    that validates the answer. `full` (--mode full) also asks whether each number
    is a fact worth recording, and for the chunk's problems and measures."""
    properties: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    for question in chunk.questions:
        answer_properties: dict[str, Any] = {"indicator": {"type": "string", "enum": list(question.options)}}
        answer_fields: dict[str, Any] = {"indicator": (literal_of(question.options), ...)}
        if full:
            answer_properties["fact"] = {"type": "boolean"}
            answer_fields["fact"] = (bool, True)
        if chunk.scope_terms:
            answer_properties["scope"] = {
                "type": "array",
                "items": {"type": "string", "enum": list(chunk.scope_terms)},
                "maxItems": 3,
            }
            answer_fields["scope"] = (
                list[literal_of(chunk.scope_terms)],  # type: ignore[misc]
                Field(default_factory=list, max_length=3),
            )
        if chunk.years:
            answer_properties["year"] = {
                "anyOf": [{"type": "integer", "enum": list(chunk.years)}, {"type": "null"}]
            }
            answer_fields["year"] = (literal_of(chunk.years) | None, None)
        answer_properties["label"] = {"type": "string", "maxLength": _LABEL_CHARS}
        answer_fields["label"] = (str, Field(default="", max_length=_LABEL_CHARS * 2))
        properties[question.key] = {
            "type": "object",
            "properties": answer_properties,
            "required": list(answer_properties),
            "additionalProperties": False,
        }
        fields[question.key] = (
            create_model(
                f"Answer_{question.key}",
                __config__=ConfigDict(extra="ignore"),
                **answer_fields,
            ),
            ...,
        )
    if full:
        for name in ("problems", "measures"):
            properties[name] = {
                "type": "array",
                "items": {"type": "string", "maxLength": NARRATIVE_CHARS},
                "maxItems": MAX_NARRATIVE_ITEMS,
            }
            fields[name] = (list[str], Field(default_factory=list))
    schema = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    model = create_model("ChunkAnswer", __config__=ConfigDict(extra="ignore"), **fields)
    return schema, model


def chunk_messages(prompt: PromptSet, chunk: Chunk) -> list[dict[str, str]]:
    return prompt.render(
        chunk=chunk.text,
        questions=[{"key": q.key, "raw": q.raw, "options": q.options} for q in chunk.questions],
        scope_terms=chunk.scope_terms or ("无",),
    )


def claims_from_answer(chunk: Chunk, answer: BaseModel, catalog: Catalog) -> list[ModelClaim]:
    claims = []
    order = list(catalog.scope_aliases)
    for question in chunk.questions:
        item = getattr(answer, question.key)
        choice = item.indicator
        terms = sorted(set(getattr(item, "scope", []) or []), key=order.index)
        year = getattr(item, "year", None)
        claims.append(
            ModelClaim(
                start=question.start,
                end=question.end,
                indicator=question.indicator_of.get(choice),
                education=choice != NOT_EDUCATION,
                scope="/".join(terms) or None,
                year=year if year in chunk.years else None,
                label=(item.label or "").strip()[: _LABEL_CHARS * 2] or None,
                is_fact=getattr(item, "fact", True),
            )
        )
    return claims


def assist(
    document: Document,
    catalog: Catalog,
    proposals: list[Proposal],
    mentions: list[Mention],
    client: ModelClient,
    prompt: PromptSet,
    on_chunk: Callable[[ChunkResult, int, int], None] | None = None,
    pool: Executor | None = None,
    stop: threading.Event | None = None,
) -> list[ChunkResult]:
    """Ask about every chunk (on the pool's threads, when given; results in chunk
    order); a chunk that fails is returned with its error (the rules result
    stands for it), never dropped. Once `stop` is set, no further call starts."""

    def ask(chunk: Chunk) -> ChunkResult:
        meter = UsageMeter()
        if stop is not None and stop.is_set():
            return ChunkResult(chunk, [], "the run was interrupted")
        schema, model = chunk_schema(chunk)
        try:
            answer = client.ask(chunk_messages(prompt, chunk), model, schema, prompt.sha256, meter)
            return ChunkResult(chunk, claims_from_answer(chunk, answer, catalog), None, meter.total)
        except LLMError as error:
            return ChunkResult(chunk, [], str(error), meter.total)

    chunks = build_chunks(document, catalog, proposals, mentions)
    results = []
    for result in pool.map(ask, chunks) if pool is not None else map(ask, chunks):
        results.append(result)
        if on_chunk is not None:
            on_chunk(result, len(results), len(chunks))
    return results
