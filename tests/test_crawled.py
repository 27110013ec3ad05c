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


# A made-up report as a document site shares a PDF: the page's line ends kept, so a
# sentence, a number's unit (`9⏎所`) and a clause's subject (`专任教师⏎133人`) are cut.
PRINTED_PAGE = (
    "一、基本情况\n"
    "全县现有幼儿园 12 所,其中城区园 3所,农村园 9\n"
    "所,均为公办幼儿园。全县各幼儿园目前共有在园幼儿\n"
    "1380 人,教职工 292 人,其中专任教师 133 人,保\n"
    "育员 67 人,其他人员 92 人,各园均按标准配备人员。\n"
    "学前三年毛入园率为 98.5%,普惠性幼儿园覆盖率\n"
    "达到 100%,全县财政投入学前教育经费 3200 万元\n"
    ",新建幼儿园 2 所,改扩建幼儿园 4 所,增加学位\n"
    "600 个。\n"
    "二、存在问题\n"
    "农村幼儿园专任教师数量不足,保教质量有待提高,部分\n"
    "幼儿园办园条件较差。\n"
)


def test_a_printed_page_cut_into_lines_gives_the_facts_of_its_sentences() -> None:
    whole = re.sub(r"(?<=[^。\n])\n(?!二、)", " ", PRINTED_PAGE.split("\n", 1)[1])
    whole = PRINTED_PAGE.split("\n", 1)[0] + "\n" + whole
    assert len(whole) == len(PRINTED_PAGE)
    wrapped = extract_document(load_bytes(PRINTED_PAGE.encode(), Path("page.txt")), Settings())
    joined = extract_document(load_bytes(whole.encode(), Path("page.txt")), Settings())
    assert [(f.start, f.value, f.unit, f.indicator, f.scope) for f in wrapped.facts] == [
        (f.start, f.value, f.unit, f.indicator, f.scope) for f in joined.facts
    ]
    assert [f.raw for f in wrapped.facts][2] == "9\n所"  # the fact keeps the text as written
    assert len(wrapped.facts) == 14
    assert [p.text for p in wrapped.problems] and wrapped.problems[0].text.startswith("农村幼儿园")


def test_line_wraps_are_only_read_on_a_page_layout() -> None:
    document = load_bytes(PRINTED_PAGE.encode(), Path("page.txt"))
    # 7 wraps made blanks: the heading lines, the two sentence ends and the last line stay
    assert document.normalized.count("\n") == PRINTED_PAGE.count("\n") - 7
    # a web page's lines are paragraphs: a line without a final stop ends nothing else
    web = "".join(line.rstrip("\n") * 4 + "\n" for line in PRINTED_PAGE.splitlines(keepends=True))
    assert load_bytes(web.encode(), Path("web.txt")).normalized.count("\n") == web.count("\n")
    # nor are rows of a table whose cells run across the page
    rows = "".join(f"第{n}小学 {n}1 {n}2 {n}3 学生人数合计达到较多规模的学校\n" for n in range(1, 9))
    assert load_bytes(rows.encode(), Path("rows.txt")).normalized == rows
