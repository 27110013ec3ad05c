"""DOCX reader: bytes -> ReadText. Paragraphs and tables in document order,
each paragraph one line; a table flattened one cell per line with a blank line
between cells (the form `segment.find_tables` reads); the section headers'
text first and the footers' text last, both marked as boilerplate; list numbers
Word generates (一、 (一) 1.) written in front of their paragraph.

The XML is walked directly rather than through python-docx's Paragraph.text,
which drops the text of runs wrapped in w:ins, w:smartTag, w:fldSimple and
w:sdt (content controls): Word 2003-era Chinese documents wrap dates and
numbers in smart tags."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from . import ReadText

Element = Any
"""An lxml element of the document's XML (lxml ships no type stubs)."""

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_M = "{http://schemas.openxmlformats.org/officeDocument/2006/math}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_VAL = f"{_W}val"

_MAX_UNPACKED_BYTES = 256 * 1024 * 1024
"""Declared size of all parts together: python-docx loads every part into
memory, so a zip bomb is refused before it is opened."""

_RUN_TEXT = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}
_INLINE_TAGS = ("hyperlink", "ins", "moveTo", "smartTag", "fldSimple", "sdt", "sdtContent", "customXml")
_INLINE_WRAPPERS = frozenset(f"{_W}{tag}" for tag in (*_INLINE_TAGS, "dir", "bdo"))
"""Elements inside a paragraph whose runs are shown text; w:del and w:moveFrom
(deleted text) are not among them."""
_BLOCK_WRAPPERS = frozenset(f"{_W}{tag}" for tag in ("sdt", "sdtContent", "customXml"))
_MATH = frozenset((f"{_M}oMath", f"{_M}oMathPara"))


def read_docx(data: bytes, path: Path, *, source_format: str = "DOCX") -> ReadText:
    """`source_format` names the file in messages (read_doc passes "DOC/WPS"
    for the DOCX LibreOffice made of it)."""
    document = _open(data, path)
    part = document.part
    body_element = part.element.find(f"{_W}body")
    body = "" if body_element is None else _blocks_text(body_element, _Numbering.of(part))
    headers, footers = _header_footer_texts(part)
    if not body.strip():
        raise InputError(f"{path}: no text in the {source_format} file")
    text = headers + body + footers
    spans = [(0, len(headers))] if headers else []
    if footers:
        spans.append((len(text) - len(footers), len(text)))
    return ReadText(text=text, boilerplate=tuple(spans))


def _open(data: bytes, path: Path) -> Any:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise InputError(f"{path}: damaged DOCX (not a readable zip archive)") from None
    if "word/document.xml" not in names and not any(name.endswith("document.xml") for name in names):
        raise InputError(f"{path}: a zip archive but not a DOCX (no word/document.xml)")
    if unpacked > _MAX_UNPACKED_BYTES:
        raise InputError(f"{path}: DOCX unpacks to {unpacked / 1e6:.0f} MB, over the 256 MB limit")
    try:
        return docx.Document(io.BytesIO(data))
    except ValueError as error:
        if "not a Word file" in str(error):
            raise InputError(f"{path}: a zip archive but not a Word document") from None
        raise InputError(f"{path}: damaged DOCX ({_one_line(error)})") from None
    except (PackageNotFoundError, KeyError, zipfile.BadZipFile, OSError, EOFError, SyntaxError) as error:
        # lxml's XMLSyntaxError is a SyntaxError; a missing part is a KeyError.
        raise InputError(f"{path}: damaged DOCX ({_one_line(error)})") from None


def _one_line(error: BaseException) -> str:
    message = " ".join(str(error).split())
    return (message[:80] or type(error).__name__).rstrip()


# --- body -------------------------------------------------------------------


def _blocks_text(container: Element, numbering: _Numbering) -> str:
    parts: list[str] = []
    _append_blocks(container, numbering, parts)
    return "".join(parts)


def _append_blocks(container: Element, numbering: _Numbering, parts: list[str]) -> None:
    for child in container.iterchildren():
        if child.tag == f"{_W}p":
            text = _paragraph_text(child)
            parts += [numbering.label(child, text), text, "\n"]
        elif child.tag == f"{_W}tbl":
            _append_table(child, numbering, parts)
        elif child.tag in _BLOCK_WRAPPERS:
            _append_blocks(child, numbering, parts)


def _append_table(table: Element, numbering: _Numbering, parts: list[str]) -> None:
    """One cell per line, a blank line after each; a merged cell once (its first
    row), an empty cell not at all; a nested table's cells inside its cell."""
    for row in _children(table, f"{_W}tr"):
        for cell in _children(row, f"{_W}tc"):
            if _continues_merge(cell):
                continue
            text = _blocks_text(cell, numbering).strip("\n")
            if text.strip():
                parts += [text, "\n\n"]


def _children(element: Element, tag: str) -> list[Element]:
    """element's children of that tag, also those wrapped in content controls."""
    found: list[Element] = []
    for child in element.iterchildren():
        if child.tag == tag:
            found.append(child)
        elif child.tag in _BLOCK_WRAPPERS:
            found += _children(child, tag)
    return found


def _continues_merge(cell: Element) -> bool:
    """A w:vMerge (or legacy w:hMerge) without val="restart" continues the cell
    before it: its text was given there."""
    for tag in ("vMerge", "hMerge"):
        merge = cell.find(f"{_W}tcPr/{_W}{tag}")
        if merge is not None and merge.get(_VAL, "continue") == "continue":
            return True
    return False


def _paragraph_text(paragraph: Element) -> str:
    parts: list[str] = []
    _append_inline(paragraph, parts)
    return "".join(parts)


def _append_inline(element: Element, parts: list[str]) -> None:
    for child in element.iterchildren():
        if child.tag == f"{_W}r":
            _append_run(child, parts)
        elif child.tag in _INLINE_WRAPPERS:
            _append_inline(child, parts)
        elif child.tag in _MATH:
            parts += [node.text or "" for node in child.iter(f"{_M}t")]


def _append_run(run: Element, parts: list[str]) -> None:
    """Shown characters only: not field codes (w:instrText), deleted text,
    footnote reference numbers (they would glue onto the number before them),
    drawings or text boxes."""
    for child in run.iterchildren():
        if child.tag == f"{_W}t":
            parts.append(child.text or "")
        elif child.tag in _RUN_TEXT:
            parts.append(_RUN_TEXT[child.tag])


# --- headers and footers ------------------------------------------------------


def _header_footer_texts(part: Any) -> tuple[str, str]:
    """The distinct headers and footers of all sections, in document order."""
    texts: dict[str, list[str]] = {"header": [], "footer": []}
    seen: set[str] = set()
    numbering = _Numbering.of(part)
    for section in part.element.iter(f"{_W}sectPr"):
        for reference in section.iterchildren(f"{_W}headerReference", f"{_W}footerReference"):
            kind = "header" if reference.tag.endswith("headerReference") else "footer"
            related = part.rels.get(reference.get(f"{_R}id"))
            if related is None or related.is_external or str(related.target_part.partname) in seen:
                continue
            seen.add(str(related.target_part.partname))
            element = getattr(related.target_part, "element", None)
            text = "" if element is None else _blocks_text(element, numbering).strip()
            if text:
                texts[kind].append(text + "\n")
    return "".join(texts["header"]), "".join(texts["footer"])


# --- list numbers -------------------------------------------------------------

_CN_DIGITS = "零一二三四五六七八九"
_CN_LEGAL_SIMPLIFIED = "零壹贰叁肆伍陆柒捌玖"
_CN_LEGAL_TRADITIONAL = "零壹貳參肆伍陸柒捌玖"
_CN_UNITS = ("", "十", "百", "千")
_CN_LEGAL_UNITS = ("", "拾", "佰", "仟")
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"), (40, "XL"))
_ROMAN_SMALL = ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
_PLACEHOLDER = re.compile(r"%([1-9])")
_NEEDS_SPACE = re.compile(r"[0-9A-Za-z.．]$")
"""A label ending so would glue onto a number starting the text (1. + 2万人)."""


def _chinese(number: int, digits: str = _CN_DIGITS, units: tuple[str, ...] = _CN_UNITS) -> str:
    """Chinese counting: 十一, 二十, 一百零五; plain digits past 9999."""
    if number <= 0 or number > 9999:
        return str(number)
    text = ""
    zero = False
    for power in range(3, -1, -1):
        digit = number // 10**power % 10
        if digit == 0:
            zero = bool(text)
            continue
        text += (digits[0] if zero else "") + digits[digit] + units[power]
        zero = False
    return text[1:] if digits is _CN_DIGITS and 10 <= number <= 19 else text


def _roman(number: int) -> str:
    text = ""
    for value, letters in (*_ROMAN, *_ROMAN_SMALL):
        count, number = divmod(number, value)
        text += letters * count
    return text


def _enclosed(number: int, first: int) -> str:
    return chr(first + number - 1) if 1 <= number <= 20 else str(number)


def _format_number(number: int, number_format: str) -> str:
    if number_format in {"chineseCounting", "chineseCountingThousand", "japaneseCounting"}:
        return _chinese(number)
    if number_format in {"taiwaneseCounting", "taiwaneseCountingThousand"}:
        return _chinese(number)
    if number_format == "chineseLegalSimplified":
        return _chinese(number, _CN_LEGAL_SIMPLIFIED, _CN_LEGAL_UNITS)
    if number_format == "ideographLegalTraditional":
        return _chinese(number, _CN_LEGAL_TRADITIONAL, _CN_LEGAL_UNITS)
    if number_format == "ideographTraditional":
        return _STEMS[(number - 1) % 10]
    if number_format == "ideographZodiac":
        return _BRANCHES[(number - 1) % 12]
    if number_format in {"decimalEnclosedCircle", "decimalEnclosedCircleChinese"}:
        return _enclosed(number, 0x2460)
    if number_format == "decimalEnclosedParen":
        return _enclosed(number, 0x2474)
    if number_format == "decimalEnclosedFullstop":
        return _enclosed(number, 0x2488)
    if number_format in {"decimalFullWidth", "decimalFullWidth2"}:
        return str(number).translate({code: code + 0xFEE0 for code in range(0x30, 0x3A)})
    if number_format == "decimalZero":
        return f"{number:02d}"
    if number_format in {"upperRoman", "lowerRoman"} and 0 < number < 4000:
        return _roman(number) if number_format == "upperRoman" else _roman(number).lower()
    if number_format in {"upperLetter", "lowerLetter"} and number > 0:
        letter = chr(ord("A") + (number - 1) % 26) * ((number - 1) // 26 + 1)
        return letter if number_format == "upperLetter" else letter.lower()
    return str(number)


@dataclass(frozen=True, kw_only=True)
class _Level:
    start: int
    number_format: str
    text: str
    restart_after: int | None
    """restart when a level at or above this index is used; None: any higher level"""
    legal: bool


@dataclass(kw_only=True)
class _Numbering:
    """Word's list numbering: numbering.xml's definitions, the paragraph styles
    that carry numbering, and the running counters of each list."""

    abstract_of: dict[str, str] = field(default_factory=dict)
    """numId -> abstractNumId"""
    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)
    """abstractNumId -> its levels"""
    start_overrides: dict[str, dict[int, int]] = field(default_factory=dict)
    style_numbering: dict[str, tuple[str | None, int | None]] = field(default_factory=dict)
    """paragraph styleId -> (numId, ilvl) through its basedOn chain"""
    default_style: str | None = None
    counters: dict[str, list[int | None]] = field(default_factory=dict)
    started: set[tuple[str, int]] = field(default_factory=set)

    @classmethod
    def of(cls, part: Any) -> _Numbering:
        numbering = cls()
        definitions = _related_element(part, "numbering")
        if definitions is None:
            return numbering
        for abstract in definitions.iterchildren(f"{_W}abstractNum"):
            levels = {_int(level.get(f"{_W}ilvl")): _level(level) for level in abstract.iter(f"{_W}lvl")}
            numbering.levels[abstract.get(f"{_W}abstractNumId", "")] = levels
        for num in definitions.iterchildren(f"{_W}num"):
            num_id = num.get(f"{_W}numId", "")
            numbering.abstract_of[num_id] = _child_val(num, "abstractNumId") or ""
            numbering.start_overrides[num_id] = {
                _int(override.get(f"{_W}ilvl")): _int(start.get(_VAL))
                for override in num.iterchildren(f"{_W}lvlOverride")
                if (start := override.find(f"{_W}startOverride")) is not None
            }
        numbering._read_styles(part)
        return numbering

    def _read_styles(self, part: Any) -> None:
        styles = _related_element(part, "styles")
        if styles is None:
            return
        own: dict[str, tuple[str | None, str | None, str | None]] = {}
        for style in styles.iterchildren(f"{_W}style"):
            if style.get(f"{_W}type") != "paragraph":
                continue
            style_id = style.get(f"{_W}styleId", "")
            num_pr = style.find(f"{_W}pPr/{_W}numPr")
            num_id = _child_val(num_pr, "numId") if num_pr is not None else None
            level = _child_val(num_pr, "ilvl") if num_pr is not None else None
            own[style_id] = (num_id, level, _child_val(style, "basedOn"))
            if style.get(f"{_W}default") in {"1", "true"}:
                self.default_style = style_id
        for style_id in own:
            self.style_numbering[style_id] = _inherited_numbering(own, style_id)

    def label(self, paragraph: Element, text: str) -> str:
        """The list number Word shows before the paragraph, with a blank after it
        when it would otherwise run into a number; "" when it has none."""
        properties = paragraph.find(f"{_W}pPr")
        style = _child_val(properties, "pStyle") if properties is not None else None
        num_pr = properties.find(f"{_W}numPr") if properties is not None else None
        style_num_id, style_level = self.style_numbering.get(style or self.default_style or "", (None, None))
        num_id = (_child_val(num_pr, "numId") if num_pr is not None else None) or style_num_id
        level_text = _child_val(num_pr, "ilvl") if num_pr is not None else None
        level = _int(level_text, style_level or 0)
        if not num_id or num_id == "0" or num_id not in self.abstract_of or not 0 <= level <= 8:
            return ""
        label = self._advance(num_id, level)
        return label + " " if _NEEDS_SPACE.search(label) and text[:1].isdecimal() else label

    def _advance(self, num_id: str, level: int) -> str:
        abstract_id = self.abstract_of[num_id]
        levels = self.levels.get(abstract_id, {})
        definition = levels.get(level)
        if definition is None or definition.number_format == "bullet":
            return ""
        counters = self.counters.setdefault(abstract_id, [None] * 10)
        if (num_id, level) not in self.started and level in self.start_overrides.get(num_id, {}):
            counters[level] = self.start_overrides[num_id][level] - 1
        self.started.add((num_id, level))
        current = counters[level]
        counters[level] = definition.start if current is None else current + 1
        for deeper, deeper_level in levels.items():
            restart = deeper_level.restart_after
            if deeper > level and (restart is None or level <= restart):
                counters[deeper] = None

        def number(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            shown = levels.get(index)
            value = counters[index] if counters[index] is not None else (shown.start if shown else 1)
            number_format = "decimal" if definition.legal or shown is None else shown.number_format
            return _format_number(value or 0, number_format)

        return _PLACEHOLDER.sub(number, definition.text)


def _related_element(part: Any, kind: str) -> Element | None:
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    try:
        related = part.part_related_by(RT.NUMBERING if kind == "numbering" else RT.STYLES)
    except (KeyError, ValueError):
        return None
    return getattr(related, "element", None)


def _int(text: str | None, default: int = 0) -> int:
    """A number attribute; a damaged one counts as absent."""
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _child_val(element: Element, tag: str) -> str | None:
    child = element.find(f"{_W}{tag}")
    return None if child is None else child.get(_VAL)


def _level(level: Element) -> _Level:
    restart = _child_val(level, "lvlRestart")
    start = _child_val(level, "start")
    return _Level(
        start=_int(start),
        number_format=_child_val(level, "numFmt") or "decimal",
        text=_child_val(level, "lvlText") or "",
        # lvlRestart n: restart after level n (1-based) is used, i.e. index n-1 or above.
        restart_after=None if restart is None else _int(restart) - 1,
        legal=level.find(f"{_W}isLgl") is not None,
    )


def _inherited_numbering(
    own: dict[str, tuple[str | None, str | None, str | None]], style_id: str
) -> tuple[str | None, int | None]:
    num_id: str | None = None
    level: str | None = None
    seen: set[str] = set()
    current: str | None = style_id
    while current is not None and current in own and current not in seen:
        seen.add(current)
        own_num_id, own_level, based_on = own[current]
        num_id = num_id or own_num_id
        level = level or own_level
        current = based_on
    return num_id, None if level is None else _int(level)
