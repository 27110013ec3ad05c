"""The public API: one call for a report given as a path, bytes or text; one
session for many; the contract models importable from the top."""

from __future__ import annotations

from pathlib import Path

import edufacts

DOC = Path(__file__).resolve().parents[1] / "eval" / "docs" / "000_83a7c735898b844d.txt"


def key(result: edufacts.DocumentResult) -> list[tuple[object, ...]]:
    return [(fact.start, fact.raw, fact.value, fact.unit, fact.indicator) for fact in result.facts]


def test_a_report_as_path_string_bytes_or_text_gives_the_same_facts() -> None:
    by_path = edufacts.extract(DOC)
    assert by_path.facts and by_path.document.id == DOC.stem
    assert key(edufacts.extract(str(DOC))) == key(by_path)
    assert key(edufacts.extract(DOC.read_bytes())) == key(by_path)
    assert key(edufacts.extract(DOC.read_text(encoding="utf-8"))) == key(by_path)


def test_an_extractor_serves_many_documents() -> None:
    paths = sorted(DOC.parent.glob("00[0-2]_*.txt"))
    with edufacts.Extractor(backend="rules") as extractor:
        results = list(extractor.extract_many(paths))
        html = extractor.extract(
            b"<p>\xe6\x96\xb0\xe5\xa2\x9e\xe5\xad\xa6\xe4\xbd\x8d1260\xe4\xb8\xaa</p>", "page.html"
        )
    assert [result.document.id for result in results] == [path.stem for path in paths]
    assert [fact.raw for fact in html.facts] == ["1260个"]
    assert isinstance(results[0].facts[0], edufacts.Fact)


def test_the_package_is_typed() -> None:
    assert (Path(edufacts.__file__).parent / "py.typed").is_file()
    assert set(edufacts.__all__) >= {
        "extract",
        "Extractor",
        "DocumentResult",
        "Fact",
        "Settings",
        "EdufactsError",
    }
