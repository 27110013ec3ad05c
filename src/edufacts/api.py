"""The library's front door: extract one report, or many with one model session.

    import edufacts
    result = edufacts.extract("report.pdf")                     # rules: no model
    with edufacts.Extractor(backend="local") as extractor:      # one server for many
        for result in extractor.extract_many(paths):
            ...

`source` is a path, the bytes of a file, or a `str` of report text."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .load import Document, load_bytes, load_document
from .models import DocumentResult
from .pipeline import extract_document, open_backend
from .settings import Settings

if TYPE_CHECKING:
    from .llm.backend import Assistant

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
    """A model session (server, cache, HTTP client) opened once for many documents;
    with the rules backend it opens nothing."""

    def __init__(self, settings: Settings | None = None, **options: Any) -> None:
        self.settings = _settings(settings, options)
        self._session: contextlib.ExitStack | None = None
        self._assistant: Assistant | None = None

    def __enter__(self) -> Extractor:
        self._session = contextlib.ExitStack()
        self._assistant = self._session.enter_context(open_backend(self.settings))
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._session is not None:
            self._session.close()
        self._session, self._assistant = None, None

    def extract(self, source: Source, name: str = "document.txt") -> DocumentResult:
        """One report; `name` names bytes or text given directly (its suffix says html)."""
        document = _document(source, self.settings, name)
        if self._session is None and self.settings.backend != "rules":
            with self:
                return extract_document(document, self.settings, self._assistant)
        return extract_document(document, self.settings, self._assistant)

    def extract_many(self, paths: Iterable[str | Path]) -> Iterator[DocumentResult]:
        for path in paths:
            yield self.extract(Path(path))


def extract(source: Source, *, backend: str = "rules", **options: Any) -> DocumentResult:
    """Extract one report (a path, bytes, or text) with the given backend."""
    if isinstance(source, str) and "\n" not in source and len(source) < 4096 and Path(source).is_file():
        source = Path(source)  # a path given as a string
    return Extractor(backend=backend, **options).extract(source)
