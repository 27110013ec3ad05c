from __future__ import annotations

from pathlib import Path

from edufacts.pipeline import extract_document
from edufacts.readers.load import load_bytes
from edufacts.settings import Settings

from .conftest import DOCS


def extract_text(text: str):  # type: ignore[no-untyped-def]
    return extract_document(load_bytes(text.encode(), Path("doc.txt")), Settings())


def test_parts_that_do_not_sum_become_a_finding() -> None:
    text = (
        "全区共有幼儿园74所。其中公办23所,民转公14所,民办普惠23所,民办普通14所;"
        "在园幼儿7772人,其中,公办园1519人,转公办3082人,民办3173人(含普惠2098人),公办园在园幼儿占比59.3%。"
    )
    result = extract_text(text)
    (finding,) = result.findings
    assert finding.kind == "parts_do_not_sum"
    assert "7772人" in finding.detail and "7774" in finding.detail
    ids = {fact.id: fact.raw for fact in result.facts}
    assert [ids[i] for i in finding.fact_ids] == ["7772人", "1519人", "3082人", "3173人"]


def test_corpus_file_001_findings() -> None:
    document = load_bytes((DOCS / "001_b7973b9fc120f96f.txt").read_bytes(), Path("001_b7973b9fc120f96f.txt"))
    result = extract_document(document, Settings())
    details = [finding.detail for finding in result.findings]
    assert any("7772人" in detail for detail in details)
    assert not any(detail.startswith("74所") for detail in details)


def test_share_over_100_fails_its_check_and_needs_review() -> None:
    (fact,) = extract_text("普惠性幼儿园覆盖率达到120%。").facts
    check = {c.name: c.ok for c in fact.checks}
    assert check["share_at_most_100"] is False
    assert fact.needs_review


def test_growth_may_exceed_100_percent() -> None:
    (fact,) = extract_text("教育支出增长120%。").facts
    assert {c.name: c.ok for c in fact.checks}["share_at_most_100"] is True


def test_value_is_rederived_from_the_span() -> None:
    for fact in extract_text("教育投入总计18.26亿元,新增学位1,260个。").facts:
        assert {c.name: c.ok for c in fact.checks}["value_from_span"] is True


def test_a_list_that_sums_before_the_sentence_goes_on_holds() -> None:
    text = "校外培训机构压减到30家,其中学科类3家,文化艺术类25家,科技类1家,体育类1家,注销办学许可机构9家。"
    assert extract_text(text).findings == []
