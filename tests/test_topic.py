"""Topic scope: in a mixed-topic document only the numbers about education are
facts; health, civil-affairs, economy and party-building numbers go to
`unclaimed` as out_of_scope. Made-up sentences in the shape of the genre."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from edufacts.pipeline import extract_document
from edufacts.readers.load import load_bytes
from edufacts.settings import Settings

MIXED = (
    "一、经济运行\n"
    "全年地区生产总值完成312.5亿元,增长6.1%。\n"
    "二、社会事业\n"
    "(一)教育事业。全县共有各级各类学校126所,在校学生5.2万人,专任教师3860人。"
    "新建幼儿园4所,新增学位1800个。\n"
    "(二)卫生健康。全县有医疗卫生机构210个,床位2450张,卫生技术人员1980人。\n"
    "(三)党的建设。全年发展党员320名,新建党支部15个。\n"
    "(四)民政。发放低保资金3200万元,救助困难群众4100人次。\n"
)


def facts_and_out_of_scope(text: str) -> tuple[set[str], set[str]]:
    document = load_bytes(text.encode("utf-8"), Path("mixed.txt"))
    result = extract_document(document, Settings())
    out = {item.raw for item in result.unclaimed if item.reason == "out_of_scope"}
    return {fact.raw for fact in result.facts}, out


def test_a_mixed_document_keeps_only_its_education_numbers() -> None:
    facts, out = facts_and_out_of_scope(MIXED)
    assert facts == {"126所", "5.2万人", "3860人", "4所", "1800个"}
    assert {"312.5亿元", "6.1%", "210个", "2450张", "1980人", "320名", "15个", "3200万元", "4100人次"} <= out


@pytest.mark.parametrize(
    ("sentence", "raw", "is_fact"),
    [
        ("全县中小学校设立党组织120个。", "120个", True),  # party organisations in schools: education work
        ("全年发展党员320名。", "320名", False),
        ("投入资金2000万元,新增学校体育场开放300所。", "300所", False),  # the counted noun is 体育场
        ("财政性教育经费占国内生产总值比例超过4%。", "超过4%", True),  # 占 names the base, not the subject
        ("卫生院新增床位120张,学校新增学位900个。", "120张", False),
        # public finance, research bodies and science funding are not education
        ("地方财政一般预算支出23000万元,增长8.5%。", "23000万元", False),
        ("全县有农业研究院和其它科研机构12所。", "12所", False),
        ("当年获得国家无偿资助资金65万元。", "65万元", False),
        # an education demonstration zone is education; a list of 民生实事 is not
        ("“互联网+教育”示范区建设项目86%已挂网招标。", "86%", True),
        ("10个方面的28项民生实事中,3项已完成全年任务。", "28项", False),
        ("完成5项教育民生实事。", "5项", True),
    ],
)
def test_the_counted_noun_and_the_nearest_cue_decide(sentence: str, raw: str, is_fact: bool) -> None:
    text = (
        "一、经济运行\n全年地区生产总值增长6.1%,工业增加值增长5%,旅游收入12亿元。\n二、其他\n"
        + sentence
        + "\n"
    )
    facts, _ = facts_and_out_of_scope(text)
    assert (raw in facts) is is_fact


def test_an_education_report_keeps_sentences_that_also_name_health() -> None:
    text = (
        "一、基本情况\n全区共有中小学58所,在校学生4.1万人。学生体质健康达标率达到95.2%。\n"
        "二、存在问题\n教师编制缺口120个。\n"
    )
    facts, out = facts_and_out_of_scope(text)
    assert {"58所", "4.1万人", "95.2%", "120个"} <= facts and not out


def test_an_education_report_sets_aside_a_count_of_another_fields_noun() -> None:
    # the title runs into the district's profile, so the sentence names 义务教育
    text = (
        "义务教育均衡创建汇报某区是某市的城区之一,总面积120.5平方公里,辖3个省级开发区,学校操场面积2.1万平方米。"
        "全区现有学校30所,在校生2万人,确保学生校内、校外各1小时体育活动。\n"
    )
    facts, out = facts_and_out_of_scope(text)
    assert {"120.5平方公里", "3个"} <= out
    assert {"2.1万平方米", "30所", "2万人", "1小时"} <= facts
    profile = "全区教育均衡创建汇报。某区是城区之一,共辖12个街道,户籍人口41.2万人。全区现有学校30所。\n"
    facts, out = facts_and_out_of_scope(profile)
    assert {"12个", "41.2万人"} <= out and "30所" in facts


def test_a_development_zone_named_as_a_place_is_no_other_field() -> None:
    text = (
        "一、基本情况\n全区共有中小学58所,在校学生4.1万人。\n"
        "各县(市、区)中,某市经济技术开发区增长最快(增幅为83.02%)。某县新建省级开发区2个。\n"
    )
    facts, out = facts_and_out_of_scope(text)
    assert "83.02%" in facts and "2个" in out


def test_a_schools_income_is_no_household_income() -> None:
    text = (
        "一、全县教育经费情况\n全县教育经费总收入21.27亿元。\n"
        "(二)事业收入1.75亿元,比上年1.52亿元增加0.23亿元。\n"
    )
    facts, out = facts_and_out_of_scope(text)
    assert {"21.27亿元", "1.75亿元", "1.52亿元"} <= facts and not out


def test_money_put_in_is_judged_by_what_it_is_for() -> None:
    text = MIXED + "(五)民生实事。投资2亿元,加强农村中小学操场建设。投入800万元,改造城区养老院。\n"
    facts, out = facts_and_out_of_scope(text)
    assert "2亿元" in facts and "800万元" in out


def test_a_per_student_amount_never_takes_a_totals_indicator() -> None:
    text = "一、教育经费\n全区一般公共预算教育支出生均20885.77元,教育支出总额5.2亿元。\n"
    result = extract_document(load_bytes(text.encode("utf-8"), Path("money.txt")), Settings())
    by_raw = {fact.raw: fact for fact in result.facts}
    per_student = by_raw["20885.77元"]
    assert (per_student.value, per_student.unit) == (Decimal("20885.77"), "元")
    assert per_student.indicator != "education_expenditure"
    assert (by_raw["5.2亿元"].value, by_raw["5.2亿元"].unit) == (Decimal("52000"), "万元")


def test_a_document_mostly_set_aside_says_so(tmp_path: Path) -> None:
    result = extract_document(load_bytes(MIXED.encode("utf-8"), Path("mixed.txt")), Settings())
    (finding,) = [f for f in result.findings if f.kind == "mostly_set_aside"]
    assert finding.detail.startswith("9 of 14 numbers with a unit were set aside")
    source = tmp_path / "mixed.txt"
    source.write_text(MIXED, encoding="utf-8")
    command = [sys.executable, "-m", "edufacts.cli", "extract", str(source), "--out", str(tmp_path / "out")]
    run = subprocess.run([*command, "--backend", "rules"], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0
    assert "warning: mixed: 9 of 14 numbers with a unit were set aside" in " ".join(run.stderr.split())


def test_an_education_report_has_no_such_finding() -> None:
    text = "一、基本情况\n全区共有中小学58所,在校学生4.1万人,专任教师3200人,新增学位900个,投入2.1亿元。\n"
    result = extract_document(load_bytes(text.encode("utf-8"), Path("edu.txt")), Settings())
    assert not [f for f in result.findings if f.kind == "mostly_set_aside"]


def test_in_an_education_report_a_sentence_naming_no_topic_goes_on_with_the_field_before() -> None:
    text = (
        "一、基本情况\n全区共有中小学58所,在校学生4.1万人,专任教师3200人,新建幼儿园3所。\n"
        "民生支出120.5亿元,占一般公共预算支出的80%。城镇新增就业3.2万人。开展职业技能培训1.5万人次。\n"
        "共有幼儿园74所。其中公办园23所。\n"
    )
    facts, out = facts_and_out_of_scope(text)
    assert {"120.5亿元", "80%", "3.2万人", "1.5万人次"} <= out
    # a sentence with no topic word after an education one stays a fact
    assert {"58所", "4.1万人", "3200人", "3所", "74所", "23所"} <= facts


def test_a_heading_of_several_fields_decides_for_none_and_having_is_no_share() -> None:
    text = (
        "一、经济运行\n"
        "全年地区生产总值完成312.5亿元,增长6.1%。\n"
        "二、教育、文化和卫生\n"
        "全县共有各级各类学校126所,在校学生5.2万人。"
        "全县有医疗卫生单位30个。下设事业单位4个。每千人占有卫生技术人员2.15人。\n"
    )
    facts, out = facts_and_out_of_scope(text)
    assert facts == {"126所", "5.2万人"}
    # a sentence naming no topic is not made education by `二、教育、文化和卫生`,
    # and 占有 (has) keeps 卫生 the subject, as 占 (a share of) would not
    assert {"30个", "4个", "2.15人"} <= out
