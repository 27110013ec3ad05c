"""The only orchestrator: document -> DocumentResult, and a batch over many
documents with atomic outputs and a run ledger."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .catalog import load_catalog
from .errors import ConfigError, EdufactsError
from .load import Document, load_document
from .models import DocumentInfo, DocumentResult, RunInfo, Section, TextItem, Unclaimed
from .narrative import extract_meta, problems_and_measures
from .numbers import find_mentions
from .output import RunWriter
from .reconcile import ReconcileSettings, apply_claims, build_facts, sum_findings
from .rules import propose
from .segment import build_sections, find_headings, find_tables
from .settings import Settings

if TYPE_CHECKING:
    from .llm.backend import Assistant, InstallProgress


def extract_document(
    document: Document, settings: Settings, assistant: Assistant | None = None
) -> DocumentResult:
    """Rules first; with an assistant, the model's claims are merged per mention.
    A chunk the model failed on keeps the rules' result and is listed in run.failures."""
    if settings.backend != "rules" and assistant is None:
        raise ConfigError(f"backend {settings.backend!r} needs a model session: use open_backend()")
    started = time.perf_counter()
    catalog = load_catalog()
    text = document.normalized
    sections = build_sections(text, find_headings(text))
    tables = find_tables(text)
    mentions = find_mentions(text)
    proposals, unclaimed = propose(document, catalog, mentions, sections, tables)
    run = RunInfo(backend=settings.backend)
    if assistant is not None:
        assistance = assistant.assist(document, catalog, proposals, mentions)
        proposals, dropped = apply_claims(
            catalog, proposals, assistance.claims, assistant.policy, document.normalized
        )
        unclaimed = sorted([*unclaimed, *dropped], key=lambda item: item.mention.start)
        run = RunInfo(
            backend=settings.backend,
            model=assistant.model_name,
            prompt_version=assistant.prompt_version,
            llm_calls=assistance.calls,
            cached_calls=assistance.cached_calls,
            tokens=assistance.tokens,
            failures=assistance.failures,
        )
    facts = build_facts(document, catalog, proposals, ReconcileSettings(settings.review_threshold))
    problems, measures = problems_and_measures(document, sections)
    original = document.text

    def quote(start: int, end: int) -> str:
        return original[max(0, start - 12) : min(len(original), end + 12)].strip()

    return DocumentResult(
        document=DocumentInfo(
            id=document.id,
            path=document.path,
            sha256=document.sha256,
            chars=len(original),
            script=document.script,  # type: ignore[arg-type]
            encoding=document.encoding,
            format=document.format,  # type: ignore[arg-type]
        ),
        run=run.model_copy(update={"seconds": round(time.perf_counter() - started, 4)}),
        meta=extract_meta(document, sections),
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
        findings=sum_findings(document, facts),
    )


@dataclass(frozen=True)
class DocumentOutcome:
    path: Path
    result: DocumentResult | None
    error: str | None


@contextmanager
def open_backend(settings: Settings, on_install: InstallProgress | None = None) -> Iterator[Assistant | None]:
    """The model session for a batch (None for rules): one server, one client,
    stopped when the batch ends, also on Ctrl-C."""
    if settings.backend == "rules":
        yield None
        return
    from .llm.backend import open_assistant  # the LLM stack loads only when used

    with open_assistant(settings, on_install) as assistant:
        yield assistant


def run_batch(
    paths: Iterable[Path],
    settings: Settings,
    on_done: Callable[[DocumentOutcome], None] | None = None,
    on_install: InstallProgress | None = None,
) -> list[DocumentOutcome]:
    """Extract every path; a failure is recorded and the batch goes on."""
    outcomes: list[DocumentOutcome] = []
    with (
        RunWriter(settings.out_dir, settings.backend) as writer,
        open_backend(settings, on_install) as assistant,
    ):
        for path in paths:
            try:
                document = load_document(path, settings.max_bytes)
                result = extract_document(document, settings, assistant)
                if document.format == "html":
                    text_path = writer.write_text(document.id, document.text)
                    result = result.model_copy(
                        update={"document": result.document.model_copy(update={"text_path": text_path})}
                    )
                writer.write_document(result)
                outcome = DocumentOutcome(path, result, None)
            except EdufactsError as error:
                writer.record_failure(path, str(error))
                outcome = DocumentOutcome(path, None, str(error))
            outcomes.append(outcome)
            if on_done is not None:
                on_done(outcome)
    return outcomes
