from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from edufacts.load import load_bytes
from edufacts.pipeline import extract_document
from edufacts.settings import Settings


def extract(text: str):  # type: ignore[no-untyped-def]
    return extract_document(load_bytes(text.encode(), Path("doc.txt")), Settings())


# (sentence, raw, indicator, value, unit, scope, year)
CASES = [
    ("2022年,我区教育投入总计18.26亿元。", "18.26亿元", "education_investment", "182600", "万元", None, 2022),
    ("全区学前三年毛入园率达到98.5%。", "98.5%", "preschool_gross_enrollment_rate", "98.5", "%", None, None),
    ("九年义务教育巩固率为99.8%。", "99.8%", "compulsory_retention_rate", "99.8", "%", None, None),
    (
        "义务教育生均公用经费小学650元,初中850元。",
        "850元",
        "per_student_public_funding",
        "850",
        "元",
        "初中",
        None,
    ),
    ("全区共有公办幼儿园23所。", "23所", "kindergarten_count", "23", "所", "公办", None),
    ("2023年新增学位1260个。", "1260个", "new_school_places", "1260", "个", None, 2023),
    ("普惠性幼儿园覆盖率86.2%。", "86.2%", "preschool_inclusive_rate", "86.2", "%", None, None),
    ("召开区政府常务会15次。", "15次", None, "15", "次", None, None),
]


@pytest.mark.parametrize(("sentence", "raw", "indicator", "value", "unit", "scope", "year"), CASES)
def test_rules_assign_indicator_scope_year(
    sentence: str, raw: str, indicator: str | None, value: str, unit: str, scope: str | None, year: int | None
) -> None:
    result = extract(sentence)
    (fact,) = [fact for fact in result.facts if fact.raw == raw]
    assert (fact.indicator, fact.value, fact.unit, fact.scope, fact.year) == (
        indicator,
        Decimal(value),
        unit,
        scope,
        year,
    )
    assert sentence[fact.start : fact.end] == raw


def test_per_student_money_is_not_a_total() -> None:
    (fact,) = extract("下达公用经费5000万元。").facts
    assert fact.indicator != "per_student_public_funding"


def test_boilerplate_and_out_of_scope_numbers_are_unclaimed() -> None:
    result = extract("扫一扫在手机打开当前页 3所\n全区地区生产总值增长6.5%。\n")
    assert result.facts == []
    reasons = {item.raw: item.reason for item in result.unclaimed}
    assert reasons == {"3所": "boilerplate", "6.5%": "out_of_scope"}


def test_every_number_is_a_fact_or_unclaimed() -> None:
    text = "2022年,全区共有幼儿园74所,其中公办23所。电话023-6886123。分别为:19142408435845214427。"
    result = extract(text)
    spans = sorted([(f.start, f.end) for f in result.facts] + [(u.start, u.end) for u in result.unclaimed])
    assert [text[a:b] for a, b in spans] == [
        "2022年",
        "74所",
        "23所",
        "023",
        "6886123",
        "19142408435845214427",
    ]
    assert {u.raw: u.reason for u in result.unclaimed}["19142408435845214427"] == "run_together"
