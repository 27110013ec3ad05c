"""Seconds and peak memory per MB of input for the rules backend, on prose (the
corpus reports repeated) and on number-dense input (`增长12.5%,` repeated), up
to the default --max-bytes. Each size runs `edufacts extract` in a fresh process,
which reports its own peak RSS. A document with more numbers than
pipeline.MAX_MENTIONS is refused with a one-line error (shown as `refused`).

    .venv/bin/python benchmarks/input_memory.py            # 1, 3 and 9 MB
    .venv/bin/python benchmarks/input_memory.py --mb 0.5 1
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = """
import resource, sys
from edufacts.cli import main
try:
    main(["extract", sys.argv[1], "--out", sys.argv[2], "--backend", "rules"])
except SystemExit as exit:
    code = exit.code
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def make_input(kind: str, megabytes: float, folder: Path) -> Path:
    if kind == "prose":
        unit = "\n".join(
            path.read_text(encoding="utf-8") for path in sorted((ROOT / "eval/docs").glob("00*.txt"))
        )
    else:
        unit = "增长12.5%,"
    target = int(megabytes * 1024 * 1024)
    text = unit * (target // len(unit.encode("utf-8")) + 1)
    data = text.encode("utf-8")[:target].decode("utf-8", errors="ignore")
    path = folder / f"{kind}-{megabytes}MB.txt"
    path.write_text(data, encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=float, nargs="+", default=[1.0, 3.0, 9.0])
    args = parser.parse_args()
    print("| input | MB | numbers (facts + unclaimed) | seconds | s/MB | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("prose", "dense"):
            for megabytes in args.mb:
                source = make_input(kind, megabytes, Path(folder))
                out = Path(folder) / f"out-{kind}-{megabytes}"
                started = time.perf_counter()
                run = subprocess.run(
                    [sys.executable, "-c", PROBE, str(source), str(out)], capture_output=True, text=True
                )
                seconds = time.perf_counter() - started
                peak_mb = int(run.stderr.strip().splitlines()[-1]) / 1024
                output = out / f"{source.stem}.json"
                if output.is_file():
                    payload = json.loads(output.read_text(encoding="utf-8"))
                    numbers = f"{len(payload['facts']) + len(payload['unclaimed']):,}"
                else:
                    numbers = "refused"
                rate = seconds / megabytes
                print(f"| {kind} | {megabytes:g} | {numbers} | {seconds:.1f} | {rate:.1f} | {peak_mb:.0f} |")


if __name__ == "__main__":
    main()
