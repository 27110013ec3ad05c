"""Seconds, pages per second and peak RSS of `read_docx` on a DOCX of about 100
pages: report 000's paragraphs repeated, with report 004's 十四五 indicator
table (rebuilt as a Word table) every 10 pages. A page is counted as 40
paragraphs (a Word page of 3-line report paragraphs holds far fewer; the count
is a size unit, not a layout). The read runs in a fresh process, which reports
its own peak RSS, so building the file does not count.

    .venv/bin/python benchmarks/docx_read.py
    .venv/bin/python benchmarks/docx_read.py --pages 300
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PARAGRAPHS_PER_PAGE = 40
TABLE_EVERY_PAGES = 10
PROBE = """
import resource, sys, time
from pathlib import Path
from edufacts.readers.docx import read_docx
path = Path(sys.argv[1])
data = path.read_bytes()
started = time.perf_counter()
read = read_docx(data, path)
seconds = time.perf_counter() - started
print(seconds, len(read.text), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def corpus_paragraphs() -> list[str]:
    lines = (ROOT / "eval/docs/000_83a7c735898b844d.txt").read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line.strip()]


def table_cells() -> list[str]:
    lines = (ROOT / "eval/docs/004_8ce397d9036d1a9f.txt").read_text(encoding="utf-8").split("\n")
    return [line for line in lines[276:323] if line]


def make_docx(pages: int, path: Path) -> int:
    """Writes the DOCX; returns its paragraph count (table cells not counted)."""
    from docx import Document

    document = Document()
    paragraphs = corpus_paragraphs()
    title, *cells = table_cells()
    count = pages * PARAGRAPHS_PER_PAGE
    for index in range(count):
        document.add_paragraph(paragraphs[index % len(paragraphs)])
        if (index + 1) % (PARAGRAPHS_PER_PAGE * TABLE_EVERY_PAGES) == 0:
            document.add_paragraph(title)
            table = document.add_table(rows=len(cells) // 5 + 1, cols=5)
            for position, cell in enumerate(cells):
                table.cell(position // 5, position % 5).text = cell
    document.save(str(path))
    return count


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "report.docx"
        paragraphs = make_docx(args.pages, path)
        started = time.perf_counter()
        probe = [sys.executable, "-c", PROBE, str(path)]
        run = subprocess.run(probe, capture_output=True, text=True, check=True)
        process_seconds = time.perf_counter() - started
        seconds_text, chars, peak_kb = run.stdout.split()
        seconds = float(seconds_text)
        print(f"DOCX: {path.stat().st_size / 1e6:.2f} MB, {paragraphs:,} paragraphs = {args.pages} pages")
        print(f"(a page = {PARAGRAPHS_PER_PAGE} paragraphs; a table every {TABLE_EVERY_PAGES} pages)")
        print(f"read_docx: {seconds:.2f} s, {args.pages / seconds:.0f} pages/s, {int(chars):,} characters")
        print(f"peak RSS of the reading process: {int(peak_kb) / 1024:.0f} MB")
        print(f"(the process, with its imports: {process_seconds:.1f} s)")


if __name__ == "__main__":
    main()
