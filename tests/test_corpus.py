from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import jsonschema
import pytest

from edufacts.pipeline import extract_document
from edufacts.readers.load import load_document
from edufacts.schemas import gold_schema, output_schema
from edufacts.settings import Settings

from .conftest import CORPUS, ROOT

OUTPUT_SCHEMA = json.loads((ROOT / "schemas" / "output.schema.json").read_text(encoding="utf-8"))


def test_committed_schemas_are_current() -> None:
    assert output_schema() == OUTPUT_SCHEMA
    assert json.loads((ROOT / "schemas" / "gold.schema.json").read_text(encoding="utf-8")) == gold_schema()


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.stem)
def test_corpus_report_extracts_valid_grounded_output(path: Path) -> None:
    document = load_document(path)
    result = extract_document(document, Settings())
    payload = json.loads(result.model_dump_json())
    jsonschema.validate(payload, OUTPUT_SCHEMA)
    assert len(result.facts) >= 40
    for fact in result.facts:
        assert document.text[fact.start : fact.end] == fact.raw
        assert {check.name: check.ok for check in fact.checks}["value_from_span"], fact
        assert not document.in_boilerplate(fact.start)
    for item in [*result.problems, *result.measures]:
        assert document.text[item.start : item.end] == item.text
    covered = sorted([(f.start, f.end) for f in result.facts] + [(u.start, u.end) for u in result.unclaimed])
    for (_, end), (start, _) in pairwise(covered):
        assert end <= start, "a mention is claimed twice"


def test_traditional_report_keeps_traditional_raw_at_correct_offsets() -> None:
    document = load_document(ROOT / "eval" / "docs" / "004_8ce397d9036d1a9f.txt")
    result = extract_document(document, Settings())
    expenditure = [fact for fact in result.facts if fact.raw == "69.09億元"]
    assert expenditure, "the traditional-script money fact is found"
    (fact,) = expenditure
    assert fact.indicator == "education_expenditure"
    assert float(fact.value) == 690900
    assert document.text[fact.start : fact.end] == "69.09億元"
    assert "預算" in fact.quote
    assert result.meta.doc_number == "巴南府發〔2021〕20號"


def test_table_cells_take_row_unit_and_column_year() -> None:
    result = extract_document(load_document(ROOT / "eval" / "docs" / "004_8ce397d9036d1a9f.txt"), Settings())
    cell = next(fact for fact in result.facts if fact.raw == "2.76" and fact.unit == "人")
    assert (float(cell.value), cell.year, cell.indicator) == (27600, 2016, "kindergarten_enrollment")


def test_gold_schema_accepts_the_gold_files() -> None:
    schema = gold_schema()
    for path in sorted((ROOT / "eval" / "gold").glob("*.json")):
        jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), schema)
