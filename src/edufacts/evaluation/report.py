"""The eval report: per-backend document scores as JSON data and as markdown.

`report_json` builds the content once; the markdown template
(`templates/eval_report.md.j2`) lays the same data out. Text taken from
documents or model output (quotes, labels, indicator ids, ids) is untrusted:
every table cell goes through `cell`, which escapes it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from ..models import Fact, GoldFact
from .metrics import METRICS, Count
from .score import (
    ERROR_KINDS,
    HEADLINE,
    META_FIELDS,
    DocumentScore,
    ErrorExample,
    IndicatorTally,
    Summary,
    ratio,
    summarize,
)

_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]+")


def cell(value: object) -> str:
    """Text fit for one markdown table cell: HTML-escaped, no pipes, no line breaks."""
    text = "" if value is None else str(value)
    text = html.escape(text, quote=False).replace("|", "\\|")
    return _LINE_BREAKS.sub(" ", text).strip()


def figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


_SHOWN = {"raw", "value", "unit", "indicator", "scope", "year", "label"}


def _describe(fact: GoldFact | Fact | None) -> str:
    if fact is None:
        return ""
    parts = [fact.raw, "=", format(fact.value.normalize(), "f"), fact.unit, f"[{fact.indicator or '—'}]"]
    if fact.scope:
        parts.append(f"scope {fact.scope}")
    if fact.year is not None:
        parts.append(f"year {fact.year}")
    return " ".join(part for part in [*parts, fact.label] if part)


def _example_json(example: ErrorExample) -> dict[str, Any]:
    gold, predicted = example.gold, example.predicted
    return {
        "doc_id": example.doc_id,
        "kind": example.kind,
        "quote": gold.quote if gold else predicted.quote if predicted else "",
        "gold": gold.model_dump(mode="json", include=_SHOWN) if gold else None,
        "predicted": predicted.model_dump(mode="json", include=_SHOWN | {"id"}) if predicted else None,
        "gold_text": _describe(gold),
        "predicted_text": _describe(predicted),
    }


def _examples_json(examples: Mapping[str, tuple[ErrorExample, ...]]) -> dict[str, list[dict[str, Any]]]:
    return {kind: [_example_json(example) for example in examples[kind]] for kind in ERROR_KINDS}


def _indicators_json(per_indicator: Mapping[str, IndicatorTally]) -> dict[str, dict[str, Any]]:
    return {
        key: {
            "gold": tally.gold,
            "tp": tally.tp,
            "indicator_ok": tally.indicator_ok,
            "recall": tally.recall,
            "indicator_accuracy": tally.indicator_accuracy,
        }
        for key, tally in sorted(per_indicator.items(), key=lambda item: (-item[1].gold, item[0]))
    }


def _summary_json(summary: Summary) -> dict[str, Any]:
    return {
        "documents": summary.documents,
        "models": list(summary.models),
        "headline": summary.headline,
        "metrics": summary.metrics,
        "fractions": {name: list(pair) for name, pair in summary.fractions().items()},
        "counts": _counts_json(summary.counts),
        "errors": dict(summary.errors),
        "examples": _examples_json(summary.examples),
        "examples_withheld": summary.examples_withheld,
        "per_indicator": _indicators_json(summary.per_indicator),
        "meta_fields": {
            name: {"ok": ok, "n": n, "accuracy": ratio(ok, n)} for name, (ok, n) in summary.meta.items()
        },
        "cost": asdict(summary.cost),
    }


def _counts_json(counts: Mapping[str, Count]) -> dict[str, int]:
    """The metrics that are plain counts (gold, predicted, paired, unclaimed...)."""
    return {metric.name: counts[metric.name].numerator for metric in METRICS if metric.kind == "count"}


def _document_json(score: DocumentScore) -> dict[str, Any]:
    return {
        "doc_id": score.doc_id,
        "backend": score.backend,
        "model": score.model,
        "metrics": score.metrics,
        "fractions": {name: list(pair) for name, pair in score.fractions().items()},
        "counts": _counts_json(score.counts),
        "errors": dict(score.errors),
        "examples": _examples_json(score.examples),
        "per_indicator": _indicators_json(score.per_indicator),
        "meta": [asdict(check) for check in score.meta],
        "ungrounded": list(score.ungrounded),
        "cost": asdict(score.cost),
    }


def report_json(runs: Mapping[str, Sequence[DocumentScore]]) -> dict[str, Any]:
    """Everything the markdown report shows, as JSON-serializable data."""
    return {
        "headline_metrics": list(HEADLINE),
        "error_kinds": list(ERROR_KINDS),
        "meta_fields": list(META_FIELDS),
        "backends": {
            backend: {
                "summary": _summary_json(summarize(scores)),
                "documents": [_document_json(score) for score in scores],
            }
            for backend, scores in runs.items()
        },
    }


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("edufacts", "templates"), undefined=StrictUndefined, autoescape=False
    )
    environment.filters["cell"] = cell
    environment.filters["figure"] = figure
    return environment


def render_markdown(runs: Mapping[str, Sequence[DocumentScore]]) -> str:
    """One markdown report with the backends side by side."""
    data = report_json(runs)
    backends = data["backends"]
    doc_ids: list[str] = []
    gold_counts: dict[str, int] = {}
    documents: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in backends}
    for name, run in backends.items():
        for document in run["documents"]:
            if document["doc_id"] not in gold_counts:
                doc_ids.append(document["doc_id"])
                gold_counts[document["doc_id"]] = document["counts"]["gold"]
            documents[name][document["doc_id"]] = document
    indicators: dict[str, int] = {}
    for run in backends.values():
        for key, entry in run["summary"]["per_indicator"].items():
            indicators[key] = max(indicators.get(key, 0), entry["gold"])
    template = _environment().get_template("eval_report.md.j2")
    return template.render(
        data=data,
        backends=list(backends),
        doc_ids=doc_ids,
        gold_counts=gold_counts,
        documents=documents,
        indicators=sorted(indicators, key=lambda key: (-indicators[key], key)),
        secondary=["indicator_accuracy_all", "precision_confident", "precision_flagged"],
    )
