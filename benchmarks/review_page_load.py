"""How long the review pages take to load for the largest corpus report, in
headless Chromium: the document view (every fact highlighted) and an item page.

Run: .venv/bin/python benchmarks/review_page_load.py [--rounds 10]
Needs Debian's chromium (`make browser`). Prints the median and worst of
Navigation Timing's responseEnd (server), domContentLoaded and load, in ms.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from edufacts.pipeline import run_batch
from edufacts.readers.load import document_id
from edufacts.review import Workspace, serving_in_background
from edufacts.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
TIMING = """() => { const t = performance.getEntriesByType('navigation')[0];
  return [t.responseEnd - t.startTime, t.domContentLoadedEventEnd - t.startTime,
          t.loadEventEnd - t.startTime]; }"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    largest = max((ROOT / "eval" / "docs").glob("*.txt"), key=lambda path: path.stat().st_size)
    with tempfile.TemporaryDirectory() as temporary:
        out = Path(temporary)
        run_batch([largest], Settings(out_dir=out))
        workspace = Workspace(out)
        doc_id = document_id(largest)
        loaded = workspace.document(doc_id)
        first = workspace.queue[0]
        print(
            f"{doc_id}: {len(loaded.text):,} characters, {len(loaded.result.facts)} facts, "
            f"{len(loaded.result.unclaimed)} unclaimed mentions"
        )
        with (
            serving_in_background(workspace) as address,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page()
            pages = {
                "document view": f"{address}doc/{doc_id}",
                "item page": f"{address}item/{first.doc_id}/{first.target}",
            }
            print(f"{'page':<14} {'bytes':>8} {'server ms':>18} {'DOM ready ms':>18} {'load ms':>18}")
            for name, url in pages.items():
                page.goto(url)  # warm-up: the first load reads the output and the text
                size = len(page.content().encode())
                timings = []
                for _ in range(args.rounds):
                    page.goto(url)
                    timings.append(page.evaluate(TIMING))
                columns = list(zip(*timings, strict=True))
                cells = [f"{statistics.median(c):8.1f} (max {max(c):5.1f})" for c in columns]
                print(f"{name:<14} {size:>8,} " + " ".join(f"{cell:>18}" for cell in cells))
            browser.close()


if __name__ == "__main__":
    main()
