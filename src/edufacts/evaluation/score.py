"""Scores one backend's document results against the gold set. Pure: never
imports the CLI, the pipeline or LLM code. Rendering is in `evaluation.report`.

Metrics (`summarize` micro-averages over facts by summing counts; a ratio whose
denominator is 0 is None):

1. Pairing: gold spans come from `gold.locate_facts`; a predicted fact pairs with a
   gold fact when their [start, end) spans intersect; one-to-one, greedily by
   largest overlap, ties by earliest gold start, then earliest predicted start.
2. Detection: TP = a pair with equal value (Decimal) and equal unit.
   precision = TP / predicted, recall = TP / gold, f1 = 2 TP / (predicted + gold)
   (the harmonic mean of the two, 0 when both are 0).
3. value_accuracy = TP / pairs.
4. indicator_accuracy: among TP whose gold indicator is not null, the share with
   the same predicted indicator; indicator_accuracy_all: over all TP (null == null).
5. scope_accuracy: among TP, equal sets of scope terms (None and "" = empty set);
   year_accuracy: among TP whose gold year is not null, equal year.
6. meta_accuracy: share of the 9 Meta fields equal; strings compared after
   t2s + half-width normalization with all whitespace removed; None equals only None.
7. problems_recall / measures_recall: a gold item (located by text.find) is
   recalled when a predicted TextItem span overlaps it.
8. grounding_rate: share of predicted facts with 0 <= start < end <= len(text),
   text[start:end] == raw and (value, unit) among numbers.span_values(raw): the
   number written there times the exact factor of its written scale and unit
   (亿元 -> 万元 x 10^4, 元 -> 万元 x 10^-4, 成 -> % x 10; a ratio's term that is not 1;
   a fraction's share; a bare number times 1, 10^4 or 10^8 for its table header),
   never any power of ten (raw t2s/half-width normalized; sign from -, − or 负).
9. unclaimed: predicted unclaimed entries; gold_in_unclaimed: unpaired gold facts
   overlapping an unclaimed span.
10. precision_confident / precision_flagged: precision of predicted facts with
   needs_review false / true; review_recall: share of wrong predicted facts (not a
   TP, or a TP whose indicator differs from a non-null gold one) flagged needs_review.
11. Errors: a non-TP pair is the first of scale (predicted/gold value a power of ten
   other than 1, unit aside), percent_vs_points (% against 个百分点), unit, value; a
   TP may add indicator, scope, year (as in 4 and 5); missed = gold fact with no
   pair, spurious = predicted fact with no pair. At most 5 examples per kind.
12. Cost: the run's `Usage` (calls, cached calls, tokens, seconds) from `predicted.run`.
13. Per gold indicator (null as "(none)"): gold, TP, recall = TP / gold and
   indicator accuracy = share of those TP whose predicted indicator is the gold one.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import chain, islice
from typing import Any, Self

from ..errors import ContractError
from ..models import DocumentResult, Fact, GoldFact, GoldFile, Meta, TextItem
from ..readers.load import normalize
from ..stages.catalog import Catalog, load_catalog
from ..stages.numbers import span_values
from ..usage import Usage
from .gold import LocatedGoldFact, locate_facts

HEADLINE = (
    "f1", "precision", "recall", "value_accuracy", "indicator_accuracy", "scope_accuracy",
    "year_accuracy", "meta_accuracy", "problems_recall", "measures_recall", "grounding_rate",
    "review_recall", "mixed_precision", "documents_half_found", "flagged_share", "ece", "label_score",
)  # fmt: skip
CALIBRATION_BINS = 10
MIN_FACTS_FOR_HALF = 5
"""documents_half_found counts the documents whose gold has at least this many facts."""
ERROR_KINDS = (
    "scale", "percent_vs_points", "unit", "value", "indicator", "scope", "year", "missed", "spurious",
)  # fmt: skip
META_FIELDS = tuple(Meta.model_fields)
NO_INDICATOR = "(none)"
MAX_EXAMPLES = 5
_POWERS = tuple(Decimal(10) ** k for k in range(-4, 9))


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


class _Summable:
    """Frozen dataclasses of counts that add field by field."""

    def __add__(self, other: Self) -> Self:
        return type(self)(**{name: value + getattr(other, name) for name, value in vars(self).items()})


@dataclass(frozen=True)
class Tally(_Summable):
    """The counts behind every ratio; adding tallies micro-averages."""

    gold: int = 0
    predicted: int = 0
    paired: int = 0
    tp: int = 0
    indicator_ok: int = 0
    indicator_n: int = 0
    indicator_all_ok: int = 0
    scope_ok: int = 0
    year_ok: int = 0
    year_n: int = 0
    meta_ok: int = 0
    meta_n: int = 0
    problems_ok: int = 0
    problems_n: int = 0
    measures_ok: int = 0
    measures_n: int = 0
    grounded: int = 0
    unclaimed: int = 0
    gold_in_unclaimed: int = 0
    confident_n: int = 0
    confident_tp: int = 0
    flagged_n: int = 0
    flagged_tp: int = 0
    wrong_n: int = 0
    wrong_flagged: int = 0
    label_milli: int = 0
    """sum over TP facts of the label's bigram F1 against the gold label, in thousandths"""
    mixed_predicted: int = 0
    mixed_tp: int = 0
    large_documents: int = 0
    large_half_found: int = 0

    def fractions(self) -> dict[str, tuple[int, int]]:
        """Every ratio metric as (numerator, denominator); HEADLINE names first."""
        return {
            "f1": (2 * self.tp, self.predicted + self.gold),
            "precision": (self.tp, self.predicted),
            "recall": (self.tp, self.gold),
            "value_accuracy": (self.tp, self.paired),
            "indicator_accuracy": (self.indicator_ok, self.indicator_n),
            "scope_accuracy": (self.scope_ok, self.tp),
            "year_accuracy": (self.year_ok, self.year_n),
            "meta_accuracy": (self.meta_ok, self.meta_n),
            "problems_recall": (self.problems_ok, self.problems_n),
            "measures_recall": (self.measures_ok, self.measures_n),
            "grounding_rate": (self.grounded, self.predicted),
            "review_recall": (self.wrong_flagged, self.wrong_n),
            "mixed_precision": (self.mixed_tp, self.mixed_predicted),
            "documents_half_found": (self.large_half_found, self.large_documents),
            "flagged_share": (self.flagged_n, self.predicted),
            "label_score": (self.label_milli, 1000 * self.tp),
            "indicator_accuracy_all": (self.indicator_all_ok, self.tp),
            "precision_confident": (self.confident_tp, self.confident_n),
            "precision_flagged": (self.flagged_tp, self.flagged_n),
        }

    def metrics(self) -> dict[str, float | None]:
        return {name: ratio(*pair) for name, pair in self.fractions().items()}


@dataclass(frozen=True)
class IndicatorTally(_Summable):
    gold: int = 0
    tp: int = 0
    indicator_ok: int = 0

    @property
    def recall(self) -> float | None:
        return ratio(self.tp, self.gold)

    @property
    def indicator_accuracy(self) -> float | None:
        return ratio(self.indicator_ok, self.tp)


@dataclass(frozen=True)
class MetaCheck:
    field: str
    gold: str | int | None
    predicted: str | int | None
    ok: bool


@dataclass(frozen=True)
class ErrorExample:
    doc_id: str
    kind: str
    gold: GoldFact | None
    """None for a spurious fact"""
    predicted: Fact | None
    """None for a missed fact"""


@dataclass(frozen=True)
class DocumentScore:
    doc_id: str
    backend: str
    model: str | None
    tally: Tally
    errors: Mapping[str, int]
    examples: Mapping[str, tuple[ErrorExample, ...]]
    per_indicator: Mapping[str, IndicatorTally]
    meta: tuple[MetaCheck, ...]
    ungrounded: tuple[str, ...]
    """ids of predicted facts that fail the grounding check (should be none)"""
    cost: Usage
    confidences: tuple[tuple[float, bool], ...] = ()
    """each predicted fact's confidence and whether it is right (a TP with the gold indicator)"""

    @property
    def metrics(self) -> dict[str, float | None]:
        return {**self.tally.metrics(), "ece": expected_calibration_error(self.confidences)}


@dataclass(frozen=True)
class Summary:
    documents: int
    tally: Tally
    errors: Mapping[str, int]
    examples: Mapping[str, tuple[ErrorExample, ...]]
    per_indicator: Mapping[str, IndicatorTally]
    meta: Mapping[str, tuple[int, int]]
    """field -> (documents where it is right, documents)"""
    cost: Usage
    models: tuple[str, ...] = field(default=())
    confidences: tuple[tuple[float, bool], ...] = ()

    @property
    def metrics(self) -> dict[str, float | None]:
        return {**self.tally.metrics(), "ece": expected_calibration_error(self.confidences)}

    @property
    def headline(self) -> dict[str, float | None]:
        metrics = self.metrics
        return {name: metrics[name] for name in HEADLINE}


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


def expected_calibration_error(
    pairs: Sequence[tuple[float, bool]], bins: int = CALIBRATION_BINS
) -> float | None:
    """Over equal-width confidence bins, the fact-weighted mean of |mean confidence -
    share right|: 0 when a stated 0.9 is right 9 times in 10. Lower is better."""
    if not pairs:
        return None
    totals = [[0.0, 0, 0] for _ in range(bins)]
    for confidence, right in pairs:
        slot = totals[min(bins - 1, int(confidence * bins))]
        slot[0] += confidence
        slot[1] += int(right)
        slot[2] += 1
    return sum(abs(conf - correct) for conf, correct, n in totals if n) / len(pairs)


def reliability(
    pairs: Sequence[tuple[float, bool]], bins: int = CALIBRATION_BINS
) -> list[tuple[float, float, int]]:
    """Per non-empty bin: mean confidence, observed share right, facts."""
    grouped: dict[int, list[tuple[float, bool]]] = {}
    for confidence, right in pairs:
        grouped.setdefault(min(bins - 1, int(confidence * bins)), []).append((confidence, right))
    return [
        (sum(c for c, _ in items) / len(items), sum(r for _, r in items) / len(items), len(items))
        for _, items in sorted(grouped.items())
    ]


# --- one document -------------------------------------------------------------


def _overlap(start_a: int, end_a: int, start_b: int, end_b: int) -> int:
    return max(0, min(end_a, end_b) - max(start_a, start_b))


def pair_spans(gold: Sequence[tuple[int, int]], predicted: Sequence[tuple[int, int]]) -> dict[int, int]:
    """One-to-one pairs gold index -> predicted index, greedily by largest overlap."""
    candidates = [
        (-overlap, gold_start, pred_start, g, p)
        for g, (gold_start, gold_end) in enumerate(gold)
        for p, (pred_start, pred_end) in enumerate(predicted)
        if (overlap := _overlap(gold_start, gold_end, pred_start, pred_end)) > 0
    ]
    pairs: dict[int, int] = {}
    taken: set[int] = set()
    for *_, g, p in sorted(candidates):
        if g not in pairs and p not in taken:
            pairs[g] = p
            taken.add(p)
    return pairs


def _is_power_of_ten_ratio(predicted: Decimal, gold: Decimal) -> bool:
    if predicted == 0 or gold == 0:
        return False
    quotient = predicted / gold
    return quotient > 0 and quotient != 1 and quotient.normalize().as_tuple().digits == (1,)


def _mismatch_kind(gold: GoldFact, fact: Fact) -> str:
    if _is_power_of_ten_ratio(fact.value, gold.value):
        return "scale"
    if {gold.unit, fact.unit} == {"%", "个百分点"}:
        return "percent_vs_points"
    return "unit" if gold.unit != fact.unit else "value"


def is_grounded(fact: Fact, text: str) -> bool:
    """The fact's value is re-derivable from the digits written at its span."""
    if not (0 <= fact.start < fact.end <= len(text)) or text[fact.start : fact.end] != fact.raw:
        return False
    view = normalize(fact.raw, "traditional")
    # The unit's name is the unit check's business (40个班 may be counted in 班); the
    # value must be exactly one the span states.
    return any(fact.value == value for value, _ in span_values(view))


def _meta_key(value: object) -> object:
    return "".join(normalize(value, "traditional").split()) if isinstance(value, str) else value


def _meta_checks(gold: Meta, predicted: Meta) -> tuple[MetaCheck, ...]:
    values = ((name, getattr(gold, name), getattr(predicted, name)) for name in META_FIELDS)
    return tuple(MetaCheck(name, g, p, _meta_key(g) == _meta_key(p)) for name, g, p in values)


def _recalled(items: Iterable[str], predicted: Sequence[TextItem], text: str) -> int:
    count = 0
    for item in items:
        start = text.find(item)
        if start >= 0 and any(_overlap(start, start + len(item), p.start, p.end) for p in predicted):
            count += 1
    return count


def score_document(
    gold: GoldFile, text: str, predicted: DocumentResult, catalog: Catalog | None = None
) -> DocumentScore:
    """Score one document; `text` is the document as decoded (what offsets index)."""
    if predicted.document.id != gold.doc_id:
        raise ContractError(f"scoring {predicted.document.id!r} against the gold of {gold.doc_id!r}")
    catalog = catalog or load_catalog()
    located: list[LocatedGoldFact] = locate_facts(gold, text, catalog)
    facts = predicted.facts
    pairs = pair_spans([(g.start, g.end) for g in located], [(f.start, f.end) for f in facts])
    counts: Counter[str] = Counter(gold=len(located), predicted=len(facts), paired=len(pairs))
    errors: Counter[str] = Counter({kind: 0 for kind in ERROR_KINDS})
    examples: dict[str, list[ErrorExample]] = {kind: [] for kind in ERROR_KINDS}
    per_indicator: dict[str, Counter[str]] = {}
    true_positives: set[int] = set()
    wrong_indicator: set[int] = set()

    def note(kind: str, gold_fact: GoldFact | None, fact: Fact | None) -> None:
        errors[kind] += 1
        if len(examples[kind]) < MAX_EXAMPLES:
            examples[kind].append(ErrorExample(gold.doc_id, kind, gold_fact, fact))

    for g, item in enumerate(located):
        gold_fact = item.fact
        by_indicator = per_indicator.setdefault(gold_fact.indicator or NO_INDICATOR, Counter())
        by_indicator["gold"] += 1
        p = pairs.get(g)
        if p is None:
            note("missed", gold_fact, None)
            if any(_overlap(item.start, item.end, u.start, u.end) for u in predicted.unclaimed):
                counts["gold_in_unclaimed"] += 1
            continue
        fact = facts[p]
        if not (fact.value == gold_fact.value and fact.unit == gold_fact.unit):
            note(_mismatch_kind(gold_fact, fact), gold_fact, fact)
            continue
        true_positives.add(p)
        counts["tp"] += 1
        counts["label_milli"] += round(1000 * label_f1(fact.label, gold_fact.label))
        by_indicator["tp"] += 1
        if fact.indicator == gold_fact.indicator:
            counts["indicator_all_ok"] += 1
            by_indicator["indicator_ok"] += 1
        if gold_fact.indicator is not None:
            counts["indicator_n"] += 1
            if fact.indicator == gold_fact.indicator:
                counts["indicator_ok"] += 1
            else:
                wrong_indicator.add(p)
                note("indicator", gold_fact, fact)
        if catalog.scope_terms(fact.scope) == catalog.scope_terms(gold_fact.scope):
            counts["scope_ok"] += 1
        else:
            note("scope", gold_fact, fact)
        if gold_fact.year is not None:
            counts["year_n"] += 1
            if fact.year == gold_fact.year:
                counts["year_ok"] += 1
            else:
                note("year", gold_fact, fact)

    paired_predictions = set(pairs.values())
    ungrounded: list[str] = []
    confidences: list[tuple[float, bool]] = []
    for p, fact in enumerate(facts):
        confidences.append((fact.confidence, p in true_positives and p not in wrong_indicator))
        if p not in paired_predictions:
            note("spurious", None, fact)
        is_tp = p in true_positives
        prefix = "flagged" if fact.needs_review else "confident"
        counts[f"{prefix}_n"] += 1
        counts[f"{prefix}_tp"] += is_tp
        if not is_tp or p in wrong_indicator:
            counts["wrong_n"] += 1
            counts["wrong_flagged"] += fact.needs_review
        if is_grounded(fact, text):
            counts["grounded"] += 1
        else:
            ungrounded.append(fact.id)

    meta = _meta_checks(gold.meta, predicted.meta)
    counts.update(
        meta_ok=sum(check.ok for check in meta),
        meta_n=len(meta),
        problems_ok=_recalled(gold.problems, predicted.problems, text),
        problems_n=len(gold.problems),
        measures_ok=_recalled(gold.measures, predicted.measures, text),
        measures_n=len(gold.measures),
        unclaimed=len(predicted.unclaimed),
    )
    if gold.mixed_topic:  # precision where most numbers are not about education
        counts.update(mixed_predicted=len(facts), mixed_tp=counts["tp"])
    if len(located) >= MIN_FACTS_FOR_HALF:
        counts.update(large_documents=1, large_half_found=int(2 * counts["tp"] >= len(located)))
    run = predicted.run
    return DocumentScore(
        doc_id=gold.doc_id,
        backend=run.backend,
        model=run.model,
        tally=Tally(**counts),
        errors=dict(errors),
        examples={kind: tuple(items) for kind, items in examples.items()},
        per_indicator={key: IndicatorTally(**tally) for key, tally in per_indicator.items()},
        meta=meta,
        ungrounded=tuple(ungrounded),
        cost=run.usage,
        confidences=tuple(confidences),
    )


# --- a corpus -----------------------------------------------------------------


def summarize(scores: Sequence[DocumentScore]) -> Summary:
    """Corpus figures, micro-averaged over facts (counts summed, then divided)."""
    per_indicator: dict[str, IndicatorTally] = {}
    meta_ok: Counter[str] = Counter()
    for score in scores:
        for key, tally in score.per_indicator.items():
            per_indicator[key] = per_indicator.get(key, IndicatorTally()) + tally
        meta_ok.update(check.field for check in score.meta if check.ok)
    return Summary(
        documents=len(scores),
        tally=sum((score.tally for score in scores), Tally()),
        errors={kind: sum(score.errors[kind] for score in scores) for kind in ERROR_KINDS},
        examples={
            kind: tuple(islice(chain.from_iterable(score.examples[kind] for score in scores), MAX_EXAMPLES))
            for kind in ERROR_KINDS
        },
        per_indicator=per_indicator,
        meta={name: (meta_ok[name], len(scores)) for name in META_FIELDS},
        cost=sum((score.cost for score in scores), Usage()),
        models=tuple(sorted({score.model for score in scores if score.model})),
        confidences=tuple(chain.from_iterable(score.confidences for score in scores)),
    )


def check_baseline(summaries: Mapping[str, Summary], baseline: Mapping[str, Any]) -> list[str]:
    """One line per figure below its baseline minimum (empty = pass).

    `baseline` maps backend -> {metric: minimum}. Backends without a summary are
    skipped; so is a metric that is undefined (None: nothing to measure). An
    unknown metric name or a non-numeric minimum is reported too, so that a typo
    in the baseline file cannot pass silently.
    """
    failures: list[str] = []
    for backend, minimums in baseline.items():
        summary = summaries.get(backend)
        if summary is None:
            continue
        if not isinstance(minimums, Mapping):
            failures.append(f"{backend}: baseline entry is not an object of metric minimums")
            continue
        metrics = summary.metrics
        for name, minimum in minimums.items():
            if name not in metrics:
                failures.append(f"{backend}: unknown metric {name!r} in the baseline")
            elif isinstance(minimum, bool) or not isinstance(minimum, int | float):
                failures.append(f"{backend}: baseline for {name} is not a number: {minimum!r}")
            elif (value := metrics[name]) is not None and value < minimum - 1e-9:
                failures.append(f"{backend}: {name} {value:.3f} is below the baseline {minimum:.3f}")
    return failures


__all__ = [
    "ERROR_KINDS", "HEADLINE", "DocumentScore", "Summary", "check_baseline", "score_document", "summarize",
]  # fmt: skip
