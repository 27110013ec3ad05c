"""Throughput and peak memory of the rules pipeline over the corpus.

Run: make bench  (or .venv/bin/python benchmarks/rules_throughput.py [--rounds N])
Prints characters per second (interpreter start and imports excluded; the
catalog and tables are warmed by one untimed pass) and peak traced memory.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from pathlib import Path

from edufacts.load import load_document
from edufacts.pipeline import extract_document
from edufacts.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "eval" / "docs"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    paths = sorted(DOCS.glob("*.txt"))
    settings = Settings()
    for path in paths:  # warm-up: catalog, regexes, t2s table
        extract_document(load_document(path), settings)
    chars = 0
    started = time.perf_counter()
    for _ in range(args.rounds):
        for path in paths:
            document = load_document(path)
            extract_document(document, settings)
            chars += len(document.text)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    for path in paths:
        extract_document(load_document(path), settings)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"documents: {len(paths)} x {args.rounds} rounds, {chars:,} characters in {elapsed:.3f} s")
    print(f"throughput: {chars / elapsed:,.0f} characters/second (load + extract, no output writing)")
    print(f"peak traced memory for one pass over the corpus: {peak / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
