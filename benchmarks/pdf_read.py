"""Pages per second and peak memory of the PDF reader (`readers.pdf.read_pdf`) on a
PDF built here with reportlab from the seed reports' paragraphs (eval/docs/000-004)
repeated to the page count asked, with a running header and a page number on each
page. The read runs in a fresh process, which reports its own peak RSS: after
its imports, and after the read.

    .venv/bin/python benchmarks/pdf_read.py                 # 50 pages
    .venv/bin/python benchmarks/pdf_read.py --pages 300 --runs 1
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
PROBE = """
import json, resource, sys, time
from pathlib import Path
from edufacts.readers.pdf import read_pdf
path = Path(sys.argv[1])
data = path.read_bytes()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
seconds = []
for _ in range(int(sys.argv[2])):
    started = time.perf_counter()
    read = read_pdf(data, path)
    seconds.append(time.perf_counter() - started)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": min(seconds), "pages": len(read.pages), "chars": len(read.text),
                  "boilerplate": len(read.boilerplate), "rss_before_kb": before, "rss_peak_kb": peak}))
"""


def corpus_paragraphs() -> list[str]:
    paragraphs: list[str] = []
    for path in sorted((ROOT / "eval" / "docs").glob("00[0-4]_*.txt")):
        paragraphs += [line.strip() for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    return paragraphs


def build_pdf(path: Path, pages: int) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate

    pdfmetrics.registerFont(TTFont("WQY", str(FONT_FILE), subfontIndex=0))
    style = ParagraphStyle(
        "body", fontName="WQY", fontSize=11, leading=16, firstLineIndent=22, wordWrap="CJK"
    )
    paragraphs = corpus_paragraphs()
    title = paragraphs[0]
    width, height = A4

    def chrome(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("WQY", 9)
        canvas.drawCentredString(width / 2, height - 40, title)
        canvas.drawCentredString(width / 2, 30, f"- {document.page} -")
        canvas.restoreState()

    # About 1,300 characters fill an A4 page at 11 points with first-line indents.
    story: list[Any] = []
    written = 0
    while written < pages * 1300:
        for text in paragraphs:
            story.append(Paragraph(text, style))
            written += len(text)
            if written >= pages * 1300:
                break
    document = SimpleDocTemplate(str(path), pagesize=A4)
    document.build(story, onFirstPage=chrome, onLaterPages=chrome)


def page_count(path: Path) -> int:
    import pypdfium2

    document = pypdfium2.PdfDocument(path.read_bytes())
    try:
        return len(document)
    finally:
        document.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=50, help="pages to build (about)")
    parser.add_argument("--runs", type=int, default=3, help="reads in the probe; the fastest counts")
    args = parser.parse_args()
    if not FONT_FILE.exists():
        sys.exit(f"no CJK font at {FONT_FILE} (apt-get install fonts-wqy-microhei)")
    with tempfile.TemporaryDirectory(prefix="edufacts-pdf-bench-") as folder:
        path = Path(folder) / "report.pdf"
        build_pdf(path, args.pages)
        built = page_count(path)
        probe = subprocess.run(
            [sys.executable, "-c", PROBE, str(path), str(args.runs)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        result = json.loads(probe.stdout)
        size_mb = path.stat().st_size / 1e6
    print("| PDF pages | PDF MB | chars read | seconds | pages/s | RSS after imports MB | peak RSS MB |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {built} | {size_mb:.2f} | {result['chars']:,} | {result['seconds']:.2f} "
        f"| {result['pages'] / result['seconds']:.0f} | {result['rss_before_kb'] / 1024:.0f} "
        f"| {result['rss_peak_kb'] / 1024:.0f} |"
    )


if __name__ == "__main__":
    main()
