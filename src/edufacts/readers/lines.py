"""Where a line break is only the edge of a printed page: the rule that joins a
PDF's lines into paragraphs (pdf.py), and the same rule for a text that was
copied from a printed page with its line breaks kept (a PDF shared on a document
site: `其中专任教师⏎133 人`). Pure."""

from __future__ import annotations

import re
from itertools import pairwise

_BLANKS = " \t\xa0\u3000"
_PARAGRAPH_END = frozenset("。；！？：;!?:")
_CLAUSE_GOES_ON = frozenset("、，,")
_CN = "一二三四五六七八九十"
_HEADING_START = re.compile(
    rf"第[{_CN}百\d]+[章节篇部分]|[{_CN}]+、|[(（][{_CN}]+[)）]|\d{{1,2}}[.、．](?!\d)|[(（]\d{{1,2}}[)）]|[①-⑳]"
)


def starts_heading(text: str) -> bool:
    return _HEADING_START.match(text.lstrip(_BLANKS)) is not None


def text_continues(previous: str, following: str) -> bool:
    """The text rule of line joining: a line ending a sentence (or a colon) ends
    its paragraph, and so does the line before a heading."""
    previous, following = previous.rstrip(), following.lstrip()
    if not previous or not following:
        return False
    if previous[-1] in _PARAGRAPH_END:
        return False
    # After 、 or a comma the sentence goes on: 对民办一、| 二、三级 is a list, not a heading.
    return previous[-1] in _CLAUSE_GOES_ON or not starts_heading(following)


_HAN = re.compile(r"[\u4e00-\u9fff]")
_FULL_LINE_SHARE = 0.85
"""A line this long, against the page's width, ran into the right margin."""
_MAX_PAGE_WIDTH = 60
"""Characters of a printed line at most (an A4 page holds 25-45 Han characters);
a web page's paragraph lines are far longer, and are never taken for wraps."""
_MIN_WRAPS = 5
"""A page layout shows on many lines; a few long lines without a final stop are chance."""


_NUMBER_TOKEN = re.compile(r"[\d.,%]+")


def _table_row(line: str) -> bool:
    """`| 小学 | 62 |`, or cells in a row of numbers (`小学 62 1874 5088`)."""
    run = longest = 0
    for token in line.split():
        run = run + 1 if _NUMBER_TOKEN.fullmatch(token) else 0
        longest = max(longest, run)
    return "|" in line or longest >= 3


def _prose(line: str) -> bool:
    """Running text: mostly Han characters, not a table row."""
    visible = "".join(line.split())
    return bool(visible) and not _table_row(line) and len(_HAN.findall(visible)) * 2 >= len(visible)


def printed_line_wraps(text: str) -> list[int]:
    """The positions of the line breaks of `text` that only wrap a printed line:
    the document's lines have a page's width, the line before the break fills it
    with prose, the next is no table row, and the text goes on (text_continues).
    Empty unless the document shows that layout on several lines. Written here
    because the PDF readers join lines by their boxes, which a text file has lost."""
    lines = text.split("\n")
    lengths = sorted(len(line.rstrip()) for line in lines if len(line.strip()) >= 8)
    if len(lengths) < _MIN_WRAPS:
        return []
    width = lengths[int(0.75 * (len(lengths) - 1))]
    if width > _MAX_PAGE_WIDTH:
        return []
    wraps: list[int] = []
    position = 0
    for line, following in pairwise(lines):
        position += len(line)
        if (
            len(line.rstrip()) >= _FULL_LINE_SHARE * width
            and text_continues(line, following)
            and _prose(line)
            and not _table_row(following)
        ):
            wraps.append(position)
        position += 1
    return wraps if len(wraps) >= _MIN_WRAPS else []


__all__ = ["printed_line_wraps", "starts_heading", "text_continues"]
