"""Feeds the scorer: runs a backend over a split's documents through the public
API into a folder of outputs, then scores the folder (folder.py). Kept apart from
score.py, which stays pure."""

from __future__ import annotations

import tempfile
from collections.abc import Collection
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..api import Extractor
from ..output import atomic_write_text, document_json
from ..readers.load import find_document
from ..settings import Settings
from .folder import gold_files, score_predictions
from .score import DocumentScore

if TYPE_CHECKING:
    from ..backends.base import Backend


@dataclass(frozen=True)
class Split:
    """A labelled set: gold files and the documents they label."""

    name: str
    gold_dir: Path
    docs_dir: Path


DEV = Split("dev", Path("eval/gold"), Path("eval/docs"))
HELDOUT = Split("heldout", Path("eval/heldout/gold"), Path("eval/heldout/docs"))
"""Never tuned on: a rule changed because of an error seen here moves the document to dev."""


def run_name(backend: str, split: Split) -> str:
    """`rules` for the dev split (the name baselines have always used), `rules/heldout` else."""
    return backend if split.name == DEV.name else f"{backend}/{split.name}"


def score_backend(
    gold_dir: Path,
    docs_dir: Path,
    settings: Settings,
    backend: Backend | None = None,
    only: Collection[str] | None = None,
    out_dir: Path | None = None,
) -> list[DocumentScore]:
    """Extract the gold set's documents through the public API into a folder of
    outputs (`out_dir`, else a temporary one), then score that folder: the eval
    measures exactly what a user's run writes. With `backend` given (an open
    session: a test's recorded one), none is opened; `only` restricts the run to
    these document ids."""
    with ExitStack() as stack:
        folder = out_dir or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="edufacts-eval-")))
        folder.mkdir(parents=True, exist_ok=True)
        extractor = stack.enter_context(Extractor(settings, session=backend))
        for gold_path in gold_files(gold_dir, only):
            result = extractor.extract(find_document(docs_dir, gold_path.stem))
            atomic_write_text(folder / f"{result.document.id}.json", document_json(result))
        return score_predictions(gold_dir, docs_dir, folder, only)


__all__ = ["DEV", "HELDOUT", "Split", "run_name", "score_backend", "score_predictions"]
