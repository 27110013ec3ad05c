"""Throughput and peak memory of the rules pipeline over the corpus.

Run: make bench  (or .venv/bin/python benchmarks/rules_throughput.py [--rounds N] [--large MB ...])
Prints characters per second (interpreter start and imports excluded; the
catalog and tables are warmed by one untimed pass) and peak traced memory.
With --large, also one document of each size made by repeating the corpus
(up to the 10 MB input limit): its seconds per MB should stay flat as it grows.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from edufacts.pipeline import extract_document
from edufacts.readers.load import load_document
from edufacts.settings import Settings

DOCS = Path(__file__).resolve().parent.parent / "eval" / "docs"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--large", type=float, nargs="*", default=[], metavar="MB")
    args = parser.parse_args()
    paths = sorted(DOCS.glob("*.txt"))
    settings = Settings(backend="rules")
    for path in paths:  # warm-up: catalog, regexes, t2s table
        extract_document(load_document(path), settings)
    rates = []
    chars = 0
    for _ in range(args.rounds):
        round_chars = 0
        started = time.perf_counter()
        for path in paths:
            document = load_document(path)
            extract_document(document, settings)
            round_chars += len(document.text)
        rates.append(round_chars / (time.perf_counter() - started))
        chars = round_chars
    tracemalloc.start()
    for path in paths:
        extract_document(load_document(path), settings)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"documents: {len(paths)} ({chars:,} characters), {args.rounds} timed rounds")
    print(
        f"throughput (load + extract, no output writing): median {statistics.median(rates):,.0f}, "
        f"best {max(rates):,.0f}, worst {min(rates):,.0f} characters/second"
    )
    print(f"peak traced memory for one pass over the corpus: {peak / 1e6:.2f} MB")
    for size in args.large:
        large_document(paths, size)


def large_document(paths: list[Path], megabytes: float) -> None:
    corpus = "\n".join(path.read_text(encoding="utf-8") for path in paths)
    copies = max(1, round(megabytes * 1e6 / len(corpus.encode())))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "large.txt"
        path.write_text("\n".join([corpus] * copies), encoding="utf-8")
        size = path.stat().st_size
        started = time.perf_counter()
        result = extract_document(load_document(path, max_bytes=size), Settings(max_bytes=size))
        seconds = time.perf_counter() - started
    print(
        f"one {size / 1e6:.1f} MB document ({copies} copies of the corpus): {seconds:.1f} s, "
        f"{seconds / (size / 1e6):.2f} s per MB, {len(result.facts):,} facts"
    )


if __name__ == "__main__":
    main()
