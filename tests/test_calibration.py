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
from edufacts.stages.calibration import DOCUMENT_CAP, REVIEW_BUDGET, load_calibration

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "schemas" / "calibration.json"


def test_the_shipped_fit_is_reproduced_from_the_dev_gold(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    out = tmp_path / "calibration.json"
    first = calibrate(ROOT / "eval" / "gold", ROOT / "eval" / "docs", "rules", out)
    again = calibrate(ROOT / "eval" / "gold", ROOT / "eval" / "docs", "rules", tmp_path / "again.json")
    assert first == again
    shipped = json.loads(SHIPPED.read_text(encoding="utf-8"))["backends"]["rules"]
    assert shipped == first, "schemas/calibration.json is stale: run `edufacts calibrate`"
    assert not any("heldout" in doc for doc in first["documents"])


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
