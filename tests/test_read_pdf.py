"""The PDF reader on PDFs built at test time from real report text (eval/docs 000 and
004's table), drawn with reportlab in WenQuanYi Micro Hei. The check that matters:
the facts from the reader's text equal those from the same paragraphs as .txt."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from edufacts.errors import InputError
from edufacts.pipeline import extract_document
from edufacts.readers import ReadText
from edufacts.readers import pdf as pdf_reader
from edufacts.readers.load import load_bytes
from edufacts.readers.pdf import read_pdf
from edufacts.settings import Settings
from edufacts.stages.segment import find_tables

reportlab = pytest.importorskip("reportlab")
pdfium = pytest.importorskip("pypdfium2")

from reportlab.lib import colors  # noqa: E402
from reportlab.lib.pagesizes import A4  # noqa: E402
from reportlab.lib.styles import ParagraphStyle  # noqa: E402
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402
from reportlab.platypus import (  # noqa: E402
    BaseDocTemplate,
    Frame,
    FrameBreak,
    PageBreak,
    PageTemplate,
    Paragraph,
    SimpleDocTemplate,
    Table,
    TableStyle,
)

ROOT = Path(__file__).resolve().parent.parent
FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
FONT = "WQY"
SIZE = 11.0
LEADING = 16.0
WIDTH, HEIGHT = A4
MARGIN = 72.0

pytestmark = pytest.mark.skipif(not FONT_FILE.exists(), reason="the WenQuanYi font is not installed")


# --- corpus text ------------------------------------------------------------------


@cache
def report_000() -> list[str]:
    """The paragraphs (lines) of eval/docs/000, a 北碚区 self-evaluation report."""
    path = next((ROOT / "eval" / "docs").glob("000_*.txt"))
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def heading_and_paragraphs() -> list[str]:
    """(一) and (二) of part 一, each heading with its paragraph (7 and 8 numbers)."""
    lines = report_000()
    first = lines.index("(一)领导管理教育工作情况")
    return lines[first : first + 4]


def paragraph_with(fragment: str) -> str:
    return next(line for line in report_000() if fragment in line)


@cache
def table_004() -> list[list[str]]:
    """Rows of 004's table 1 (巴南區 十三五 main indicators), cells as the .txt has them:
    the 指標 column and its three value columns, header first."""
    path = next((ROOT / "eval" / "docs").glob("004_*.txt"))
    cells = [line.strip() for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]
    start = cells.index("在園幼兒數(萬人)")
    rows = [["指標", "2016", "2020", "變化情況"]]
    labels = ["在園幼兒數(萬人)", "學前三年毛入園率(%", "在校學生數(萬人)", "其中:普通小學", "普通初中"]
    for label in labels:
        at = cells.index(label, start)
        rows.append(cells[at : at + 4])
    return rows


# --- building PDFs ------------------------------------------------------------------


@cache
def register_font() -> None:
    pdfmetrics.registerFont(TTFont(FONT, str(FONT_FILE), subfontIndex=0))


def body_style(indent: float = 2 * SIZE) -> ParagraphStyle:
    register_font()
    return ParagraphStyle(
        "body", fontName=FONT, fontSize=SIZE, leading=LEADING, firstLineIndent=indent, wordWrap="CJK"
    )


def platypus_pdf(path: Path, story: list[Any], on_page: Callable[[Any, Any], None] | None = None) -> bytes:
    register_font()
    document = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN)
    if on_page is None:
        document.build(story)
    else:
        document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return path.read_bytes()


def paragraphs_story(paragraphs: Sequence[str], page_break_before: Sequence[int] = ()) -> list[Any]:
    story: list[Any] = []
    for index, text in enumerate(paragraphs):
        if index in page_break_before:
            story.append(PageBreak())
        heading = len(text) < 20
        story.append(Paragraph(text, body_style(0 if heading else 2 * SIZE)))
    return story


def wrap(text: str, width: float, first_indent: float = 0.0) -> list[str]:
    """Lines of at most `width` points, cut anywhere (inside a number too), as a
    naive layout engine does."""
    lines: list[str] = []
    current, used, room = "", 0.0, width - first_indent
    for char in text:
        advance = pdfmetrics.stringWidth(char, FONT, SIZE)
        if current and used + advance > room:
            lines.append(current)
            current, used, room = "", 0.0, width
        current += char
        used += advance
    return [*lines, current] if current else lines


def canvas_pdf(path: Path, pages: Sequence[Sequence[tuple[float, float, str]]], **options: Any) -> bytes:
    """Each page's strings drawn at (x, y), in the order given (the content stream's order)."""
    register_font()
    drawing = canvas.Canvas(str(path), pagesize=A4, **options)
    for page in pages:
        drawing.setFont(FONT, SIZE)
        for x, y, text in page:
            drawing.drawString(x, y, text)
        drawing.showPage()
    drawing.save()
    return path.read_bytes()


def paragraph_lines(text: str, left: float, top: float, width: float) -> list[tuple[float, float, str]]:
    """A paragraph drawn line by line, first line indented two characters."""
    indent = 2 * SIZE
    lines = wrap(text, width, indent)
    return [(left + (indent if n == 0 else 0), top - n * LEADING, line) for n, line in enumerate(lines)]


# --- checking ---------------------------------------------------------------------

FactKey = tuple[str, Decimal, str, str | None]


def facts_of_text(text: str, boilerplate: tuple[tuple[int, int], ...] = ()) -> list[FactKey]:
    document = load_bytes(text.encode("utf-8"), Path("x.txt"))
    if boilerplate:  # as the lead's integration passes the reader's chrome spans on
        document = dataclasses.replace(
            document, boilerplate=tuple(sorted({*document.boilerplate, *boilerplate}))
        )
    result = extract_document(document, Settings())
    return [(fact.raw, fact.value, fact.unit, fact.indicator) for fact in result.facts]


def fact_spans(read: ReadText) -> list[tuple[int, int, str]]:
    document = load_bytes(read.text.encode("utf-8"), Path("x.txt"))
    return [(fact.start, fact.end, fact.raw) for fact in extract_document(document, Settings()).facts]


def page_of(read: ReadText, position: int) -> int:
    return next(index for index, (start, end) in enumerate(read.pages) if start <= position < end)


def text_under(data: bytes, page: int, left: float, bottom: float, right: float, top: float) -> str:
    document = pdfium.PdfDocument(data)
    try:
        textpage = document[page].get_textpage()
        return str(textpage.get_text_bounded(left + 0.5, bottom + 0.5, right - 0.5, top - 0.5))
    finally:
        document.close()


SENTENCE_END = "。；！？：;!?:"


def assert_same_paragraphs(actual: str, expected: str) -> None:
    """The same text and every line break of the .txt; one more line break only after
    a sentence end (a PDF line ending in 。 ends its paragraph: no sentence is cut)."""
    position = 0
    for index, char in enumerate(actual):
        if char == "\n" and expected[position : position + 1] != "\n":
            assert actual[index - 1] in SENTENCE_END, (
                f"line break inside a sentence: {actual[index - 20 : index]}"
            )
            continue
        assert expected[position : position + 1] == char, (
            f"differs at {index}: {actual[index - 20 : index + 1]!r}"
        )
        position += 1
    assert position == len(expected)


def body_text(read: ReadText) -> str:
    """The text without its boilerplate spans."""
    edges = [(0, 0), *read.boilerplate, (len(read.text), len(read.text))]
    return "".join(read.text[end:start] for (_, end), (start, _) in pairwise(edges))


def spans_text(read: ReadText, spans: Sequence[tuple[int, int]]) -> list[str]:
    return [read.text[start:end] for start, end in spans]


# --- (1) one column -------------------------------------------------------------------


def test_one_column_pdf_gives_the_txt_facts_with_boxes_on_their_pages(tmp_path: Path) -> None:
    paragraphs = heading_and_paragraphs()
    data = platypus_pdf(tmp_path / "one.pdf", paragraphs_story(paragraphs, page_break_before=[2]))
    read = read_pdf(data, tmp_path / "one.pdf")
    expected = "".join(f"{line}\n" for line in paragraphs)
    assert_same_paragraphs(read.text, expected)
    assert facts_of_text(read.text) == facts_of_text(expected)
    assert len(facts_of_text(expected)) >= 4
    assert len(read.pages) == 2 and read.text[read.pages[1][0] :].startswith(paragraphs[2])
    assert len(read.boxes) == len(read.text)
    assert all(read.boxes[index] is None for index, char in enumerate(read.text) if char == "\n")
    for start, end, raw in fact_spans(read):
        boxes = read.boxes[start:end]
        assert all(box is not None for box in boxes), raw
        page = page_of(read, start)
        assert {box.page for box in boxes if box is not None} == {page}, raw
        union = (
            min(box.left for box in boxes if box),
            min(box.bottom for box in boxes if box),
            max(box.right for box in boxes if box),
            max(box.top for box in boxes if box),
        )
        # What PDFium prints in the union of the fact's boxes is the fact's text.
        assert raw in text_under(data, page, *union).replace("\r\n", ""), raw


def test_full_width_digits_are_kept_as_written(tmp_path: Path) -> None:
    paragraph = paragraph_with("18.26亿元")
    full_width = paragraph.translate({ord(digit): ord(digit) + 0xFEE0 for digit in "0123456789"})
    assert full_width != paragraph
    data = platypus_pdf(tmp_path / "wide.pdf", paragraphs_story([full_width]))
    assert read_pdf(data, tmp_path / "wide.pdf").text == full_width + "\n"


# --- (2) line breaks inside a paragraph ----------------------------------------------


def cut_numbers(paragraph: str, width: float) -> list[str]:
    """The lines that end inside a number (18.|26, 120|45) when cut at `width`."""
    lines = [text for _, _, text in paragraph_lines(paragraph, MARGIN, HEIGHT, width)]
    return [a for a, b in pairwise(lines) if a[-1].isdigit() and b[0] in "0123456789."]


def test_a_paragraph_cut_inside_numbers_gives_the_unbroken_facts(tmp_path: Path) -> None:
    paragraph = paragraph_with("18.26亿元")
    register_font()
    # A column width at which a naive layout cuts a line inside a number.
    width = next(float(points) for points in range(200, 320) if cut_numbers(paragraph, points))
    assert len(wrap(paragraph, width)) > 10
    # A heading line above the paragraph, and the next heading below, both from 000.
    heading_above = paragraph_with("落实教育优先发展情况")
    heading_below = paragraph_with("统筹推进教育发展情况")
    top = HEIGHT - MARGIN
    page = [(MARGIN, top, heading_above), *paragraph_lines(paragraph, MARGIN, top - LEADING, width)]
    page.append((MARGIN, page[-1][1] - LEADING, heading_below))
    data = canvas_pdf(tmp_path / "narrow.pdf", [page])
    read = read_pdf(data, tmp_path / "narrow.pdf")
    expected = f"{heading_above}\n{paragraph}\n{heading_below}\n"
    assert_same_paragraphs(read.text, expected)
    assert facts_of_text(read.text) == facts_of_text(expected)


def test_a_paragraph_gap_without_indent_or_punctuation_ends_a_paragraph(tmp_path: Path) -> None:
    """Two headings (no final punctuation, no indent) one under the other stay apart,
    and so do two paragraphs separated by a blank line's height."""
    lines = report_000()
    part = lines.index("二、存在的问题")
    heading, subheading, paragraph = lines[part : part + 3]
    top = HEIGHT - MARGIN
    body = [(MARGIN, top - 2 * LEADING - n * LEADING, text) for n, text in enumerate(wrap(paragraph, 300))]
    page = [(MARGIN, top, heading), (MARGIN, top - LEADING, subheading), *body]
    data = canvas_pdf(tmp_path / "gap.pdf", [page])
    assert read_pdf(data, tmp_path / "gap.pdf").text == f"{heading}\n{subheading}\n{paragraph}\n"


# --- (3) page chrome --------------------------------------------------------------


@pytest.mark.parametrize("footer", ["- {n} -", "第 {n} 页", "{n}/{total}", "{n}"])
def test_page_numbers_and_a_running_header_are_boilerplate(tmp_path: Path, footer: str) -> None:
    title = report_000()[0]  # 关于北碚区2023年履行教育职责评价工作自评情况的报告
    paragraphs = heading_and_paragraphs()
    pages = 3

    def chrome(drawing: Any, document: Any) -> None:
        drawing.saveState()
        drawing.setFont(FONT, 9)
        drawing.drawCentredString(WIDTH / 2, HEIGHT - 40, title)
        drawing.drawCentredString(WIDTH / 2, 30, footer.format(n=document.page, total=pages))
        drawing.restoreState()

    story = paragraphs_story(
        [paragraphs[1], paragraphs[3], paragraph_with("筑牢安全事故防范屏障")], page_break_before=[1, 2]
    )
    data = platypus_pdf(tmp_path / "chrome.pdf", story, on_page=chrome)
    read = read_pdf(data, tmp_path / "chrome.pdf")
    assert len(read.pages) == pages
    numbers = [footer.format(n=n, total=pages) for n in range(1, pages + 1)]
    assert spans_text(read, read.boilerplate) == [
        f"{title}\n" if n == 0 else f"{numbers[n - 1]}\n{title}\n" for n in range(pages)
    ] + [f"{numbers[-1]}\n"]
    body = [paragraphs[1], paragraphs[3], paragraph_with("筑牢安全事故防范屏障")]
    expected = "".join(f"{title}\n{text}\n{number}\n" for text, number in zip(body, numbers, strict=True))
    assert_same_paragraphs(read.text, expected)
    # Facts: with the chrome spans passed on, the same as the body paragraphs alone.
    assert facts_of_text(read.text, read.boilerplate) == facts_of_text("".join(f"{text}\n" for text in body))


def test_a_paragraph_running_onto_the_next_page_stays_whole(tmp_path: Path) -> None:
    """The page is cut inside a number (达标率为1 | 00%): the two parts join; the
    chrome between them (footer, next header) is written after the paragraph the
    reader makes (up to a line ending in 。), and page 2 starts at the paragraph's
    first character printed on page 2."""
    title = report_000()[0]
    long = paragraph_with("学前教育普及普惠优质发展")
    register_font()
    width = next(float(points) for points in range(200, 320) if cut_numbers(long, points))
    lines = paragraph_lines(long, MARGIN, HEIGHT - MARGIN, width)
    cut = next(n + 1 for n, (_, _, text) in enumerate(lines) if text in cut_numbers(long, width))
    chrome_1 = [(MARGIN, HEIGHT - 40, title), (WIDTH / 2, 30, "- 1 -")]
    chrome_2 = [(MARGIN, HEIGHT - 40, title), (WIDTH / 2, 30, "- 2 -")]
    second = [(x, y + (cut * LEADING), text) for x, y, text in lines[cut:]]
    path = tmp_path / "across.pdf"
    read = read_pdf(canvas_pdf(path, [chrome_1 + lines[:cut], chrome_2 + second]), path)
    assert len(read.pages) == 2
    assert_same_paragraphs(body_text(read), f"{long}\n")
    assert all(start == 0 or read.text[start - 2] in SENTENCE_END for start, _ in read.boilerplate)
    assert facts_of_text(read.text, read.boilerplate) == facts_of_text(f"{long}\n")
    second_page = read.pages[1][0]
    assert read.text[second_page - 1].isdigit() and read.text[second_page] in "0123456789."
    before, after = read.boxes[second_page - 1], read.boxes[second_page]
    assert before is not None and before.page == 0 and after is not None and after.page == 1
    assert spans_text(read, read.boilerplate) == [f"{title}\n", f"- 1 -\n{title}\n", "- 2 -\n"]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_a_word_document_printed_by_libreoffice(tmp_path: Path) -> None:
    """A .docx with the report's title as running header and a "- PAGE -" footer,
    printed to PDF by LibreOffice (which writes quote marks apart from the CJK run
    they sit in): the facts of the .txt, the title once as text, chrome listed."""
    import subprocess

    docx = pytest.importorskip("docx")
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    lines = report_000()[:12]
    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = lines[0]
    footer = section.footer.paragraphs[0]
    footer.add_run("- ")
    field = footer.add_run()
    for kind, instruction in (("begin", ""), ("", " PAGE "), ("end", "")):
        element = OxmlElement("w:fldChar" if kind else "w:instrText")
        if kind:
            element.set(qn("w:fldCharType"), kind)
        else:
            element.text = instruction
        field._r.append(element)
    footer.add_run(" -")
    for line in lines:
        paragraph = document.add_paragraph(line)
        if len(line) > 30:
            paragraph.paragraph_format.first_line_indent = Pt(21)
    source = tmp_path / "report.docx"
    document.save(str(source))
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    path = tmp_path / "report.pdf"
    read = read_pdf(path.read_bytes(), path)
    expected = "".join(f"{line}\n" for line in lines)
    assert len(read.pages) >= 2
    assert facts_of_text(read.text, read.boilerplate) == facts_of_text(expected)
    chrome = "".join(spans_text(read, read.boilerplate))
    assert chrome.count(lines[0]) == len(read.pages) and "- 1 -" in chrome and "- 2 -" in chrome
    assert_same_paragraphs(body_text(read), expected)


def test_a_lone_number_inside_the_page_is_not_a_page_number(tmp_path: Path) -> None:
    """A value cell standing alone mid-page (96.2 from 004's table) is text, and a
    top line that differs on every page is no running header."""
    paragraphs = heading_and_paragraphs()
    top = HEIGHT - MARGIN
    pages = [
        [(MARGIN, top, paragraphs[0]), (MARGIN, HEIGHT / 2, "96.2")],
        [(MARGIN, top, paragraphs[2]), (MARGIN, HEIGHT / 2, "96.2")],
    ]
    read = read_pdf(canvas_pdf(tmp_path / "lone.pdf", pages), tmp_path / "lone.pdf")
    assert read.text == f"{paragraphs[0]}\n96.2\n{paragraphs[2]}\n96.2\n"
    assert read.boilerplate == ()


# --- (4) two columns --------------------------------------------------------------


def test_two_frames_read_column_by_column(tmp_path: Path) -> None:
    left_text, right_text = heading_and_paragraphs()[1], heading_and_paragraphs()[3]
    register_font()
    gutter = 24.0
    column = (WIDTH - 2 * MARGIN - gutter) / 2
    frames = [
        Frame(MARGIN, MARGIN, column, HEIGHT - 2 * MARGIN, id="left"),
        Frame(MARGIN + column + gutter, MARGIN, column, HEIGHT - 2 * MARGIN, id="right"),
    ]
    path = tmp_path / "frames.pdf"
    document = BaseDocTemplate(str(path), pagesize=A4)
    document.addPageTemplates([PageTemplate(id="two", frames=frames)])
    story = [Paragraph(left_text, body_style()), FrameBreak(), Paragraph(right_text, body_style())]
    document.build(story)
    read = read_pdf(path.read_bytes(), path)
    expected = f"{left_text}\n{right_text}\n"
    assert_same_paragraphs(read.text, expected)
    assert facts_of_text(read.text) == facts_of_text(expected)


def test_two_columns_written_row_by_row_read_column_by_column(tmp_path: Path) -> None:
    """The content stream interleaves the columns (left line 1, right line 1, ...):
    PDFium's own order would read across the gutter."""
    left_text, right_text = heading_and_paragraphs()[1], heading_and_paragraphs()[3]
    column = (WIDTH - 2 * MARGIN - 24.0) / 2
    top = HEIGHT - MARGIN
    left = paragraph_lines(left_text, MARGIN, top, column)
    right = paragraph_lines(right_text, MARGIN + column + 24.0, top, column)
    interleaved = [line for pair in zip(left, right, strict=False) for line in pair]
    interleaved += left[len(right) :] + right[len(left) :]
    path = tmp_path / "rows.pdf"
    read = read_pdf(canvas_pdf(path, [interleaved]), path)
    expected = f"{left_text}\n{right_text}\n"
    assert_same_paragraphs(read.text, expected)
    assert facts_of_text(read.text) == facts_of_text(expected)


# --- ruled tables -----------------------------------------------------------------


def test_a_ruled_table_is_written_one_cell_per_line(tmp_path: Path) -> None:
    register_font()
    rows = table_004()
    table = Table(rows)
    table.setStyle(
        TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("GRID", (0, 0), (-1, -1), 0.5, colors.black)])
    )
    intro = paragraph_with("18.26亿元")
    path = tmp_path / "table.pdf"
    read = read_pdf(platypus_pdf(path, [Paragraph(intro, body_style()), table]), path)
    cells = [cell for row in rows for cell in row]
    expected = f"{intro}\n" + "".join(f"{cell}\n" for cell in cells)
    assert_same_paragraphs(read.text, expected)
    assert facts_of_text(read.text) == facts_of_text(expected)
    # As the pipeline does, on the normalized view (too short a text to count as traditional).
    [found] = find_tables(load_bytes(read.text.encode(), Path("x.txt")).normalized)
    by_row = {(cell.row_label, cell.column): (cell.text, cell.unit_hint) for cell in found.cells}
    assert by_row[("在校學生數(萬人)", "2020")] == ("9.07", "萬人")
    assert by_row[("其中:普通小學", "2016")] == ("5.15", "萬人")
    assert len(found.cells) == 15
    assert read.text.endswith("".join(f"{cell}\n" for cell in cells))
    for index in range(len(read.text) - len("".join(f"{cell}\n" for cell in cells)), len(read.text)):
        if read.text[index] != "\n":
            assert read.boxes[index] is not None and read.boxes[index].page == 0


# --- (5) no text layer --------------------------------------------------------------


def scanned_pdf(path: Path) -> bytes:
    """The paragraph rendered into an image, the image alone on the page."""
    image_module = pytest.importorskip("PIL.Image")
    from PIL import ImageDraw, ImageFont
    from reportlab.lib.utils import ImageReader

    image = image_module.new("L", (1400, 160), 255)
    font = ImageFont.truetype(str(FONT_FILE), 40, index=0)
    ImageDraw.Draw(image).text((20, 50), paragraph_with("18.26亿元")[:30], font=font, fill=0)
    drawing = canvas.Canvas(str(path), pagesize=A4)
    drawing.drawImage(ImageReader(image), MARGIN, 600, width=WIDTH - 2 * MARGIN, height=60)
    drawing.showPage()
    drawing.save()
    return path.read_bytes()


@pytest.mark.parametrize("pdftotext", ["system", "absent"])
def test_a_scanned_pdf_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pdftotext: str
) -> None:
    if pdftotext == "system" and shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    if pdftotext == "absent":
        monkeypatch.setattr(pdf_reader.shutil, "which", lambda name: None)
    path = tmp_path / "scan.pdf"
    with pytest.raises(InputError) as raised:
        read_pdf(scanned_pdf(path), path)
    message = str(raised.value)
    assert "\n" not in message
    assert message == f"{path}: the PDF has no usable text layer (a scanned PDF?); OCR is not supported"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_pdftotext_reads_what_pdfium_cannot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As if PDFium found no text: pdftotext's text, joined by the text rule, no boxes."""
    paragraphs = heading_and_paragraphs()
    path = tmp_path / "fallback.pdf"
    data = platypus_pdf(path, paragraphs_story(paragraphs))
    monkeypatch.setattr(pdf_reader, "_page_chars", lambda textpage, index: [])
    read = read_pdf(data, path)
    expected = "".join(f"{line}\n" for line in paragraphs)
    assert_same_paragraphs(read.text, expected)
    assert facts_of_text(read.text) == facts_of_text(expected)
    assert set(read.boxes) == {None} and len(read.boxes) == len(read.text)
    assert any("pdftotext" in note for note in read.notes)


# --- (6) encrypted and damaged ------------------------------------------------------------


def one_line_error(data: bytes, path: Path) -> str:
    with pytest.raises(InputError) as raised:
        read_pdf(data, path)
    message = str(raised.value)
    assert "\n" not in message and message.startswith(f"{path}: ")
    return message


def test_an_encrypted_pdf_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "locked.pdf"
    data = canvas_pdf(path, [[(MARGIN, 700, paragraph_with("18.26亿元")[:30])]], encrypt="secret")
    assert "encrypted" in one_line_error(data, path)


def test_a_pdf_with_only_an_owner_password_is_read(tmp_path: Path) -> None:
    """Encrypted for permissions only (no password to open): readers open it, so do we."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    line = paragraph_with("18.26亿元")[:30]
    path = tmp_path / "owner.pdf"
    data = canvas_pdf(path, [[(MARGIN, 700, line)]], encrypt=StandardEncryption("", ownerPassword="owner"))
    assert read_pdf(data, path).text == f"{line}\n"


def test_damaged_empty_and_non_pdf_bytes_are_refused_in_one_line(tmp_path: Path) -> None:
    good = platypus_pdf(tmp_path / "good.pdf", paragraphs_story(heading_and_paragraphs()))
    path = tmp_path / "bad.pdf"
    assert "damaged" in one_line_error(b"%PDF-1.7\n" + bytes(range(256)) * 40, path)
    assert "damaged" in one_line_error(good[: len(good) // 2], path)
    assert "empty" in one_line_error(b"", path)
    assert "not a PDF" in one_line_error("北碚区教育投入总计18.26亿元".encode(), path)


# --- (7) page limit ---------------------------------------------------------------


def test_max_pages_reads_the_first_pages_and_says_so(tmp_path: Path) -> None:
    paragraphs = heading_and_paragraphs()
    path = tmp_path / "long.pdf"
    data = platypus_pdf(path, paragraphs_story(paragraphs, page_break_before=[1, 2, 3]))
    read = read_pdf(data, path, max_pages=2)
    assert_same_paragraphs(read.text, f"{paragraphs[0]}\n{paragraphs[1]}\n")
    assert len(read.pages) == 2
    assert read.notes == ("read the first 2 of 4 pages (the limit is 2 pages)",)
    assert read_pdf(data, path).notes == ()


def test_a_pdf_bomb_is_refused_before_pdfium_inflates_it(tmp_path: Path) -> None:
    """A 300 KB file whose content stream inflates to 300 MB of blanks."""
    import zlib

    packer = zlib.compressobj(9)
    stream = packer.compress(b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n")
    blanks = b" " * (1024 * 1024)
    stream += b"".join(packer.compress(blanks) for _ in range(300)) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    data, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(data))
        data += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(data)
    data += b"xref\n0 5\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % at for at in offsets)
    data += b"trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    assert len(data) < 1024 * 1024
    with pytest.raises(InputError, match="PDF bomb") as raised:
        read_pdf(data, tmp_path / "bomb.pdf")
    assert "\n" not in str(raised.value)
