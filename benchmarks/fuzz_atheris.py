"""Coverage-guided fuzzing of load -> segment -> numbers -> rules pipeline, by hand
(not part of CI; tests/test_fuzz.py holds the hypothesis version that CI runs).

    .venv/bin/pip install --target /tmp/atheris atheris   # 3.0.0 has a cp311 wheel; 3.1.0 builds from source
    PYTHONPATH=/tmp/atheris .venv/bin/python benchmarks/fuzz_atheris.py -max_total_time=600 -max_len=20000

Any exception other than EdufactsError, or an offset that does not index the
text, is a crash; atheris writes the input to crash-<hash> in the working folder.
"""

from __future__ import annotations

import sys
from pathlib import Path

import atheris  # type: ignore[import-not-found]

with atheris.instrument_imports():
    from edufacts.errors import EdufactsError
    from edufacts.pipeline import extract_document
    from edufacts.readers.load import load_bytes
    from edufacts.settings import Settings
    from edufacts.stages.numbers import find_mentions
    from edufacts.stages.segment import build_sections, find_headings, find_tables

SETTINGS = Settings(backend="rules")


def one_input(data: bytes) -> None:
    name = "r.html" if data[:1] == b"<" else "r.txt"
    try:
        document = load_bytes(data, Path(name))
    except EdufactsError:
        return
    text = document.normalized
    assert len(text) == len(document.text)
    sections = build_sections(text, find_headings(text))
    assert sections[0].start == 0 and sections[-1].end == len(text)
    find_tables(text)
    for mention in find_mentions(text):
        assert text[mention.start : mention.end] == mention.raw
    result = extract_document(document, SETTINGS)
    for fact in result.facts:
        assert document.text[fact.start : fact.end] == fact.raw


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
