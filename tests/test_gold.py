from __future__ import annotations

from pathlib import Path

import pytest

from edufacts.errors import ContractError
from edufacts.evaluation.gold import check_gold_file, locate_facts, read_gold
from edufacts.models import GoldFact, GoldFile, Meta
from edufacts.readers.load import load_document

from .conftest import DOCS, GOLD

GOLD_FILES = sorted(GOLD.glob("*.json"))


def test_every_corpus_report_has_gold() -> None:
    assert {path.stem for path in GOLD_FILES} == {path.stem for path in DOCS.glob("*.txt")}


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda path: path.stem)
def test_gold_file_is_valid_and_every_quote_is_in_its_document(path: Path) -> None:
    count = check_gold_file(path, DOCS)
    assert count >= (40 if path.stem[:3].isdecimal() else 0)  # the seed reports are number-dense
    gold = read_gold(path)
    text = load_document(DOCS / f"{gold.doc_id}.txt").text
    for located in locate_facts(gold, text):
        assert located.fact.quote in text
        assert text[located.start : located.end] == located.fact.raw


def test_a_quote_not_in_the_document_is_rejected() -> None:
    gold = GoldFile(
        doc_id="x",
        meta=Meta(),
        facts=[GoldFact(quote="不存在的句子12所", raw="12所", value=12, unit="所", label="学校")],
    )
    with pytest.raises(ContractError, match="not in the document"):
        locate_facts(gold, "全区共有学校10所。")


def test_unknown_indicator_and_scope_are_rejected() -> None:
    gold = GoldFile(
        doc_id="x",
        meta=Meta(),
        facts=[
            GoldFact(
                quote="共有学校10所",
                raw="10所",
                value=10,
                unit="所",
                indicator="made_up",
                scope="火星",
                label="学校",
            )
        ],
    )
    with pytest.raises(ContractError, match=r"unknown indicator.*scope terms"):
        locate_facts(gold, "全区共有学校10所。")


def test_a_quote_copied_with_pinyin_glosses_locates_in_the_text_read_without_them(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    text = "全市新改扩(kuò)建公办幼儿园10所,在园幼儿3000人。\n"
    (tmp_path / "docs" / "m.txt").write_text(text, encoding="utf-8")
    gold = GoldFile(
        doc_id="m",
        meta=Meta(),
        facts=[
            GoldFact(
                quote="新改扩(kuò)建公办幼儿园10所",
                raw="10所",
                value=10,
                unit="所",
                indicator="schools_built",
                label="新改扩建公办幼儿园",
            )
        ],
    )
    path = tmp_path / "m.json"
    path.write_text(gold.model_dump_json(), encoding="utf-8")
    read = read_gold(path)
    assert read.facts[0].quote == "新改扩建公办幼儿园10所"
    assert check_gold_file(path, tmp_path / "docs") == 1
