"""How the needs_review threshold trades flags for caught errors, on the gold
set, for the rules backend and the local model (its recorded session replayed:
no model needed). A fact needs review when its confidence is under the
threshold or a check failed; the sweep recomputes that flag per threshold.

Run: .venv/bin/python benchmarks/review_threshold_sweep.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.local_eval_replay import recorded_gold_session  # noqa: E402
from tests.conftest import DOCS, GOLD  # noqa: E402

from edufacts.backends.model import Assistant  # noqa: E402
from edufacts.evaluation.gold import read_gold  # noqa: E402
from edufacts.evaluation.score import score_document, summarize  # noqa: E402
from edufacts.models import DocumentResult  # noqa: E402
from edufacts.pipeline import extract_document  # noqa: E402
from edufacts.readers.load import find_document, load_document  # noqa: E402
from edufacts.settings import Settings  # noqa: E402
from edufacts.stages.reconcile import REVIEW_THRESHOLD  # noqa: E402

THRESHOLDS = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9]


def run(settings: Settings, assistant: Assistant | None) -> list[tuple[object, str, DocumentResult]]:
    runs = []
    for gold_path in sorted(GOLD.glob("*.json")):
        gold = read_gold(gold_path)
        document = load_document(find_document(DOCS, gold.doc_id))
        runs.append((gold, document.text, extract_document(document, settings, assistant)))
    return runs


def reflag(result: DocumentResult, threshold: float) -> DocumentResult:
    facts = [
        fact.model_copy(
            update={"needs_review": fact.confidence < threshold or not all(c.ok for c in fact.checks)}
        )
        for fact in result.facts
    ]
    return result.model_copy(update={"facts": facts})


def main() -> None:
    with recorded_gold_session() as assistant:
        backends = {
            "local": run(Settings(backend="local"), assistant),
            "rules": run(Settings(backend="rules"), None),
        }
    print(f"current default threshold: {REVIEW_THRESHOLD}")
    print(
        f"{'backend':<7} {'threshold':>9} {'flagged':>8} {'of':>5} {'wrong':>6} {'caught':>7} "
        f"{'review recall':>13} {'precision unflagged':>19} {'precision flagged':>17}"
    )
    for name, runs in backends.items():
        for threshold in THRESHOLDS:
            scores = [score_document(gold, text, reflag(result, threshold)) for gold, text, result in runs]  # type: ignore[arg-type]
            summary = summarize(scores)
            wrong = summary.counts["review_recall"]
            metrics = summary.metrics
            flagged = sum(sum(f.needs_review for f in reflag(r, threshold).facts) for _, _, r in runs)
            total = sum(len(r.facts) for _, _, r in runs)
            print(
                f"{name:<7} {threshold:>9.2f} {flagged:>8} {total:>5} {wrong.denominator:>6} "
                f"{wrong.numerator:>7} {metrics['review_recall'] or 0:>13.3f} "
                f"{metrics['precision_confident'] or 0:>19.3f} {metrics['precision_flagged'] or 0:>17.3f}"
            )


if __name__ == "__main__":
    main()
