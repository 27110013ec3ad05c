"""The model's topic check: for each proposal whose topic the rules could only
guess (no education word in its sentence, and the judgement rests on the
heading or the document's bent), one short question, `is the marked number
about education?`, answered by the probability of `否` at the model's first
token. A small model answers `是` to nearly every such question (session 10's
probe: a field choice and a yes/no both came back 教育/是 for all 29 dev
numbers), yet its probability of `否` still ranks the numbers: on the dev
split's mixed-topic documents it separated the non-education facts from the
education ones (AUC 0.76). The merge drops a number as out_of_scope when that
probability reaches the policy's threshold (chosen on dev)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass

from ..errors import LLMError
from ..readers.load import Document
from ..stages.rules import Proposal, UnclaimedMention
from ..stages.topic import EDUCATION_WORDS, PARTY_WORDS
from ..usage import UsageMeter
from .assist import Chunk, ChunkResult
from .client import ModelClient
from .prompts import PromptSet

PROMPT_VERSION = "topic-v1"
YES, NO = "是", "否"
_SENTENCE_STOPS = "。;!?\n"
_WEAK_CERTAINTY = frozenset({"document", "heading"})


@dataclass(frozen=True, kw_only=True)
class TopicVerdict:
    start: int
    end: int
    not_education: float
    """the model's probability of 否 against 是 (0..1)"""


@dataclass(frozen=True)
class TopicResult:
    """One topic question: its ledger entry (a chunk with no indicator questions) and verdict."""

    chunk_result: ChunkResult
    verdict: TopicVerdict | None


def _sentence(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around a number, its end mark kept (as the dev probe asked it)."""
    begin = max(text.rfind(stop, 0, start) for stop in _SENTENCE_STOPS) + 1
    stops = [found for found in (text.find(stop, end) for stop in _SENTENCE_STOPS) if found >= 0]
    return begin, (min(stops) + 1 if stops else len(text))


def doubtful(
    text: str, proposals: Iterable[Proposal], set_aside: Iterable[UnclaimedMention]
) -> list[Proposal]:
    """Proposals whose topic the rules guessed: not a table cell, judged only by a
    heading or the document's bent (or left unsettled), in a sentence naming no
    education word and no party work; and only in a document where the rules set some number aside
    as another field's. Elsewhere a word beside the number decided, and the model is
    not asked. (In a report that is all education, the 1.5B model's doubts were
    mostly wrong: on the dev split, asked everywhere, it set aside 9 right facts
    and 5 wrong ones; asked only where the rules found another field, 1 and 3;
    and never about party work, 0 and 3.)"""
    if not any(item.reason == "out_of_scope" for item in set_aside):
        return []
    chosen = []
    for proposal in proposals:
        topic = proposal.topic
        if topic is None or proposal.table_cell is not None:
            continue
        if topic.certainty not in _WEAK_CERTAINTY and topic.settled:
            continue
        start, end = _sentence(text, proposal.mention.start, proposal.mention.end)
        # party work in an education report is education work (the guide, and the
        # rules' topic stage): the model's doubt there cost the dev split 2 right facts
        if EDUCATION_WORDS.search(text, start, end) is None and PARTY_WORDS.search(text, start, end) is None:
            chosen.append(proposal)
    return chosen


def topic_messages(prompt: PromptSet, text: str, proposal: Proposal) -> list[dict[str, str]]:
    mention = proposal.mention
    start, end = _sentence(text, mention.start, mention.end)
    raw = text[mention.start : mention.end]
    sentence = f"{text[start : mention.start]}【{raw}】{text[mention.end : end]}".strip()
    path = proposal.section.heading_path if proposal.section is not None else ()
    return prompt.render(heading=path[-1] if path else "无", sentence=sentence, raw=raw)


def check_topics(
    document: Document,
    asked: list[Proposal],
    client: ModelClient,
    prompt: PromptSet,
    pool: Executor | None = None,
    stop: threading.Event | None = None,
    on_result: Callable[[ChunkResult], None] | None = None,
) -> list[TopicResult]:
    """Ask about each of `asked` (the `doubtful` proposals); a failed question is
    returned with its error (the rules' judgement stands), never dropped."""
    text = document.normalized

    def ask(numbered: tuple[int, Proposal]) -> TopicResult:
        number, proposal = numbered
        mention = proposal.mention
        chunk = Chunk(
            id=f"t{number:03d}",
            start=mention.start,
            end=mention.end,
            text=text[mention.start : mention.end],
            questions=(),
            scope_terms=(),
            years=(),
        )
        meter = UsageMeter()
        if stop is not None and stop.is_set():
            return TopicResult(ChunkResult(chunk, [], "the run was interrupted"), None)
        try:
            shares = client.choice_probabilities(
                topic_messages(prompt, text, proposal), (YES, NO), prompt.sha256, meter
            )
        except LLMError as error:
            return TopicResult(ChunkResult(chunk, [], str(error), meter.total), None)
        verdict = None
        if shares is not None:
            verdict = TopicVerdict(start=mention.start, end=mention.end, not_education=shares[NO])
        return TopicResult(ChunkResult(chunk, [], None, meter.total), verdict)

    numbered = list(enumerate(asked, start=1))
    results = []
    for result in pool.map(ask, numbered) if pool is not None else map(ask, numbered):
        results.append(result)
        if on_result is not None:
            on_result(result.chunk_result)
    return results
