"""What the review pages show, as plain data for the templates (which escape
every string: document text is untrusted)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..models import DocumentResult, Fact
from ..stages.calibration import load_calibration
from ..stages.catalog import Catalog
from ..stages.evidence import FEATURES
from .corrections import fact_fields, unclaimed_fields
from .store import Decision
from .workspace import (
    DocumentSummary,
    QueueEntry,
    Workspace,
    find_fact,
    find_unclaimed,
    unclaimed_target,
)

Standing = Mapping[tuple[str, str], Decision]
"""(doc id, target) -> the decision in force, read once per request (DecisionStore.standing)."""
CONTEXT_CHARS = 240
QUEUE_WINDOW = 25


def status_of(entry_kind: str, needs_review: bool, decision: Decision | None) -> str:
    """accepted / edited / rejected / added, else needs_review / ok / unclaimed."""
    if decision is not None:
        return {"accept": "accepted", "edit": "edited", "reject": "rejected", "add": "added"}[decision.action]
    if entry_kind == "unclaimed":
        return "unclaimed"
    return "needs_review" if needs_review else "ok"


@dataclass
class QueueRow:
    entry: QueueEntry
    index: int
    status: str
    current: bool


@dataclass(kw_only=True)
class ItemView:
    doc_id: str
    target: str
    kind: str
    index: int
    total: int
    fields: dict[str, Any]
    before: str
    quote_before: str
    raw: str
    quote_after: str
    after: str
    heading_path: list[str]
    failed_checks: list[tuple[str, str]]
    candidates: list[tuple[str, str]]
    facts_extra: dict[str, Any]
    decision: Decision | None
    history: list[Decision]
    status: str
    previous: QueueEntry | None
    following: QueueEntry | None
    rows: list[QueueRow] = field(default_factory=list)
    within_document: bool = False


def _quote_bounds(text: str, quote: str, start: int, end: int) -> tuple[int, int]:
    """Where the output's quote sits around the span; the span itself if it cannot be found."""
    if quote:
        at = text.find(quote, max(0, start - len(quote)), end + len(quote))
        if at != -1 and at <= start and end <= at + len(quote):
            return at, at + len(quote)
    return start, end


def _heading_path(result: DocumentResult, fact: Fact | None, start: int) -> list[str]:
    sections = {section.id: section for section in result.sections}
    if fact is not None and fact.section in sections:
        return sections[fact.section].heading_path
    inside = [section for section in result.sections if section.start <= start < section.end]
    return inside[-1].heading_path if inside else []


def _lowered_by(fact: Fact, shown: int = 3) -> list[str]:
    """The evidence that pulled the fact's estimate down most (weight x value < 0)."""
    calibration = load_calibration(fact.source if fact.source == "rules" else "local")
    if calibration is None or not fact.evidence:
        return []
    pulls = [
        (weight * fact.evidence.get(name, 0), name)
        for weight, name in zip(calibration.weights, FEATURES, strict=True)
        if weight * fact.evidence.get(name, 0) < 0
    ]
    return [name.replace("_", " ") for _, name in sorted(pulls)[:shown]]


def item_view(
    workspace: Workspace,
    catalog: Catalog,
    doc_id: str,
    target: str,
    standing: Standing,
    within_document: bool = False,
) -> ItemView | None:
    """One item; within_document keeps the queue pane and j/k to its document."""
    if (doc_id, target) not in workspace.position:
        return None
    loaded = workspace.document(doc_id)
    result, text = loaded.result, loaded.text
    fact = find_fact(result, target)
    item = None if fact is not None else find_unclaimed(result, target)
    if fact is None and item is None:
        return None
    span = fact or item
    assert span is not None
    quote_start, quote_end = _quote_bounds(text, span.quote, span.start, span.end)
    window_start = max(0, quote_start - CONTEXT_CHARS)
    window_end = min(len(text), quote_end + CONTEXT_CHARS)
    history = workspace.store.history(doc_id, target)
    decision = standing.get((doc_id, target))
    positions = workspace.positions(doc_id if within_document else None)
    index = bisect_left(positions, workspace.position[(doc_id, target)])
    previous, following = workspace.neighbours((doc_id, target), within_document)
    if fact is not None:
        fields = fact_fields(fact)
        failed = [(check.name, check.detail) for check in fact.checks if not check.ok]
        candidates = [
            (name, catalog.indicators[name].title) for name in fact.candidates if name in catalog.indicators
        ]
        extra: dict[str, Any] = {
            "confidence": fact.confidence,
            "source": fact.source,
            "needs_review": fact.needs_review,
        }
        lowered = _lowered_by(fact)
        if lowered:
            extra["lowered by"] = ", ".join(lowered)
        if fact.page is not None:  # where to look in the PDF
            box = " at " + ", ".join(f"{edge:g}" for edge in fact.bbox) + " pt" if fact.bbox else ""
            extra["page"] = f"{fact.page}{box}"
    else:
        assert item is not None
        fields = unclaimed_fields(item)
        failed, candidates, extra = [], [], {}
    return ItemView(
        doc_id=doc_id,
        target=target,
        kind="fact" if fact is not None else "unclaimed",
        index=index,
        total=len(positions),
        fields=fields,
        before=text[window_start:quote_start],
        quote_before=text[quote_start : span.start],
        raw=text[span.start : span.end],
        quote_after=text[span.end : quote_end],
        after=text[quote_end:window_end],
        heading_path=_heading_path(result, fact, span.start),
        failed_checks=failed,
        candidates=candidates,
        facts_extra=extra,
        decision=decision,
        history=history,
        status=status_of(
            "fact" if fact is not None else "unclaimed", fact is not None and fact.needs_review, decision
        ),
        previous=previous,
        following=following,
        rows=queue_rows(workspace, positions, index, standing),
        within_document=within_document,
    )


def queue_rows(
    workspace: Workspace, positions: Sequence[int], index: int, standing: Standing
) -> list[QueueRow]:
    """The queue (or one document's part of it: positions) around the current
    item, index being its place in positions (the whole queue can be very long)."""
    rows = []
    for at in range(max(0, index - QUEUE_WINDOW), min(len(positions), index + QUEUE_WINDOW + 1)):
        entry = workspace.queue[positions[at]]
        status = status_of(entry.kind, entry.needs_review, standing.get(entry.key))
        rows.append(QueueRow(entry, at, status, at == index))
    return rows


@dataclass(kw_only=True)
class DocumentRow:
    summary: DocumentSummary
    decided: int
    flagged_left: int
    items: int
    next_item: QueueEntry | None
    """its riskiest undecided item, else its first"""


def next_to_review(entries: Sequence[QueueEntry], standing: Standing) -> QueueEntry | None:
    """The first undecided entry (the queue is in risk order), else the first."""
    pending = next((entry for entry in entries if entry.key not in standing), None)
    return pending or (entries[0] if entries else None)


def document_row(workspace: Workspace, doc_id: str, standing: Standing) -> DocumentRow:
    entries = [workspace.queue[position] for position in workspace.by_document[doc_id]]
    pending = [entry for entry in entries if entry.key not in standing]
    return DocumentRow(
        summary=workspace.summaries[doc_id],
        decided=len(entries) - len(pending),
        flagged_left=sum(1 for entry in pending if entry.needs_review),
        items=len(entries),
        next_item=next_to_review(entries, standing),
    )


def document_rows(workspace: Workspace, standing: Standing) -> list[DocumentRow]:
    """Every document with its review progress, those with the most flagged
    facts left first."""
    rows = [document_row(workspace, doc_id, standing) for doc_id in workspace.summaries]
    return sorted(rows, key=lambda row: (-row.flagged_left, row.summary.doc_id))


@dataclass
class Segment:
    text: str
    target: str | None = None
    status: str = ""
    title: str = ""


def document_segments(workspace: Workspace, doc_id: str, standing: Standing) -> list[Segment]:
    """The full text cut at every fact and unclaimed mention, each marked with its status."""
    loaded = workspace.document(doc_id)
    result, text = loaded.result, loaded.text
    spans: list[tuple[int, int, str, str, str]] = []
    for fact in result.facts:
        status = status_of("fact", fact.needs_review, standing.get((doc_id, fact.id)))
        spans.append(
            (fact.start, fact.end, fact.id, status, f"{fact.indicator or '—'} {fact.value} {fact.unit}")
        )
    for item in result.unclaimed:
        target = unclaimed_target(item)
        status = status_of("unclaimed", False, standing.get((doc_id, target)))
        spans.append((item.start, item.end, target, status, f"unclaimed: {item.reason}"))
    segments: list[Segment] = []
    position = 0
    for start, end, target, status, title in sorted(spans):
        if start < position:  # overlapping spans: the first one is shown
            continue
        if start > position:
            segments.append(Segment(text[position:start]))
        segments.append(Segment(text[start:end], target, status, title))
        position = end
    segments.append(Segment(text[position:]))
    return segments


def progress(workspace: Workspace, standing: Standing) -> dict[str, int]:
    return {
        "total": len(workspace.queue),
        "decided": sum(1 for entry in workspace.queue if entry.key in standing),
        "needs_review": sum(
            1 for entry in workspace.queue if entry.needs_review and entry.key not in standing
        ),
    }


__all__ = [
    "DocumentRow",
    "ItemView",
    "Segment",
    "document_row",
    "document_rows",
    "document_segments",
    "item_view",
    "next_to_review",
    "progress",
    "queue_rows",
    "status_of",
]
