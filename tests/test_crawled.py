"""Crawled text: a report whose line breaks were lost (one line, paragraphs and
table cells joined by blanks) gives the facts, headings and problems of the
original; site chrome glued to prose takes only its own phrase."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from edufacts.pipeline import extract_document
from edufacts.readers.load import load_bytes, load_document
from edufacts.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "eval" / "docs"
SEED = sorted(DOCS.glob("00[0-4]_*.txt"))


def facts_of(text: str, name: str = "report.txt") -> list[tuple[object, ...]]:
    result = extract_document(load_bytes(text.encode("utf-8"), Path(name)), Settings())
    return [(fact.raw, fact.value, fact.unit, fact.indicator) for fact in result.facts]


@pytest.mark.parametrize("path", SEED, ids=lambda path: path.name[:3])
def test_a_report_joined_into_one_line_gives_the_same_facts(path: Path) -> None:
    document = load_document(path)
    original = extract_document(document, Settings())
    # Each line break a blank: offsets stay, so facts, sections and problems compare whole.
    joined = extract_document(load_bytes(document.text.replace("\n", " ").encode("utf-8"), path), Settings())
    key = [(f.start, f.raw, f.value, f.unit, f.indicator) for f in original.facts]
    assert [(f.start, f.raw, f.value, f.unit, f.indicator) for f in joined.facts] == key
    assert [(s.start, s.heading) for s in joined.sections] == [
        (s.start, s.heading) for s in original.sections
    ]
    # (an item may end on the blank that was its line break)
    assert [p.text.strip() for p in joined.problems] == [p.text.strip() for p in original.problems]
    # As crawlers do it: indentation and blank lines collapsed into one blank.
    collapsed = re.sub(r"\s*\n\s*", " ", document.text).strip()
    assert Counter(facts_of(collapsed, path.name)) == Counter(
        (f.raw, f.value, f.unit, f.indicator) for f in original.facts
    )


@pytest.mark.parametrize(
    "text",
    [
        "一、基本情况\n为各校提供技术支持,投入经费1200万元,新建幼儿园3所。\n",
        "当前位置:首页 > 政务公开 一、基本情况 为各校提供技术支持,投入经费1200万元,新建幼儿园3所。"
        " 扫一扫在手机打开当前页 技术支持:某某网络公司 联系我们",
    ],
    ids=["body line", "one-line page with breadcrumb and footer"],
)
def test_a_chrome_word_in_a_body_sentence_keeps_its_numbers(text: str) -> None:
    assert [raw for raw, *_ in facts_of(text)] == ["1200万元", "3所"]


def test_a_chrome_line_is_still_boilerplate() -> None:
    document = load_bytes(
        "一、基本情况\n新建幼儿园3所。\n技术支持:某某公司 电话 023-1234567\n".encode(), Path("a.txt")
    )
    (span,) = document.boilerplate
    assert document.text[span[0] : span[1]].startswith("技术支持")


def test_a_page_view_counter_is_chrome() -> None:
    document = load_bytes(
        "发布时间:2022-01-17 | 来源:某某网 | 浏览次数:1898次\n一、基本情况\n新建幼儿园3所。\n".encode(),
        Path("a.txt"),
    )
    assert [raw for raw, *_ in facts_of(document.text)] == ["3所"]
