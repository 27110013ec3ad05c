"""PDF reader: bytes -> ReadText. The text layer is read with pypdfium2 character by
character (each kept character keeps its box); characters are grouped into lines,
lines into reading order (two columns read column by column), and lines into
paragraphs, so a PDF line break never cuts a sentence, a number or a heading, nor
does a page break: a paragraph running onto the next page is written whole, and
the page chrome between its parts (footer, next header) right after it. So a
page's span in `ReadText.pages` starts at its first character written, and may
hold the chrome of the page before; `boxes` always give each character's own page.
Page numbers and running headers/footers stay in the text, listed as boilerplate.
Ruled tables (found by pdfplumber) are written one cell per line, the flattened
form `segment.find_tables` reads. A PDF without a usable text layer is tried with
poppler's pdftotext, then refused: OCR is out of scope."""

from __future__ import annotations

import io
import math
import re
import shutil
import subprocess
import tempfile
import threading
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from statistics import median
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ..errors import InputError
from . import CharBox, ReadText
from .lines import text_continues

PDFTOTEXT_SECONDS = 60.0
"""pdftotext runs under this timeout and is killed when it expires."""

_PDFIUM_LOCK = threading.Lock()
"""PDFium is not thread safe and the batch reads documents in threads."""

# --- characters and lines -------------------------------------------------------

_BLANKS = frozenset(" \t\xa0\u3000")
_LINE_BREAKS = frozenset("\r\n")
_FRAGMENT_GAP = 1.5
"""A horizontal gap wider than this many character heights inside one printed line
separates two columns or two table cells: the line is cut there."""


@dataclass(frozen=True, slots=True)
class _PageChar:
    text: str
    box: CharBox | None
    generated: bool
    """inserted by PDFium (a space it guessed, a line break), not in the PDF"""
    bad: bool = False
    """PDFium could not map the glyph to a character"""
    size: float = 0.0
    """the font size: loose boxes vary with the font (digits from a Latin font are
    shorter than the CJK beside them), the size does not"""


@dataclass(slots=True, kw_only=True)
class _Line:
    chars: list[_PageChar]
    left: float
    bottom: float
    right: float
    top: float
    height: float
    size: float
    page: int
    column: int = 0
    """0: the page's only column or a line across both; 1 left, 2 right"""

    @property
    def text(self) -> str:
        return "".join(char.text for char in self.chars if not char.generated).strip()

    @property
    def middle(self) -> tuple[float, float]:
        return (self.left + self.right) / 2, (self.bottom + self.top) / 2


def _is_latin(char: str) -> bool:
    """A Latin letter or digit, half or full width (blanks between them may matter)."""
    return char.isalnum() and (char.isascii() or "\uff10" <= char <= "\uff5a")


def _page_chars(textpage: Any, page_index: int) -> list[_PageChar]:
    chars: list[_PageChar] = []
    high_surrogate = 0
    for index in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(textpage, index)
        generated = bool(pdfium_c.FPDFText_IsGenerated(textpage, index))
        if 0xD800 <= code <= 0xDBFF:
            high_surrogate = code  # a character beyond the BMP comes as two halves
            continue
        if 0xDC00 <= code <= 0xDFFF and high_surrogate:
            code = 0x10000 + ((high_surrogate - 0xD800) << 10) + (code - 0xDC00)
        high_surrogate = 0
        text = _char_text(code)
        if not text:
            continue
        if generated or text in _LINE_BREAKS:
            chars.append(_PageChar(text, None, True))
            continue
        try:
            left, bottom, right, top = textpage.get_charbox(index, loose=True)
        except pdfium.PdfiumError:
            chars.append(_PageChar(text, None, False))
            continue
        bad = text == "\ufffd" or bool(pdfium_c.FPDFText_HasUnicodeMapError(textpage, index))
        size = float(pdfium_c.FPDFText_GetFontSize(textpage, index)) or top - bottom
        chars.append(_PageChar(text, CharBox(page_index, left, bottom, right, top), False, bad, size))
    return chars


def _char_text(code: int) -> str:
    if code == 2:  # PDFium's mark for a hyphen at a line end: the PDF printed a hyphen
        return "-"
    if code in (10, 13):
        return chr(code)
    if code < 32 or code == 0xFEFF or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return ""
    return chr(code)


def _page_lines(chars: Sequence[_PageChar]) -> list[_Line]:
    """Printed lines in PDFium's order: runs cut at its line breaks, where the
    baseline moves, where the text steps back left and at wide gaps (columns,
    cells); then runs that share a baseline and touch are one line again."""
    return _merge_runs(_stream_runs(chars))


def _stream_runs(chars: Sequence[_PageChar]) -> list[_Line]:
    lines: list[_Line] = []
    current: list[_PageChar] = []
    last: CharBox | None = None
    for char in chars:
        if char.box is None:
            if char.text in _LINE_BREAKS:
                _close_line(current, lines)
                current, last = [], None
            else:
                current.append(char)
            continue
        if last is not None and _starts_new_line(last, char.box):
            _close_line(current, lines)
            current = []
        current.append(char)
        last = char.box
    _close_line(current, lines)
    return lines


_MERGE_WINDOW = 16
"""How many lines back a run may join: a PDF writes a line's runs close together."""


def _merge_runs(runs: list[_Line]) -> list[_Line]:
    """A PDF may write a line's runs out of order (LibreOffice writes the quote marks
    of a fallback font apart from the CJK run they sit in): a run joins each of the
    last few lines on its baseline that it overlaps or nearly touches, characters
    left to right, at the place of the earliest."""
    lines: list[_Line] = []
    for run in runs:
        line, place = run, len(lines)
        for index in range(len(lines) - 1, max(-1, len(lines) - 1 - _MERGE_WINDOW), -1):
            if _same_printed_line(lines[index], line):
                line, place = _joined_runs(lines[index], line), index
                del lines[index]
        lines.insert(place, line)
    return lines


def _same_printed_line(first: _Line, second: _Line) -> bool:
    height = min(first.height, second.height)
    overlap = min(first.top, second.top) - max(first.bottom, second.bottom)
    gap = max(second.left - first.right, first.left - second.right)
    return overlap >= 0.5 * height and gap <= _FRAGMENT_GAP * height


def _joined_runs(first: _Line, second: _Line) -> _Line:
    kept = [char for char in first.chars if char.box is not None]
    for char in second.chars:
        if char.box is not None and not any(_overstrike(char, other) for other in kept):
            kept.append(char)
    kept.sort(key=lambda char: (char.box.left + char.box.right) / 2 if char.box else 0.0)
    lines: list[_Line] = []
    _close_line(kept, lines)
    return lines[0]


def _overstrike(char: _PageChar, other: _PageChar) -> bool:
    """The same character printed again a hair to the side: a fake bold."""
    if char.text != other.text or char.box is None or other.box is None:
        return False
    width = max(char.box.right - char.box.left, 1.0)
    return (
        abs(char.box.left - other.box.left) < width / 3
        and abs(char.box.bottom - other.box.bottom) < width / 3
    )


def _starts_new_line(last: CharBox, box: CharBox) -> bool:
    height = max(min(last.top - last.bottom, box.top - box.bottom), 1.0)
    overlap = min(last.top, box.top) - max(last.bottom, box.bottom)
    if overlap < 0.5 * height:
        return True
    return box.left < last.left - 0.5 * height or box.left - last.right > _FRAGMENT_GAP * height


def _close_line(chars: list[_PageChar], lines: list[_Line]) -> None:
    boxes = [char.box for char in chars if char.box is not None]
    if not any(char.text not in _BLANKS for char in chars if char.box is not None):
        return
    # The first inked character's edge: blanks used as an indent do not count.
    inked = [char.box for char in chars if char.box is not None and char.text not in _BLANKS]
    lines.append(
        _Line(
            chars=list(chars),
            left=min(box.left for box in inked),
            bottom=min(box.bottom for box in boxes),
            right=max(box.right for box in boxes),
            top=max(box.top for box in boxes),
            height=median(box.top - box.bottom for box in boxes),
            size=median(char.size or 1.0 for char in chars if char.box is not None),
            page=boxes[0].page,
        )
    )


def _line_chars(line: _Line) -> list[tuple[str, CharBox | None]]:
    """The line's characters as written: the PDF's own blanks kept with their
    boxes; a blank PDFium guessed kept (boxless) only between Latin letters/digits."""
    result: list[tuple[str, CharBox | None]] = []
    chars = line.chars
    for index, char in enumerate(chars):
        if not char.generated:
            result.append((char.text, char.box))
            continue
        before = result[-1][0] if result else ""
        after = next((later.text for later in chars[index + 1 :] if not later.generated), "")
        if char.text in _BLANKS and _is_latin(before[-1:] or " ") and _is_latin(after or " "):
            result.append((" ", None))
    return result


# --- reading order ----------------------------------------------------------------

_MIN_COLUMN_LINES = 3
_MIN_COLUMN_LINE_CHARS = 8


def _reading_order(lines: list[_Line], page_left: float, page_right: float) -> list[_Line]:
    """Two columns of running text (a gutter no text line crosses, filled lines
    on both sides) are read column by column, each top to bottom; lines across
    the gutter (a title, a footer) cut the page into bands read in turn. Any
    other page keeps PDFium's order, the order the PDF wrote its text in."""
    gutter = _gutter(lines, page_left, page_right)
    if gutter is None:
        return lines
    ordered: list[_Line] = []
    band: list[_Line] = []
    for line in sorted(lines, key=lambda item: -item.top):
        if line.left < gutter < line.right:
            ordered += _band_by_column(band, gutter)
            band = []
            line.column = 0
            ordered.append(line)
        else:
            band.append(line)
    return ordered + _band_by_column(band, gutter)


def _band_by_column(band: list[_Line], gutter: float) -> list[_Line]:
    left = [line for line in band if line.right <= gutter]
    right = [line for line in band if line.left >= gutter]
    for line in left:
        line.column = 1
    for line in right:
        line.column = 2
    return left + right


def _gutter(lines: list[_Line], page_left: float, page_right: float) -> float | None:
    if len(lines) < 2 * _MIN_COLUMN_LINES:
        return None
    width = page_right - page_left
    best: tuple[int, float] | None = None
    step = 2.0
    x = page_left + 0.3 * width
    while x <= page_left + 0.7 * width:
        crossing = sum(1 for line in lines if line.left < x < line.right)
        if best is None or crossing < best[0]:
            best = (crossing, x)
        x += step
    if best is None or best[0] > 0.15 * len(lines):
        return None
    # The middle of the run of equally good positions: the gutter's centre.
    candidates = [
        position
        for position in _frange(best[1], page_left + 0.7 * width, step)
        if sum(1 for line in lines if line.left < position < line.right) == best[0]
    ]
    run_end = best[1]
    for position in candidates:
        if position - run_end > step * 1.5:
            break
        run_end = position
    gutter = (best[1] + run_end) / 2
    left = [line for line in lines if line.right <= gutter]
    right = [line for line in lines if line.left >= gutter]
    if not (_is_text_column(left, gutter, "left") and _is_text_column(right, gutter, "right")):
        return None
    return gutter


def _frange(start: float, stop: float, step: float) -> Iterator[float]:
    value = start
    while value <= stop:
        yield value
        value += step


def _is_text_column(lines: list[_Line], gutter: float, side: str) -> bool:
    """Filled lines of running text, not the short cells of an unruled table."""
    if len(lines) < _MIN_COLUMN_LINES:
        return False
    if median(len(line.text) for line in lines) < _MIN_COLUMN_LINE_CHARS:
        return False
    edge = min(line.left for line in lines) if side == "left" else max(line.right for line in lines)
    span = abs(gutter - edge)
    return median(line.right - line.left for line in lines) >= 0.5 * span


# --- page chrome ------------------------------------------------------------------

_DECORATED_PAGE_NUMBER = re.compile(
    r"[-—–－―~·•]\s*\d{1,4}\s*[-—–－―~·•]"
    r"|第\s*\d{1,4}\s*页(?:\s*[,，、/／]?\s*共\s*\d{1,4}\s*页)?"
    r"|共\s*\d{1,4}\s*页\s*[,，、]?\s*第\s*\d{1,4}\s*页"
    r"|(?i:page)\s*\d{1,4}(?:\s*(?i:of)\s*\d{1,4})?"
)
_PLAIN_PAGE_NUMBER = re.compile(r"(\d{1,4})(?:\s*[/／]\s*\d{1,4})?")
"""3, or 3/12: a table cell can read so too, so these count only when they go up with the pages"""
_EDGE_LINES = 2
"""How many lines at the top and at the bottom of a page can be chrome."""
_EDGE_BAND = 0.15
"""...and only within this share of the page height from its top or bottom edge."""
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class _EdgeLine:
    page: int
    line: int
    """index of the line in its page's list"""
    text: str


def _chrome_lines(edges: Sequence[Sequence[_EdgeLine]]) -> set[tuple[int, int]]:
    """(page, line) of each page number and running header/footer: a line at the
    top or bottom of a page that is only a page number, or that (digits aside)
    stands at the edge of most pages."""
    chrome: set[tuple[int, int]] = set()
    plain: list[tuple[_EdgeLine, int]] = []
    for page_edges in edges:
        for edge in page_edges:
            compact = edge.text.strip()
            number = _PLAIN_PAGE_NUMBER.fullmatch(compact)
            if number is not None:
                plain.append((edge, int(number.group(1)) - edge.page))
            elif _DECORATED_PAGE_NUMBER.fullmatch(compact):
                chrome.add((edge.page, edge.line))
    # Plain numbers are page numbers when they count up with the pages on at least
    # half of them (a cover or a contents page may have none); one page: when it is 1.
    offsets = Counter(offset for _, offset in plain)
    needed = max(1 if len(edges) == 1 else 2, math.ceil(0.5 * len(edges)))
    for edge, offset in plain:
        if offsets[offset] >= needed and (len(edges) > 1 or offset == 1):
            chrome.add((edge.page, edge.line))
    return chrome | _running_lines(edges)


def _running_lines(edges: Sequence[Sequence[_EdgeLine]]) -> set[tuple[int, int]]:
    if len(edges) < 2:
        return set()
    keys: dict[str, set[int]] = {}
    for page_edges in edges:
        for edge in page_edges:
            keys.setdefault(_running_key(edge.text), set()).add(edge.page)
    needed = max(2, math.ceil(0.5 * len(edges)))
    # A line of digits and signs only is a page number or a table cell: not a header.
    repeated = {key for key, pages in keys.items() if any(map(str.isalpha, key)) and len(pages) >= needed}
    # Only the outermost copy on a page: a report's title under the same running header is text.
    running: set[tuple[int, int]] = set()
    for page_edges in edges:
        seen: set[str] = set()
        for edge in page_edges:
            key = _running_key(edge.text)
            if key in repeated and key not in seen:
                running.add((edge.page, edge.line))
            seen.add(key)
    return running


def _running_key(text: str) -> str:
    return _DIGITS.sub("#", "".join(text.split()))


def _edge_lines(page: int, lines: Sequence[_Line], bottom: float, top: float) -> list[_EdgeLine]:
    """The top and bottom lines of a page by position, when in the page's margins,
    each side from the page's edge inwards."""
    band = _EDGE_BAND * (top - bottom)
    by_height = sorted(range(len(lines)), key=lambda index: -lines[index].top)
    upper = [index for index in by_height[:_EDGE_LINES] if lines[index].bottom >= top - band]
    lower = [index for index in by_height[::-1][:_EDGE_LINES] if lines[index].top <= bottom + band]
    return [_EdgeLine(page, index, lines[index].text) for index in dict.fromkeys([*upper, *lower])]


# --- ruled tables -----------------------------------------------------------------

_MIN_RULES = 4
_MAX_RULES = 3000
"""find_tables is skipped on pages with more vector paths than this (a chart, a map):
pdfplumber's cost grows with them and a ruled table has far fewer."""


@dataclass(frozen=True, slots=True)
class _Box:
    left: float
    bottom: float
    right: float
    top: float

    def holds(self, x: float, y: float) -> bool:
        return self.left <= x <= self.right and self.bottom <= y <= self.top


@dataclass(frozen=True, slots=True)
class _RuledTable:
    box: _Box
    rows: tuple[tuple[_Box, ...], ...]
    """cell boxes, row by row from the top; a cell covered by a merged one is left out"""


def _rule_count(page: Any) -> int:
    count = 0
    for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=3):
        count += 1
        if count > _MAX_RULES:
            break
    return count


def _ruled_tables(data: bytes, page_indexes: Sequence[int]) -> tuple[dict[int, list[_RuledTable]], bool]:
    """The ruled tables pdfplumber finds on the given pages, in PDF coordinates;
    and whether it failed (the running text is then kept as it is)."""
    if not page_indexes:
        return {}, False
    import pdfplumber

    found: dict[int, list[_RuledTable]] = {}
    try:
        with pdfplumber.open(io.BytesIO(data)) as document:
            for index in page_indexes:
                page = document.pages[index]
                tables = [_ruled_table(table, float(page.height)) for table in page.find_tables()]
                found[index] = [table for table in tables if table is not None]
                page.close()
    except Exception:  # pdfminer raises many kinds on odd files; tables are a bonus
        return found, True
    return found, False


def _ruled_table(table: Any, page_height: float) -> _RuledTable | None:
    rows: list[tuple[_Box, ...]] = []
    for row in table.rows:
        cells = tuple(_pdf_box(cell, page_height) for cell in row.cells if cell is not None)
        if cells:
            rows.append(cells)
    if len(rows) < 2 or max(len(row) for row in rows) < 2:
        return None  # a framed paragraph, not a table
    return _RuledTable(_pdf_box(table.bbox, page_height), tuple(rows))


def _pdf_box(bbox: Sequence[float], page_height: float) -> _Box:
    """pdfplumber measures from the page's top; PDF (and PDFium) from its bottom."""
    x0, top, x1, bottom = (float(value) for value in bbox)
    return _Box(x0, page_height - bottom, x1, page_height - top)


@dataclass(slots=True)
class _TableBlock:
    cells: list[list[tuple[str, CharBox | None]]]


def _cell_chars(chars: Sequence[_PageChar], cell: _Box) -> list[tuple[str, CharBox | None]]:
    """The cell's characters (box centre inside it), its lines joined as paragraph lines are."""
    inside = [
        char
        for char in chars
        if char.box is not None
        and cell.holds((char.box.left + char.box.right) / 2, (char.box.bottom + char.box.top) / 2)
    ]
    return _join_lines(_page_lines(inside))


def _with_tables(
    lines: list[_Line], chars: Sequence[_PageChar], tables: Sequence[_RuledTable]
) -> list[_Line | _TableBlock]:
    """The page's blocks in reading order, each table's lines replaced by the table
    written cell by cell, at the place of its first line."""
    blocks: list[_Line | _TableBlock] = list(lines)
    for table in tables:
        cells = [_cell_chars(chars, cell) for row in table.rows for cell in row]
        block = _TableBlock([cell for cell in cells if cell])
        if not block.cells:
            continue
        inside = [
            index
            for index, item in enumerate(blocks)
            if isinstance(item, _Line) and table.box.holds(*item.middle)
        ]
        if inside:
            position = inside[0]
            replaced = set(inside)
            blocks = [item for index, item in enumerate(blocks) if index not in replaced]
        else:
            position = _first_below(blocks, table.box)
        blocks.insert(position, block)
    return blocks


def _first_below(blocks: Sequence[_Line | _TableBlock], box: _Box) -> int:
    for index, item in enumerate(blocks):
        if (
            isinstance(item, _Line)
            and item.top <= box.bottom
            and item.right > box.left
            and item.left < box.right
        ):
            return index
    return len(blocks)


# --- paragraphs -------------------------------------------------------------------

_NO_LINE_START = frozenset("，。、；：？！）》」』”’,.;:?!)%‰")
_MAX_PITCH = 1.4
"""A baseline step larger than this many typical steps leaves a paragraph gap."""
_INDENT = 0.8
"""A line starting this many character heights right of its column's margin is indented."""


@dataclass(frozen=True, slots=True)
class _Columns:
    margins: dict[int, float]
    rights: dict[int, float]
    pitch: float | None
    """the typical baseline step between two lines of a paragraph"""


def _right_edges(lines: Iterable[_Line]) -> dict[int, float]:
    """Where full lines end in each column: measured over the whole document (a
    page of table cells has no full line), and not at the farthest end, which a
    hanging mark or an overlong line can push out."""
    ends: dict[int, list[float]] = {}
    for line in lines:
        ends.setdefault(line.column, []).append(line.right)
    return {column: sorted(values)[int(0.9 * (len(values) - 1))] for column, values in ends.items()}


def _column_stats(lines: Sequence[_Line], rights: dict[int, float]) -> _Columns:
    margins: dict[int, float] = {}
    for column in {line.column for line in lines}:
        # The leftmost edge two lines share (continuation lines start there); a lone
        # line further left is an outlier, not the margin.
        lefts = Counter(round(line.left / 2) * 2 for line in lines if line.column == column)
        shared = [left for left, count in lefts.items() if count >= 2]
        margins[column] = min(shared or lefts)
    steps = [
        above.bottom - below.bottom
        for above, below in pairwise(lines)
        if above.column == below.column and 0 < above.bottom - below.bottom < 3 * above.height
    ]
    return _Columns(margins, rights, median(steps) if len(steps) >= 2 else None)


def _continues(above: _Line, below: _Line, above_columns: _Columns, below_columns: _Columns) -> bool:
    """Whether `below` carries on the paragraph of `above` (next in reading order,
    on the same page or at the top of the next)."""
    if not text_continues(above.text, below.text):
        return False
    if abs(above.size - below.size) > 0.2 * max(above.size, below.size):
        return False  # a heading's size, or a footnote's
    height = below.size
    if above.page == below.page:
        overlap = min(above.top, below.top) - max(above.bottom, below.bottom)
        if overlap > 0.5 * min(above.height, below.height):
            return False  # side by side on one baseline: cells or columns
        if below.top < above.top:  # below it in the same column, not atop the next one
            step = above.bottom - below.bottom
            pitch = above_columns.pitch
            if step > (_MAX_PITCH * pitch if pitch else 2.0 * height):
                return False
    if below.left > below_columns.margins.get(below.column, below.left) + _INDENT * height:
        return False
    # A line ending well short of its column's right edge ended its paragraph,
    # unless the next line's first word would not have fitted in the room left.
    room = above_columns.rights.get(above.column, above.right) - above.right
    return room <= _first_word_width(below) + 0.5 * height


_QUOTES = frozenset("“”‘’\"'「」『』")
_OPENERS = frozenset("(（《〈【〔[")


def _first_word_width(line: _Line) -> float:
    """The width of what a layout engine could not have cut: a run of Latin letters
    and digits with its signs, an opening bracket with what follows it, quote marks
    with both neighbours (they break neither before nor after), and the marks that
    may not start a line."""
    texts = [char.text for char in line.chars if char.box is not None and char.text not in _BLANKS]
    boxes = [char.box for char in line.chars if char.box is not None and char.text not in _BLANKS]
    if not boxes:
        return 0.0
    end = 1
    while end < len(texts):
        previous, following = texts[end - 1], texts[end]
        latin_run = _is_latin(previous) and (_is_latin(following) or following in ".,%‰-/:+")
        latin_run = latin_run or (previous in ".,-/:+" and _is_latin(following))
        glued = previous in _QUOTES or following in _QUOTES or previous in _OPENERS
        if not (latin_run or glued or following in _NO_LINE_START):
            break
        end += 1
    return boxes[end - 1].right - boxes[0].left


def _join_lines(lines: Sequence[_Line]) -> list[tuple[str, CharBox | None]]:
    """One paragraph's characters: no character between lines, except that a PDF
    blank at the break stays between two Latin letters/digits."""
    result: list[tuple[str, CharBox | None]] = []
    for line in lines:
        chars = _line_chars(line)
        leading = _strip_leading(chars)
        if result:
            trailing = _strip_trailing(result)
            blank = next((item for item in [*trailing, *leading] if item[1] is not None), None)
            if blank is not None and chars and _is_latin(result[-1][0]) and _is_latin(chars[0][0]):
                result.append(blank)
        result.extend(chars)
    _strip_trailing(result)
    return result


def _strip_leading(chars: list[tuple[str, CharBox | None]]) -> list[tuple[str, CharBox | None]]:
    count = 0
    while count < len(chars) and chars[count][0] in _BLANKS:
        count += 1
    stripped = chars[:count]
    del chars[:count]
    return stripped


def _strip_trailing(chars: list[tuple[str, CharBox | None]]) -> list[tuple[str, CharBox | None]]:
    stripped: list[tuple[str, CharBox | None]] = []
    while chars and chars[-1][0] in _BLANKS:
        stripped.insert(0, chars.pop())
    return stripped


# --- building the text --------------------------------------------------------------


@dataclass
class _TextBuilder:
    chars: list[str] = field(default_factory=list)
    boxes: list[CharBox | None] = field(default_factory=list)
    boilerplate: list[tuple[int, int]] = field(default_factory=list)
    page_starts: list[int] = field(default_factory=list)

    @property
    def position(self) -> int:
        return len(self.chars)

    def enter_page(self, page: int) -> None:
        """Pages start where their first character is written (a paragraph that
        runs on from the page before may hold it)."""
        while len(self.page_starts) <= page:
            self.page_starts.append(self.position)

    def line(self, chars: Iterable[tuple[str, CharBox | None]], chrome: bool = False) -> None:
        start = self.position
        for text, box in chars:
            if box is not None:
                self.enter_page(box.page)
            self.chars.append(text)
            self.boxes.append(box)
        if self.position == start:
            return
        self.chars.append("\n")
        self.boxes.append(None)
        if chrome:
            if self.boilerplate and self.boilerplate[-1][1] == start:
                start = self.boilerplate.pop()[0]
            self.boilerplate.append((start, self.position))

    def result(self, page_count: int, notes: Sequence[str]) -> ReadText:
        self.enter_page(page_count - 1)
        ends = [*self.page_starts[1:], self.position]
        return ReadText(
            text="".join(self.chars),
            boilerplate=tuple(self.boilerplate),
            pages=tuple(zip(self.page_starts, ends, strict=True)),
            boxes=tuple(self.boxes),
            notes=tuple(notes),
        )


@dataclass
class _ParagraphWriter:
    """Writes the pages' blocks: lines joined into paragraphs, across a page break
    too; chrome met while a paragraph is open (the footer under it, the next
    page's header) is written after that paragraph."""

    builder: _TextBuilder
    paragraph: list[_Line] = field(default_factory=list)
    paragraph_columns: _Columns = field(default_factory=lambda: _Columns({}, {}, None))
    held_chrome: list[_Line] = field(default_factory=list)

    def page(self, blocks: Sequence[_Line | _TableBlock], chrome: set[int], rights: dict[int, float]) -> None:
        body = [block for block in blocks if isinstance(block, _Line) and id(block) not in chrome]
        columns = _column_stats(body, rights)
        for block in blocks:
            if isinstance(block, _TableBlock):
                self.flush()
                for cell in block.cells:
                    self.builder.line(cell)
            elif id(block) in chrome:
                self.held_chrome.append(block)
                if not self.paragraph:
                    self.flush()
            elif self.paragraph and _continues(self.paragraph[-1], block, self.paragraph_columns, columns):
                self.paragraph.append(block)
                self.paragraph_columns = columns
            else:
                self.flush()
                self.paragraph, self.paragraph_columns = [block], columns

    def flush(self) -> None:
        self.builder.line(_join_lines(self.paragraph))
        for line in self.held_chrome:
            self.builder.line(_join_lines([line]), chrome=True)
        self.paragraph, self.held_chrome = [], []


# --- reading the PDF --------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class _Page:
    index: int
    chars: list[_PageChar]
    lines: list[_Line]
    bottom: float
    top: float
    width: int
    """rounded: pages of one width (portrait, or landscape) share their column edges"""
    rules: int
    """vector paths on the page, up to _MAX_RULES + 1"""


_CID = re.compile(r"\(cid:\d+\)")
_MAX_BAD_SHARE = 0.5


def _usable(text: str, bad: int = 0) -> bool:
    """Some characters, mostly mapped: a scanned page has none, a font without a
    character map gives U+FFFD or (cid:N)."""
    visible = sum(1 for char in text if not char.isspace())
    bad += text.count("\ufffd") + sum(len(match) for match in _CID.findall(text))
    return visible > 0 and bad <= _MAX_BAD_SHARE * visible


def read_pdf(data: bytes, path: Path, max_pages: int = 300) -> ReadText:
    """The PDF's text (see the module doc). Raises InputError, one line, for an
    encrypted, damaged or empty PDF, or one without a usable text layer."""
    if max_pages < 1:
        raise ValueError(f"max_pages must be at least 1, not {max_pages}")
    _refuse_bombs(data, path)
    with _PDFIUM_LOCK, _opened(data, path) as document:
        page_count = len(document)
        read_count = min(page_count, max_pages)
        pages = [_read_page(document, index) for index in range(read_count)]
        table_pages = [page.index for page in pages if _MIN_RULES <= page.rules <= _MAX_RULES]
    notes: list[str] = []
    if read_count < page_count:
        notes.append(f"read the first {read_count} of {page_count} pages (the limit is {max_pages} pages)")
    all_chars = [char for page in pages for char in page.chars if not char.generated]
    if not _usable("".join(char.text for char in all_chars), sum(char.bad for char in all_chars)):
        return _read_with_pdftotext(data, path, read_count, notes)
    empty = [str(page.index + 1) for page in pages if not page.lines]
    if empty:
        listed = ", ".join(empty[:10]) + (f" and {len(empty) - 10} more" if len(empty) > 10 else "")
        notes.append(f"no text layer on page(s) {listed} (scanned?): their text is missing")
    tables, failed = _ruled_tables(data, table_pages)
    if failed:
        notes.append("table detection failed on this PDF: its tables are read as running text")
    return _compose(pages, tables, notes)


_MAX_INFLATED = 256 * 1024 * 1024
"""Bytes all of a PDF's Flate streams may inflate to: PDFium decodes a content
stream whole, so a small file of compressed blanks could take gigabytes."""
_STREAM_START = re.compile(rb"stream\r?\n")
_CHUNK = 1 << 20


def _refuse_bombs(data: bytes, path: Path, limit: int = _MAX_INFLATED) -> None:
    """Inflate every deflated stream in 1 MB steps, keeping nothing, and stop at
    the limit: a PDF bomb is a one-line error before PDFium sees it."""
    inflated = 0
    for match in _STREAM_START.finditer(data):
        decoder = zlib.decompressobj()
        pending = data[match.end() : match.end() + 1]
        if not pending or pending[0] != 0x78:  # a zlib header: most Flate streams start with 0x78
            continue
        position = match.end()
        try:
            while position < len(data) and not decoder.eof:
                out = decoder.decompress(data[position : position + _CHUNK], _CHUNK)
                inflated += len(out)
                while decoder.unconsumed_tail and inflated <= limit:
                    out = decoder.decompress(decoder.unconsumed_tail, _CHUNK)
                    inflated += len(out)
                if inflated > limit:
                    megabytes = limit // (1024 * 1024)
                    raise InputError(
                        f"{path}: its streams inflate to over {megabytes} MB (a PDF bomb?); not read"
                    )
                position += _CHUNK
        except zlib.error:
            continue  # not a Flate stream after all, or damaged: PDFium will judge


@contextmanager
def _opened(data: bytes, path: Path) -> Iterator[Any]:
    if not data.strip():
        raise InputError(f"{path}: empty file")
    if b"%PDF-" not in data[:1024]:  # readers accept a little junk before the header
        raise InputError(f"{path}: not a PDF (no %PDF- header)")
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        code = getattr(error, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise InputError(
                f"{path}: the PDF is encrypted (password protected); edufacts cannot read it"
            ) from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise InputError(f"{path}: the PDF is encrypted with an unsupported security handler") from None
        raise InputError(f"{path}: damaged PDF, it cannot be opened") from None
    try:
        if len(document) == 0:
            raise InputError(f"{path}: the PDF has no pages")
        yield document
    finally:
        document.close()


def _read_page(document: Any, index: int) -> _Page:
    page = document[index]
    try:
        left, bottom, right, top = page.get_mediabox()
        textpage = page.get_textpage()
        try:
            chars = _page_chars(textpage, index)
        finally:
            textpage.close()
        rules = _rule_count(page)
    finally:
        page.close()
    lines = _reading_order(_page_lines(chars), left, right)
    return _Page(
        index=index, chars=chars, lines=lines, bottom=bottom, top=top, width=round(right - left), rules=rules
    )


def _compose(pages: Sequence[_Page], tables: dict[int, list[_RuledTable]], notes: Sequence[str]) -> ReadText:
    chrome = _chrome_lines([_edge_lines(page.index, page.lines, page.bottom, page.top) for page in pages])
    rights = {
        width: _right_edges(
            line
            for page in pages
            if page.width == width
            for index, line in enumerate(page.lines)
            if (page.index, index) not in chrome
        )
        for width in {page.width for page in pages}
    }
    builder = _TextBuilder()
    writer = _ParagraphWriter(builder)
    for page in pages:
        chrome_lines = [line for index, line in enumerate(page.lines) if (page.index, index) in chrome]
        page_chrome = {id(line) for line in chrome_lines}
        body = [line for line in page.lines if id(line) not in page_chrome]
        # Headers first and footers last, wherever the PDF wrote them in its stream.
        middle = (page.top + page.bottom) / 2
        upper = sorted((line for line in chrome_lines if line.middle[1] > middle), key=lambda line: -line.top)
        lower = sorted(
            (line for line in chrome_lines if line.middle[1] <= middle), key=lambda line: -line.top
        )
        blocks = [*upper, *_with_tables(body, page.chars, tables.get(page.index, [])), *lower]
        writer.page(blocks, page_chrome, rights[page.width])
    writer.flush()
    return builder.result(len(pages), notes)


# --- pdftotext fallback --------------------------------------------------------------


def _read_with_pdftotext(data: bytes, path: Path, page_count: int, notes: list[str]) -> ReadText:
    no_text = InputError(f"{path}: the PDF has no usable text layer (a scanned PDF?); OCR is not supported")
    output = _pdftotext(data, page_count)
    if output is None or not _usable(output):
        raise no_text
    notes.append("PDFium found no usable text; the text is pdftotext's, without character boxes")
    return _compose_plain(output.split("\f")[:page_count], notes)


def _pdftotext(data: bytes, page_count: int) -> str | None:
    executable = shutil.which("pdftotext")
    if executable is None:
        return None
    with tempfile.TemporaryDirectory(prefix="edufacts-pdf-") as folder:
        source = Path(folder) / "input.pdf"
        source.write_bytes(data)
        command = [executable, "-layout", "-enc", "UTF-8", "-l", str(page_count), str(source), "-"]
        try:
            # run() kills the converter when the timeout expires.
            done = subprocess.run(command, capture_output=True, timeout=PDFTOTEXT_SECONDS, check=False)
        except (subprocess.TimeoutExpired, OSError):
            return None
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", errors="replace")


def _compose_plain(page_texts: Sequence[str], notes: Sequence[str]) -> ReadText:
    """pdftotext's pages: no geometry, so lines are joined by the text rule alone
    (a blank line or a deeper indent also ends a paragraph)."""
    page_lines = [text.split("\n") for text in page_texts]
    edges = [_plain_edges(index, lines) for index, lines in enumerate(page_lines)]
    chrome = _chrome_lines(edges)
    builder = _TextBuilder()
    for index, lines in enumerate(page_lines):
        builder.enter_page(index)
        indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
        margin = min(indents, default=0)
        paragraph: list[str] = []
        for number, line in enumerate(lines):
            if (index, number) in chrome:
                builder.line(_plain_chars(paragraph))
                paragraph = []
                builder.line(_plain_chars([line]), chrome=True)
                continue
            indented = len(line) - len(line.lstrip()) > margin + 1
            if paragraph and line.strip() and not indented and text_continues(paragraph[-1], line):
                paragraph.append(line)
                continue
            builder.line(_plain_chars(paragraph))
            paragraph = [line] if line.strip() else []
        builder.line(_plain_chars(paragraph))
    return builder.result(len(page_lines), notes)


def _plain_edges(page: int, lines: Sequence[str]) -> list[_EdgeLine]:
    filled = [index for index, line in enumerate(lines) if line.strip()]
    chosen = dict.fromkeys([*filled[:_EDGE_LINES], *filled[::-1][:_EDGE_LINES]])
    return [_EdgeLine(page, index, lines[index]) for index in chosen]


def _plain_chars(lines: Sequence[str]) -> list[tuple[str, CharBox | None]]:
    result: list[tuple[str, CharBox | None]] = []
    for line in lines:
        text = line.strip()
        if (
            result
            and text
            and result[-1][0].isascii()
            and result[-1][0].isalpha()
            and text[0].isascii()
            and text[0].isalpha()
        ):
            # pdftotext drops the PDF's blanks at line ends: keep Latin words apart.
            result.append((" ", None))
        result.extend((char, None) for char in text)
    return result
