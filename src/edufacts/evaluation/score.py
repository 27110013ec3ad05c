"""Scores one backend's document results against the gold set. Pure: never
imports the CLI, the pipeline or LLM code. Rendering is in `evaluation.report`;
the metrics themselves, one evaluator each, in `evaluation.metrics`.

Pairing: gold spans come from `gold.locate_facts`; a predicted fact pairs with a
gold fact when their [start, end) spans intersect; one-to-one, greedily by
largest overlap, ties by earliest gold start, then earliest predicted start.
A pair is a TP when value (Decimal) and unit are equal.

Grounding: a predicted fact is grounded when 0 <= start < end <= len(text),
text[start:end] == raw and its value is among numbers.span_values(raw): the number
written there times the exact factor of its written scale and unit, never any
power of ten.

Errors: a non-TP pair is the first of scale (predicted/gold value a power of ten
other than 1, unit aside), percent_vs_points (% against 个百分点), unit, value; a
TP may add indicator, scope, year; missed = gold fact with no pair, spurious =
predicted fact with no pair. At most 5 examples per kind.

Cost: the run's `Usage` from `predicted.run`. Per gold indicator (null as
"(none)"): gold, TP, recall and indicator accuracy.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import chain, islice
from typing import Any, Self

from ..errors import ContractError
from ..models import DocumentResult, Fact, GoldFact, GoldFile, Meta
from ..readers.load import normalize
from ..stages.catalog import Catalog, load_catalog
from ..stages.numbers import span_states
from ..usage import Usage
from .gold import LocatedGoldFact, locate_facts
from .metrics import HEADLINE, MAX_EXAMPLES, METRICS, Count, MetaCheck, Observed, label_f1, overlap

CALIBRATION_BINS = 10
ERROR_KINDS = (
    "scale", "percent_vs_points", "unit", "value", "indicator", "scope", "year", "missed", "spurious",
)  # fmt: skip
META_FIELDS = tuple(Meta.model_fields)
NO_INDICATOR = "(none)"
_POWERS = tuple(Decimal(10) ** k for k in range(-4, 9))


def ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


class _Summable:
    """Frozen dataclasses of counts that add field by field."""

    def __add__(self, other: Self) -> Self:
        return type(self)(**{name: value + getattr(other, name) for name, value in vars(self).items()})


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
class ErrorExample:
    doc_id: str
    kind: str
    gold: GoldFact | None
    """None for a spurious fact"""
    predicted: Fact | None
    """None for a missed fact"""


class _Figures:
    """The figures of a document or a corpus, from its metric counts and the
    confidences of its predicted facts."""

    counts: Mapping[str, Count]
    confidences: tuple[tuple[float, bool], ...]

    @property
    def metrics(self) -> dict[str, float | None]:
        return {
            **{name: self.counts[name].value for name in _RATIOS},
            "ece": expected_calibration_error(self.confidences),
        }

    def fractions(self) -> dict[str, tuple[int, int]]:
        """Every ratio metric as (numerator, denominator)."""
        return {name: (self.counts[name].numerator, self.counts[name].denominator) for name in _RATIOS}


@dataclass(frozen=True, kw_only=True)
class DocumentScore(_Figures):
    doc_id: str
    backend: str
    model: str | None
    counts: Mapping[str, Count]
    """per metric of evaluation.metrics.METRICS"""
    errors: Mapping[str, int]
    examples: Mapping[str, tuple[ErrorExample, ...]]
    per_indicator: Mapping[str, IndicatorTally]
    meta: tuple[MetaCheck, ...]
    ungrounded: tuple[str, ...]
    """ids of predicted facts that fail the grounding check (should be none)"""
    cost: Usage
    confidences: tuple[tuple[float, bool], ...] = ()
    """each predicted fact's confidence and whether it is right (a TP with the gold indicator)"""
    examples_withheld: bool = False
    """figures only (`figures_only`): the held-out split shows no error, quote or value"""


@dataclass(frozen=True, kw_only=True)
class Summary(_Figures):
    documents: int
    counts: Mapping[str, Count]
    errors: Mapping[str, int]
    examples: Mapping[str, tuple[ErrorExample, ...]]
    per_indicator: Mapping[str, IndicatorTally]
    meta: Mapping[str, tuple[int, int]]
    """field -> (documents where it is right, documents)"""
    cost: Usage
    models: tuple[str, ...] = field(default=())
    confidences: tuple[tuple[float, bool], ...] = ()
    examples_withheld: bool = False

    @property
    def headline(self) -> dict[str, float | None]:
        metrics = self.metrics
        return {name: metrics[name] for name in HEADLINE}


_RATIOS = tuple(metric.name for metric in METRICS if metric.kind == "ratio")


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


def pair_spans(gold: Sequence[tuple[int, int]], predicted: Sequence[tuple[int, int]]) -> dict[int, int]:
    """One-to-one pairs gold index -> predicted index, greedily by largest overlap."""
    candidates = [
        (-shared, gold_start, pred_start, g, p)
        for g, (gold_start, gold_end) in enumerate(gold)
        for p, (pred_start, pred_end) in enumerate(predicted)
        if (shared := overlap(gold_start, gold_end, pred_start, pred_end)) > 0
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
    return span_states(view, fact.value)


def _meta_key(value: object) -> object:
    return "".join(normalize(value, "traditional").split()) if isinstance(value, str) else value


def _meta_checks(gold: Meta, predicted: Meta) -> tuple[MetaCheck, ...]:
    values = ((name, getattr(gold, name), getattr(predicted, name)) for name in META_FIELDS)
    return tuple(MetaCheck(name, g, p, _meta_key(g) == _meta_key(p)) for name, g, p in values)


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
    errors: Counter[str] = Counter({kind: 0 for kind in ERROR_KINDS})
    examples: dict[str, list[ErrorExample]] = {kind: [] for kind in ERROR_KINDS}
    per_indicator: dict[str, Counter[str]] = {}
    true_positives: set[int] = set()

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
            continue
        fact = facts[p]
        if not (fact.value == gold_fact.value and fact.unit == gold_fact.unit):
            note(_mismatch_kind(gold_fact, fact), gold_fact, fact)
            continue
        true_positives.add(p)
        by_indicator["tp"] += 1
        if fact.indicator == gold_fact.indicator:
            by_indicator["indicator_ok"] += 1
        elif gold_fact.indicator is not None:
            note("indicator", gold_fact, fact)
        if catalog.scope_terms(fact.scope) != catalog.scope_terms(gold_fact.scope):
            note("scope", gold_fact, fact)
        if gold_fact.year is not None and fact.year != gold_fact.year:
            note("year", gold_fact, fact)

    paired_predictions = set(pairs.values())
    for p, fact in enumerate(facts):
        if p not in paired_predictions:
            note("spurious", None, fact)
    observed = Observed(
        gold=gold,
        result=predicted,
        text=text,
        catalog=catalog,
        located=tuple(located),
        pairs=pairs,
        true_positives=frozenset(true_positives),
        meta=_meta_checks(gold.meta, predicted.meta),
        grounded=frozenset(p for p, fact in enumerate(facts) if is_grounded(fact, text)),
    )
    run = predicted.run
    return DocumentScore(
        doc_id=gold.doc_id,
        backend=run.backend,
        model=run.model,
        counts={metric.name: metric.measure(observed) for metric in METRICS},
        errors=dict(errors),
        examples={kind: tuple(items) for kind, items in examples.items()},
        per_indicator={key: IndicatorTally(**tally) for key, tally in per_indicator.items()},
        meta=observed.meta,
        ungrounded=tuple(fact.id for p, fact in enumerate(facts) if p not in observed.grounded),
        cost=run.usage,
        confidences=tuple((fact.confidence, not observed.wrong(p)) for p, fact in enumerate(facts)),
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
        counts={
            metric.name: sum((score.counts[metric.name] for score in scores), Count()) for metric in METRICS
        },
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
        examples_withheld=any(score.examples_withheld for score in scores),
    )


def figures_only(score: DocumentScore) -> DocumentScore:
    """The score without anything a reader could tune a rule on: no error
    examples, no metadata values (whether each field is right stays). The
    held-out split is reported this way, so that its errors stay unseen."""
    return replace(
        score,
        counts={name: Count(count.numerator, count.denominator) for name, count in score.counts.items()},
        examples={kind: () for kind in score.examples},
        meta=tuple(MetaCheck(check.field, None, None, check.ok) for check in score.meta),
        examples_withheld=True,
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
    "ERROR_KINDS", "HEADLINE", "DocumentScore", "Summary", "check_baseline", "figures_only", "label_f1",
    "score_document", "summarize",
]  # fmt: skip
