"""Calibrated confidence: the shipped fit is what `edufacts calibrate` makes from
the dev gold set, its estimates order facts by their evidence, and the review
budget holds on every document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edufacts.evaluation.calibrate import calibrate
from edufacts.pipeline import extract_document
from edufacts.readers.load import load_bytes, load_document
from edufacts.settings import Settings
from edufacts.stages.calibration import DOCUMENT_CAP, REVIEW_BUDGET, Calibration, load_calibration

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "schemas" / "calibration.json"


def test_the_shipped_fit_is_reproduced_from_the_dev_gold(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    out = tmp_path / "calibration.json"
    gold, docs, earlier = ROOT / "eval" / "gold", ROOT / "eval" / "docs", ROOT / "eval" / "first_sight"
    first = calibrate(gold, docs, "rules", out, first_sight=earlier)
    again = calibrate(gold, docs, "rules", tmp_path / "again.json", first_sight=earlier)
    assert first == again
    shipped_file = json.loads(SHIPPED.read_text(encoding="utf-8"))
    shipped = shipped_file["backends"]["rules"]
    assert shipped == first, "schemas/calibration.json is stale: run `edufacts calibrate`"
    written = json.loads(out.read_text(encoding="utf-8"))["label_model"]
    assert written == json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))["label_model"]
    assert shipped_file["label_model"] == written, "the label model is stale: run `edufacts calibrate`"
    assert len(written["weights"]) > 500
    assert not any("heldout" in doc for doc in first["documents"])
    assert first["first_sight_facts"] > 1000 and first["first_sight_right"] < first["first_sight_facts"]


def test_first_sight_facts_join_the_fit_and_given_their_documents_bound_the_threshold() -> None:
    pytest.importorskip("sklearn")
    from edufacts.evaluation.calibrate import fit
    from edufacts.stages.evidence import FEATURES

    def row(**features: int) -> list[float]:
        return [float(features.get(name, 0)) for name in FEATURES]

    rows = [row(table_cell=1)] * 30 + [row(no_indicator=1)] * 10
    right = [1] * 30 + [1] * 9 + [0]
    alone = fit(rows, right)
    # Earlier facts where an unnamed number in a unit no indicator counts was
    # mostly wrong: the fit learns it, the threshold still flags today's facts.
    earlier = ([row(no_indicator=1, unit_outside_catalog=1)] * 20, [0] * 15 + [1] * 5)
    joined = fit(rows, right, earlier=earlier)
    index = FEATURES.index("unit_outside_catalog")
    assert alone["weights"][index] == 0 and joined["weights"][index] < 0
    assert (joined["facts"], joined["first_sight_facts"], joined["first_sight_right"]) == (40, 20, 5)
    # a feature left out of a backend's fit weighs nothing; what it explained
    # falls to the features kept
    kept = fit(rows, right, earlier=earlier, left_out=frozenset({"unit_outside_catalog"}))
    unnamed = FEATURES.index("no_indicator")
    assert kept["weights"][index] == 0.0 and kept["weights"][unnamed] < joined["weights"][unnamed]
    shipped = Calibration(tuple(joined["weights"]), joined["bias"], joined["threshold"])
    flagged = [
        shipped.probability(dict(zip(FEATURES, map(int, r), strict=True))) <= joined["threshold"]
        for r in rows
    ]
    assert 0 < sum(flagged) <= REVIEW_BUDGET * len(rows)  # today's rows alone
    # Given the earlier facts' documents, the threshold keeps their flags within
    # the budget too: twenty alike facts of one document, so none may be flagged.
    bounded = fit(rows, right, earlier=earlier, earlier_documents=[0] * 20)
    assert bounded["weights"] == joined["weights"]
    alike = Calibration(tuple(bounded["weights"]), bounded["bias"], 0.0).probability(
        dict(zip(FEATURES, map(int, earlier[0][0]), strict=True))
    )
    assert alike <= joined["threshold"] and bounded["threshold"] < alike


def test_a_model_backends_fit_is_the_rules_fit_scaled_plus_the_models_answer() -> None:
    pytest.importorskip("sklearn")
    from edufacts.evaluation.calibrate import Judged, NumberInText, stacked_fit
    from edufacts.stages.evidence import FEATURES

    def judged(facts: list[tuple[dict[str, int], int]], documents: int) -> Judged:
        result = Judged()
        for index, (features, right) in enumerate(facts):
            result.add_fact(features, bool(right), f"d{index % documents}", NumberInText(0, 1, "", False))
        return result

    # The rules learn from their many first-sight errors that an unnamed number
    # in a unit no indicator counts is mostly wrong; the model's facts are few,
    # and where the model agrees the fact is right more often.
    rules_today = judged(
        [({"table_cell": 1}, 1)] * 40 + [({"no_indicator": 1}, 1)] * 18 + [({"no_indicator": 1}, 0)] * 2, 10
    )
    rules_earlier = judged(
        [({"no_indicator": 1, "unit_outside_catalog": 1}, 0)] * 15
        + [({"no_indicator": 1, "unit_outside_catalog": 1}, 1)] * 5,
        10,
    )
    model_today = judged(
        [({"table_cell": 1, "model_agrees": 1}, 1)] * 30
        + [({"no_indicator": 1, "model_disagrees": 1}, 1)] * 12
        + [({"no_indicator": 1, "model_disagrees": 1}, 0)] * 4
        + [({"no_indicator": 1, "model_agrees": 1}, 1)] * 14,
        10,
    )
    model_earlier = judged([({"no_indicator": 1, "unit_outside_catalog": 1, "model_disagrees": 1}, 0)] * 4, 2)
    documents = [f"d{i}" for i in range(10)]
    entry = stacked_fit((rules_today, rules_earlier), (model_today, model_earlier), documents)
    assert entry == stacked_fit((rules_today, rules_earlier), (model_today, model_earlier), documents)
    weight = dict(zip(FEATURES, entry["weights"], strict=True))
    # what only the rules' first-sight facts show reaches the model backend's fit
    assert weight["unit_outside_catalog"] < 0
    # the rules' weights keep their proportions (one scale for all of them)
    ratio = weight["unit_outside_catalog"] / weight["no_indicator"]
    from edufacts.evaluation.calibrate import fit

    rules = dict(
        zip(
            FEATURES,
            fit(rules_today.rows, rules_today.right, earlier=(rules_earlier.rows, rules_earlier.right))[
                "weights"
            ],
            strict=True,
        )
    )
    assert ratio == pytest.approx(rules["unit_outside_catalog"] / rules["no_indicator"], rel=1e-3)
    assert weight["model_agrees"] > weight["model_disagrees"]
    assert (entry["facts"], entry["first_sight_facts"]) == (60, 4)


def test_the_words_around_a_number_are_evidence() -> None:
    from edufacts.stages.catalog import load_catalog
    from edufacts.stages.evidence import NumberInText, indicator_units_of, wording_evidence

    text = "全县新建幼儿园3所。医疗卫生机构新增床位120张,开展义诊5次。"
    units = indicator_units_of(load_catalog())
    wording_of = ("unit_outside_catalog", "other_field_in_sentence", "education_word_before")

    def at(raw: str, unit: str) -> dict[str, int]:
        start = text.index(raw)
        features = wording_evidence(text, [NumberInText(start, start + len(raw), unit, False)], units)[0]
        return {name: features[name] for name in wording_of}

    assert at("3所", "所") == {
        "unit_outside_catalog": 0,
        "other_field_in_sentence": 0,
        "education_word_before": 1,
    }
    assert at("5次", "次") == {
        "unit_outside_catalog": 1,
        "other_field_in_sentence": 1,
        "education_word_before": 0,
    }


def test_the_paragraph_around_a_number_is_evidence() -> None:
    """education_words_around counts education words on the number's line (at most
    5); other_field_before: a word of another field just before a sentence that
    names no education word."""
    from edufacts.stages.evidence import NumberInText, wording_evidence

    text = "全区医疗服务水平提升。新增4个重点专科。\n全县新建幼儿园3所,学校校舍改造完成,教师培训12次。"

    def features(raw: str) -> tuple[int, int]:
        start = text.index(raw)
        found = wording_evidence(text, [NumberInText(start, start + len(raw), "个", False)], set())[0]
        return found["education_words_around"], found["other_field_before"]

    assert features("4个") == (0, 1)
    assert features("3所") == (4, 0)  # 幼儿, 学校, 校舍, 教师
    assert features("12次") == (4, 0)
    crowded = "小学初中高中学生教师校长" + "开展活动8次"
    start = crowded.index("8次")
    found = wording_evidence(crowded, [NumberInText(start, start + 2, "次", False)], set())[0]
    assert found["education_words_around"] == 5


def test_an_unnamed_number_beside_a_named_one_is_evidence() -> None:
    from edufacts.stages.evidence import NumberInText, wording_evidence

    text = "全县小学入学率100%,巩固率99.5%。开展活动12次。"

    def number(raw: str, unit: str, named: bool) -> NumberInText:
        start = text.index(raw)
        return NumberInText(start, start + len(raw), unit, named)

    numbers = [number("100%", "%", True), number("99.5%", "%", False), number("12次", "次", False)]
    assert [features["named_beside"] for features in wording_evidence(text, numbers, set())] == [0, 1, 0]
    result = extract_document(load_bytes(text.encode("utf-8"), Path("beside.txt")), Settings())
    evidence = {fact.raw: fact.evidence["named_beside"] for fact in result.facts}
    assert evidence["12次"] == 0


def test_a_document_with_few_facts_is_evidence_against_each_of_them() -> None:
    """document_facts: every fact of a document carries round(5 ln(1 + n)) of its
    n facts; the shipped rules fit trusts a fact less in a document of few facts
    (an excerpt, or the education lines of a report about something else)."""
    from edufacts.stages.calibration import load_calibration
    from edufacts.stages.evidence import FEATURES, NumberInText, wording_evidence

    def evidence_of_each(count: int) -> set[int]:
        text = "全县开展活动12次。" * count
        numbers = [NumberInText(10 * i + 6, 10 * i + 9, "次", False) for i in range(count)]
        return {features["document_facts"] for features in wording_evidence(text, numbers, set())}

    assert [evidence_of_each(n) for n in (1, 10, 100)] == [{3}, {12}, {23}]
    calibration = load_calibration("rules")
    assert calibration is not None
    assert calibration.weights[FEATURES.index("document_facts")] > 0


def test_an_unnamed_number_worded_like_named_facts_is_evidence() -> None:
    """unnamed_lookalike: a label model fitted on made-up gold labels reads the
    words before an unnamed number; a named number, or no model, gives 0."""
    pytest.importorskip("sklearn")
    from edufacts.evaluation.calibrate import fit_label_model
    from edufacts.stages.evidence import NumberInText, label_grams, lookalike

    named = [(label_grams(w, "人"), 1) for w in ("在园幼儿数", "在园幼儿", "全县在园幼儿", "在园人数")]
    unnamed = [(label_grams(w, "人"), 0) for w in ("参加培训人员", "培训人员", "参训人员", "培训教师人员")]
    model = fit_label_model((named + unnamed) * 3)
    text = "全县有在园幼儿人数2917人,参加培训人员300人。"
    kindergarten, trainees = text.index("2917"), text.index("300")
    looks_named = lookalike(text, NumberInText(kindergarten, kindergarten + 5, "人", False), model)
    looks_unnamed = lookalike(text, NumberInText(trainees, trainees + 4, "人", False), model)
    assert looks_named > 50 > looks_unnamed
    assert lookalike(text, NumberInText(kindergarten, kindergarten + 5, "人", True), model) == 0
    assert lookalike(text, NumberInText(kindergarten, kindergarten + 5, "人", False), None) == 0


def test_a_label_model_of_another_window_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edufacts.errors import ContractError
    from edufacts.stages import calibration

    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))
    shipped["label_model"]["window"] += 1
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "calibration.json").write_text(json.dumps(shipped), encoding="utf-8")
    monkeypatch.setattr(calibration, "data_dir", lambda name: tmp_path / name)
    calibration.load_label_model.cache_clear()
    try:
        with pytest.raises(ContractError, match="another window"):
            calibration.load_label_model()
    finally:
        calibration.load_label_model.cache_clear()


def test_first_sight_facts_of_a_changed_document_are_refused(tmp_path: Path) -> None:
    from edufacts.errors import ContractError
    from edufacts.evaluation.calibrate import first_sight_facts

    stored = next(iter(sorted((ROOT / "eval" / "first_sight").glob("*.json"))))
    record = json.loads(stored.read_text(encoding="utf-8"))
    judged = first_sight_facts(stored.parent, ROOT / "eval" / "gold", ROOT / "eval" / "docs")
    assert len(judged.rows) == len(judged.right) == len(judged.numbers) > 0
    record["text_sha256"] = "0" * 64
    (tmp_path / stored.name).write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ContractError, match="text has changed"):
        first_sight_facts(tmp_path, ROOT / "eval" / "gold", ROOT / "eval" / "docs")
    # a document the gold folder does not hold is passed over
    no_gold = tmp_path / "no_gold"
    no_gold.mkdir()
    assert first_sight_facts(tmp_path, no_gold, ROOT / "eval" / "docs").rows == []


def test_a_table_cell_under_its_catalog_header_outranks_an_unnamed_count() -> None:
    text = (
        "一、基本情况\n全区开展各类活动35场次。\n"
        "表1 学前教育主要指标\n指标\n2020年\n2025年\n"
        "学前三年毛入园率(%)\n96.2\n98\n在园幼儿数(万人)\n2.76\n3.63\n"
        "二、其他\n"
    )
    result = extract_document(load_bytes(text.encode("utf-8"), Path("mixed.txt")), Settings())
    by_raw = {fact.raw: fact for fact in result.facts}
    assert by_raw["96.2"].indicator == "preschool_gross_enrollment_rate"
    assert by_raw["96.2"].confidence > by_raw["35场次"].confidence
    assert by_raw["96.2"].evidence["table_cell"] == 1 and by_raw["35场次"].evidence["no_indicator"] == 1


DEV_DOCUMENTS = sorted((ROOT / "eval" / "docs").glob("*.txt"))


def _flagged_for_estimate(path: Path) -> tuple[int, int]:
    facts = extract_document(load_document(path), Settings()).facts
    # (a fact with a failed check is flagged whatever the budget)
    flagged = [fact for fact in facts if fact.needs_review and all(check.ok for check in fact.checks)]
    return len(flagged), len(facts)


@pytest.mark.parametrize("path", DEV_DOCUMENTS, ids=lambda path: path.stem[:3])
def test_no_document_floods_the_queue(path: Path) -> None:
    assert load_calibration("rules") is not None
    flagged, facts = _flagged_for_estimate(path)
    assert flagged <= int(DOCUMENT_CAP * facts + 0.5)


def test_the_review_budget_holds_on_the_corpus() -> None:
    counts = [_flagged_for_estimate(path) for path in DEV_DOCUMENTS]
    flagged, facts = sum(c[0] for c in counts), sum(c[1] for c in counts)
    assert 0 < flagged <= REVIEW_BUDGET * facts


def test_a_stale_fit_is_an_error_except_while_calibrating(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edufacts.errors import ContractError
    from edufacts.stages import calibration

    stale = {
        "features": ["an_old_feature"],
        "backends": {"rules": {"weights": [1.0], "bias": 0, "threshold": 0.5}},
    }
    (tmp_path / calibration.CALIBRATION_FILE).write_text(json.dumps(stale), encoding="utf-8")
    monkeypatch.setattr(calibration, "data_dir", lambda name: tmp_path)
    calibration.load_calibration.cache_clear()
    try:
        with pytest.raises(ContractError, match="fitted on other features"):
            calibration.load_calibration("rules")
        with calibration.without_fit():
            assert calibration.load_calibration("rules") is None
    finally:
        calibration.load_calibration.cache_clear()
