"""Every eval metric, one small evaluator each: it reads what was observed on one
document (the gold facts paired with the predicted ones, see score.py) and
returns a `Count`, the numerator and denominator of its ratio (counts add up
over documents: micro-averaging) with a few examples of what it counted against.
Adding a metric is one `Metric(...)` entry here; `headline=True` shows it first
in the reports and lets a baseline hold it.

Definitions (a ratio whose denominator is 0 is None):
- TP: a pair with equal value (Decimal) and equal unit; f1 = 2 TP / (predicted +
  gold), precision = TP / predicted, recall = TP / gold, value_accuracy = TP / pairs.
- indicator_accuracy: among TP whose gold indicator is not null, the share with the
  same predicted indicator; indicator_accuracy_all: over all TP (null == null).
- scope_accuracy: among TP, equal sets of scope terms; year_accuracy: among TP whose
  gold year is not null, equal year.
- meta_accuracy: share of the Meta fields equal (strings after t2s, half-width,
  whitespace removed; None equals only None).
- problems_recall / measures_recall: a gold item (located by text.find) is recalled
  when a predicted item's span overlaps it.
- grounding_rate: predicted facts whose value is re-derivable from their span.
- review_recall: wrong predicted facts (not a TP, or a TP with another indicator
  than a non-null gold one) flagged needs_review; flagged_share: flagged / predicted;
  precision_confident / precision_flagged: precision of unflagged / flagged facts.
- mixed_precision: precision over mixed-topic documents only; documents_half_found:
  documents with at least MIN_FACTS_FOR_HALF gold facts that find half of them.
- label_score: mean over TP of the label's character-bigram F1 against the gold
  label, in thousandths.
Counts (no ratio): gold, predicted, paired, unclaimed, gold_in_unclaimed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from ..models import DocumentResult, Fact, GoldFact, GoldFile, TextItem
from ..readers.load import normalize
from ..stages.catalog import Catalog
from .gold import LocatedGoldFact

MIN_FACTS_FOR_HALF = 5
"""documents_half_found counts the documents whose gold has at least this many facts."""
MAX_EXAMPLES = 5


@dataclass(frozen=True)
class MetaCheck:
    field: str
    gold: str | int | None
    predicted: str | int | None
    ok: bool


@dataclass(frozen=True)
class Example:
    """One item a metric counted against: a gold fact, a predicted fact, or both."""

    doc_id: str
    gold: GoldFact | None
    predicted: Fact | None


@dataclass(frozen=True)
class Count:
    numerator: int = 0
    denominator: int = 0
    examples: tuple[Example, ...] = field(default=(), compare=False)

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def __add__(self, other: Count) -> Count:
        examples = (*self.examples, *other.examples)[:MAX_EXAMPLES]
        return Count(self.numerator + other.numerator, self.denominator + other.denominator, examples)


@dataclass(frozen=True, kw_only=True)
class Observed:
    """One document as the metrics see it: gold facts located in the text, the
    predicted facts, and their one-to-one pairs."""

    gold: GoldFile
    result: DocumentResult
    text: str
    catalog: Catalog
    located: tuple[LocatedGoldFact, ...]
    pairs: dict[int, int]
    """gold index -> predicted index"""
    true_positives: frozenset[int]
    """predicted indexes whose pair has the gold value and unit"""
    meta: tuple[MetaCheck, ...]
    grounded: frozenset[int]
    """predicted indexes whose value the span re-derives"""

    @property
    def facts(self) -> list[Fact]:
        return self.result.facts

    @cached_property
    def tp_pairs(self) -> list[tuple[GoldFact, Fact]]:
        """(gold fact, predicted fact) of every TP, in gold order; read by several metrics."""
        return [
            (item.fact, self.facts[self.pairs[g]])
            for g, item in enumerate(self.located)
            if g in self.pairs and self.pairs[g] in self.true_positives
        ]

    @cached_property
    def _gold_of(self) -> dict[int, int]:
        """predicted index -> gold index"""
        return {p: g for g, p in self.pairs.items()}

    def wrong(self, index: int) -> bool:
        """A predicted fact that is not a TP, or a TP with another catalog indicator."""
        if index not in self.true_positives:
            return True
        gold_fact = self.located[self._gold_of[index]].fact
        return gold_fact.indicator is not None and gold_fact.indicator != self.facts[index].indicator

    def example(self, gold: GoldFact | None, predicted: Fact | None) -> Example:
        return Example(self.gold.doc_id, gold, predicted)


Kind = Literal["ratio", "count"]


@dataclass(frozen=True)
class Metric:
    name: str
    measure: Callable[[Observed], Count]
    headline: bool = False
    kind: Kind = "ratio"


def _examples(items: Iterable[Example]) -> tuple[Example, ...]:
    return tuple(item for _, item in zip(range(MAX_EXAMPLES), items, strict=False))


def f1(observed: Observed) -> Count:
    return Count(2 * len(observed.true_positives), len(observed.facts) + len(observed.located))


def precision(observed: Observed) -> Count:
    spurious = (
        observed.example(None, fact)
        for p, fact in enumerate(observed.facts)
        if p not in observed.true_positives
    )
    return Count(len(observed.true_positives), len(observed.facts), _examples(spurious))


def recall(observed: Observed) -> Count:
    tp_gold = {g for g, p in observed.pairs.items() if p in observed.true_positives}
    missed = (
        observed.example(item.fact, None) for g, item in enumerate(observed.located) if g not in tp_gold
    )
    return Count(len(observed.true_positives), len(observed.located), _examples(missed))


def value_accuracy(observed: Observed) -> Count:
    return Count(len(observed.true_positives), len(observed.pairs))


def indicator_accuracy(observed: Observed) -> Count:
    catalog_pairs = [(gold, fact) for gold, fact in observed.tp_pairs if gold.indicator is not None]
    wrong = (observed.example(gold, fact) for gold, fact in catalog_pairs if fact.indicator != gold.indicator)
    right = sum(fact.indicator == gold.indicator for gold, fact in catalog_pairs)
    return Count(right, len(catalog_pairs), _examples(wrong))


def indicator_accuracy_all(observed: Observed) -> Count:
    pairs = observed.tp_pairs
    return Count(sum(fact.indicator == gold.indicator for gold, fact in pairs), len(pairs))


def scope_accuracy(observed: Observed) -> Count:
    pairs = observed.tp_pairs
    terms = observed.catalog.scope_terms
    wrong = [observed.example(gold, fact) for gold, fact in pairs if terms(fact.scope) != terms(gold.scope)]
    return Count(len(pairs) - len(wrong), len(pairs), _examples(wrong))


def year_accuracy(observed: Observed) -> Count:
    stated = [(gold, fact) for gold, fact in observed.tp_pairs if gold.year is not None]
    wrong = [observed.example(gold, fact) for gold, fact in stated if fact.year != gold.year]
    return Count(len(stated) - len(wrong), len(stated), _examples(wrong))


def meta_accuracy(observed: Observed) -> Count:
    return Count(sum(check.ok for check in observed.meta), len(observed.meta))


def overlap(start_a: int, end_a: int, start_b: int, end_b: int) -> int:
    return max(0, min(end_a, end_b) - max(start_a, start_b))


def _recalled(items: Sequence[str], predicted: Sequence[TextItem], text: str) -> Count:
    count = 0
    for item in items:
        start = text.find(item)
        if start >= 0 and any(overlap(start, start + len(item), p.start, p.end) for p in predicted):
            count += 1
    return Count(count, len(items))


def problems_recall(observed: Observed) -> Count:
    return _recalled(observed.gold.problems, observed.result.problems, observed.text)


def measures_recall(observed: Observed) -> Count:
    return _recalled(observed.gold.measures, observed.result.measures, observed.text)


def grounding_rate(observed: Observed) -> Count:
    ungrounded = (
        observed.example(None, f) for p, f in enumerate(observed.facts) if p not in observed.grounded
    )
    return Count(len(observed.grounded), len(observed.facts), _examples(ungrounded))


def review_recall(observed: Observed) -> Count:
    wrong = [p for p in range(len(observed.facts)) if observed.wrong(p)]
    missed = (observed.example(None, observed.facts[p]) for p in wrong if not observed.facts[p].needs_review)
    return Count(sum(observed.facts[p].needs_review for p in wrong), len(wrong), _examples(missed))


def flagged_share(observed: Observed) -> Count:
    return Count(sum(fact.needs_review for fact in observed.facts), len(observed.facts))


def _precision_where(flagged: bool) -> Callable[[Observed], Count]:
    def measure(observed: Observed) -> Count:
        chosen = [p for p, fact in enumerate(observed.facts) if fact.needs_review is flagged]
        return Count(sum(p in observed.true_positives for p in chosen), len(chosen))

    return measure


def mixed_precision(observed: Observed) -> Count:
    return precision(observed) if observed.gold.mixed_topic else Count()


def documents_half_found(observed: Observed) -> Count:
    if len(observed.located) < MIN_FACTS_FOR_HALF:
        return Count()
    return Count(int(2 * len(observed.true_positives) >= len(observed.located)), 1)


_LABEL_NOISE = re.compile(r"[\s()（）:：,，、。;；\"“”]")


def label_f1(predicted: str, gold: str) -> float:
    """How well a fact's label names what the gold label names: the F1 of their
    character bigrams (after t2s and dropping blanks and punctuation), single
    characters for a one-character label. 在园幼儿数 vs 在园幼儿人数: 0.667 (3 shared of 4 and 5 bigrams);
    组织全区 vs 课外读物备案学校数: 0."""
    a = _LABEL_NOISE.sub("", normalize(predicted, "traditional"))
    b = _LABEL_NOISE.sub("", normalize(gold, "traditional"))
    if not a or not b:
        return float(a == b)
    pieces_a = {a[i : i + 2] for i in range(len(a) - 1)} or {a}
    pieces_b = {b[i : i + 2] for i in range(len(b) - 1)} or {b}
    shared = len(pieces_a & pieces_b)
    return 0.0 if not shared else 2 * shared / (len(pieces_a) + len(pieces_b))


def label_score(observed: Observed) -> Count:
    pairs = observed.tp_pairs
    return Count(
        sum(round(1000 * label_f1(fact.label, gold.label)) for gold, fact in pairs), 1000 * len(pairs)
    )


def _count(number: Callable[[Observed], int]) -> Callable[[Observed], Count]:
    def measure(observed: Observed) -> Count:
        return Count(number(observed), 0)

    return measure


def _gold_in_unclaimed(observed: Observed) -> int:
    unclaimed = observed.result.unclaimed
    return sum(
        1
        for g, item in enumerate(observed.located)
        if g not in observed.pairs and any(overlap(item.start, item.end, u.start, u.end) for u in unclaimed)
    )


METRICS: tuple[Metric, ...] = (
    Metric("f1", f1, headline=True),
    Metric("precision", precision, headline=True),
    Metric("recall", recall, headline=True),
    Metric("value_accuracy", value_accuracy, headline=True),
    Metric("indicator_accuracy", indicator_accuracy, headline=True),
    Metric("scope_accuracy", scope_accuracy, headline=True),
    Metric("year_accuracy", year_accuracy, headline=True),
    Metric("meta_accuracy", meta_accuracy, headline=True),
    Metric("problems_recall", problems_recall, headline=True),
    Metric("measures_recall", measures_recall, headline=True),
    Metric("grounding_rate", grounding_rate, headline=True),
    Metric("review_recall", review_recall, headline=True),
    Metric("mixed_precision", mixed_precision, headline=True),
    Metric("documents_half_found", documents_half_found, headline=True),
    Metric("flagged_share", flagged_share, headline=True),
    Metric("label_score", label_score, headline=True),
    Metric("indicator_accuracy_all", indicator_accuracy_all),
    Metric("precision_confident", _precision_where(False)),
    Metric("precision_flagged", _precision_where(True)),
    Metric("gold", _count(lambda observed: len(observed.located)), kind="count"),
    Metric("predicted", _count(lambda observed: len(observed.facts)), kind="count"),
    Metric("paired", _count(lambda observed: len(observed.pairs)), kind="count"),
    Metric("unclaimed", _count(lambda observed: len(observed.result.unclaimed)), kind="count"),
    Metric("gold_in_unclaimed", _count(_gold_in_unclaimed), kind="count"),
)

HEADLINE: tuple[str, ...] = (
    *(metric.name for metric in METRICS if metric.headline and metric.name != "label_score"),
    "ece",  # expected calibration error (score.expected_calibration_error): no count
    "label_score",
)
"""The figures reports show first and a baseline may hold, in order."""
