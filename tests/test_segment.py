from __future__ import annotations

import pytest

from edufacts.segment import build_sections, find_headings, find_tables, innermost_section

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
