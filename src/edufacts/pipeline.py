"""The only orchestrator: document -> DocumentResult, and a batch over many
documents, run concurrently (--jobs), with atomic outputs, a run ledger and
--resume. Outputs stream: the batch keeps only per-document counts."""

from __future__ import annotations

import hashlib
import json
import logging
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .backends.registry import open_backend
from .errors import ConfigError, EdufactsError, InputError
from .models import (
    SCHEMA_VERSION,
    DocumentInfo,
    DocumentResult,
    Fact,
    Finding,
    RunInfo,
    Section,
    TextItem,
    Unclaimed,
)
from .output import RunWriter, completed_documents, finished_output
from .readers.load import Document, document_ids, load_document
from .resources import data_dir
from .settings import Settings
from .stages.catalog import load_catalog
from .stages.narrative import Item, extract_meta, problems_and_measures
from .stages.numbers import find_mentions
from .stages.reconcile import ReconcileSettings, build_facts, sum_findings
from .stages.rules import UnclaimedMention, propose
from .stages.segment import build_sections, find_headings, find_tables
from .usage import Usage

if TYPE_CHECKING:
    from .backends.assist import ChunkResult
    from .backends.base import Backend, ChunkProgress, InstallProgress


log = logging.getLogger("edufacts")
MAX_MENTIONS = 80_000


def extract_document(
    document: Document, settings: Settings, backend: Backend | None = None
) -> DocumentResult:
    """Rules first; the backend annotates the rules' proposals and merges its
    annotations per mention (a backend is opened for this one document when none
    is given: pass one, from open_backend, for many). A chunk a model failed on
    keeps the rules' result and is listed in run.failures."""
    if backend is None:
        with open_backend(settings) as opened:
            return _extract(document, settings, opened)[0]
    return _extract(document, settings, backend)[0]


def _extract(
    document: Document,
    settings: Settings,
    backend: Backend,
    pool: Executor | None = None,
    stop: threading.Event | None = None,
    on_chunk: ChunkProgress | None = None,
) -> tuple[DocumentResult, list[ChunkResult]]:
    if backend.name != settings.backend:
        raise ConfigError(
            f"settings name backend {settings.backend!r} but the open backend is {backend.name!r}"
        )
    started = time.perf_counter()
    catalog = load_catalog()
    text = document.normalized
    sections = build_sections(text, find_headings(text))
    tables = find_tables(text)
    mentions = find_mentions(text)
    if len(mentions) > MAX_MENTIONS:
        # Each number costs a few KB on its way to the output: past this a file
        # the default --max-bytes accepts could need gigabytes.
        raise InputError(
            f"{document.path}: {len(mentions):,} numbers in one document, over the limit of {MAX_MENTIONS:,} "
            "(no report of the genre comes near it); split the file"
        )
    proposals, unclaimed = propose(document, catalog, mentions, sections, tables)
    set_aside = [item for item in unclaimed if item.proposal is not None]
    annotations = backend.annotate(
        document, catalog, proposals, mentions, set_aside=set_aside, pool=pool, stop=stop, on_chunk=on_chunk
    )
    merged = backend.merge(catalog, proposals, annotations, document.normalized, set_aside=set_aside)
    unclaimed = sorted(
        [*(u for u in unclaimed if u.mention.start not in merged.restored), *merged.dropped],
        key=lambda item: item.mention.start,
    )
    run = RunInfo(
        backend=settings.backend,
        model=annotations.model,
        prompt_version=annotations.prompt_version,
        llm_calls=annotations.usage.calls,
        cached_calls=annotations.usage.cached_calls,
        tokens=annotations.usage.tokens,
        failures=list(annotations.failures),
    )
    chunks = list(annotations.chunks)
    facts = build_facts(
        document,
        catalog,
        merged.proposals,
        ReconcileSettings(settings.review_threshold, settings.backend),
        merged.provenance,
    )
    problems, measures = problems_and_measures(document, sections)
    problems = with_model_items(problems, annotations.problems)
    measures = with_model_items(measures, annotations.measures)
    meta = extract_meta(document, sections)
    if annotations.meta:
        # The rules' value stands; the model's (found in the text) fills a gap.
        meta = meta.model_copy(
            update={name: value for name, value in annotations.meta.items() if getattr(meta, name) is None}
        )
    original = document.text

    def quote(start: int, end: int) -> str:
        return original[max(0, start - 12) : min(len(original), end + 12)].strip()

    result = DocumentResult(
        document=DocumentInfo(
            id=document.id,
            path=document.path,
            sha256=document.sha256,
            chars=len(original),
            script=document.script,
            encoding=document.encoding,
            format=document.format,
        ),
        run=run.model_copy(update={"seconds": round(time.perf_counter() - started, 4)}),
        meta=meta,
        sections=[
            Section(
                id=section.id,
                heading=original[section.path_spans[-1][0] : section.path_spans[-1][1]]
                if section.level
                else "",
                heading_path=[original[start:end] for start, end in section.path_spans],
                level=section.level,
                start=section.start,
                end=section.end,
            )
            for section in sections
        ],
        facts=facts,
        problems=[TextItem(text=original[i.start : i.end], start=i.start, end=i.end) for i in problems],
        measures=[TextItem(text=original[i.start : i.end], start=i.start, end=i.end) for i in measures],
        unclaimed=[
            Unclaimed(
                raw=original[u.mention.start : u.mention.end],
                start=u.mention.start,
                end=u.mention.end,
                value=u.mention.value,
                unit=u.mention.unit,
                reason=u.reason,
                quote=quote(u.mention.start, u.mention.end),
            )
            for u in unclaimed
        ],
        findings=[
            *decode_findings(document),
            *sum_findings(document, facts),
            *set_aside_findings(facts, unclaimed),
            *unread_findings(facts, unclaimed),
            *rejected_findings(annotations.rejected),
        ],
    )
    return result, chunks


def with_model_items(items: list[Item], spans: tuple[tuple[int, int], ...]) -> list[Item]:
    """The rules' problems (or measures) and the model's that overlap none of them, in text order."""
    kept = list(items)
    for start, end in spans:
        if not any(start < item.end and item.start < end for item in kept):
            kept.append(Item(start, end))
    return sorted(kept, key=lambda item: item.start)


def rejected_findings(rejected: int) -> list[Finding]:
    if not rejected:
        return []
    detail = f"{rejected} model answers (problems, measures or metadata) not found in the text were dropped"
    return [Finding(kind="model_answer_rejected", detail=detail)]


def decode_findings(document: Document) -> list[Finding]:
    """Invalid bytes replaced while decoding: where, so a reader can check them; and
    what a format reader had to do (a converter used, a page limit reached)."""
    notes = [Finding(kind="reading", detail=note) for note in document.notes]
    if not document.replaced:
        return notes
    shown = ", ".join(map(str, document.replaced[:20])) + (" ..." if len(document.replaced) > 20 else "")
    detail = f"{len(document.replaced)} invalid bytes replaced by U+FFFD at characters {shown}"
    return [
        Finding(
            kind="decode_damage", detail=detail, start=document.replaced[0], end=document.replaced[-1] + 1
        )
    ]


SET_ASIDE = "mostly_set_aside"
_SET_ASIDE_REASONS = ("boilerplate", "out_of_scope")
_SET_ASIDE_MIN_NUMBERS = 5
_SET_ASIDE_SHARE = 0.5


def set_aside_findings(facts: list[Fact], unclaimed: list[UnclaimedMention]) -> list[Finding]:
    """A document most of whose measured numbers are set aside as site chrome or
    not about education says so: a mixed-topic document (expected), or a page
    whose prose was taken for chrome (a wrong document or a fault to report)."""
    set_aside = Counter(u.reason for u in unclaimed if u.reason in _SET_ASIDE_REASONS and u.mention.unit)
    total = len(facts) + sum(set_aside.values())
    if total < _SET_ASIDE_MIN_NUMBERS or sum(set_aside.values()) < _SET_ASIDE_SHARE * total:
        return []
    parts = ", ".join(f"{count} {reason.replace('_', ' ')}" for reason, count in sorted(set_aside.items()))
    detail = f"{sum(set_aside.values())} of {total} numbers with a unit were set aside ({parts})"
    return [Finding(kind=SET_ASIDE, detail=detail)]


UNREAD = "mostly_unread"
_UNREAD_MIN_NUMBERS = 20


def unread_findings(facts: list[Fact], unclaimed: list[UnclaimedMention]) -> list[Finding]:
    """A document most of whose numbers stand bare, with no unit written and no
    table column read to give one, says so: a table whose layout was not
    recognized leaves its cells unread, and a count of facts alone would not show it."""
    unread = [
        u for u in unclaimed if u.reason == "no_unit" and not u.mention.written_unit and not u.mention.scale
    ]
    total = len(facts) + len(unread)
    if len(unread) < _UNREAD_MIN_NUMBERS or len(unread) < _SET_ASIDE_SHARE * total:
        return []
    detail = (
        f"{len(unread)} of {total} numbers were left unread: no unit is written or read from a table for them"
    )
    return [Finding(kind=UNREAD, detail=detail, start=unread[0].mention.start, end=unread[-1].mention.end)]


@dataclass(frozen=True, kw_only=True)
class DocumentOutcome:
    """What the batch keeps of a document: counts, not the result."""

    path: Path
    status: str
    """ok, failed, or skipped (finished by an earlier run; --resume)."""
    doc_id: str | None = None
    error: str | None = None
    facts: int = 0
    needs_review: int = 0
    unclaimed: int = 0
    findings: int = 0
    usage: Usage = field(default_factory=Usage)
    failed_chunks: int = 0
    seconds: float = 0.0
    warning: str | None = None
    """a finding the run summary repeats (most numbers set aside)"""

    # The summary table's columns, from the one usage value.
    @property
    def llm_calls(self) -> int:
        return self.usage.calls

    @property
    def cached_calls(self) -> int:
        return self.usage.cached_calls

    @property
    def tokens(self) -> int:
        return self.usage.tokens

    @classmethod
    def of(cls, path: Path, result: DocumentResult) -> DocumentOutcome:
        run = result.run
        warning = next((f.detail for f in result.findings if f.kind in (SET_ASIDE, UNREAD)), None)
        return cls(
            path=path,
            status="ok",
            doc_id=result.document.id,
            facts=len(result.facts),
            needs_review=sum(1 for fact in result.facts if fact.needs_review),
            unclaimed=len(result.unclaimed),
            findings=len(result.findings),
            usage=run.usage,
            failed_chunks=len(run.failures),
            seconds=run.seconds,
            warning=warning,
        )

    @classmethod
    def kept(cls, path: Path, payload: dict[str, Any]) -> DocumentOutcome:
        """A document an earlier run finished, from its output JSON."""
        return cls(
            path=path,
            status="skipped",
            doc_id=payload["document"]["id"],
            facts=len(payload["facts"]),
            needs_review=sum(1 for fact in payload["facts"] if fact.get("needs_review")),
            unclaimed=len(payload.get("unclaimed", [])),
            findings=len(payload.get("findings", [])),
        )


_COUNTED = ("facts", "needs_review", "unclaimed", "findings", "llm_calls", "cached_calls", "tokens")


@dataclass(kw_only=True)
class BatchSummary:
    jobs: int = 1
    """Documents and model calls in flight at once (--jobs, clamped to what the endpoint serves)."""
    documents: dict[str, int] = field(default_factory=lambda: {"ok": 0, "failed": 0, "skipped": 0})
    totals: dict[str, int] = field(default_factory=lambda: dict.fromkeys((*_COUNTED, "failed_chunks"), 0))
    seconds: float = 0.0
    usage: Usage = field(default_factory=Usage)

    def add(self, outcome: DocumentOutcome) -> None:
        self.documents[outcome.status] += 1
        self.usage += outcome.usage
        for name in self.totals:
            self.totals[name] += getattr(outcome, name)


@dataclass(kw_only=True)
class _Finished:
    path: Path
    document: Document | None = None
    result: DocumentResult | None = None
    chunks: list[ChunkResult] = field(default_factory=list)
    kept: dict[str, Any] | None = None
    error: str | None = None


def settings_fingerprint(settings: Settings, backend: Backend) -> str:
    """Everything besides the input that changes a document's output; --resume
    skips a document only when its input sha256 and this are unchanged."""
    catalog = hashlib.sha256((data_dir("schemas") / "catalog.json").read_bytes()).hexdigest()
    parts = {
        "edufacts": __version__,
        "schema": SCHEMA_VERSION,
        "catalog": catalog,
        "backend": settings.backend,
        "review_threshold": settings.review_threshold,
        "max_pages": settings.max_pages,
        "model": backend.identity,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


@contextmanager
def _ctrl_c_deferred() -> Iterator[None]:
    """A Ctrl-C that comes while a document is being written lands after it:
    its JSON, facts rows and ledger line go out together or not at all."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def _worker_ignores_ctrl_c() -> None:
    """Worker threads block SIGINT, so the kernel always hands a Ctrl-C to the main
    thread (a worker receiving it left the main thread asleep in wait() while the
    calls in flight could take minutes)."""
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})


_WAKE_SECONDS = 0.5
"""The main thread wakes this often while it waits for documents, to act on a Ctrl-C."""


def _chunk_entries(chunks: list[ChunkResult]) -> list[dict[str, Any]]:
    return [
        {
            "chunk": result.chunk.id,
            "start": result.chunk.start,
            "end": result.chunk.end,
            "status": result.status,
            "calls": result.usage.calls,
            "tokens": result.usage.tokens,
            **({"error": result.error} if result.error is not None else {}),
        }
        for result in chunks
    ]


def run_batch(
    paths: Iterable[Path],
    settings: Settings,
    on_done: Callable[[DocumentOutcome], None] | None = None,
    on_install: InstallProgress | None = None,
    on_start: Callable[[], None] | None = None,
    on_chunk: ChunkProgress | None = None,
) -> BatchSummary:
    """Extract every path, `settings.jobs` documents (and model calls) at a time;
    a failure is recorded and the batch goes on. Workers extract; this thread
    alone writes, as each document finishes, so an interrupted batch leaves
    every finished document complete and the rest for --resume."""
    started = time.perf_counter()
    paths = list(paths)
    ids = document_ids(paths)
    stop = threading.Event()
    with (
        RunWriter(settings.out_dir, settings.backend) as writer,
        open_backend(settings, on_install=on_install) as backend,
    ):
        parallel = backend.parallel
        summary = BatchSummary(jobs=min(settings.jobs, parallel or settings.jobs))
        done = completed_documents(settings.out_dir) if settings.resume else {}
        fingerprint = writer.fingerprint = settings_fingerprint(settings, backend)
        if on_start is not None:
            on_start()  # the output folder is ours and the backend is up
        calls = (
            ThreadPoolExecutor(summary.jobs, initializer=_worker_ignores_ctrl_c)
            if backend.name != "rules" and summary.jobs > 1
            else None
        )

        def finished_before(path: Path) -> dict[str, Any] | None:
            previous = done.get(ids[path])
            if previous is None or previous[1] != fingerprint:
                return None
            try:
                sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                return None
            if previous[0] != sha256:
                return None
            return finished_output(settings.out_dir, ids[path], sha256)

        def work(path: Path) -> _Finished:
            kept = finished_before(path) if settings.resume else None
            if kept is not None:
                log.info("%s: finished by an earlier run, kept (--resume)", path)
                return _Finished(path=path, kept=kept)
            try:
                document = load_document(path, settings.max_bytes, ids[path], settings.max_pages)
                result, chunks = _extract(document, settings, backend, calls, stop, on_chunk)
            except EdufactsError as error:
                return _Finished(path=path, error=str(error))
            return _Finished(path=path, document=document, result=result, chunks=chunks)

        def commit(finished: _Finished) -> DocumentOutcome:
            if finished.error is not None:
                writer.record_failure(finished.path, finished.error)
                return DocumentOutcome(path=finished.path, status="failed", error=finished.error)
            if finished.kept is not None:
                writer.keep_document(finished.kept)
                return DocumentOutcome.kept(finished.path, finished.kept)
            document, result = finished.document, finished.result
            assert document is not None and result is not None
            if document.format != "txt":  # the text the offsets index, for the reader and review
                text_path = writer.write_text(document.id, document.text)
                result = result.model_copy(
                    update={"document": result.document.model_copy(update={"text_path": text_path})}
                )
            writer.write_document(result, _chunk_entries(finished.chunks))
            return DocumentOutcome.of(finished.path, result)

        documents = ThreadPoolExecutor(summary.jobs, initializer=_worker_ignores_ctrl_c)
        try:
            pending: dict[Future[_Finished], int] = {}

            def commit_finished(futures: Iterable[Future[_Finished]]) -> None:
                for future in sorted(futures, key=pending.__getitem__):
                    del pending[future]
                    with _ctrl_c_deferred():
                        outcome = commit(future.result())
                        summary.add(outcome)
                        if on_done is not None:
                            on_done(outcome)

            for index, path in enumerate(paths):
                pending[documents.submit(work, path)] = index
                while len(pending) >= 2 * summary.jobs:  # a bounded window: memory stays flat
                    commit_finished(wait(pending, _WAKE_SECONDS, FIRST_COMPLETED).done)
            while pending:
                commit_finished(wait(pending, _WAKE_SECONDS, FIRST_COMPLETED).done)
        except BaseException:
            stop.set()  # no new model call starts; unfinished documents are not written
            raise
        finally:
            documents.shutdown(wait=not stop.is_set(), cancel_futures=True)
            if calls is not None:
                calls.shutdown(wait=not stop.is_set(), cancel_futures=True)
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary
