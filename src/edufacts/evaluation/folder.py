"""Scores a folder of edufacts outputs (`<doc id>.json`) against gold files: what
`edufacts eval --pred`, `edufacts.evaluate` and the runner (after extracting to a
folder) all do."""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

from pydantic import ValidationError

from ..errors import ContractError, InputError
from ..models import DocumentResult
from ..readers.load import find_document, load_document
from .gold import read_gold
from .score import DocumentScore, score_document


def _gold_files(gold_dir: Path, only: Collection[str] | None = None) -> list[Path]:
    files = sorted(path for path in gold_dir.glob("*.json") if only is None or path.stem in only)
    if not files:
        raise InputError(f"{gold_dir}: no gold files (*.json)")
    return files


def gold_files(gold_dir: Path, only: Collection[str] | None = None) -> list[Path]:
    """The gold files of a folder (`only`: these document ids), sorted."""
    return _gold_files(gold_dir, only)


def score_predictions(
    gold_dir: Path, docs_dir: Path, pred_dir: Path, only: Collection[str] | None = None
) -> list[DocumentScore]:
    scores = []
    for gold_path in _gold_files(gold_dir, only):
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
