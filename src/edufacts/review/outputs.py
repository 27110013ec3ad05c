"""Review results written to disk, never over the originals: `--apply` writes
`reviewed/<doc-id>.json` and `facts.reviewed.jsonl`; `--export-gold DIR`
writes `DIR/gold/<doc-id>.json` and `DIR/docs/<doc-id>.txt` in the eval
format, so reviewed documents grow the gold set."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..evaluation.gold import locate_facts
from ..models import DocumentResult
from ..output import atomic_write_text, document_json, fact_line
from ..stages.catalog import load_catalog
from .corrections import apply_decisions, to_gold
from .store import Decision
from .workspace import Workspace

REVIEWED_DIR = "reviewed"
REVIEWED_FACTS = "facts.reviewed.jsonl"


@dataclass
class ReviewSummary:
    documents: int = 0
    decisions: int = 0
    stale: list[Decision] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def _corrected(
    workspace: Workspace, doc_id: str, standing: list[Decision]
) -> tuple[DocumentResult, str, list[Decision]]:
    loaded = workspace.document(doc_id)
    corrected, stale = apply_decisions(loaded.result, loaded.text, load_catalog(), standing)
    return corrected, loaded.text, stale


def _by_document(workspace: Workspace) -> dict[str, list[Decision]]:
    grouped: dict[str, list[Decision]] = {}
    for decision in workspace.store.standing().values():
        grouped.setdefault(decision.doc_id, []).append(decision)
    return grouped


def apply_reviews(workspace: Workspace) -> ReviewSummary:
    """Every document of the folder, corrected where decisions stand."""
    summary = ReviewSummary()
    grouped = _by_document(workspace)
    target = workspace.out_dir / REVIEWED_DIR
    lines: list[str] = []
    for doc_id in sorted(workspace.paths):
        decisions = grouped.get(doc_id, [])
        corrected, _, stale = _corrected(workspace, doc_id, decisions)
        summary.stale.extend(stale)
        summary.decisions += len(decisions) - len(stale)
        path = target / f"{doc_id}.json"
        atomic_write_text(path, document_json(corrected))
        summary.written.append(path)
        summary.documents += 1
        for fact in corrected.facts:
            lines.append(fact_line(doc_id, fact.model_dump(mode="json")))
    facts_path = workspace.out_dir / REVIEWED_FACTS
    atomic_write_text(facts_path, "".join(lines))
    summary.written.append(facts_path)
    return summary


def export_gold(workspace: Workspace, gold_root: Path) -> ReviewSummary:
    """Documents with at least one standing decision, as gold files; each file's
    notes say how many of its facts a reviewer decided."""
    summary = ReviewSummary()
    catalog = load_catalog()
    for doc_id, decisions in sorted(_by_document(workspace).items()):
        corrected, text, stale = _corrected(workspace, doc_id, decisions)
        summary.stale.extend(stale)
        applied = len(decisions) - len(stale)
        if applied == 0:
            continue
        notes = (
            f"Exported by `edufacts review --export-gold` from {workspace.out_dir.name}: {applied} review "
            f"decisions; facts without a decision are the tool's output, unreviewed."
        )
        gold = to_gold(corrected, text, notes)
        locate_facts(gold, text, catalog)  # every quote must be found again before it is written
        gold_path = gold_root / "gold" / f"{doc_id}.json"
        text_path = gold_root / "docs" / f"{doc_id}.txt"
        atomic_write_text(text_path, text)
        atomic_write_text(gold_path, document_json(gold))
        summary.written += [gold_path, text_path]
        summary.documents += 1
        summary.decisions += applied
    return summary


__all__ = ["REVIEWED_DIR", "REVIEWED_FACTS", "ReviewSummary", "apply_reviews", "export_gold"]
