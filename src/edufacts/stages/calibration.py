"""Calibrated confidence: P(a fact is right) from its evidence, by a logistic
model fitted on the dev gold set (`edufacts calibrate`, scikit-learn), shipped as
`schemas/calibration.json`. Applying it is pure Python: a weighted sum and a
sigmoid. The file also holds, per backend, the threshold that flags the review
budget's share of the dev facts."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ..errors import ContractError
from ..resources import data_dir
from .evidence import FEATURES, LOOKALIKE_WINDOW, LabelModel, vector

CALIBRATION_FILE = "calibration.json"
REVIEW_BUDGET = 0.25
"""The share of facts flagged for review by default."""
DOCUMENT_CAP = 0.6
"""At most this share of one document's facts is flagged for a low estimate: a
document unlike the dev set must not flood the queue."""


@dataclass(frozen=True)
class Calibration:
    weights: tuple[float, ...]
    bias: float
    threshold: float
    """Facts under this probability need review (chosen on dev for the budget)."""

    def logit(self, row: list[float]) -> float:
        """bias + weights . row, `row` an evidence `vector`."""
        return self.bias + sum(w * x for w, x in zip(self.weights, row, strict=True))

    def probability(self, evidence: dict[str, int]) -> float:
        return 1.0 / (1.0 + math.exp(-self.logit(vector(evidence))))


_unfitted = False
"""True while `edufacts calibrate` extracts the facts it fits on (see without_fit)."""


@contextmanager
def without_fit() -> Iterator[None]:
    """No calibration applies inside (the hand-set score does): what `edufacts
    calibrate` extracts with, so that a file fitted on other features, the one it
    is about to replace, is not an error there."""
    global _unfitted
    _unfitted = True
    load_calibration.cache_clear()
    load_label_model.cache_clear()
    try:
        yield
    finally:
        _unfitted = False
        load_calibration.cache_clear()
        load_label_model.cache_clear()


def _fitted_file() -> tuple[Path, dict[str, Any]] | None:
    """The calibration file and its parsed content, or None (no file, or inside
    `without_fit`). The two loaders below read their parts of it."""
    if _unfitted:
        return None
    path = data_dir("schemas") / CALIBRATION_FILE
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ContractError(f"{path}: not a calibration file ({error})") from None
    if not isinstance(raw, dict):
        raise ContractError(f"{path}: not a calibration file (not an object)")
    return path, raw


@cache
def load_calibration(backend: str) -> Calibration | None:
    """The backend's fitted calibration, or None (no file, or a backend not fitted:
    its facts keep the hand-set score, whose model agreement still counts)."""
    fitted = _fitted_file()
    if fitted is None:
        return None
    path, raw = fitted
    try:
        if tuple(raw["features"]) != FEATURES:
            raise ContractError(f"{path}: fitted on other features; run `edufacts calibrate`")
        entry = raw["backends"].get(backend)
        if entry is None:
            return None
        return Calibration(tuple(entry["weights"]), float(entry["bias"]), float(entry["threshold"]))
    except (KeyError, TypeError, ValueError) as error:
        raise ContractError(f"{path}: not a calibration file ({error})") from None


@cache
def load_label_model() -> LabelModel | None:
    """The label model `unnamed_lookalike` reads (see evidence.LabelModel), or
    None (no file, an older file, or inside `without_fit`)."""
    fitted = _fitted_file()
    if fitted is None:
        return None
    path, raw = fitted
    entry = raw.get("label_model")
    if entry is None:
        return None
    try:
        if entry["window"] != LOOKALIKE_WINDOW:
            raise ContractError(f"{path}: its label model reads another window; run `edufacts calibrate`")
        weights = {str(gram): float(weight) for gram, weight in entry["weights"].items()}
        return LabelModel(weights, float(entry["bias"]))
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ContractError(f"{path}: not a calibration file ({error})") from None
