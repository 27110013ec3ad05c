"""Feeds the scorer: runs a backend over the gold set's documents, or reads
existing outputs. Kept apart from score.py, which stays pure."""

from __future__ import annotations

from collections.abc import Collection
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from ..backends.registry import open_backend
from ..errors import ContractError, InputError
from ..models import DocumentResult
from ..pipeline import extract_document
from ..readers.load import find_document, load_document
from ..settings import Settings
from .gold import read_gold
from .score import DocumentScore, score_document

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


def _gold_files(gold_dir: Path, only: Collection[str] | None = None) -> list[Path]:
    files = sorted(path for path in gold_dir.glob("*.json") if only is None or path.stem in only)
    if not files:
        raise InputError(f"{gold_dir}: no gold files (*.json)")
    return files


def score_backend(
    gold_dir: Path,
    docs_dir: Path,
    settings: Settings,
    backend: Backend | None = None,
    only: Collection[str] | None = None,
) -> list[DocumentScore]:
    """With `backend` given (an open session: a test's recorded one), none is
    opened; `only` restricts the run to these document ids."""
    scores = []
    with nullcontext(backend) if backend is not None else open_backend(settings) as backend:
        for gold_path in _gold_files(gold_dir, only):
            gold = read_gold(gold_path)
            document = load_document(find_document(docs_dir, gold.doc_id), settings.max_bytes)
            result = extract_document(document, settings, backend)
            scores.append(score_document(gold, document.text, result))
    return scores


def score_predictions(gold_dir: Path, docs_dir: Path, pred_dir: Path) -> list[DocumentScore]:
    scores = []
    for gold_path in _gold_files(gold_dir):
        gold = read_gold(gold_path)
        document = load_document(find_document(docs_dir, gold.doc_id))
        pred_path = pred_dir / f"{gold.doc_id}.json"
        try:
            predicted = DocumentResult.model_validate_json(pred_path.read_bytes())
        except OSError:
            raise InputError(f"{pred_path}: no prediction for gold document {gold.doc_id}") from None
        except ValidationError as error:
            raise ContractError(
                f"{pred_path}: not an edufacts output ({error.error_count()} errors)"
            ) from None
        scores.append(score_document(gold, document.text, predicted))
    return scores
