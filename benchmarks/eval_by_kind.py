"""Eval figures by kind of document (the gold file's `doc_type`, or mixed-topic),
for each run of an eval report: F1, precision and catalog indicator accuracy,
summed over the documents of the kind.

Run: .venv/bin/edufacts eval --report-dir DIR && .venv/bin/python benchmarks/eval_by_kind.py DIR/report.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = {"": ROOT / "eval" / "gold", "heldout": ROOT / "eval" / "heldout" / "gold"}


def kind_of(gold_dir: Path, doc_id: str) -> str:
    gold = json.loads((gold_dir / f"{doc_id}.json").read_text(encoding="utf-8"))
    return "mixed-topic" if gold.get("mixed_topic") else gold["meta"].get("doc_type") or "other"


def main() -> None:
    report = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    for run, data in report["backends"].items():
        gold_dir = GOLD["heldout" if run.endswith("/heldout") else ""]
        sums: dict[str, dict[str, list[int]]] = {}
        for document in data["documents"]:
            kind = sums.setdefault(kind_of(gold_dir, document["doc_id"]), {"documents": [0, 0]})
            kind["documents"][0] += 1
            for metric in ("f1", "precision", "indicator_accuracy"):
                numerator, denominator = document["fractions"][metric]
                pair = kind.setdefault(metric, [0, 0])
                pair[0] += numerator
                pair[1] += denominator
        print(run)
        for name, kind in sorted(sums.items()):
            cells = [
                f"{metric} {n / d:.3f} ({n}/{d})" if d else f"{metric} —"
                for metric, (n, d) in kind.items()
                if metric != "documents"
            ]
            print(f"  {name:<18} documents {kind['documents'][0]:>2}  " + "  ".join(cells))


if __name__ == "__main__":
    main()
