"""The library's front door: extract one report, or many with one model session.

    import edufacts
    result = edufacts.extract("report.pdf")                     # rules: no model
    with edufacts.Extractor(backend="local") as extractor:      # one server for many
        for result in extractor.extract_many(paths):
            ...

    report = edufacts.evaluate("out/", "eval/gold")             # outputs against gold
    print(report.metrics["f1"])

`source` is a path, the bytes of a file, or a `str` of report text."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .backends.registry import open_backend
from .evaluation.folder import score_predictions
from .evaluation.report import render_markdown
from .evaluation.score import DocumentScore, Summary, summarize
from .models import DocumentResult
from .pipeline import extract_document
from .readers.load import Document, load_bytes, load_document
from .settings import Settings

if TYPE_CHECKING:
    from .backends.base import Backend

Source = str | bytes | Path


def _settings(settings: Settings | None, options: dict[str, Any]) -> Settings:
    if settings is not None and options:
        return dataclasses.replace(settings, **options)
    return settings or Settings(**options)


def _document(source: Source, settings: Settings, name: str) -> Document:
    if isinstance(source, Path):
        return load_document(source, settings.max_bytes, max_pages=settings.max_pages)
    if isinstance(source, bytes):
        return load_bytes(source, Path(name), max_pages=settings.max_pages)
    return load_bytes(source.encode("utf-8"), Path(name), max_pages=settings.max_pages)


class Extractor:
    """A backend session (for a model: server, cache, HTTP client) opened once for
    many documents."""

    def __init__(
        self, settings: Settings | None = None, *, session: Backend | None = None, **options: Any
    ) -> None:
        """`options` are Settings fields (backend="local", ...); `session`: a backend
        already open (from open_backend) that this extractor uses and leaves open,
        else one is opened from the settings."""
        self.settings = _settings(settings, options)
        self._given = session
        self._session: contextlib.ExitStack | None = None
        self._backend: Backend | None = None

    def __enter__(self) -> Extractor:
        self._session = contextlib.ExitStack()
        if self._given is not None:
            self._backend = self._given
        else:
            self._backend = self._session.enter_context(open_backend(self.settings))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._session is not None:
            self._session.close()
        self._session, self._backend = None, None

    def extract(self, source: Source, name: str = "document.txt") -> DocumentResult:
        """One report; `name` names bytes or text given directly (its suffix says html)."""
        document = _document(source, self.settings, name)
        if self._session is None:
            with self:
                return extract_document(document, self.settings, self._backend)
        return extract_document(document, self.settings, self._backend)

    def extract_many(self, paths: Iterable[str | Path]) -> Iterator[DocumentResult]:
        for path in paths:
            yield self.extract(Path(path))


@dataclasses.dataclass(frozen=True)
class EvalReport:
    """Outputs scored against gold files: per document and for the corpus."""

    documents: tuple[DocumentScore, ...]
    summary: Summary

    @property
    def metrics(self) -> dict[str, float | None]:
        """The headline figures (f1, precision, recall, indicator_accuracy...)."""
        return self.summary.metrics

    def markdown(self, name: str = "predictions") -> str:
        return render_markdown({name: list(self.documents)})


def evaluate(predictions: str | Path, gold_dir: str | Path, docs_dir: str | Path | None = None) -> EvalReport:
    """Score a folder of edufacts outputs (`<doc id>.json`) against the gold files
    of `gold_dir`; the documents are read from `docs_dir` (default: the `docs`
    folder beside `gold_dir`, as eval/gold and eval/docs)."""
    gold = Path(gold_dir)
    scores = score_predictions(gold, Path(docs_dir) if docs_dir else gold.parent / "docs", Path(predictions))
    return EvalReport(tuple(scores), summarize(scores))


def extract(source: Source, *, backend: str = "rules", **options: Any) -> DocumentResult:
    """Extract one report (a path, bytes, or text) with the given backend."""
    if isinstance(source, str) and "\n" not in source and len(source) < 4096 and Path(source).is_file():
        source = Path(source)  # a path given as a string
    return Extractor(backend=backend, **options).extract(source)
