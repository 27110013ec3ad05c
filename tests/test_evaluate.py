"""Scoring: hand-made documents with hand-computed figures, and the real gold set."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from edufacts.errors import ContractError
from edufacts.evaluation.gold import locate_facts, read_gold
from edufacts.evaluation.report import render_markdown, report_json
from edufacts.evaluation.score import (
    ERROR_KINDS,
    HEADLINE,
    DocumentScore,
    check_baseline,
    figures_only,
    is_grounded,
    label_f1,
    score_document,
    summarize,
)
from edufacts.models import (
    DocumentInfo,
    DocumentResult,
    Fact,
    GoldFact,
    GoldFile,
    Meta,
    RunInfo,
    TextItem,
    Unclaimed,
)
from edufacts.readers.load import find_document, load_document

ROOT = Path(__file__).resolve().parent.parent

TEXT = (
    "2022年，我区教育投入总计18.26亿元，全区有公办小学12所，"
    "学前三年毛入园率达到96.5%，比上年提高1.2个百分点。\n"
    "存在问题：一是教师编制不足。二是大班额问题仍然存在。\n"
    "下一步工作打算：加快学校建设。\n"
)
DOC_ID = "test_doc"
META = Meta(province="重庆市", district="北碚区", doc_type="self_evaluation", report_year=2022)
GOLD = GoldFile(
    doc_id=DOC_ID,
    meta=META,
    facts=[
        GoldFact(quote="我区教育投入总计18.26亿元", raw="18.26亿元", value=Decimal(182600), unit="万元",
                 indicator="education_investment", year=2022, label="教育投入总计"),
        GoldFact(quote="全区有公办小学12所", raw="12所", value=Decimal(12), unit="所",
                 scope="公办/小学", label="公办小学数"),
        GoldFact(quote="学前三年毛入园率达到96.5%", raw="96.5%", value=Decimal("96.5"), unit="%",
                 indicator="preschool_gross_enrollment_rate", year=2022, label="学前三年毛入园率"),
        GoldFact(quote="比上年提高1.2个百分点", raw="1.2个百分点", value=Decimal("1.2"), unit="个百分点",
                 label="毛入园率提高"),
    ],
    problems=["一是教师编制不足。", "二是大班额问题仍然存在。"],
    measures=["加快学校建设。"],
)  # fmt: skip


def fact(
    raw: str,
    value: str | int,
    unit: str,
    indicator: str | None = None,
    *,
    scope: str | None = None,
    year: int | None = None,
    needs_review: bool = False,
    label: str = "",
    shift: int = 0,
    fact_id: str | None = None,
) -> Fact:
    start = TEXT.index(raw) + shift
    return Fact(
        id=fact_id or f"f-{raw}", indicator=indicator, label=label or raw, value=Decimal(value), unit=unit,
        raw=raw, scope=scope, year=year, start=start, end=start + len(raw), quote=raw, confidence=0.9,
        needs_review=needs_review,
    )  # fmt: skip


def item(text: str) -> TextItem:
    start = TEXT.index(text)
    return TextItem(text=text, start=start, end=start + len(text))


def perfect_facts() -> list[Fact]:
    return [
        fact("18.26亿元", 182600, "万元", "education_investment", year=2022, label="教育投入总计"),
        fact("12所", 12, "所", scope="公办/小学", label="公办小学数"),
        fact("96.5%", "96.5", "%", "preschool_gross_enrollment_rate", year=2022, label="学前三年毛入园率"),
        fact("1.2个百分点", "1.2", "个百分点", label="毛入园率提高"),
    ]


def result(
    facts: list[Fact],
    *,
    meta: Meta = META,
    problems: list[TextItem] | None = None,
    measures: list[TextItem] | None = None,
    unclaimed: list[Unclaimed] | None = None,
    doc_id: str = DOC_ID,
    backend: str = "rules",
) -> DocumentResult:
    return DocumentResult(
        document=DocumentInfo(id=doc_id, path=f"{doc_id}.txt", sha256="0" * 64, chars=len(TEXT),
                              script="simplified", encoding="utf-8", format="txt"),
        run=RunInfo(backend=backend, llm_calls=3, cached_calls=1, tokens=1200, seconds=2.5),
        meta=meta, sections=[], facts=facts,
        problems=[item(p) for p in GOLD.problems] if problems is None else problems,
        measures=[item(m) for m in GOLD.measures] if measures is None else measures,
        unclaimed=unclaimed or [], findings=[],
    )  # fmt: skip


def score(predicted: DocumentResult) -> DocumentScore:
    return score_document(GOLD, TEXT, predicted)


def test_perfect_match() -> None:
    scored = score(result(perfect_facts()))
    metrics = scored.metrics
    for name in HEADLINE:
        if name in ("review_recall", "mixed_precision", "documents_half_found"):
            # no wrong prediction to flag; not a mixed-topic document; fewer than 5 gold facts
            assert metrics[name] is None
        elif name == "flagged_share":
            assert metrics[name] == 0.0  # nothing needs review
        elif name == "ece":
            assert metrics[name] == pytest.approx(0.1)  # every fact right at a stated 0.9
        else:
            assert metrics[name] == 1.0, name
    assert metrics["indicator_accuracy_all"] == 1.0
    assert metrics["precision_confident"] == 1.0
    assert metrics["precision_flagged"] is None
    assert all(count == 0 for count in scored.errors.values())
    assert scored.ungrounded == ()
    assert (scored.cost.calls, scored.cost.cached_calls, scored.cost.tokens) == (3, 1, 1200)
    assert scored.per_indicator["(none)"].gold == 2
    assert scored.per_indicator["education_investment"].recall == 1.0


def test_missed_and_spurious() -> None:
    facts = [*perfect_facts()[:2], fact("2022", 2022, "", label="spurious year")]
    gap = TEXT.index("1.2个百分点")
    unclaimed = [Unclaimed(raw="1.2个百分点", start=gap, end=gap + 7, reason="no_indicator")]
    scored = score(result(facts, unclaimed=unclaimed))
    metrics = scored.metrics
    # 3 predicted, 4 gold, 2 TP (the 18.26亿元 and 12所 facts):
    # precision 2/3, recall 2/4, F1 = 2*2/(3+4) = 4/7 (= 2PR/(P+R) = (2/3)/(7/6)).
    assert metrics["precision"] == pytest.approx(2 / 3)
    assert metrics["recall"] == pytest.approx(1 / 2)
    assert metrics["f1"] == pytest.approx(4 / 7)
    assert metrics["value_accuracy"] == 1.0  # both pairs have the right value
    assert scored.errors["missed"] == 2 and scored.errors["spurious"] == 1
    assert {example.gold.quote for example in scored.examples["missed"] if example.gold} == {
        "学前三年毛入园率达到96.5%",
        "比上年提高1.2个百分点",
    }
    # the missed 1.2个百分点 was surfaced as unclaimed, the missed 96.5% was not
    assert scored.counts["unclaimed"].numerator == 1
    assert scored.counts["gold_in_unclaimed"].numerator == 1
    # each metric is one evaluator: its count, and what it counted against
    recall = scored.counts["recall"]
    assert (recall.numerator, recall.denominator) == (2, 4)
    assert {example.gold.quote for example in recall.examples if example.gold} == {
        "学前三年毛入园率达到96.5%",
        "比上年提高1.2个百分点",
    }
    assert [
        example.predicted.raw for example in scored.counts["precision"].examples if example.predicted
    ] == [fact.raw for fact in facts if fact.raw not in {"18.26亿元", "12所"}]
    # counts add up over documents (micro-averaging), examples are capped
    twice = summarize([scored, scored]).counts["recall"]
    assert (twice.numerator, twice.denominator, twice.value) == (4, 8, 0.5) and len(twice.examples) == 4


def test_scale_error() -> None:
    # gold: 18.26亿元 -> 182600 万元; predicted 18.26 万元: ratio 10**-4
    facts = [fact("18.26亿元", "18.26", "万元", "education_investment", year=2022), *perfect_facts()[1:]]
    scored = score(result(facts))
    assert scored.errors["scale"] == 1
    assert sum(scored.errors.values()) == 1
    assert scored.metrics["value_accuracy"] == pytest.approx(3 / 4)  # 4 pairs, 3 equal
    assert scored.metrics["precision"] == pytest.approx(3 / 4)
    # 18.26 万元 is not what 18.26亿元 says: the exact factor of 亿 is required, not any power of ten
    assert scored.metrics["grounding_rate"] == pytest.approx(3 / 4)


def test_percent_versus_points_unit_and_value() -> None:
    facts = [
        fact("18.26亿元", 182600, "元", "education_investment", year=2022),  # unit
        fact("12所", 13, "所", scope="公办/小学"),  # value
        fact("96.5%", "96.5", "%", "preschool_gross_enrollment_rate", year=2022),
        fact("1.2个百分点", "1.2", "%"),  # percent_vs_points
    ]
    scored = score(result(facts))
    assert scored.errors["percent_vs_points"] == 1
    assert scored.errors["unit"] == 1
    assert scored.errors["value"] == 1
    assert scored.errors["scale"] == 0
    assert scored.ungrounded == ("f-12所",)  # 13 is not in "12所"


def test_wrong_indicator_and_year() -> None:
    facts = perfect_facts()
    facts[0] = fact("18.26亿元", 182600, "万元", "education_expenditure", year=2021, needs_review=True)
    scored = score(result(facts))
    metrics = scored.metrics
    assert metrics["f1"] == 1.0  # indicator and year do not decide detection
    # TP with a gold indicator: 18.26亿元 and 96.5% -> 1/2 right
    assert metrics["indicator_accuracy"] == pytest.approx(1 / 2)
    # all 4 TP, the two null-indicator facts count as right: 3/4
    assert metrics["indicator_accuracy_all"] == pytest.approx(3 / 4)
    # TP with a gold year: 18.26亿元 (2022 vs 2021) and 96.5% -> 1/2
    assert metrics["year_accuracy"] == pytest.approx(1 / 2)
    assert scored.errors["indicator"] == 1 and scored.errors["year"] == 1
    assert scored.per_indicator["education_investment"].indicator_accuracy == 0.0
    # the one wrong fact (indicator) is flagged
    assert metrics["review_recall"] == 1.0


def test_scope_is_a_set() -> None:
    facts = perfect_facts()
    facts[1] = fact("12所", 12, "所", scope="小学/公办")
    assert score(result(facts)).metrics["scope_accuracy"] == 1.0
    facts[1] = fact("12所", 12, "所", scope="小学")
    scored = score(result(facts))
    assert scored.metrics["scope_accuracy"] == pytest.approx(3 / 4)
    assert scored.errors["scope"] == 1
    facts[1] = fact("12所", 12, "所", scope="公办/小学")
    facts[3] = fact("1.2个百分点", "1.2", "个百分点", scope="")  # "" == None
    assert score(result(facts)).metrics["scope_accuracy"] == 1.0


def test_meta_normalization() -> None:
    traditional = META.model_copy(update={"province": "重慶市", "district": " 北碚區 "})
    scored = score(result(perfect_facts(), meta=traditional))
    assert scored.metrics["meta_accuracy"] == 1.0
    wrong = META.model_copy(update={"report_year": 2021, "city": ""})  # "" is not None
    scored = score(result(perfect_facts(), meta=wrong))
    assert scored.metrics["meta_accuracy"] == pytest.approx(7 / 9)
    assert {check.field for check in scored.meta if not check.ok} == {"report_year", "city"}


def test_problems_recall_by_overlap() -> None:
    partial = item("教师编制")  # inside the first gold problem
    unrelated = item("下一步工作打算")  # next to the measure, not over it
    scored = score(result(perfect_facts(), problems=[partial], measures=[unrelated]))
    assert scored.metrics["problems_recall"] == pytest.approx(1 / 2)
    assert scored.metrics["measures_recall"] == 0.0
    assert scored.fractions()["problems_recall"] == (1, 2)


def test_ungrounded_prediction() -> None:
    facts = perfect_facts()
    facts[1] = fact("12所", 12, "所", scope="公办/小学", shift=1, fact_id="off-by-one")
    facts.append(fact("2022", 20220000, "", fact_id="scaled-year"))  # 2022 * 10**4: grounded
    scored = score(result(facts))
    assert scored.ungrounded == ("off-by-one",)
    assert scored.metrics["grounding_rate"] == pytest.approx(4 / 5)


def test_calibration_and_review_recall() -> None:
    facts = [
        fact("18.26亿元", 182600, "万元", "education_investment", year=2022),  # TP, confident
        fact("12所", 12, "所", scope="公办/小学", needs_review=True),  # TP, flagged
        fact("96.5%", "96.5", "个百分点", needs_review=True),  # wrong unit, flagged
        fact("2022", 2022, ""),  # spurious, confident
    ]
    metrics = score(result(facts)).metrics
    assert metrics["precision_confident"] == pytest.approx(1 / 2)  # 18.26亿元 of {18.26亿元, 2022}
    assert metrics["precision_flagged"] == pytest.approx(1 / 2)  # 12所 of {12所, 96.5%}
    assert metrics["review_recall"] == pytest.approx(1 / 2)  # wrong: 96.5% (flagged), 2022 (not)


def test_summarize_micro_averages() -> None:
    perfect = score(result(perfect_facts()))
    partial = score(result([*perfect_facts()[:2], fact("2022", 2022, "")]))
    summary = summarize([perfect, partial])
    # TP 4 + 2 over predicted 4 + 3 and gold 4 + 4
    assert summary.metrics["precision"] == pytest.approx(6 / 7)
    assert summary.metrics["recall"] == pytest.approx(6 / 8)
    assert summary.errors["missed"] == 2
    assert summary.per_indicator["preschool_gross_enrollment_rate"].recall == pytest.approx(1 / 2)
    assert summary.meta["province"] == (2, 2)
    assert summary.cost.calls == 6
    assert set(summary.headline) == set(HEADLINE)


def test_check_baseline() -> None:
    good = summarize([score(result(perfect_facts()))])
    weak = summarize([score(result([*perfect_facts()[:2], fact("2022", 2022, "")]))])
    baseline = {"rules": {"f1": 0.9, "precision": 0.95, "review_recall": 0.5}, "local": {"f1": 0.99}}
    # review_recall is undefined (no wrong prediction) and is skipped; "local" has no run
    assert check_baseline({"rules": good}, baseline) == []
    failures = check_baseline({"rules": weak}, baseline)
    assert len(failures) == 3
    assert failures[0] == "rules: f1 0.571 is below the baseline 0.900"
    assert failures[1].startswith("rules: precision 0.667")
    assert failures[2].startswith("rules: review_recall 0.000")  # the spurious fact is not flagged
    assert check_baseline({"rules": good}, {"rules": {"f_one": 0.5}}) == [
        "rules: unknown metric 'f_one' in the baseline"
    ]


def _two_runs() -> dict[str, list[DocumentScore]]:
    hostile = "<script>alert(1)</script> a|b\nc"
    facts = [*perfect_facts(), fact("2022", 2022, "", label=hostile)]
    return {
        "rules": [score(result(perfect_facts()))],
        "local": [score(result(facts, backend="local"))],
    }


def test_render_markdown_escapes_untrusted_text() -> None:
    markdown = render_markdown(_two_runs())
    assert "<script>" not in markdown
    assert "&lt;script&gt;alert(1)&lt;/script&gt; a\\|b c" in markdown
    assert "| metric | rules | local |" in markdown
    assert "| f1 | 1.000 (8/8) | 0.889 (8/9) |" in markdown  # local: 2*4/(5+4)
    for line in markdown.splitlines():
        if line.startswith("|"):
            assert line.endswith("|"), line
    for kind in ERROR_KINDS:
        assert f"| {kind} |" in markdown


def test_report_json_is_plain_data() -> None:
    data = report_json(_two_runs())
    round_trip = json.loads(json.dumps(data, ensure_ascii=False))
    assert round_trip == data
    local = data["backends"]["local"]
    assert local["summary"]["headline"]["precision"] == pytest.approx(4 / 5)
    assert local["summary"]["errors"]["spurious"] == 1
    assert local["documents"][0]["doc_id"] == DOC_ID


def test_held_out_scores_show_figures_only() -> None:
    facts = [*perfect_facts()[:2], fact("2022", 2022, "", label="spurious year")]
    scored = score(result(facts))
    sealed = figures_only(scored)
    assert sealed.metrics == scored.metrics and sealed.errors == scored.errors
    assert all(not examples for examples in sealed.examples.values())
    assert all(not count.examples for count in sealed.counts.values())
    assert all(check.gold is None and check.predicted is None for check in sealed.meta)
    assert [check.ok for check in sealed.meta] == [check.ok for check in scored.meta]
    markdown = render_markdown({"rules/heldout": [sealed], "rules": [scored]})
    assert "spurious year" in markdown  # the dev run's example
    heldout_part = markdown[markdown.index("### Examples: rules/heldout") :].split("###")[1]
    assert "Withheld" in heldout_part and "spurious year" not in heldout_part
    data = report_json({"rules/heldout": [sealed]})["backends"]["rules/heldout"]
    assert data["summary"]["examples_withheld"] and not any(data["summary"]["examples"].values())


def test_document_id_mismatch_is_refused() -> None:
    with pytest.raises(ContractError, match="against the gold"):
        score(result(perfect_facts(), doc_id="other"))


# --- the real gold set ----------------------------------------------------------

GOLD_FILES = sorted((ROOT / "eval" / "gold").glob("*.json"))
# numbers.written_number("近千次") is None (cn2an rejects a bare 千), so the
# perfect prediction of the gold fact "近千次" fails the grounding check.


def _perfect_from_gold(path: Path) -> tuple[DocumentScore, int]:
    gold = read_gold(path)
    document = load_document(find_document(ROOT / "eval" / "docs", gold.doc_id))
    text = document.text
    facts = [
        Fact(id=f"g{index}", indicator=located.fact.indicator, label=located.fact.label,
             value=located.fact.value, unit=located.fact.unit, raw=text[located.start : located.end],
             scope=located.fact.scope, year=located.fact.year, approx=located.fact.approx,
             start=located.start, end=located.end, quote=located.fact.quote, confidence=1.0,
             needs_review=False)
        for index, located in enumerate(locate_facts(gold, text))
    ]  # fmt: skip

    def items(quotes: list[str]) -> list[TextItem]:
        return [TextItem(text=q, start=text.find(q), end=text.find(q) + len(q)) for q in quotes]

    predicted = DocumentResult(
        document=DocumentInfo(id=gold.doc_id, path=str(document.path), sha256=document.sha256,
                              chars=len(text), script="simplified", encoding=document.encoding,
                              format="txt"),
        run=RunInfo(backend="gold"), meta=gold.meta, sections=[], facts=facts,
        problems=items(gold.problems), measures=items(gold.measures), unclaimed=[], findings=[],
    )  # fmt: skip
    return score_document(gold, text, predicted), len(gold.facts)


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda path: path.stem)
def test_real_gold_perfect_prediction(path: Path) -> None:
    scored, count = _perfect_from_gold(path)
    metrics = scored.metrics
    assert scored.counts["precision"].numerator == count
    if count == 0:  # a mixed-topic excerpt with no education number
        assert metrics["precision"] is None and scored.counts["predicted"].numerator == 0
        return
    for name in ("f1", "precision", "recall", "value_accuracy", "indicator_accuracy_all", "scope_accuracy"):
        assert metrics[name] == 1.0, name
    assert metrics["meta_accuracy"] == 1.0
    assert metrics["problems_recall"] in (1.0, None)
    assert metrics["measures_recall"] in (1.0, None)


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda path: path.stem)
def test_real_gold_perfect_prediction_is_grounded(path: Path) -> None:
    scored, count = _perfect_from_gold(path)
    assert scored.ungrounded == ()
    assert scored.metrics["grounding_rate"] == (1.0 if count else None)


@pytest.mark.parametrize(
    ("raw", "value", "unit", "grounded"),
    [
        ("18.26亿元", 182600, "万元", True),
        ("18.26亿元", 18260, "万元", False),  # a power of ten off: not what the text says
        ("18.26亿元", 1826000000, "元", False),  # 亿元 totals are kept in 万元
        ("12所", 12, "所", True),
        ("12所", 120, "所", False),
        ("96.5%", "96.5", "%", True),
        ("96.5%", "0.965", "%", False),
    ],
)
def test_grounding_needs_the_exact_factor(raw: str, value: int | str, unit: str, grounded: bool) -> None:
    assert is_grounded(fact(raw, value, unit), TEXT) is grounded


@pytest.mark.parametrize(
    ("predicted", "gold", "score"),
    [
        ("在园幼儿数", "在园幼儿人数", 2 * 3 / (4 + 5)),  # 在园 园幼 幼儿 shared; 儿数 vs 儿人 人数
        ("组织全区", "课外读物备案学校数", 0.0),  # the words before the number, not what it measures
        ("教育投入总计", "教育投入总计", 1.0),
        ("公辦幼兒園", "公办幼儿园数", 2 * 4 / (4 + 5)),  # traditional script compares as simplified
        ("", "获奖作品数", 0.0),
        ("小学(学校数)", "小学学校数", 1.0),  # brackets and blanks do not count
    ],
)
def test_label_score_is_the_bigram_f1(predicted: str, gold: str, score: float) -> None:
    assert label_f1(predicted, gold) == pytest.approx(score)
