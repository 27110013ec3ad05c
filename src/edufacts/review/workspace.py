"""An output folder opened for review: its documents, their text, and the
queue of items ordered by risk. Document ids are looked up in the index built
from the folder's own files, so no request can name a file outside it."""

from __future__ import annotations

import re
import threading
from bisect import bisect_left
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from ..errors import ContractError, EdufactsError, InputError
from ..models import DocumentResult, Fact, Unclaimed
from ..readers.load import load_document
from .store import DATABASE_NAME, DecisionStore

_DOC_ID = re.compile(r"^[^/\\\x00-\x1f\x7f]{1,200}$")
"""Any name extract gives a document (spaces, brackets: `report (1)`); ids are
looked up among the folder's own outputs and quoted in URLs, never joined into a path."""
# Unclaimed mentions most likely to be missed facts come first.
_UNCLAIMED_RISK = {"out_of_scope": 0, "no_unit": 1}
_CACHED_DOCUMENTS = 16


def unclaimed_target(item: Unclaimed) -> str:
    return f"u{item.start}-{item.end}"


@dataclass(frozen=True, kw_only=True)
class QueueEntry:
    doc_id: str
    target: str
    kind: str
    """`fact` or `unclaimed`."""
    raw: str
    indicator: str | None
    confidence: float | None
    needs_review: bool
    reason: str
    start: int

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc_id, self.target)


def _risk(entry: QueueEntry) -> tuple[int, float, int, str, int]:
    """needs_review first, then lowest confidence, then unclaimed mentions."""
    if entry.kind == "fact":
        return (0 if entry.needs_review else 1, entry.confidence or 0.0, 0, entry.doc_id, entry.start)
    return (2, 0.0, _UNCLAIMED_RISK.get(entry.reason, 9), entry.doc_id, entry.start)


@dataclass(frozen=True, kw_only=True)
class DocumentSummary:
    """What the documents page shows of one output, kept from the first read."""

    doc_id: str
    title: str | None
    path: str
    facts: int
    flagged: int
    unclaimed: int


@dataclass(frozen=True)
class LoadedDocument:
    result: DocumentResult
    text: str


class Workspace:
    """The documents of one output folder and their review state. Results are
    read again on demand (a few are kept), so a large folder stays small in memory."""

    def __init__(self, out_dir: Path) -> None:
        if not out_dir.is_dir():
            raise InputError(
                f"{out_dir}: not an output folder (run `edufacts extract --out {out_dir}` first)"
            )
        self.out_dir = out_dir.resolve()
        self.paths: dict[str, Path] = {}
        self.summaries: dict[str, DocumentSummary] = {}
        self.skipped: list[str] = []
        entries: list[QueueEntry] = []
        for path in sorted(self.out_dir.glob("*.json")):
            if path.name.startswith("."):
                continue
            try:
                result = DocumentResult.model_validate_json(path.read_bytes())
            except (ValidationError, OSError, ValueError):
                self.skipped.append(path.name)
                continue
            doc_id = result.document.id
            if doc_id != path.stem or not _DOC_ID.match(doc_id):
                self.skipped.append(path.name)
                continue
            self.paths[doc_id] = path
            self.summaries[doc_id] = DocumentSummary(
                doc_id=doc_id,
                title=result.meta.title,
                path=result.document.path,
                facts=len(result.facts),
                flagged=sum(1 for fact in result.facts if fact.needs_review),
                unclaimed=len(result.unclaimed),
            )
            entries.extend(_entries(result))
        self.queue: list[QueueEntry] = sorted(entries, key=_risk)
        self.position = {entry.key: index for index, entry in enumerate(self.queue)}
        self.by_document: dict[str, list[int]] = {doc_id: [] for doc_id in self.paths}
        """doc id -> the positions of its items in the queue, in queue order"""
        for index, entry in enumerate(self.queue):
            self.by_document[entry.doc_id].append(index)
        self.store = DecisionStore(self.out_dir / DATABASE_NAME)
        self._loaded: OrderedDict[str, LoadedDocument] = OrderedDict()
        self._lock = threading.Lock()

    def document(self, doc_id: str) -> LoadedDocument:
        """The output and its text; ContractError when the id is not in this folder."""
        if doc_id not in self.paths:
            raise ContractError(f"no document {doc_id!r} in {self.out_dir}")
        with self._lock:
            return self._document(doc_id)

    def _document(self, doc_id: str) -> LoadedDocument:
        if doc_id in self._loaded:
            self._loaded.move_to_end(doc_id)
            return self._loaded[doc_id]
        result = DocumentResult.model_validate_json(self.paths[doc_id].read_bytes())
        loaded = LoadedDocument(result, self._text(result))
        self._loaded[doc_id] = loaded
        if len(self._loaded) > _CACHED_DOCUMENTS:
            self._loaded.popitem(last=False)
        return loaded

    def _text(self, result: DocumentResult) -> str:
        """The text the offsets index: the saved copy beside the output (HTML input),
        else the source file, which must still be the one extracted."""
        info = result.document
        if info.text_path is not None:
            saved = (self.out_dir / info.text_path).resolve()
            if saved.parent != self.out_dir or not saved.is_file():
                raise ContractError(
                    f"{info.id}: text_path {info.text_path!r} is not a file in {self.out_dir}"
                )
            text = saved.read_text(encoding="utf-8")
        else:
            path = Path(info.path)
            # A relative path is relative to where extract ran: usually here, or
            # the folder holding OUT_DIR (`extract reports/ --out out/`).
            if not path.is_absolute() and not path.is_file():
                path = self.out_dir.parent / path if (self.out_dir.parent / path).is_file() else path
            try:
                source = load_document(path, max_bytes=max(info.chars * 4 + 4096, 1 << 20))
            except EdufactsError as error:
                raise ContractError(
                    f"{info.id}: the source text is needed and cannot be read ({error}); "
                    "run review from the folder where extract ran"
                ) from None
            if source.sha256 != info.sha256:
                raise ContractError(f"{info.id}: {info.path} changed since it was extracted (sha256 differs)")
            text = source.text
        if len(text) != info.chars:
            raise ContractError(
                f"{info.id}: the text has {len(text)} characters, the output says {info.chars}"
            )
        return text

    def unreadable_sources(self) -> list[str]:
        """One line per document whose text cannot be had (moved, changed, or review
        run from another folder): checked at start, so pages do not answer 404 later."""
        problems = []
        for doc_id in self.paths:
            try:
                self.document(doc_id)
            except EdufactsError as error:
                problems.append(str(error))
        return problems

    def positions(self, doc_id: str | None) -> list[int] | range:
        """The queue positions of one document's items, or of the whole queue (None)."""
        return range(len(self.queue)) if doc_id is None else self.by_document[doc_id]

    def neighbours(
        self, key: tuple[str, str], within_document: bool = False
    ) -> tuple[QueueEntry | None, QueueEntry | None]:
        """The items before and after key in the queue, or in its document's part of it."""
        positions = self.positions(key[0] if within_document else None)
        at = bisect_left(positions, self.position[key])
        previous = self.queue[positions[at - 1]] if at > 0 else None
        following = self.queue[positions[at + 1]] if at + 1 < len(positions) else None
        return previous, following


def _entries(result: DocumentResult) -> list[QueueEntry]:
    doc_id = result.document.id
    entries = [
        QueueEntry(
            doc_id=doc_id,
            target=fact.id,
            kind="fact",
            raw=fact.raw,
            indicator=fact.indicator,
            confidence=fact.confidence,
            needs_review=fact.needs_review,
            reason="",
            start=fact.start,
        )
        for fact in result.facts
    ]
    entries.extend(
        QueueEntry(
            doc_id=doc_id,
            target=unclaimed_target(item),
            kind="unclaimed",
            raw=item.raw,
            indicator=None,
            confidence=None,
            needs_review=False,
            reason=item.reason,
            start=item.start,
        )
        for item in result.unclaimed
    )
    return entries


def find_fact(result: DocumentResult, target: str) -> Fact | None:
    return next((fact for fact in result.facts if fact.id == target), None)


def find_unclaimed(result: DocumentResult, target: str) -> Unclaimed | None:
    return next((item for item in result.unclaimed if unclaimed_target(item) == target), None)


__all__ = [
    "DocumentSummary",
    "LoadedDocument",
    "QueueEntry",
    "Workspace",
    "find_fact",
    "find_unclaimed",
    "unclaimed_target",
]
