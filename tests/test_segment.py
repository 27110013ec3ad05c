from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edufacts.stages.segment import (
    SENTENCE_END,
    Section,
    build_sections,
    find_headings,
    find_tables,
    innermost_section,
)

DOCUMENT = """关于某区2023年履行教育职责的自评报告

一、履职情况

(一)领导管理教育工作情况

1.研究解决重大教育问题。区委区政府坚持教育优先。

(1)召开会议15次。

二、存在的问题。学位紧张。三、下一步工作打算

一、加快学校建设

二、加快普惠区创建
"""


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("一、履职情况", 1),
        ("(一)领导管理教育工作情况", 2),
        ("1.研究解决重大教育问题", 3),
        ("(1)召开会议15次", 4),
        ("二、存在的问题", 1),
        ("三、下一步工作打算", 1),
        ("一、加快学校建设", 2),
    ],
)
def test_heading_levels(title: str, level: int) -> None:
    sections = build_sections(DOCUMENT, find_headings(DOCUMENT))
    (section,) = [s for s in sections if s.heading == title]
    assert section.level == level
    assert DOCUMENT[section.start :].startswith(title)


def test_inline_heading_after_lost_line_break_and_restarted_numbering() -> None:
    sections = build_sections(DOCUMENT, find_headings(DOCUMENT))
    measures = next(s for s in sections if s.heading == "三、下一步工作打算")
    child = next(s for s in sections if s.heading == "二、加快普惠区创建")
    assert child.heading_path == ("三、下一步工作打算", "二、加快普惠区创建")
    assert measures.start < child.start < child.end <= measures.end


def test_a_long_line_continuing_its_list_is_a_heading() -> None:
    text = (
        "一、新增学位5万个\n资金下达5亿元。\n二、新建公办幼儿园150所\n资金下达4亿元。\n"
        "三、新增300所学校体育场向社会开放,新增41家公共图书馆、文化馆、博物馆错时延时开放\n资金下达3780万元。\n"
        "五、这一行很长却不接着上面的编号所以它是以数字开头的一个段落而不是标题,后面还有很多字没有句号\n"
    )
    titles = [heading.title for heading in find_headings(text)]
    assert titles[2].startswith("三、新增300所学校体育场")
    assert len(titles) == 3


def test_heading_path_of_a_position() -> None:
    sections = build_sections(DOCUMENT, find_headings(DOCUMENT))
    section = innermost_section(sections, DOCUMENT.index("15次"))
    assert section.heading_path == (
        "一、履职情况",
        "(一)领导管理教育工作情况",
        "1.研究解决重大教育问题",
        "(1)召开会议15次",
    )


TABLE = "\n\n".join(
    [
        "表1:主要指标表",
        "分类",
        "指标",
        "2016",
        "2020",
        "变化情况",
        "学前",
        "教育",
        "在园幼儿数(万人)",
        "2.76",
        "3.63",
        "0.87",
        "学前三年毛入园率(%",
        "96.2",
        "100",
        "3.8",
    ]
)


def test_flattened_table_cells_keep_row_and_column() -> None:
    (table,) = find_tables(
        "正文。\n\n" + TABLE + "\n\n这是表格之后很长的一段正文内容,用来结束表格的识别范围。\n"
    )
    cells = {cell.text: cell for cell in table.cells}
    assert cells["2.76"].row_label == "在园幼儿数(万人)"
    assert (cells["2.76"].year, cells["3.63"].year) == (2016, 2020)
    assert cells["0.87"].column == "变化情况"
    assert cells["96.2"].unit_hint == "%"
    assert cells["2.76"].unit_hint == "万人"


SUB_ROW_TABLE = "\n\n".join(
    [
        "表1 主要指标",
        "指标",
        "2020",
        "2025",
        "变化情况",
        "在校学生数(万人)",
        "8.10",
        "9.30",
        "1.20",
        "其中:小学",
        "5.40",
        "6.00",
        "0.60",
        "初中",
        "2.70",
        "3.30",
        "-0.05",
        "巩固率(%)",
        "99.1",
        "99.6",
        "0.5",
        "专任教师数",
        "4100",
        "4500",
        "400",
    ]
)


def test_sub_rows_count_in_their_parents_unit_until_a_row_of_its_own() -> None:
    (table,) = find_tables(
        "正文。\n\n" + SUB_ROW_TABLE + "\n\n这是表格之后很长的一段正文内容,用来结束表格的识别。\n"
    )
    units = {cell.text: (cell.row_label, cell.unit_hint) for cell in table.cells}
    assert units["5.40"] == ("其中:小学", "万人")
    assert units["-0.05"] == ("初中", "万人")  # after the 其中 row, no unit of its own: still 万人
    assert units["99.6"] == ("巩固率(%)", "%")
    assert units["4500"] == ("专任教师数", "")  # a new row without a bracket does not inherit %


# --- regressions from fuzzing (issue 6) ----------------------------------------


def test_circled_number_heading_does_not_crash() -> None:
    # "①".isdigit() is True but int("①") raises: a line starting with ① crashed.
    text = "①加强师资建设。\n②推进集团化办学。\n"
    headings = find_headings(text)
    assert [(h.rank, h.number) for h in headings] == [(6, 1), (6, 2)]
    assert [s.heading for s in build_sections(text, headings)][1:] == ["①加强师资建设", "②推进集团化办学"]


def test_restarted_numbering_nests_a_bounded_depth() -> None:
    # Each restart at 1. opened a deeper sub-list without bound: 8,000 such lines
    # took 90 s and every section's path held all the headings before it.
    text = "1.x\n" * 20_000
    sections = build_sections(text, find_headings(text))
    assert len(sections) == 20_001
    assert [s.level for s in sections[:8]] == [0, 1, 2, 3, 4, 5, 5, 5]
    assert max(len(s.heading_path) for s in sections) == 5
    assert sections[-1].end == len(text)


def _innermost_by_scan(sections: list[Section], position: int) -> Section:
    best = sections[0]
    for section in sections:
        if section.start > position:
            break
        if section.start <= position < section.end and section.level >= best.level:
            best = section
    return best


HEADING_PIECES = [
    "一、",
    "二、",
    "三、",
    "(一)",
    "(二)",
    "1.",
    "2.",
    "(1)",
    "①",
    "第一章",
    "第2节",
    "x",
    "。",
    "\n",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(HEADING_PIECES), max_size=60).map("".join))
def test_innermost_section_is_the_full_scan_answer(text: str) -> None:
    sections = build_sections(text, find_headings(text))
    for position in range(-1, len(text) + 2):
        assert innermost_section(sections, position) is _innermost_by_scan(sections, position)
    assert innermost_section(list(sections), 0) is _innermost_by_scan(sections, 0)


def test_innermost_section_is_not_a_scan_of_every_section() -> None:
    # rules.propose asks once per mention: the full scan was quadratic (8 of the
    # 11 seconds of a 3 MB report).
    text = "前言\n" + "".join(f"第{i}章 概况\n1.内容{i}。\n2.措施。\n" for i in range(1, 20_001))
    sections = build_sections(text, find_headings(text))
    assert len(sections) == 60_001
    positions = range(0, len(text), 37)
    started = time.perf_counter()
    found = [innermost_section(sections, position) for position in positions]
    # A bound 100x the usual 0.1 s, so a busy machine cannot fail it; the scan took minutes.
    assert time.perf_counter() - started < 10
    assert {s.level for s in found} == {0, 1, 2}
    for index in range(0, len(found), 997):
        assert found[index] is _innermost_by_scan(sections, positions[index])


def test_an_ascii_full_stop_after_a_han_character_ends_a_sentence() -> None:
    text = "户籍人口41.89万人.2012年全区实现生产总值339.94亿元. 全区现有幼儿园158所,见汇报.doc_第1页"
    ends = [match.start() for match in SENTENCE_END.finditer(text)]
    assert [text[end - 1 : end + 1] for end in ends] == ["人.", "元."]
