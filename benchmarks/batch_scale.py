"""A large batch against a served model, without the model: `edufacts extract
--backend openai --jobs N` over a synthetic corpus (the real reports cut at
their headings and recombined, generated into a temp dir) against a mock
OpenAI-compatible endpoint that answers every chat completion with a valid
answer built from the request's response_format schema after a random delay.
Prints, per --jobs value: documents per second, model calls in flight (max and
time-weighted mean, seen by the endpoint) and the peak RSS of the extract
process; then the peak RSS of a run over a tenth of the corpus, to show memory
does not grow with the number of documents.

    .venv/bin/python benchmarks/batch_scale.py                 # 2,000 documents, --jobs 8 and 32
    .venv/bin/python benchmarks/batch_scale.py --docs 300 --jobs 2,8 --latency 0.2,0.5
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.batch_support import MockEndpoint, extract_command, synthetic_corpus  # noqa: E402


@dataclass
class Run:
    documents: int
    jobs: int
    wall: float
    batch_seconds: float
    calls: int
    tokens: int
    max_in_flight: int
    mean_in_flight: float
    peak_rss_mb: float


def extract(corpus: Path, work: Path, jobs: int, latency: tuple[float, float], label: str) -> Run:
    out = work / f"out-{label}"
    with MockEndpoint(latency=latency) as mock:
        command = extract_command(corpus, out, mock.base_url, jobs)
        env = {**os.environ, "EDUFACTS_CACHE_DIR": str(work / f"cache-{label}"), "COLUMNS": "200"}
        started = time.perf_counter()
        with (work / f"{label}.log").open("w") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage
            process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - started
        max_in_flight, mean_in_flight, calls = mock.max_in_flight, mock.mean_in_flight, mock.requests
    log_text = (work / f"{label}.log").read_text()
    if process.returncode != 0:
        raise SystemExit(f"extract failed ({process.returncode}):\n{log_text[-3000:]}")
    match = re.search(r"(\d+) documents in ([\d.]+) s", log_text)
    assert match is not None, log_text[-2000:]
    entries = [json.loads(line) for line in (out / "ledger.jsonl").read_text(encoding="utf-8").splitlines()]
    documents = [entry for entry in entries if entry["kind"] == "document" and entry["status"] == "ok"]
    return Run(
        documents=len(documents),
        jobs=jobs,
        wall=wall,
        batch_seconds=float(match.group(2)),
        calls=calls,
        tokens=sum(entry["tokens"] for entry in documents),
        max_in_flight=max_in_flight,
        mean_in_flight=mean_in_flight,
        peak_rss_mb=usage.ru_maxrss / 1024,  # kilobytes on Linux
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--jobs", default="8,32", help="comma-separated --jobs values")
    parser.add_argument("--latency", default="0.5,2.0", help="mock delay per call, uniform MIN,MAX seconds")
    parser.add_argument("--keep", type=Path, help="keep the corpus and outputs in this folder")
    args = parser.parse_args()
    jobs_values = [int(value) for value in args.jobs.split(",")]
    low, high = (float(value) for value in args.latency.split(","))
    work = args.keep or Path(tempfile.mkdtemp(prefix="edufacts-batch-"))
    try:
        corpus = work / "corpus"
        paths = synthetic_corpus(corpus, args.docs)
        chars = sum(len(path.read_text(encoding="utf-8")) for path in paths)
        print(
            f"corpus: {len(paths):,} documents, {chars:,} characters ({chars // len(paths):,} per document), "
            f"from the sections of eval/docs; mock latency uniform {low}-{high} s per call"
        )
        runs = [extract(corpus, work, jobs, (low, high), f"jobs{jobs}") for jobs in jobs_values]
        tenth = work / "corpus-tenth"
        tenth.mkdir(exist_ok=True)
        for path in paths[: max(1, len(paths) // 10)]:
            shutil.copy(path, tenth / path.name)
        small = extract(tenth, work, jobs_values[-1], (low, high), "tenth")
        print()
        print("| --jobs | documents | seconds | documents/s | model calls | in flight max/mean | peak RSS |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for run in [*runs, small]:
            print(
                f"| {run.jobs} | {run.documents:,} | {run.batch_seconds:.0f} | "
                f"{run.documents / run.batch_seconds:.2f} | {run.calls:,} | "
                f"{run.max_in_flight} / {run.mean_in_flight:.1f} | {run.peak_rss_mb:.0f} MB |"
            )
        print()
        print(
            "seconds: the batch itself (edufacts' own summary line); process start-up adds "
            f"{runs[0].wall - runs[0].batch_seconds:.1f} s. Model calls per document: "
            f"{runs[0].calls / max(1, runs[0].documents):.2f}; tokens (mock's count): {runs[0].tokens:,}."
        )
        print(
            f"memory: peak RSS {small.peak_rss_mb:.0f} MB for {small.documents:,} documents vs "
            f"{runs[-1].peak_rss_mb:.0f} MB for {runs[-1].documents:,} at --jobs {runs[-1].jobs}"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
