from __future__ import annotations

import time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edufacts.stages.numbers import (
    _normalize_decimal,
    find_mentions,
    parse_chinese_numeral,
    span_values,
    written_number,
)

# (text, raw of the first quantity, value, unit, approx)
QUANTITIES = [
    ("教育投入总计18.26亿元", "18.26亿元", "182600", "万元", False),
    ("资金4200余万元", "4200余万元", "4200", "万元", True),
    ("投入1,234万元", "1,234万元", "1234", "万元", False),
    ("覆盖率96.34%", "96.34%", "96.34", "%", False),
    ("备课率为 90.24 %", "90.24 %", "90.24", "%", False),
    ("提高3.8个百分点", "3.8个百分点", "3.8", "个百分点", False),
    ("达到百分之九十五", "百分之九十五", "95", "%", False),
    ("约三分之一的学校", "约三分之一", "33.33", "%", True),
    ("在园幼儿2.76万人", "2.76万人", "27600", "人", False),
    ("招聘教师120名", "120名", "120", "人", False),
    ("新增建筑面积23.8万㎡", "23.8万㎡", "238000", "㎡", False),
    ("占地16000平方米", "16000平方米", "16000", "㎡", False),
    ("建成两所幼儿园", "两所", "2", "所", False),
    ("十余所学校", "十余所", "10", "所", True),
    ("覆盖500余人次", "500余人次", "500", "人次", True),
    ("组织集中学习4千余人次", "4千余人次", "4000", "人次", True),
    ("投入3千万元", "3千万元", "3000", "万元", False),
    ("毛入园率达98%以上", "98%以上", "98", "%", True),
    ("近20个文件", "近20个", "20", "个", True),
    ("办学规模36个班", "36个班", "36", "班", False),
    # the noun 班级 counted by 个: the measure word is the unit
    ("每人联系1个班级", "1个", "1", "个", False),
    ("改扩建校舍20884平米", "20884平米", "20884", "㎡", False),
    ("差异系数0.263", "0.263", "0.263", "", False),
    ("确保9万学生入学", "9万", "90000", "人", False),
    ("超过3000人", "超过3000人", "3000", "人", True),
    # Print layouts group thousands with a (thin, no-break) space.
    ("连续三年推进创优项目", "三年", "3", "年", False),
    ("提前2年完成建设目标", "2年", "2", "年", False),
    ("提前一年完成改薄任务", "一年", "1", "年", False),
    ("实行教师资格5年定期注册", "5年", "5", "年", False),
    ("扩建幼儿园项目1 122个", "1 122个", "1122", "个", False),
    ("在2\u2009083所农村小学", "2\u2009083所", "2083", "所", False),
    ("投入资金12\xa0345.6万元", "12\xa0345.6万元", "12345.6", "万元", False),
    # Scales above 亿: the number is the whole of it, never a bare 亿元.
    ("投入总量为4.26万亿元", "4.26万亿元", "426000000", "万元", False),
    ("首次突破1千亿元", "1千亿元", "10000000", "万元", False),
    ("累计投入27.82万亿元", "27.82万亿元", "2782000000", "万元", False),
]


@pytest.mark.parametrize(("text", "raw", "value", "unit", "approx"), QUANTITIES)
def test_quantities(text: str, raw: str, value: str, unit: str, approx: bool) -> None:
    quantities = [m for m in find_mentions(text) if m.is_quantity]
    assert quantities, text
    mention = quantities[0]
    assert (mention.raw, mention.value, mention.unit, mention.approx) == (raw, Decimal(value), unit, approx)
    assert text[mention.start : mention.end] == mention.raw


# Numbers that are context, never facts.
CONTEXT = [
    ("2022年以来", "2022", "year"),
    ("二〇三五年远景目标", "二〇三五年", "year"),
    ("日期:2023-11-01", "2023", "date"),
    ("更新时间:2024/08/29 16:16:38", "2024", "date"),
    ("(津教督导室〔202412号)", "202412", "doc_number"),
    ("巴南府发〔2021〕20号", "2021", "doc_number"),
    ("巴南府发〔2021〕20号", "20", "doc_number"),
    ("排名全省第13位", "13位", "ordinal"),
    ("居于全省35名", "35名", "ordinal"),
    ("第十二条相关要求", "十二条", "ordinal"),
    ("电话023-68861234", "023", "phone"),
    ("联系13912345678", "13912345678", "phone"),
    ("分别为:19142408435845214427。", "19142408435845214427", "run_together"),
    ("天津市静海区人民政府\n\n2024829", "2024829", "date"),
    ("“6个100%”明显成效", "6个", "name"),
    ("《中国教育现代化2035》", "2035", "year"),
    ("2016-2020年,全区", "2016", "year"),
    ("\n1.研究解决重大教育问题", "1", "section"),
    ("建设5G网络", "5", "code"),
    # Years that are not a measured duration: grades, names, time frames.
    ("做好一年级、七年级新教材使用", "一年", "ordinal"),
    ("全区1-4年级学生", "4年", "ordinal"),
    ("学前三年毛入园率", "三年", "name"),
    ("九年义务教育巩固率", "九年", "name"),
    ("全面实施15年免费教育", "15年", "name"),
    ("攻坚三年行动,推动隐患整改", "三年", "name"),
    ("实施了三年教育强区计划", "三年", "name"),
    ("百年未有之大变局", "百年", "name"),
    ("围绕8个方面评价重点开展自查", "8个", "framework"),
    ("对照56项评价要点逐项自评", "56项", "framework"),
    ("包括保教质量三个方面。", "三个", "framework"),
    ("16个市中,甲市增长最快", "16个", "framework"),
    ("共3个A级指标,18 个B级指标自评", "18 个", "framework"),
    ("政府保障中 24 项C级指标得分 54.8 分", "24 项", "framework"),
    ("其中,测评点12教师数量扣0.1分", "12", "ordinal"),
    ("努力办好每一类教育,每一所学校", "一所", "name"),
    ("区七届人大五次会议开幕", "五次", "ordinal"),
    ("学习县委六届三次、四次全会精神", "六届", "ordinal"),
    ("学习县委六届三次、四次全会精神", "三次", "ordinal"),
    ("学习县委六届三次、四次全会精神", "四次", "ordinal"),
    ("2019、2020两年,共投入资金", "两年", "period"),
    ("45岁以下的专任教师占66.5%", "45岁", "age_group"),
    ("全县3-5岁幼儿1.2万人", "5岁", "age_group"),
    ("计划三年内撤并整合", "三年", "period"),
    ("近五年累计投入", "近五年", "period"),
    ("十多年来还只有2所", "十多年", "period"),
    ("五年的成绩来之不易", "五年", "period"),
    ("过去的一年,全县社会事业加快发展", "一年", "period"),
    ("今年是深化综合改革的重要一年", "一年", "period"),
    ("“十四五”规划(20212025年)", "20212025年", "year"),
    ("增强四个意识、坚定四个自信", "四个", "name"),
    ("严格执行中央八项规定精神", "八项", "name"),
    ("落实作业、睡眠等五项管理", "五项", "name"),
    ("党的十九届二中全会精神", "十九届", "ordinal"),
    ("经县十五届人民政府常务会议审议", "十五届", "ordinal"),
    # slogans, projects and essays named or numbered, not counted
    ("实现安全建设三个100%目标", "三个", "name"),
    ("实现安全建设三个100%目标", "100%", "name"),
    ("职教中心二期扩建工程开工", "二期", "ordinal"),
    ("某县自评报告-12篇(第3/9页)", "12篇", "name"),
    ("督导评估自查报告(精选5篇)", "5篇", "name"),
    ("九年巩固率达到97%", "九年", "name"),
    ("开局五年,全县", "五年", "period"),
    ("第一幼儿园三分园扩建完成", "三分", "ordinal"),
    ("实验小学12分校", "12分", "ordinal"),
]


def test_scores_and_counts_next_to_the_named_patterns_stay_quantities() -> None:
    text = "自评得分95.5分;举办培训班三期;发表论文12篇;全县共有中小学九十个,100%达标。"
    quantities = [m.raw for m in find_mentions(text) if m.is_quantity]
    assert quantities == ["95.5分", "三期", "12篇", "九十个", "100%"]


@pytest.mark.parametrize(("text", "raw", "kind"), CONTEXT)
def test_context_numbers_are_not_quantities(text: str, raw: str, kind: str) -> None:
    mentions = [m for m in find_mentions(text) if m.raw.startswith(raw) or m.raw == raw]
    assert mentions, [m.raw for m in find_mentions(text)]
    assert mentions[0].kind == kind
    assert not mentions[0].is_quantity


def test_a_count_of_places_is_a_quantity_unless_a_ranking_is_over_them() -> None:
    (mention,) = [m for m in find_mentions("全省有16个市通过验收。") if m.raw == "16个"]
    assert mention.is_quantity


def test_run_together_digits_are_flagged_never_valued() -> None:
    (mention,) = [
        m for m in find_mentions("新增人数分别为:19142408435845214427。") if m.kind == "run_together"
    ]
    assert mention.value is None and "run_together" in mention.flags


def test_idioms_with_chinese_numerals_are_not_mentions() -> None:
    text = "一是坚持“十四五”规划,三位一体,一批学校,一个目标"
    assert [m for m in find_mentions(text) if m.is_quantity] == []
    words = "矛盾十分突出,获评唯一天津市示范校,启动新一轮建设,同上一节思政课,一人一专班,在校学生数(万人)"
    assert find_mentions(words) == []
    counts = [m.raw for m in find_mentions("新建一所幼儿园,千余名教师参训") if m.is_quantity]
    assert counts == ["一所", "千余名"]


def test_space_grouping_never_joins_table_cells_or_bare_numbers() -> None:
    """Only a group followed by its unit or scale is one number; cells stay apart."""
    cells = [m.raw for m in find_mentions("小学 123 456\n初中 12 345 678\n")]
    assert cells == ["123", "456", "12", "345", "678"]
    assert [m.raw for m in find_mentions("编号 1 234 号")] == ["1", "234"]


def test_a_minus_only_on_a_number_standing_alone() -> None:
    (change,) = [m for m in find_mentions("1.32\n\n-0.05\n\n中等职业教育") if m.raw.startswith("-")]
    assert change.value == Decimal("-0.05") and written_number(change.raw) == Decimal("-0.05")
    assert [m.value for m in find_mentions("新建3-5所,全区-3所学校") if m.is_quantity] == [3, 5, 3]


def test_the_base_of_a_rate_is_not_a_count() -> None:
    text = "每千人口托位数4.05个,每万名学生配备心理教师3名,千余名教师参训"
    quantities = [m.raw for m in find_mentions(text) if m.is_quantity]
    assert "千人" not in quantities and "万名" not in quantities
    assert quantities == ["4.05个", "3名", "千余名"]
    # a lone 百/千/万 with no approx word is a base (毎 is a variant of 每), or a name
    text = "毎百名学生拥有教师5.9人,万人一本上线率居第一,一本上线人数1200人,近千次报道"
    quantities = [m.raw for m in find_mentions(text) if m.is_quantity]
    assert quantities == ["5.9人", "1200人", "近千次"]


def test_a_blank_between_a_number_and_its_scale() -> None:
    (total,) = [m for m in find_mentions("教育总投入 260523.16 万元,比上年增长") if m.is_quantity]
    assert (total.raw, total.value, total.unit) == ("260523.16 万元", Decimal("260523.16"), "万元")


def test_range_endpoints_share_the_unit() -> None:
    low, high = [m for m in find_mentions("新建3-5所学校") if m.is_quantity]
    assert (low.value, low.unit, high.value, high.unit) == (Decimal(3), "所", Decimal(5), "所")
    assert "range" in low.flags and "range" in high.flags


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("十四", 14), ("两", 2), ("二〇三五", 2035), ("一千二百万", 12_000_000), ("十", 10)],
)
def test_chinese_numerals(numeral: str, value: int) -> None:
    assert parse_chinese_numeral(numeral) == value


@given(
    st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999"), places=2, allow_nan=False),
    st.sampled_from(["所", "人", "个", "元", "%", "人次", "万元"]),
)
def test_any_written_quantity_round_trips(value: Decimal, unit: str) -> None:
    written = format(value.normalize(), "f")
    text = f"全区共有{written}{unit},其中"
    quantities = [m for m in find_mentions(text) if m.is_quantity]
    assert len(quantities) == 1
    mention = quantities[0]
    assert text[mention.start : mention.end] == f"{written}{unit}"
    assert mention.value == Decimal(written)
    assert written_number(mention.raw) == Decimal(written)


@given(st.text(max_size=300))
def test_parser_never_crashes_and_spans_hold(text: str) -> None:
    for mention in find_mentions(text):
        assert text[mention.start : mention.end] == mention.raw
        assert 0 <= mention.start < mention.end <= len(text)


# --- regressions from fuzzing (issue 6) ----------------------------------------


def test_long_chinese_numeral_run_is_linear_and_listed_as_run_together() -> None:
    # The pattern backtracked through the run from each of its characters:
    # 18,000 characters of 一二三...九 took 75 s.
    run = "一二三四五六七八九" * 2_000
    text = f"共{run}所,另有学校5所"
    started = time.perf_counter()
    mentions = find_mentions(text)
    assert time.perf_counter() - started < 20  # generous: the backtracking took 75 s
    first, second = mentions
    assert (first.start, first.end, first.kind, first.value) == (1, 1 + len(run), "run_together", None)
    assert first.raw == run and "run_together" in first.flags
    assert (second.raw, second.value, second.unit) == ("5所", Decimal(5), "所")


def test_short_numeral_runs_are_unchanged_by_the_run_guard() -> None:
    # 32 characters is the guard's limit: below it the pattern sees the text as is.
    (mention,) = [m for m in find_mentions("建成" + "十" * 3 + "所学校") if m.kind != "run_together"]
    assert mention.raw == "十十十所"
    assert [m.kind for m in find_mentions("一" * 33 + "所")] == ["run_together"]


@pytest.mark.parametrize(
    "text",
    ["一" * 40 + "所", "九" * 29 + "所", "百分之" + "1" * 30, "百分之" + "一" * 30, "一" * 16 + "个"],
    ids=["40-numerals", "29-numerals", "percent-30-digits", "percent-30-numerals", "16-numerals"],
)
def test_numerals_longer_than_decimal_precision_do_not_crash(text: str) -> None:
    # quantize() raised InvalidOperation past 28 digits, outside the parser's try.
    (mention,) = find_mentions(text)
    assert (mention.kind, mention.value) == ("run_together", None)
    assert text[mention.start : mention.end] == mention.raw


def test_huge_integers_are_kept_exact() -> None:
    assert _normalize_decimal(Decimal("1" * 40)) == Decimal("1" * 40)
    assert str(_normalize_decimal(Decimal("1E+30"))) == "1" + "0" * 30
    assert str(_normalize_decimal(Decimal("100"))) == "100"


# Number forms a hostile reading found wrong (issue: nothing lost, nothing wrong).
PARSER_CASES = [
    # text, expected (raw, value, unit, kind, approx, flags) of the mentions
    ("达到百分之九十五点五。", [("百分之九十五点五", "95.5", "%", "quantity", False, ())]),
    ("学生占总人口近1/4。", [("近1/4", "25", "%", "quantity", True, ("fraction",))]),
    ("约2/3在农村。", [("约2/3", "66.67", "%", "quantity", True, ("fraction",))]),
    ("比例为3/2。", [("3/2", None, "", "code", False, ())]),
    (
        "于2024/1/4召开",
        [
            ("2024", "2024", "", "date", False, ()),
            ("1", "1", "", "date", False, ()),
            ("4", "4", "", "date", False, ()),
        ],
    ),
    ("师生比1:15,", [("1:15", "15", "比", "quantity", False, ("ratio",))]),
    ("师生比1∶15,", [("1∶15", "15", "比", "quantity", False, ("ratio",))]),
    ("生师比为13.61:1。", [("13.61:1", "13.61", "比", "quantity", False, ("ratio",))]),
    ("班额≤1:15", [("≤1:15", "15", "比", "quantity", True, ("ratio",))]),
    ("增长-0.3%,", [("-0.3%", "-0.3", "%", "quantity", False, ("increase",))]),
    ("变化为−5%,", [("−5%", "-5", "%", "quantity", False, ())]),
    ("比上年下降0.3%,", [("0.3%", "0.3", "%", "quantity", False, ("decrease",))]),
    ("数十名教师", [("数十名", None, "", "vague", True, ())]),
    ("生均12000元/年", [("12000元/年", "12000", "元", "quantity", False, ())]),
    (
        "占15%—20%。",
        [
            ("15%", "15", "%", "quantity", False, ("range",)),
            ("20%", "20", "%", "quantity", False, ("range",)),
        ],
    ),
    (
        "每班5～8人。",
        [("5", "5", "人", "quantity", False, ("range",)), ("8人", "8", "人", "quantity", False, ("range",))],
    ),
    ("力争翻一番", [("翻一番", "2", "倍", "quantity", False, ())]),
    ("近3成", [("近3成", "30", "%", "quantity", True, ())]),
    ("一成不变", []),
]


@pytest.mark.parametrize(("text", "expected"), PARSER_CASES, ids=[case[0] for case in PARSER_CASES])
def test_number_forms(text: str, expected: list[tuple[object, ...]]) -> None:
    found = [
        (m.raw, None if m.value is None else str(m.value), m.unit, m.kind, m.approx, m.flags)
        for m in find_mentions(text)
        if m.kind not in ("year",)
    ]
    assert found == expected


@pytest.mark.parametrize(
    ("text", "raw", "not_signed"),
    [("2021年-2025年", "2025年", True), ("3-5所", "5所", True), ("1.32\n\n-0.05\n", "-0.05", False)],
)
def test_a_dash_between_two_numbers_is_no_sign(text: str, raw: str, not_signed: bool) -> None:
    (mention,) = [m for m in find_mentions(text) if m.raw.endswith(raw.lstrip("-"))]
    assert (mention.raw == raw) and ((mention.value or 0) >= 0) is not_signed


def test_a_count_of_a_standards_indicators_is_a_framework_count() -> None:
    text = "对照办学条件基本标准13项核心指标中:13项指标全部达标,学校13所。"
    kinds = [mention.kind for mention in find_mentions(text)]
    assert kinds[:2] == ["framework", "framework"]
    assert kinds[-1] == "quantity"


def test_a_party_congress_ordinal_is_no_quantity() -> None:
    mentions = find_mentions("贯彻党的十九届历次全会精神,新建学校3所。")
    kinds = {mention.raw: mention.kind for mention in mentions}
    assert kinds["十九届"] == "ordinal" and kinds["3所"] == "quantity"


def test_a_span_states_its_value_in_the_units_its_writing_allows() -> None:
    assert (Decimal("15011800"), "万元") in span_values("1501.18亿")
    assert (Decimal("1.2"), "万元") in span_values("12000元")
    assert all(unit != "万元" for _, unit in span_values("3.5万人"))
    # a table cell with its thousands grouped by a blank is one number
    assert (Decimal("1202491"), None) in span_values("1 202 491")
    # a bandwidth in M (兆) is the catalog's GB, exactly a thousandth
    assert span_values("200M以上") == [(Decimal("0.2"), "GB")]
    assert all(value != Decimal("1202491") for value, _ in span_values("1 202 4910"))


def test_a_blank_or_two_before_the_scale_or_unit() -> None:
    (money, growth) = [
        m for m in find_mentions("全市教育支出175.33  亿元,   增长55.67  %。") if m.is_quantity
    ]
    assert (money.value, money.unit) == (Decimal("1753300"), "万元")
    assert (growth.value, growth.unit) == (Decimal("55.67"), "%")


def test_a_decimal_of_eight_characters_before_year_is_no_crash() -> None:
    # found by the fuzz test: 0.002023年 was read as two run-together years
    assert [m.raw for m in find_mentions("0.002023年")]
