"""Cost of the local backend over the corpus: seconds, model calls and tokens
per document with an empty answer cache, then the time of a fully cached rerun.

Run: make bench-local  (or .venv/bin/python benchmarks/local_backend.py [--model NAME]
[--cache-dir DIR] [--eval] [--timeout SECONDS])
Needs the local extra (make install-local). Server start-up is timed apart.
The answer cache starts empty (a fresh temporary folder unless --cache-dir);
--eval also scores the cold run on the gold set, next to the rules backend.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from edufacts.backends.client import CallPolicy
from edufacts.backends.model import open_assistant
from edufacts.backends.weights import DEFAULT_MODEL, installed_path, model_spec
from edufacts.evaluation.gold import read_gold
from edufacts.evaluation.report import render_markdown
from edufacts.evaluation.score import score_document
from edufacts.models import DocumentResult
from edufacts.pipeline import extract_document
from edufacts.readers.load import load_document
from edufacts.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "eval" / "docs"
GOLD = ROOT / "eval" / "gold"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--eval", action="store_true")
    parser.add_argument("--timeout", type=float, default=CallPolicy.timeout, help="seconds per model call")
    args = parser.parse_args()
    paths = sorted(DOCS.glob("*.txt"))
    model_path = installed_path(model_spec(args.model), Settings().cache_root)
    if model_path is None:
        raise SystemExit(f"model {args.model} is not installed: edufacts model install {args.model}")
    with tempfile.TemporaryDirectory() as temporary:
        cache_dir = args.cache_dir or Path(temporary)
        settings = Settings(backend="local", model_path=model_path, cache_dir=cache_dir)
        results: dict[str, DocumentResult] = {}
        started = time.perf_counter()
        with open_assistant(settings, policy=CallPolicy(timeout=args.timeout)) as assistant:
            print(f"server start-up: {time.perf_counter() - started:.1f} s")
            print(f"{'document':<28} {'chars':>7} {'seconds':>8} {'calls':>6} {'tokens':>7} {'failed':>6}")
            totals = [0.0, 0, 0]
            for path in paths:
                document = load_document(path)
                began = time.perf_counter()
                result = extract_document(document, settings, assistant)
                seconds = time.perf_counter() - began
                results[document.id] = result
                run = result.run
                totals = [totals[0] + seconds, totals[1] + run.llm_calls, totals[2] + run.tokens]
                print(
                    f"{document.id:<28} {len(document.text):>7} {seconds:>8.1f} {run.llm_calls:>6} "
                    f"{run.tokens:>7} {len(run.failures):>6}"
                )
            count = len(paths)
            print(
                f"{'per document (mean)':<28} {'':>7} {totals[0] / count:>8.1f} {totals[1] / count:>6.1f} "
                f"{totals[2] / count:>7.0f}"
            )
            began = time.perf_counter()
            calls = cached = 0
            for path in paths:
                result = extract_document(load_document(path), settings, assistant)
                calls += result.run.llm_calls
                cached += result.run.cached_calls
            print(
                f"fully cached rerun of {count} documents: {time.perf_counter() - began:.2f} s, "
                f"{calls} model calls, {cached} answers from the cache"
            )
    if args.eval:
        runs: dict[str, list] = {"rules": [], args.model: []}  # type: ignore[type-arg]
        for gold_path in sorted(GOLD.glob("*.json")):
            gold = read_gold(gold_path)
            document = load_document(DOCS / f"{gold.doc_id}.txt")
            rules = extract_document(document, Settings(backend="rules"))
            runs["rules"].append(score_document(gold, document.text, rules))
            runs[args.model].append(score_document(gold, document.text, results[gold.doc_id]))
        print(render_markdown(runs))


if __name__ == "__main__":
    main()
