"""Stage 2, segment: the heading tree of Chinese official documents and the
flattened tables. Pure: runs on the normalized view (full-width brackets are
already half-width there), offsets are the input's."""

from __future__ import annotations

import itertools
import math
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

_CN = "一二三四五六七八九十"
# (rank, pattern) — a lower rank is a higher level.
_HEADING_PATTERNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (0, re.compile(rf"第[{_CN}\d]+[章篇部分]")),
    (1, re.compile(rf"第[{_CN}\d]+节")),
    (2, re.compile(rf"[{_CN}]+、")),
    (3, re.compile(rf"\([{_CN}]+\)")),
    (4, re.compile(r"\d{1,2}[.、](?!\d)")),
    (5, re.compile(r"\(\d{1,2}\)")),
    (6, re.compile(r"[①-⑳]")),
)
_HEADING_FIRST_CHARS = frozenset("第(" + _CN + "".join(map(chr, range(ord("①"), ord("⑳") + 1))))
_INLINE_HEADING = re.compile(rf"(?<=[。;!?])\s*(?=[{_CN}]+、|\([{_CN}]+\)|第[{_CN}\d]+章)")
_HEADING_END = re.compile(r"[。;!?:]")
_MAX_HEADING_CHARS = 40
_MAX_CONTINUED_HEADING_CHARS = 80
_MAX_RESTART_SHIFT = 2.0
"""A restarted list nests at most four sub-lists deep (rank + 0.5 each)."""


@dataclass(frozen=True, kw_only=True)
class Heading:
    rank: int
    start: int
    end: int
    """end of the heading text (first sentence end or line end)"""
    title: str
    number: int | None = None


@dataclass(frozen=True, kw_only=True)
class Section:
    id: str
    heading: str
    heading_path: tuple[str, ...]
    level: int
    start: int
    end: int
    path_spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, kw_only=True)
class TableCell:
    start: int
    end: int
    text: str
    row_label: str
    column: str
    year: int | None
    unit_hint: str
    """unit text from the row or column header bracket, e.g. 万人, %, 平方米"""


@dataclass(frozen=True)
class Table:
    start: int
    end: int
    title: str
    cells: tuple[TableCell, ...] = field(default=())


_CHARS_PER_LINE_BREAK = 600
"""A text with fewer line breaks than one per this many characters was crawled
with its line breaks lost (paragraphs and table cells joined by blanks)."""
_BLANK_RUN = re.compile(r"[^\S\n]+|\n")


def _crawled_onto_one_line(text: str) -> bool:
    return text.count("\n") * _CHARS_PER_LINE_BREAK < len(text)


def _line_spans(text: str) -> list[tuple[int, int]]:
    """The lines of the text; for a text crawled onto one line, the runs between
    blanks, which is where its paragraphs, headings and table cells were cut."""
    if _crawled_onto_one_line(text):
        spans = []
        position = 0
        for blank in _BLANK_RUN.finditer(text):
            spans.append((position, blank.start()))
            position = blank.end()
        spans.append((position, len(text)))
        return spans
    spans = []
    position = 0
    for line in text.split("\n"):
        spans.append((position, position + len(line)))
        position += len(line) + 1
    return spans


def _heading_at(
    text: str, start: int, line_end: int, last_number: dict[int, int] | None = None
) -> Heading | None:
    if start >= line_end or (text[start] not in _HEADING_FIRST_CHARS and not text[start].isdecimal()):
        return None  # most lines start with text: skip the seven patterns
    for rank, pattern in _HEADING_PATTERNS:
        match = pattern.match(text, start, line_end)
        if match is None:
            continue
        stop = _HEADING_END.search(text, match.end(), line_end)
        end = stop.start() if stop else line_end
        title = text[start:end].strip()
        number = _heading_number(match.group())
        # A long line with no sentence end is a paragraph that starts with a
        # number, unless that number continues its list (三、 after 二、): a
        # long item title (新增300所学校体育场向社会开放,新增41家公共图书馆…).
        longest = (
            _MAX_CONTINUED_HEADING_CHARS if _continues(last_number, rank, number) else _MAX_HEADING_CHARS
        )
        if not title or (end - start > longest and stop is None):
            return None
        if len(title) > _MAX_HEADING_CHARS:
            end = start + _MAX_HEADING_CHARS
            title = text[start:end]
        return Heading(rank=rank, start=start, end=end, title=title, number=number)
    return None


def _continues(last_number: dict[int, int] | None, rank: int, number: int | None) -> bool:
    """Is `number` the next one of the list of headings of this rank seen so far?"""
    if last_number is None or number is None or rank not in last_number:
        return False
    return last_number[rank] + 1 == number


def _heading_number(marker: str) -> int | None:
    # isdecimal, not isdigit: ① is a digit to Python but not one int() reads.
    digits = "".join(char for char in marker if char.isdecimal())
    if digits:
        return int(digits)
    numeral = "".join(char for char in marker if char in _CN)
    if not numeral:
        return "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳".find(marker[0]) + 1 or None
    if len(numeral) == 1:
        return _CN.index(numeral) + 1
    tens, _, ones = numeral.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None  # 一一、 is no numeral a list counts with
    return (_CN.index(tens) + 1 if tens else 1) * 10 + (_CN.index(ones) + 1 if ones else 0)


def find_headings(text: str) -> list[Heading]:
    headings: list[Heading] = []
    last_number: dict[int, int] = {}
    for line_start, line_end in _line_spans(text):
        offset = line_start
        while offset < line_end and text[offset] in " \t\xa0":
            offset += 1
        heading = _heading_at(text, offset, line_end, last_number)
        if heading is not None:
            headings.append(heading)
            if heading.number is not None:
                last_number[heading.rank] = heading.number
        for inline in _INLINE_HEADING.finditer(text, offset + 1, line_end):
            inline_heading = _heading_at(text, inline.end(), line_end)
            if inline_heading is not None and inline_heading.rank <= 3:
                headings.append(inline_heading)
    return headings


class SectionList(list[Section]):
    """build_sections' result: a plain list of sections that also keeps their
    starts, so innermost_section is a bisect instead of a scan of every section
    (quadratic on long texts). A heading's section runs to the next heading of
    its level or higher, so the section of the last heading at or before a
    position always holds it, and it is the deepest that does."""

    def __init__(self, sections: list[Section]) -> None:
        super().__init__(sections)
        self._starts = [section.start for section in sections]

    def innermost(self, position: int) -> Section | None:
        """None when the list was changed after it was built."""
        if len(self._starts) != len(self):
            return None
        index = bisect_right(self._starts, position) - 1
        if index >= 0 and self[index].start <= position < self[index].end:
            return self[index]
        return self[0]


def build_sections(text: str, headings: list[Heading]) -> list[Section]:
    """Each heading opens a section that runs to the next heading of the same
    or a higher level; a preamble section covers the text before the first."""
    ranks = _effective_ranks(headings)
    sections: list[Section] = []
    stack: list[tuple[Heading, float]] = []
    first_start = headings[0].start if headings else len(text)
    sections.append(
        Section(id="s0", heading="(preamble)", heading_path=(), level=0, start=0, end=first_start)
    )
    for index, heading in enumerate(headings):
        rank = ranks[index]
        while stack and stack[-1][1] >= rank:
            stack.pop()
        end = len(text)
        for later_index in range(index + 1, len(headings)):
            if ranks[later_index] <= rank:
                end = headings[later_index].start
                break
        stack.append((heading, rank))
        path = tuple(item.title for item, _ in stack)
        spans = tuple((item.start, item.end) for item, _ in stack)
        sections.append(
            Section(
                id=f"s{len(sections)}",
                heading=heading.title,
                heading_path=path,
                level=len(stack),
                start=heading.start,
                end=end,
                path_spans=spans,
            )
        )
    return SectionList(sections)


def _effective_ranks(headings: list[Heading]) -> list[float]:
    """Numbering that restarts (三、 ... then 一、 again) opens a sub-list of the
    previous heading: scraped pages often lose the deeper marker style. The
    outer list resumes when its next number comes (四、 after 三、)."""
    ranks: list[float] = []
    last_number: dict[float, int] = {}
    shifted: dict[int, float] = {}
    for heading in headings:
        base = float(heading.rank)
        rank = shifted.get(heading.rank, base)
        if heading.number is not None and rank != base and last_number.get(base, 0) + 1 == heading.number:
            del shifted[heading.rank]
            rank = base
        if heading.number == 1 and last_number.get(rank, 0) >= 1 and rank < base + _MAX_RESTART_SHIFT:
            # Bounded: a run of 1. 1. 1. ... lines must not nest ever deeper
            # (each section's path and the section scan would grow with it).
            rank += 0.5
            shifted[heading.rank] = rank
        for deeper in [key for key in last_number if key > rank]:
            del last_number[deeper]
        if heading.number is not None:
            last_number[rank] = heading.number
        ranks.append(rank)
    return ranks


SENTENCE_END = re.compile(r"[。;!?\n]|(?<=[\u4e00-\u9fff])\.(?![A-Za-z])")
"""A sentence ends at 。;!? or a line break, and at an ASCII full stop after a
Han character (`户籍人口41.89万人.2012年全区…`, a page typed with ASCII stops;
not `汇报.doc`, nor a decimal point)."""
_SENTENCE_CAP = 200


def clause_start(text: str, start: int, floor: int, ends: re.Pattern[str]) -> int:
    """Where the clause holding text[start] begins: just after the last `ends`
    character before it, no earlier than `floor`."""
    position = start
    while position > floor and not ends.match(text, position - 1):
        position -= 1
    return position


def sentence_ends(text: str) -> list[int]:
    """The sorted positions of the sentence-ending characters (SENTENCE_END) of a text."""
    return [match.start() for match in SENTENCE_END.finditer(text)]


def sentence_bounds(ends: list[int], text_length: int, start: int, end: int) -> tuple[int, int]:
    """The sentence holding [start, end): `ends` are the sorted positions of
    sentence-ending characters (SENTENCE_END); a sentence is capped at 200
    characters either side."""
    index = bisect_left(ends, start)
    left = ends[index - 1] + 1 if index > 0 else 0
    right_index = bisect_left(ends, end)
    right = ends[right_index] if right_index < len(ends) else text_length
    return max(left, start - _SENTENCE_CAP), min(right, end + _SENTENCE_CAP)


def innermost_section(sections: list[Section], position: int) -> Section:
    """The deepest section that holds `position` (sections are in document order)."""
    if isinstance(sections, SectionList):
        found = sections.innermost(position)
        if found is not None:
            return found
    best = sections[0]
    for section in sections:
        if section.start > position:
            break
        if section.start <= position < section.end and section.level >= best.level:
            best = section
    return best


# --- flattened tables ---------------------------------------------------------

# A value cell: a number with at most a short unit and 以上/左右 (99%以上, 11.4年).
_CELL_NUMBER = re.compile(r"[<>≤≥\-−]?\d+(?:\.\d+)?(?:%|‰|年|所|个|人|名|万元|亿元|元)?(?:以上|以下|左右)?")
_YEAR_CELL = re.compile(r"(?:19|20)\d{2}(?:年)?")
_SERIAL_CELL = re.compile(r"0\d")
_BRACKET_UNIT = re.compile(r"\(([^()]{1,6})\)?$")
_UNIT_IN_BRACKET = re.compile(r"(?:万|亿|萬|億)?(?:所|人|名|个|個|元|人次|平方米|㎡|班|间|間|台|册|冊)|%")
_COLUMN_WORDS = re.compile(r"变化|增减|增长|面积|数量|金额|投资|目标|现状|基数")
_TABLE_TITLE = re.compile(r"表$")
"""`“十三五”教育事业发展基础目标对照表`: the table's title, not a column (目标)."""
_MAX_CELL_CHARS = 26
_SHORT_LABEL = 3
"""a row label this short before its unit bracket (`入学率(%)`) is the end of one
broken over two cells"""
_MIN_TABLE_CELLS = 8


def _is_value_cell(cell: str) -> bool:
    return (
        bool(_CELL_NUMBER.fullmatch(cell))
        and not _YEAR_CELL.fullmatch(cell)
        and not _SERIAL_CELL.fullmatch(cell)
    )


def find_tables(text: str) -> list[Table]:
    """Runs of short lines (blank lines between them allowed) with value cells,
    and tables whose rows are written one per line with blanks between cells."""
    spaced = _spaced_tables(text)
    taken = [(table.start, table.end) for table in spaced]
    return sorted(
        [*spaced, *(t for t in _cell_tables(text) if not any(a < t.end and t.start < b for a, b in taken))],
        key=lambda table: table.start,
    )


def _cell_tables(text: str) -> list[Table]:
    cells: list[tuple[int, int, str]] = []
    tables: list[Table] = []
    for line_start, line_end in [*_line_spans(text), (len(text) + 1, len(text) + 1)]:
        line_cells = _line_cells(text, line_start, line_end) if line_start <= len(text) else None
        if line_cells is None:
            table = _table_from_cells(cells)
            if table is not None:
                tables.append(table)
            cells = []
            continue
        cells.extend(line_cells)
    return tables


_CELL_BAR = re.compile(r"[^|]+")


def _line_cells(text: str, line_start: int, line_end: int) -> list[tuple[int, int, str]] | None:
    """The cells of one line, or None when the line is prose. A cell written
    `5.998 |` (a table flattened with its column bars), a row written on one line
    between bars (`高中 | 12 | 944436.46 | 610 |`), and a line of bars alone
    (`||||`, a border row) holding no cell."""
    line = text[line_start:line_end]
    parts = [
        (line_start + part.start() + len(part.group()) - len(part.group().lstrip()), part.group().strip())
        for part in _CELL_BAR.finditer(line)
    ]
    parts = [(start, cell) for start, cell in parts if cell]
    if line.count("|") < 2 and len(parts) > 1:
        parts = [(line_start + len(line) - len(line.lstrip()), line.strip().strip("|").strip())]
    if any(len(cell) > _MAX_CELL_CHARS for _, cell in parts):
        return None
    return [(start, start + len(cell), cell) for start, cell in parts]


_ROW_SERIAL_CELL = re.compile(r"\d{1,2}")
_ITEM_HEADER = re.compile(r"^(?:项目|指标|类别|名称|内容|指标名称|监测指标)$")
_COLUMN_CODE = re.compile(r"[A-Za-z]\d{1,2}")
"""`L1 | L2 | ... | L8`: a row of codes under the item names, naming no column"""


def _serials(cells: list[tuple[int, int, str]]) -> set[int]:
    """The row numbers of a table with a 序号 column (`1 | 全县平均值 | 5.51 |`): a
    small integer followed by a label cell is its row's number, not a value."""
    if not any(cell == "序号" for _, _, cell in cells[:40]):
        return set()
    return {
        i
        for i, (_, _, cell) in enumerate(cells[:-1])
        if _ROW_SERIAL_CELL.fullmatch(cell) and _is_label_cell(cells[i + 1][2])
    }


def _item_columns(header: list[str], per_row: int) -> list[tuple[str, int | None, str]]:
    """`序号 | 项目 | 每百名学生拥有骨干教师数 | 生均教学及辅助用房面积 | ... | L1 | L2`:
    the item cells are the columns (the cells after the item column's head, or as
    many as a row of codes has, right before it), when there are at least as many
    as the first row has values."""
    heads = [i for i, cell in enumerate(header) if _ITEM_HEADER.match(cell)]
    codes = [i for i, cell in enumerate(header) if _COLUMN_CODE.fullmatch(cell)]
    first = heads[0] + 1 if heads else 0
    if codes:
        # a row of codes (L1 | L2 | ...) names as many items as it has codes, the cells
        # right before it (a title line or a head cell may come first)
        before = [c for c in header[first : codes[0]] if _is_label_cell(c)]
        names = before[-len(codes) :] if len(before) >= len(codes) else []
    elif heads:
        names = [c for c in header[first:] if _is_label_cell(c)]
    else:
        return []
    if per_row < 2 or len(names) < per_row:
        return []
    return [(name, None, _leaf_unit(name)) for name in names]


def _unit_cells_joined(cells: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """`学校数` / `(所)` on lines of their own (a header cell broken at its unit, as a
    crawled page writes a `<br>` in a cell): one cell `学校数(所)`."""
    joined: list[tuple[int, int, str]] = []
    for start, end, cell in cells:
        bracket = _unit_bracket(cell)
        if bracket is not None and bracket.start() == 0 and joined and _is_label_cell(joined[-1][2]):
            before_start, _, before = joined[-1]
            if _unit_bracket(before) is None:
                joined[-1] = (before_start, end, before + cell)
                continue
        joined.append((start, end, cell))
    return joined


def _table_from_cells(cells: list[tuple[int, int, str]]) -> Table | None:
    cells = _unit_cells_joined(cells)
    if len(cells) < _MIN_TABLE_CELLS:
        return None
    serials = _serials(cells)
    value_indexes = [i for i, (_, _, cell) in enumerate(cells) if _is_value_cell(cell) and i not in serials]
    values = set(value_indexes)
    if len(value_indexes) < 4 or len(value_indexes) < len(cells) * 0.2:
        return None
    first_value = value_indexes[0]
    # The header: cells before the first row label (the cell before the first
    # value, stepping back over year cells that belong to that row).
    row_start = first_value - 1
    while row_start > 0 and _YEAR_CELL.fullmatch(cells[row_start][2]):
        row_start -= 1
    if (
        row_start == first_value - 1
        and row_start > 0
        and all(_named_unit_column(cells[index][2]) is not None for index in (row_start - 1, row_start))
    ):
        # `... | 在校学生数(万人) | 专任教师(万人) | 28433 | 674.55 |`: a header ending
        # in columns named with their units, and a first row with no label of its own
        # (one such cell alone is the first row's label: `入学率(%) | 95 |`)
        row_start = first_value
    header = [cell for _, _, cell in cells[:row_start]]
    if serials and row_start - 1 in serials:
        header = header[:-1]  # the first row's number
    per_row = _first_row_width(value_indexes, first_value)
    columns = _value_columns(header) or _grouped_columns(header, per_row)
    if len(columns) < per_row:
        # a header naming only some columns (面积 among seven items) names the rest too
        columns = _item_columns(header, per_row) or columns
    columns = _with_sub_columns(header, columns, per_row)
    title = next((cell for _, _, cell in cells if "表" in cell), header[0] if header else "")
    table_cells: list[TableCell] = []
    run: list[int] = []
    parent = _Parent("", False)
    for index in range(len(cells) + 1):  # one past the end closes the last row
        if index in values and index >= first_value:
            run.append(index)
            continue
        if run:
            row_label, row_year = _row_head(cells, run, row_start)
            parent = _parent_after(row_label, parent)
            table_cells.extend(_row_cells(cells, run, columns, row_label, row_year, parent.unit))
            run = []
    return Table(cells[0][0], cells[-1][1], title, tuple(table_cells))


def _value_columns(header: list[str]) -> list[tuple[str, int | None, str]]:
    """(column name, year, unit hint) for each header column that holds values."""
    columns: list[tuple[str, int | None, str]] = []
    for index, cell in enumerate(header):
        if _YEAR_CELL.fullmatch(cell):
            columns.append((cell, int(cell[:4]), ""))
        elif index > 0 and (named := _named_unit_column(cell)) is not None:
            columns.append((named[0], None, named[1]))
        elif _COLUMN_WORDS.search(cell) and not _TABLE_TITLE.search(cell):
            unit = ""
            following = header[index + 1] if index + 1 < len(header) else ""
            bracket = _BRACKET_UNIT.search(cell) or _BRACKET_UNIT.fullmatch(following)
            if bracket:
                unit = bracket.group(1)
            columns.append((cell, None, unit))
    return columns


def _first_row_width(value_indexes: list[int], first_value: int) -> int:
    width = 0
    while width < len(value_indexes) and value_indexes[width] == first_value + width:
        width += 1
    return width


def _with_sub_columns(
    header: list[str], columns: list[tuple[str, int | None, str]], per_row: int
) -> list[tuple[str, int | None, str]]:
    """`职工总数(人)` over `合计 | 其中专任教师`: where a row holds one value more per
    sub-column than the header has columns, and as many label cells as that follow
    the last column's cell, the last column is those sub-columns, in its unit."""
    if not columns or per_row <= len(columns):
        return columns
    last_name, last_year, last_unit = columns[-1]
    positions = [i for i, cell in enumerate(header) if cell.startswith(last_name)]
    if not positions:
        return columns
    after = [cell for cell in header[positions[-1] + 1 :] if _is_label_cell(cell)]
    if len(after) != per_row - len(columns) + 1:
        return columns
    return [*columns[:-1], *((f"{last_name}{sub}", last_year, last_unit) for sub in after)]


def _grouped_columns(header: list[str], per_row: int) -> list[tuple[str, int | None, str]]:
    """A two-level header (`指标 | 小学 | 中学 | 平均值 | 差异系数 | 达标比例 |
    平均值 | 差异系数 | 达标比例`): the last cells name the values of a row and
    repeat once per group; the cells just before them are the groups (小学平均值,
    小学差异系数, ..., 中学平均值). Only where the first row's value count makes
    that split exact; else no columns, as before."""
    if per_row < 2 or len(header) <= per_row or any(_is_value_cell(cell) for cell in header):
        return []
    leaves = header[len(header) - per_row :]
    # the shortest period the leaf cells repeat with is one group's width
    width = next(
        w for w in range(1, per_row + 1) if not per_row % w and leaves == leaves[:w] * (per_row // w)
    )
    groups_count = per_row // width
    groups = header[len(header) - per_row - groups_count : len(header) - per_row]
    if groups_count < 2 or len(groups) < groups_count:
        return []
    return [(f"{groups[i // width]}{leaves[i]}", None, _leaf_unit(leaves[i])) for i in range(per_row)]


def _unit_bracket(cell: str) -> re.Match[str] | None:
    """The bracket at a cell's end when it holds a unit: `(所)`, `(万人)`, `(%)`."""
    bracket = _BRACKET_UNIT.search(cell)
    return bracket if bracket is not None and _UNIT_IN_BRACKET.fullmatch(bracket.group(1)) else None


def _leaf_unit(column: str) -> str:
    bracket = _unit_bracket(column)
    if bracket is not None:
        return bracket.group(1)
    return "coef" if column.endswith("系数") else ""


def _named_unit_column(cell: str) -> tuple[str, str] | None:
    """学校数(所), 在校生(万人): a column named with its unit, as basic-data tables write them."""
    bracket = _unit_bracket(cell)
    if bracket is None or bracket.start() == 0:
        return None
    return cell[: bracket.start()], bracket.group(1)


@dataclass(frozen=True)
class _Parent:
    unit: str
    """the unit this row counts in: its own bracket's, or its parent row's"""
    in_sub_rows: bool
    """this row is one of its parent row's sub-rows"""


def _parent_after(row_label: str, previous: _Parent) -> _Parent:
    """`在校学生数(万人)`, then `其中:普通小学` and `普通初中`: the 其中 row and the
    rows after it that name no unit count in the parent's 万人; any other row ends that."""
    own = _unit_bracket(row_label)  # `幼儿园(含学前)` names no unit
    if own:
        return _Parent(own.group(1), False)
    if previous.unit and (row_label.startswith("其中") or previous.in_sub_rows):
        return _Parent(previous.unit, True)
    return _Parent("", False)


_LEVEL_CELL = re.compile(r"小学|初中|高中|普通高中|中职|幼儿园|学前")


def _row_head(cells: list[tuple[int, int, str]], run: list[int], first_row: int) -> tuple[str, int | None]:
    """The row's label, the cell before its values, and the year of a year cell
    standing between them; none where that cell is the header's (before
    `first_row`, the first row's first cell)."""
    label_index = run[0] - 1
    row_year: int | None = None
    while label_index >= 0 and _YEAR_CELL.fullmatch(cells[label_index][2]):
        row_year = int(cells[label_index][2][:4])
        label_index -= 1
    if label_index < max(first_row, 0):  # (a table may open with a value: first_row -1)
        return "", row_year
    label = cells[label_index][2]
    if label_index > 0 and _LEVEL_CELL.fullmatch(cells[label_index - 1][2]) and not _LEVEL_CELL.search(label):
        # `小学 | 差异系数 | 0.677 |`: the row's level in a cell of its own
        label = f"{cells[label_index - 1][2]} {label}"
    bracket = _unit_bracket(label)
    if bracket is not None and bracket.start() <= _SHORT_LABEL and label_index > 0:
        # `高中阶段教育毛` / `入学率(%)`: a label broken over two cells
        before = cells[label_index - 1][2]
        if _is_label_cell(before) and _BRACKET_UNIT.search(before) is None:
            label = before + label
    return label, row_year


def _row_cells(
    cells: list[tuple[int, int, str]],
    run: list[int],
    columns: list[tuple[str, int | None, str]],
    row_label: str,
    row_year: int | None,
    row_unit: str,
) -> list[TableCell]:
    sub_rows = _sub_row_count(cells, run, columns)
    if sub_rows > 1:
        return _sub_row_cells(cells, run, columns, sub_rows)
    last_year = max((year for _, year, _ in columns if year is not None), default=None)
    result = []
    for position, index in enumerate(run):
        start, end, cell = cells[index]
        column_name, column_year, column_unit = (
            columns[position] if position < len(columns) else ("", None, "")
        )
        year = column_year or row_year or (last_year if _COLUMN_WORDS.search(column_name) else None)
        result.append(
            TableCell(
                start=start,
                end=end,
                text=cell,
                row_label=row_label,
                column=column_name,
                year=year,
                unit_hint=row_unit or column_unit,
            )
        )
    return result


def _is_label_cell(cell: str) -> bool:
    return not _is_value_cell(cell) and not _YEAR_CELL.fullmatch(cell)


def _sub_row_count(
    cells: list[tuple[int, int, str]], run: list[int], columns: list[tuple[str, int | None, str]]
) -> int:
    """How many rows share one run of values: a row with sub-rows (`1.教师学历比例(%)`,
    `其中:本科比例(%)`, then each column's cell holding one value per row) lists
    every label first, then the values column by column."""
    if not columns or len(run) <= len(columns) or len(run) % len(columns):
        return 1
    rows = len(run) // len(columns)
    labels = [cells[index][2] for index in range(run[0] - rows, run[0]) if index >= 0]
    if len(labels) < rows or not all(_is_label_cell(label) for label in labels):
        return 1
    return rows


def _sub_row_cells(
    cells: list[tuple[int, int, str]], run: list[int], columns: list[tuple[str, int | None, str]], rows: int
) -> list[TableCell]:
    labels = [cells[index][2] for index in range(run[0] - rows, run[0])]
    parent_index = run[0] - rows - 1
    parent = cells[parent_index][2] if parent_index >= 0 else ""
    # 其中:小学 / 初中 under `4.标准班额比例(%)`: the parent row names what they measure.
    if not any(_BRACKET_UNIT.search(label) for label in labels) and _BRACKET_UNIT.search(parent):
        labels = [f"{parent} {label}" for label in labels]
    result = []
    for position, index in enumerate(run):
        start, end, cell = cells[index]
        label = labels[position % rows]
        bracket = _BRACKET_UNIT.search(label) or _BRACKET_UNIT.search(parent)
        column_name, column_year, column_unit = columns[position // rows]
        unit = bracket.group(1) if bracket else column_unit
        result.append(
            TableCell(
                start=start,
                end=end,
                text=cell,
                row_label=label,
                column=column_name,
                year=column_year,
                unit_hint=unit,
            )
        )
    return result


# --- tables with a row per line, cells between blanks -------------------------
# `小学 62 1874 508860.65 193252.23 ...` under a header of column names (one or more
# per line, each unit in a bracket of its own line: `学校占地面积` / `(平方米)`), as a
# government site's statistics table reads once its markup is gone. An empty cell
# is a line break inside its row (`合 计 1011` / `` / `10506 9268 40297 3025`: the two
# columns after 1011 are empty). Written for this form only (no library reads a
# table whose markup is lost): a row must hold as many cells as the header names
# columns, else its numbers are left to the prose rules.

_SPACED_VALUE = re.compile(r"[-−]?\d+(?:\.\d+)?|\*")  # a change column's cell may be negative
_SPACED_VALUES = rf"(?:{_SPACED_VALUE.pattern})(?:[^\S\n]+(?:{_SPACED_VALUE.pattern}))*"
_SPACED_ROW = re.compile(
    rf"(?P<label>(?:\d{{1,2}}[、.]|\([一二三四五六七八九十\d]{{1,2}}\))?[^\d\s*|()][^\d|]{{0,18}}?)(?:[^\S\n]+(?P<values>{_SPACED_VALUES}))?"
    r"(?:[^\S\n]+(?P<remark>[^\d\s*](?:.{0,30}[^\d\s])?))?"
)
_SPACED_VALUES_LINE = re.compile(_SPACED_VALUES)
_REMARK_TOKENS = frozenset({"备", "注", "备注"})
_MIN_SPACED_ROWS = 2
_MIN_SPACED_VALUES = 3
_LABEL_COLUMN_CHARS = 4
_SPACED_OUT = re.compile(r"(?<=[\u4e00-\u9fff])[^\S\n]+(?=[\u4e00-\u9fff])")
"""blanks between the characters of a row label set out to the column's width (`幼 儿 园`)"""
_TABLE_TITLE_LINE = re.compile(r"\s*表\s*\d")


def _spaced_header(lines: list[str]) -> tuple[list[tuple[str, str]], list[str], int | None]:
    """(column name, unit) per column, the sub-columns a last line of `其中` names
    alone lists (a header's second row: `其中:女 其中:女 其中:专任教师`), and the year
    a year token names. A line indented deeper than the header's first line goes on
    with the cell before it (`毕业班` / `     学生数`: a cell's text broken inside it)."""
    columns: list[tuple[str, str]] = []
    sub_columns: list[str] = []
    year = None
    written = [line for line in lines if line.strip()]
    first_indent = len(written[0]) - len(written[0].lstrip()) if written else 0
    for number, line in enumerate(written):
        tokens = line.split()
        if number == len(written) - 1 and number > 0 and all(token.startswith("其中") for token in tokens):
            sub_columns = tokens
            break
        continued = number > 0 and len(line) - len(line.lstrip()) > first_indent
        for token in tokens:
            bracket = _BRACKET_UNIT.fullmatch(token)
            named = _named_unit_column(token)
            if bracket is not None and token.startswith("(") and columns:
                columns[-1] = (columns[-1][0], bracket.group(1))
            elif continued and columns:
                columns[-1] = (columns[-1][0] + token, columns[-1][1])
            elif _YEAR_CELL.fullmatch(token):
                year = int(token[:4])
            elif named is not None:
                columns.append(named)
            elif token not in _REMARK_TOKENS:
                columns.append((token, ""))
            continued = False
    return columns, sub_columns, year


_PEOPLE_COLUMN = re.compile(r"女|男|生|教师|教职工|幼儿|儿童|人数|人员")
_STAFF_COLUMN = re.compile(r"教师|教职工|职工")
_PEOPLE_UNITS = frozenset({"", "人", "万人", "名"})


def _may_be_parent(column: tuple[str, str], sub_column: str) -> bool:
    """A part of people counts people (`其中:女` under 在校生数, not under 占地面积),
    a part of staff counts staff (`其中:专任教师` under 教职工数)."""
    name, unit = column
    if _STAFF_COLUMN.search(sub_column):
        return bool(_STAFF_COLUMN.search(name)) and unit in _PEOPLE_UNITS
    if _PEOPLE_COLUMN.search(sub_column):
        return bool(_PEOPLE_COLUMN.search(name)) and unit in _PEOPLE_UNITS
    return True


_MAX_PLACEMENTS = 20_000


def _place_sub_columns(
    columns: list[tuple[str, str]], sub_columns: list[str], rows: list[list[float | None]]
) -> list[tuple[str, str]] | None:
    """The header's columns with its second row's sub-columns each placed after its
    parent column (`在校生数其中:女`), where the rows' values leave one reading of
    each cell's unit: a part is no larger than its parent in any row, counts what
    its parent counts (`_may_be_parent`), and one parent's sub-columns differ. Of
    the placements left, the one with the leftmost parents names the columns;
    they all give each cell the same unit, so a value is never read in another
    unit, at worst under a neighbouring column's name. None where no placement is
    left or the units differ between them. (A text keeps no trace of which parent
    a second header row's cell stood under: the values are the evidence left.)"""
    found: list[list[tuple[int, int | None]]] = []
    candidates = [
        [p for p, column in enumerate(columns) if _may_be_parent(column, sub)] for sub in sub_columns
    ]
    if math.prod(len(parents) for parents in candidates) > _MAX_PLACEMENTS:
        return None  # a header of many parts is not tried one placement at a time
    for parents in itertools.product(*candidates):
        if list(parents) != sorted(parents) or any(
            parents[i] == parents[j] and sub_columns[i] == sub_columns[j]
            for j in range(len(parents))
            for i in range(j)
        ):
            continue
        order: list[tuple[int, int | None]] = []  # (column, None) or (parent column, sub-column)
        for position in range(len(columns)):
            order.append((position, None))
            order.extend((position, sub) for sub, parent in enumerate(parents) if parent == position)
        at = {column: index for index, (column, sub) in enumerate(order) if sub is None}
        if all(
            row[index] is None or row[at[column]] is None or row[index] <= row[at[column]]  # type: ignore[operator]
            for row in rows
            for index, (column, sub) in enumerate(order)
            if sub is not None
        ):
            found.append(order)
    units = {tuple(columns[column][1] for column, _ in order) for order in found}
    if len(units) != 1:
        return None
    return [
        columns[column] if sub is None else (columns[column][0] + sub_columns[sub], columns[column][1])
        for column, sub in found[0]
    ]


def _spaced_tables(text: str) -> list[Table]:
    if _crawled_onto_one_line(text):
        return []  # a page crawled onto one line has no rows left
    spans = _line_spans(text)
    lines = [text[start:end] for start, end in spans]
    tables = []
    index = floor = 0
    while index < len(spans):
        row = _SPACED_ROW.fullmatch(lines[index])
        if row is None or not row.group("values") or len(row.group("values").split()) < _MIN_SPACED_VALUES:
            index += 1
            continue
        # back over the rows before it (a row may hold a single value, or continue on
        # a line of values) to the first, then over the header's lines
        while index > floor and _in_spaced_rows(lines[index - 1].strip()):
            index -= 1
        while not lines[index].strip():
            index += 1
        header_at = index
        while header_at > floor and lines[header_at - 1].strip() and not _above_header(lines[header_at - 1]):
            header_at -= 1
        columns, sub_columns, year = _spaced_header(lines[header_at:index])
        if header_at >= 1 and _TABLE_TITLE_LINE.match(lines[header_at - 1]):
            title = lines[header_at - 1].strip()
        else:
            title = lines[header_at - 2].strip() if header_at >= 2 else ""
        rows, index = _spaced_rows(lines, spans, index)
        index = floor = max(index, header_at + 1)
        columns = _without_label_column(columns, len(sub_columns), rows)
        width = len(columns) + len(sub_columns)
        complete = _rows_of_width(rows, width)
        if sub_columns:
            values = [[_cell_value(text, cell) for cell in cells] for _, cells in complete]
            placed = _place_sub_columns(columns, sub_columns, values)
            if placed is None:
                continue  # whose parts they are is open: the numbers go to the prose rules
            columns = placed
        if len(columns) < _MIN_SPACED_VALUES or len(complete) < _MIN_SPACED_ROWS:
            continue
        cells = [
            TableCell(
                start=cell[0],
                end=cell[1],
                text=text[cell[0] : cell[1]],
                row_label=label,
                column=columns[position][0],
                year=year,
                unit_hint=columns[position][1],
            )
            for label, row_cells in complete
            for position, cell in enumerate(row_cells)
            if cell is not None and text[cell[0] : cell[1]] != "*"
        ]
        tables.append(Table(spans[header_at][0], spans[index - 1][1], title, tuple(cells)))
    return tables


def _above_header(line: str) -> bool:
    """A line the header does not go on from: prose (ending a sentence) or the
    table's title (`表8 各类学校、在校生数表`), where no blank line parts them."""
    return line.rstrip().endswith("。") or _TABLE_TITLE_LINE.match(line) is not None


def _without_label_column(
    columns: list[tuple[str, str]], sub_columns: int, rows: list[tuple[str, _Cells, _Cells | None]]
) -> list[tuple[str, str]]:
    """The header's columns less the row labels' own (`类别`, or spaced out `类 别`:
    leading names of no unit, at most _LABEL_COLUMN_CHARS characters in all),
    where too few rows have a cell under every column named but enough have one
    under each of the rest."""
    width = len(columns) + sub_columns
    if len(_rows_of_width(rows, width)) >= _MIN_SPACED_ROWS:
        return columns
    for leading in (1, 2):
        names = columns[:leading]
        if len(names) < leading or any(unit for _, unit in names):
            break
        if sum(len(name) for name, _ in names) > _LABEL_COLUMN_CHARS:
            break
        if len(_rows_of_width(rows, width - leading)) >= _MIN_SPACED_ROWS:
            return columns[leading:]
    return columns


def _in_spaced_rows(line: str) -> bool:
    """A blank line, a line of values, or a row with values."""
    if not line or _SPACED_VALUES_LINE.fullmatch(line):
        return True
    row = _SPACED_ROW.fullmatch(line)
    return row is not None and bool(row.group("values"))


_Cells = list[tuple[int, int] | None]


def _rows_of_width(rows: list[tuple[str, _Cells, _Cells | None]], width: int) -> list[tuple[str, _Cells]]:
    """The rows with `width` cells, read either way."""
    complete = []
    for label, cells, gapped in rows:
        if len(cells) == width:
            complete.append((label, cells))
        elif gapped is not None and len(gapped) == width:
            complete.append((label, gapped))
    return complete


def _cell_value(text: str, cell: tuple[int, int] | None) -> float | None:
    written = None if cell is None else text[cell[0] : cell[1]]
    return None if written is None or written == "*" else float(written.replace("−", "-"))


def _gapped_cells(line: str, start: int, offset: int) -> _Cells | None:
    """A row's cells from `start` (the blank after its label) where each cell is
    joined to the next by one blank and an empty cell is a blank of its own (`20
    34857   49082`: an empty cell between; blanks to the line's end: empty cells
    there), as a page's table cells read once its markup is stripped; None where the
    line is not written so."""
    if not line.startswith(" ", start):
        return None
    cells: _Cells = []
    at = start + 1
    while at < len(line):
        if line[at] == " ":
            cells.append(None)
            at += 2
            continue
        value = _SPACED_VALUE.match(line, at)
        if value is None or (value.end() < len(line) and line[value.end()] != " "):
            return None
        cells.append((offset + value.start(), offset + value.end()))
        at = value.end() + 1
    return cells


def _spaced_rows(
    lines: list[str], spans: list[tuple[int, int]], index: int
) -> tuple[list[tuple[str, _Cells, _Cells | None]], int]:
    """The rows from `index` on, each its label, its cells (None: an empty cell) and
    the same read with a blank for each empty cell (`_gapped_cells`), and the index
    of the first line after the table."""
    rows: list[tuple[str, _Cells, _Cells | None]] = []
    breaks = 0
    while index < len(spans):
        line = lines[index]
        stripped = line.strip()
        if not stripped:
            breaks += 1
            index += 1
            continue
        offset = spans[index][0] + len(line) - len(line.lstrip())
        values_only = _SPACED_VALUES_LINE.fullmatch(stripped)
        row = None if values_only else _SPACED_ROW.fullmatch(stripped)
        if values_only and rows:
            rows[-1][1].extend([None] * (breaks + 1))
            found = _SPACED_VALUE.finditer(stripped)
            rows[-1][1].extend((offset + m.start(), offset + m.end()) for m in found)
        elif row is not None:
            values = row.group("values")
            cells: _Cells = []
            if values:
                base = offset + row.start("values")
                cells = [(base + m.start(), base + m.end()) for m in _SPACED_VALUE.finditer(values)]
            indent = len(line) - len(line.lstrip())
            gapped = _gapped_cells(line, indent + row.end("label"), spans[index][0])
            rows.append((_SPACED_OUT.sub("", row.group("label").strip()), cells, gapped))
        else:
            break
        breaks = 0
        index += 1
    return rows, index
