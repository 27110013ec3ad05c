"""The eval report as one self-contained HTML page: headline figures per backend
and split, per-indicator accuracy, the error taxonomy, a reliability diagram
(stated confidence against observed precision) and cost per document. Charts are
inline SVG drawn by matplotlib with text as paths (no fonts, no script, no
network); every string from a document goes through Jinja2's autoescaping."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from .report import figure, report_json
from .score import ERROR_KINDS, HEADLINE, DocumentScore, reliability, summarize

_MIN_GOLD_FOR_BAR = 2


def _svg(fig: Any) -> Markup:
    buffer = io.StringIO()
    # No metadata block (its RDF namespaces and date): the page stays the same and offline.
    fig.savefig(
        buffer,
        format="svg",
        bbox_inches="tight",
        metadata={"Creator": None, "Date": None, "Format": None, "Type": None},
    )
    import matplotlib.pyplot as plt

    plt.close(fig)
    text = buffer.getvalue()
    # Our own drawing (text rendered as paths): safe to inline, without the XML prolog.
    return Markup(text[text.index("<svg") :])


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.fonttype"] = "path"
    matplotlib.rcParams["svg.hashsalt"] = "edufacts"  # the same page for the same figures
    import matplotlib.pyplot as plt

    return plt


def indicator_chart(runs: Mapping[str, Sequence[DocumentScore]]) -> Markup:
    plt = _pyplot()
    per_run = {name: summarize(scores).per_indicator for name, scores in runs.items()}
    keys = sorted(
        {
            key
            for tallies in per_run.values()
            for key, tally in tallies.items()
            if tally.gold >= _MIN_GOLD_FOR_BAR
        }
    )
    fig, axis = plt.subplots(figsize=(8, 0.3 * max(4, len(keys)) + 1))
    height = 0.8 / max(1, len(per_run))
    for offset, (name, tallies) in enumerate(per_run.items()):
        values = [tallies[key].indicator_accuracy or 0.0 if key in tallies else 0.0 for key in keys]
        axis.barh([index + offset * height for index in range(len(keys))], values, height=height, label=name)
    axis.set_yticks([index + 0.4 - height / 2 for index in range(len(keys))], keys)
    axis.set_xlim(0, 1)
    axis.set_xlabel("indicator accuracy among true positives")
    axis.invert_yaxis()
    axis.legend(loc="lower right", fontsize="small")
    return _svg(fig)


def error_chart(runs: Mapping[str, Sequence[DocumentScore]]) -> Markup:
    plt = _pyplot()
    fig, axis = plt.subplots(figsize=(8, 3.2))
    width = 0.8 / max(1, len(runs))
    for offset, (name, scores) in enumerate(runs.items()):
        errors = summarize(scores).errors
        positions = [index + offset * width for index in range(len(ERROR_KINDS))]
        axis.bar(positions, [errors[kind] for kind in ERROR_KINDS], width=width, label=name)
    axis.set_xticks([index + 0.4 - width / 2 for index in range(len(ERROR_KINDS))], ERROR_KINDS, rotation=30)
    axis.set_ylabel("facts")
    axis.legend(fontsize="small")
    return _svg(fig)


def reliability_chart(runs: Mapping[str, Sequence[DocumentScore]]) -> Markup:
    plt = _pyplot()
    fig, axis = plt.subplots(figsize=(4.5, 4.5))
    axis.plot([0, 1], [0, 1], linestyle=":", color="grey", label="calibrated")
    for name, scores in runs.items():
        points = reliability(summarize(scores).confidences)
        if points:
            axis.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=name)
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.set_xlabel("stated confidence (10 bins)")
    axis.set_ylabel("observed share right")
    axis.legend(fontsize="small", loc="upper left")
    return _svg(fig)


@cache
def _environment() -> Environment:
    environment = Environment(
        loader=PackageLoader("edufacts", "templates"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "j2"], default=True),
    )
    environment.filters["figure"] = figure
    return environment


def render_html(runs: Mapping[str, Sequence[DocumentScore]]) -> str:
    data = report_json(runs)
    costs = {
        name: {document["doc_id"]: document["cost"] for document in run["documents"]}
        for name, run in data["backends"].items()
    }
    return (
        _environment()
        .get_template("eval_report.html.j2")
        .render(
            data=data,
            backends=list(data["backends"]),
            headline=list(HEADLINE),
            costs=costs,
            indicator_chart=indicator_chart(runs),
            error_chart=error_chart(runs),
            reliability_chart=reliability_chart(runs),
        )
    )
