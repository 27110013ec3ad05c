"""Flattened tables as crawlers leave them: one cell per line, the unit only in
the column header or glued to the values. Made-up rows in the shapes of the genre."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from edufacts.pipeline import DocumentOutcome, extract_document
from edufacts.readers.load import load_bytes
from edufacts.settings import Settings

UNIT_IN_HEADER = """一、基本情况
表1 各级学校基本情况
学段
学校数(所)
在校生(万人)
专任教师(人)
小学
25
1.2
800
初中
10
0.6
500
普通高中
3
0.45
300
二、存在问题
"""

GLUED = """一、主要目标
表2 主要指标
指标
单位
2020年
2025年
学前三年毛入园率
%95≥97
专任教师数
人12001500
二、保障措施
"""


def extract(text: str) -> tuple[dict[str, tuple[object, ...]], dict[str, str]]:
    result = extract_document(load_bytes(text.encode("utf-8"), Path("table.txt")), Settings())
    facts = {f"{fact.raw}@{fact.start}": (fact.value, fact.unit, fact.label, fact.scope, fact.needs_review)
             for fact in result.facts}  # fmt: skip
    return facts, {item.raw: item.reason for item in result.unclaimed}


@pytest.mark.parametrize(
    ("raw", "value", "unit", "label", "scope"),
    [
        ("25", "25", "所", "小学(学校数)", "小学"),
        ("1.2", "12000", "人", "小学(在校生)", "小学"),
        ("500", "500", "人", "初中(专任教师)", "初中"),
        ("0.45", "4500", "人", "普通高中(在校生)", "高中"),
    ],
)
def test_a_table_with_the_unit_in_its_header(raw: str, value: str, unit: str, label: str, scope: str) -> None:
    facts, _ = extract(UNIT_IN_HEADER)
    assert len(facts) == 9  # one per cell
    start = UNIT_IN_HEADER.index(f"\n{raw}\n") + 1
    assert facts[f"{raw}@{start}"][:4] == (Decimal(value), unit, label, scope)


def test_glued_cells_split_only_at_a_comparison_sign() -> None:
    facts, unclaimed = extract(GLUED)
    by_raw = {key.split("@")[0]: value for key, value in facts.items()}
    assert by_raw["95"][:2] == (Decimal("95"), "%") and by_raw["≥97"][:2] == (Decimal("97"), "%")
    assert by_raw["95"][4] and by_raw["≥97"][4]  # flagged for review
    assert unclaimed["12001500"] == "run_together"  # 1200 and 1500, or 120 and 01500: never a guess
    assert not any(key.startswith(("1200", "1500", "12001500")) for key in facts)


BARRED_GROUPED = """二、指标达标情况
指标 |
小学 |
初中 |
||||
平均值 |
差异系数 |
平均值 |
差异系数 |
|
1.每百名学生拥有骨干教师数 |
1.5 |
0.321 |
2.0 |
0.287 |
2.每百名学生拥有专任教师数 |
6.2 |
0.298 |
7.1 |
0.305 |
三、存在问题
"""


def test_cells_with_column_bars_under_a_two_level_header() -> None:
    facts, unclaimed = extract(BARRED_GROUPED)
    by_raw = {key.split("@")[0]: value for key, value in facts.items()}
    assert len(by_raw) == 8 and not any(reason == "no_unit" for reason in unclaimed.values())
    # the group header gives the level, the leaf column the measure, the row's counted noun the unit
    assert by_raw["1.5"][:4] == (Decimal("1.5"), "人", "每百名学生拥有骨干教师数(小学平均值)", "小学")
    assert by_raw["0.287"][:3] == (Decimal("0.287"), "coef", "每百名学生拥有骨干教师数(初中差异系数)")
    assert by_raw["7.1"][:2] == (Decimal("7.1"), "人")


def test_a_grouped_header_whose_columns_do_not_divide_evenly_names_no_column() -> None:
    uneven = BARRED_GROUPED.replace("平均值 |\n差异系数 |\n|\n", "平均值 |\n|\n", 1)
    facts, _ = extract(uneven)
    assert not any("小学平均值" in str(value[2]) for value in facts.values())


TITLED_TARGETS = """某县教育规划
  发展基础目标对照表

  学前教育

  学前三年毛入园率(%)

  81%

  90%

  93.5%

  预期性

  高中阶段教育

  高中阶段教育毛

  入学率(%)

  91

  95

  96

  约束性
"""


def test_a_tables_title_is_no_column_and_a_label_broken_over_two_cells_is_joined() -> None:
    facts, _ = extract(TITLED_TARGETS)
    rows = {key.split("@")[0]: value for key, value in facts.items()}
    # each of a row's values is one cell of that row (not sub-rows of a column named by the title)
    assert rows["90%"][:3] == (Decimal("90"), "%", "学前三年毛入园率")
    assert rows["95"][:3] == (Decimal("95"), "%", "高中阶段教育毛入学率")
    assert len(rows) == 6


PIPE_ROWS = """十、教育
2022年末,全县共有各类学校120所。
表5 全县各类学校基本情况
学校类别 | 学校数(所) | 在校学生数(人) |
教职工数(人) | |
合计 | 其中专任教师 | ||||
总计 | 120 | 41000 | 3100 | 2800 |
幼儿园(含学前) | 60 | 9000 | 700 | 520 |
小学(含教学点) | 45 | 21000 | 1500 | 1400 |
初级中学 | 15 | 11000 | 900 | 880 |
十一、文化和卫生
建成村级文化室81个。
"""


def test_a_row_written_between_bars_on_one_line_gives_a_fact_per_cell() -> None:
    facts, unclaimed = extract(PIPE_ROWS)
    cells = {key.split("@")[0]: value for key, value in facts.items()}
    assert cells["21000"][:3] == (Decimal("21000"), "人", "小学(在校学生数)")
    # 教职工数(人) over 合计 / 其中专任教师: the last column splits, in its unit
    assert cells["880"][:3] == (Decimal("880"), "人", "初级中学(教职工数其中专任教师)")
    assert cells["60"][1] == "所"  # the row's bracket (含学前) is no unit
    # a sentence naming no topic under the culture heading is not education
    assert unclaimed.get("81个") == "out_of_scope"


def test_a_tables_cells_take_the_year_its_section_opens_with() -> None:
    result = extract_document(load_bytes(PIPE_ROWS.encode("utf-8"), Path("t.txt")), Settings())
    assert {fact.year for fact in result.facts if fact.raw in ("21000", "880", "60")} == {2022}


def test_a_kindergarten_row_under_a_students_column_counts_kindergarten_children() -> None:
    result = extract_document(load_bytes(PIPE_ROWS.encode("utf-8"), Path("t.txt")), Settings())
    by_raw = {fact.raw: fact for fact in result.facts}
    assert by_raw["9000"].indicator == "kindergarten_enrollment"
    assert by_raw["21000"].indicator is None


SPACED = """某区教育事业统计表
基本情况(一)

2021年 备 注
校数 教职工总数 校舍建筑面积
(平方米)
图书
(册)
合 计 20 900 150000.5 80000
小学 12 500 90000 50000 含民办2所
初级中学





特殊教育学校 1 30 1200 *
基本情况(二)

2021年 备 注
教育班数 其中:超大班 毕业生数 在校生数
合 计 300
3100 12000
小学 200 5 1300 8000
"""


def test_rows_one_per_line_with_blanks_between_cells_give_a_fact_per_cell() -> None:
    result = extract_document(load_bytes(SPACED.encode("utf-8"), Path("spaced.txt")), Settings())
    facts = {(fact.label, fact.raw): fact for fact in result.facts}
    # the unit in the header's own line, or the noun a column counts
    assert (
        facts[("合计(校舍建筑面积)", "150000.5")].value,
        facts[("合计(校舍建筑面积)", "150000.5")].unit,
    ) == (
        Decimal("150000.5"),
        "㎡",
    )
    assert facts[("小学(教职工总数)", "500")].unit == "人"
    assert facts[("小学(图书)", "50000")].unit == "册"
    assert facts[("特殊教育学校(校数)", "1")].unit == "所"
    assert all(fact.year == 2021 for fact in facts.values() if "(" in fact.label)
    # `合 计 300` / `3100 12000`: the line break is the empty 超大班 cell
    assert facts[("合计(毕业生数)", "3100")].unit == "人"
    assert facts[("小学(其中:超大班)", "5")].unit == "班"
    assert not any(label == "合计(其中:超大班)" for label, _ in facts)


# A page's table with its markup stripped: each cell joined to the next by one blank,
# an empty cell a blank of its own, a cell's text broken onto an indented line, and
# the header's second row (the parts of two columns) on its last line.
GAPPED = (
    "2020年某市各级各类学校基本情况表\n"
    "\n"
    "   学校数(所) 毕业生数 在校生数 毕业班\n"
    "     学生数\n"
    "教职工数 建筑面积\n"
    "     (万平方米)\n"
    "其中:女 其中:专任教师\n"
    "总计 120 30000 150000 70000 25000 12000 9000 310.50\n"
    "其中:市属   800 4000 1900   300 200 12.00\n"
    "一、小学 80 20000 90000 44000 18000 6000 4800 150.25\n"
    "1、城区小学 30 9000 40000 19000   3500 3100  \n"
    "(一)特殊教育 2 100 600 250 90 80 70 3.00\n"
)


def test_a_stripped_tables_gaps_and_second_header_row_give_each_cell_its_column() -> None:
    result = extract_document(load_bytes(GAPPED.encode("utf-8"), Path("gapped.txt")), Settings())
    facts = {(fact.label, fact.raw): fact for fact in result.facts}
    assert facts[("总计(学校数)", "120")].unit == "所"
    # 其中:女 under 在校生数 (the other people columns leave a part larger than its whole)
    assert facts[("总计(在校生数其中:女)", "70000")].unit == "人"
    assert facts[("总计(毕业班学生数)", "25000")].unit == "人"
    assert facts[("总计(教职工数其中:专任教师)", "9000")].unit == "人"
    area = facts[("总计(建筑面积)", "310.50")]
    assert (area.value, area.unit, area.indicator) == (Decimal("3105000"), "㎡", None)  # the area there is
    # a blank of its own is an empty cell, within the row and to its end
    assert facts[("市属(毕业生数)", "800")].unit == "人"
    assert facts[("市属(教职工数)", "300")].unit == "人"
    assert facts[("城区小学(教职工数其中:专任教师)", "3100")].unit == "人"
    assert ("(一)特殊教育(建筑面积)", "3.00") in facts or ("特殊教育(建筑面积)", "3.00") in facts
    # a table titled with one year is that year's
    assert {fact.year for fact in facts.values()} == {2020}


def test_a_second_header_row_whose_parent_the_values_leave_open_between_units_gives_no_cells() -> None:
    # 其中:公办 fits under 学校数 (所) and under 在校生数 (人): which unit its cells are in is open
    text = (
        "某县学校情况表\n\n学校数(所) 在校生数 占地面积\n     (平方米)\n其中:公办\n"
        "总计 50 40 30 3000\n小学 30 20 10 2000\n"
    )
    result = extract_document(load_bytes(text.encode("utf-8"), Path("t.txt")), Settings())
    assert not any("其中:公办" in fact.label for fact in result.facts)
    assert not any(fact.raw == "40" for fact in result.facts)


def test_a_table_left_unread_says_so() -> None:
    # the table above with its parts' parent open, six rows: its bare numbers are no facts
    rows = "".join(f"{name} 50 40 30 3000\n" for name in ("总计", "小学", "初中", "高中", "中职", "特教"))
    text = "某县学校情况表\n\n学校数(所) 在校生数 占地面积\n     (平方米)\n其中:公办\n" + rows
    result = extract_document(load_bytes(text.encode("utf-8"), Path("t.txt")), Settings())
    (finding,) = [f for f in result.findings if f.kind == "mostly_unread"]
    assert finding.detail.startswith("24 of 24 numbers were left unread")
    assert DocumentOutcome.of(Path("t.txt"), result).warning == finding.detail  # the run summary's warning
    read = SPACED.encode("utf-8")
    assert not [
        f
        for f in extract_document(load_bytes(read, Path("s.txt")), Settings()).findings
        if f.kind == "mostly_unread"
    ]


ITEMS_WITH_SERIALS = """某区义务教育均衡发展监测结果
某区资源配置指标监测结果(小学部分) |
||||||
序号 |
项目 |
每百名学生拥有骨干教师数 |
生均教学及辅助用房面积 |
生均体育运动场馆面积 |
生均教学仪器设备值 |
每百名学生拥有网络多媒体教室数 |
综 合 |
L1 |
L2 |
L3 |
L4 |
L5 |
L6 |
||
1 |
全县平均值 |
1.25 |
5.5 |
8.25 |
2100.5 |
3.5 |
|
2 |
差异系数 |
0.31 |
0.42 |
0.29 |
0.35 |
0.27 |
0.33 |
"""


def test_a_numbered_item_table_under_a_row_of_codes_gives_each_column_its_unit() -> None:
    facts, _ = extract(ITEMS_WITH_SERIALS)
    by_raw = {key.split("@")[0]: value for key, value in facts.items()}
    # the row numbers 1 and 2 are no values; the codes L1..L5 name no column
    assert "1" not in by_raw and "2" not in by_raw
    assert len(by_raw) == 11
    assert by_raw["1.25"][:3] == (Decimal("1.25"), "人", "全县平均值(每百名学生拥有骨干教师数)")
    assert by_raw["5.5"][:2] == (Decimal("5.5"), "㎡")
    # 体育 and 场馆 are words of another topic, 生均 makes it a school's figure
    assert by_raw["8.25"][:2] == (Decimal("8.25"), "㎡")
    assert by_raw["2100.5"][:2] == (Decimal("2100.5"), "元")
    assert by_raw["3.5"][:2] == (Decimal("3.5"), "间")
    # a 差异系数 row is in coefficients whatever its column counts
    assert by_raw["0.31"][:3] == (Decimal("0.31"), "coef", "差异系数(每百名学生拥有骨干教师数)")
    assert by_raw["0.33"][:3] == (Decimal("0.33"), "coef", "差异系数(综 合)")


LEVEL_ROWS_UNDER_CODES = """某市义务教育差异系数监测结果
每百名学生拥有骨干教师数 | 生均教学及辅助用房面积 (㎡) | 生均教学仪器设备值 (元) |
每百名学生拥有网络多媒体教室数 | 综合 | ||
L1 | L2 | L3 | L4 | L5 | ||
小学 | 差异系数 | 0.41 | 0.52 | 0.33 | 0.28 | |
初中 | 差异系数 | 0.36 | 0.47 | 0.25 | 0.31 |
"""


def test_rows_naming_their_level_in_a_cell_of_their_own_under_a_row_of_codes() -> None:
    facts, _ = extract(LEVEL_ROWS_UNDER_CODES)
    by_raw = {key.split("@")[0]: value for key, value in facts.items()}
    assert len(by_raw) == 8
    # a 差异系数 row is in coefficients even under a column written in ㎡ or 元
    assert by_raw["0.52"][:2] == (Decimal("0.52"), "coef")
    assert "生均教学及辅助用房面积" in str(by_raw["0.52"][2])
    assert by_raw["0.33"][:2] == (Decimal("0.33"), "coef")
    # the level cell before the row's name gives its scope
    assert by_raw["0.41"][3] == "小学" and by_raw["0.36"][3] == "初中"


def test_decimals_written_without_anything_between_them_are_run_together() -> None:
    facts, unclaimed = extract("小学差异系数0.4120.5230.334,初中差异系数为0.35。\n")
    assert {key.split("@")[0] for key in facts} == {"0.35"}
    assert "run_together" in unclaimed.values()
    assert not any(reason == "run_together" for raw, reason in unclaimed.items() if raw == "0.35")


def test_a_level_cell_before_a_coefficient_row_names_no_overall_coefficient() -> None:
    # `小学 | 差异系数 |` per indicator column: each column's coefficient, not the level's
    # overall one (小学差异系数), though the label joins the two cells with a blank
    text = ITEMS_WITH_SERIALS.replace("2 |\n差异系数 |", "2 |\n小学 |\n差异系数 |", 1)
    result = extract_document(load_bytes(text.encode("utf-8"), Path("table.txt")), Settings())
    coefficients = [fact for fact in result.facts if fact.unit == "coef"]
    assert len(coefficients) == 6
    assert {fact.scope for fact in coefficients} == {"小学"}
    assert {fact.indicator for fact in coefficients} == {None}


def test_a_header_of_many_parts_is_not_placed_one_reading_at_a_time() -> None:
    # 30 people columns and 8 parts: 30**8 placements; an untrusted page must not stall the run
    from edufacts.stages.segment import _place_sub_columns

    columns = [(f"人数{i}", "") for i in range(30)]
    rows: list[list[float | None]] = [[float(100 + i) for i in range(38)]]
    assert _place_sub_columns(columns, ["其中:女"] * 8, rows) is None


UNITS_ON_LINES_OF_THEIR_OWN = """各级学校情况简表
小学
初中
学校数
(所)
在校生
(万人)
学校数
(所)
在校生
(万人)
120
3.5
40
1.8
二、主要做法
"""


def test_a_header_cell_broken_at_its_unit_bracket_still_names_the_column_and_its_unit() -> None:
    """`学校数` / `(所)` on lines of their own and a first row with no label: each
    value takes its own column's unit, not the 万人 of the cell before the values."""
    facts, _ = extract(UNITS_ON_LINES_OF_THEIR_OWN)
    values = {raw.split("@")[0]: fact[:2] for raw, fact in facts.items()}
    assert values == {
        "120": (Decimal(120), "所"),
        "3.5": (Decimal(35000), "人"),
        "40": (Decimal(40), "所"),
        "1.8": (Decimal(18000), "人"),
    }
