"""`edufacts calibrate`: fit the calibrated confidence on a gold set (the dev split;
never the held-out one) and write `schemas/calibration.json`. A fact is right
when it pairs with a gold fact of the same value and unit and, where the gold
names an indicator, the same indicator. The fit also learns from the first-sight
facts (eval/first_sight, and eval/first_sight_local for the local backend): each
dev document's facts as the code stood before the document joined the eval set
(`tools/first_sight.py`), judged by today's gold, so that the errors of a
document never seen are in the fit beside the few today's code leaves on
documents it was tuned on; the review threshold keeps the flags within the
budget on both. A model backend's fit is stacked on the rules' (`stacked_fit`).
scikit-learn's logistic regression (its
probabilities are Platt-calibrated by construction) is the one fitting library;
it is needed only here (`pip install -e '.[calibrate]'`)."""

from __future__ import annotations

import hashlib
import json
from contextlib import ExitStack
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..backends.base import Backend
from ..backends.registry import open_backend
from ..errors import ConfigError, ContractError
from ..models import DocumentResult, GoldFile
from ..output import atomic_write_text
from ..pipeline import extract_document
from ..readers.load import Document, find_document, load_document, normalize
from ..settings import Settings
from ..stages.calibration import (
    CALIBRATION_FILE,
    DOCUMENT_CAP,
    REVIEW_BUDGET,
    Calibration,
    load_calibration,
    load_label_model,
    without_fit,
)
from ..stages.catalog import load_catalog
from ..stages.evidence import (
    FEATURES,
    LOOKALIKE_WINDOW,
    LabelModel,
    NumberInText,
    indicator_units_of,
    label_chars,
    label_grams,
    lookalike,
    vector,
    wording_evidence,
)
from .gold import locate_facts, read_gold, rejected_spans
from .metrics import overlap
from .score import pair_spans

FIRST_SIGHT = {"rules": Path("eval/first_sight"), "local": Path("eval/first_sight_local")}
"""tools/first_sight.py's folders, per backend (the local one holds the model's
answers to the first-sight proposals too)"""
LABEL_FOLDS = 10
"""the label model's cross-fitting: documents in turn, by their place in the gold
folder's sorted order"""


@dataclass
class Judged:
    """Judged predicted facts, row by row (the evidence vector, whether it is right,
    its document, its place there), and what the label model needs of each
    document: its normalized text and its gold facts' `label_grams` with whether
    each names an indicator."""

    rows: list[list[float]] = field(default_factory=list)
    right: list[int] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    numbers: list[NumberInText] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    labels: dict[str, list[tuple[list[str], int]]] = field(default_factory=dict)

    def add_document(self, gold: GoldFile, document: Document) -> None:
        self.texts[gold.doc_id] = document.normalized
        self.labels[gold.doc_id] = [
            (label_grams(normalize(fact.label, document.script), fact.unit), int(fact.indicator is not None))
            for fact in gold.facts
            if fact.reviewed or not gold.partial
        ]

    def add_fact(self, evidence: dict[str, int], is_right: bool, doc_id: str, number: NumberInText) -> None:
        self.rows.append(vector(evidence))
        self.right.append(int(is_right))
        self.documents.append(doc_id)
        self.numbers.append(number)


def judged_facts(gold: GoldFile, result: DocumentResult | SimpleNamespace, text: str) -> dict[int, bool]:
    """Predicted fact index -> whether it is right, for the facts the gold decides:
    all of them in a labelled file; in a partial one (exported from review) only
    those a reviewer accepted, edited, added or rejected."""
    located = locate_facts(gold, text)
    pairs = pair_spans([(g.start, g.end) for g in located], [(f.start, f.end) for f in result.facts])
    gold_of = {p: g for g, p in pairs.items()}
    rejected = rejected_spans(gold, text)
    judged: dict[int, bool] = {}
    for p, fact in enumerate(result.facts):
        g = gold_of.get(p)
        if g is None:
            if not gold.partial or any(overlap(fact.start, fact.end, *span) > 0 for span in rejected):
                judged[p] = False
            continue
        expected = located[g].fact
        if gold.partial and not expected.reviewed:
            continue  # the tool's own output, exported unreviewed: says nothing
        indicator_ok = expected.indicator is None or fact.indicator == expected.indicator
        judged[p] = (fact.value, fact.unit) == (expected.value, expected.unit) and indicator_ok
    return judged


def labelled_facts(
    folders: list[tuple[Path, Path]], settings: Settings, session: Backend | None = None
) -> Judged:
    """Each judged predicted fact of the gold folders' documents (`folders`: gold
    and docs directory pairs). `session`: an open backend (a test's recorded
    one); else one is opened from `settings`."""
    judged = Judged()
    with ExitStack() as stack:
        backend = session or stack.enter_context(open_backend(settings))
        for gold_dir, docs_dir in folders:
            for gold_path in sorted(gold_dir.glob("*.json")):
                gold = read_gold(gold_path)
                document = load_document(find_document(docs_dir, gold.doc_id))
                result: DocumentResult = extract_document(document, settings, backend)
                judged.add_document(gold, document)
                for p, is_right in sorted(judged_facts(gold, result, document.text).items()):
                    fact = result.facts[p]
                    number = NumberInText(fact.start, fact.end, fact.unit, fact.indicator is not None)
                    judged.add_fact(fact.evidence, is_right, gold.doc_id, number)
    return judged


def text_sha256(text: str) -> str:
    """What a first-sight file records of its document's text (tools/first_sight.py)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def first_sight_facts(folder: Path, gold_dir: Path, docs_dir: Path) -> Judged:
    """Each fact an earlier version found in a gold document (`folder`: files
    written by tools/first_sight.py; those of documents without a gold file in
    `gold_dir` are passed over), judged by today's gold. The features the stored
    evidence lacks are read from the words around the fact, as reconcile reads
    them, or count 0 (unnamed_lookalike is set by `cross_fitted_lookalike`, from
    today's texts and labels of the same documents)."""
    judged = Judged()
    units = indicator_units_of(load_catalog())
    for path in sorted(folder.glob("*.json")):
        stored = json.loads(path.read_text(encoding="utf-8"))
        gold_path = gold_dir / f"{stored['doc_id']}.json"
        if not gold_path.is_file():
            continue
        gold = read_gold(gold_path)
        document = load_document(find_document(docs_dir, gold.doc_id))
        if text_sha256(document.text) != stored["text_sha256"]:
            raise ContractError(f"{path}: its document's text has changed; run tools/first_sight.py again")
        facts = [SimpleNamespace(**{**fact, "value": Decimal(fact["value"])}) for fact in stored["facts"]]
        numbers = [NumberInText(f.start, f.end, f.unit, f.indicator is not None) for f in facts]
        wordings = wording_evidence(document.normalized, numbers, units)
        for p, is_right in sorted(judged_facts(gold, SimpleNamespace(facts=facts), document.text).items()):
            fact = stored["facts"][p]
            evidence = {"label_chars": label_chars(fact["label"]), **fact["evidence"], **wordings[p]}
            judged.add_fact(evidence, is_right, gold.doc_id, numbers[p])
    return judged


def fit_label_model(examples: list[tuple[list[str], int]]) -> LabelModel:
    """The label model (evidence.LabelModel) fitted on gold labels: scikit-learn's
    logistic regression over the grams seen in at least two labels."""
    try:
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise ConfigError("calibrate needs scikit-learn: pip install -e '.[calibrate]'") from None
    counts = CountVectorizer(analyzer=lambda grams: grams, min_df=2)
    matrix = counts.fit_transform([grams for grams, _ in examples])
    model = LogisticRegression(C=1.0, solver="lbfgs", max_iter=3000)
    model.fit(matrix, [named for _, named in examples])
    rounded = {
        str(gram): round(float(model.coef_[0][column]), 4) for gram, column in counts.vocabulary_.items()
    }
    weights = {gram: weight for gram, weight in sorted(rounded.items()) if weight != 0.0}
    return LabelModel(weights, round(float(model.intercept_[0]), 4))


def cross_fitted_lookalike(today: Judged, earlier: Judged) -> None:
    """Set unnamed_lookalike in each row of both from a label model fitted on the
    other documents' gold (LABEL_FOLDS folds of today's documents in turn; the
    earlier facts are of the same documents): the shipped model has read every
    dev label, the fact's own included, so reading a dev fact with it would
    promise more than it gives on a new document."""
    column = FEATURES.index("unnamed_lookalike")
    fold_of = {doc_id: index % LABEL_FOLDS for index, doc_id in enumerate(today.texts)}
    for fold in range(LABEL_FOLDS):
        model = fit_label_model(
            [pair for doc_id, pairs in today.labels.items() if fold_of[doc_id] != fold for pair in pairs]
        )
        for judged in (today, earlier):
            for row, doc_id, number in zip(judged.rows, judged.documents, judged.numbers, strict=True):
                if fold_of[doc_id] == fold:
                    row[column] = float(lookalike(today.texts[doc_id], number, model))


def flagged_share(
    probabilities: list[float], failed: list[bool], groups: list[list[int]], threshold: float, cap: float
) -> float:
    """The share of facts flagged at `threshold` as reconcile flags them: a failed
    check always, else P <= threshold, at most the cap's share of each
    document's facts (`groups`: the fact indexes of each document)."""
    flagged = 0
    for members in groups:
        allowed = int(cap * len(members) + 0.5)
        low = sum(1 for i in members if not failed[i] and probabilities[i] <= threshold)
        flagged += sum(failed[i] for i in members) + min(low, allowed)
    return flagged / len(probabilities)


@dataclass(frozen=True)
class _Flaggable:
    """Facts as reconcile flags them: a failed check always, else P <= threshold,
    each document's own cap limiting its flags (no cap without documents)."""

    probabilities: list[float]
    failed: list[bool]
    groups: list[list[int]]
    cap: float

    @classmethod
    def of(cls, shipped: Calibration, rows: list[list[float]], documents: list[int] | None) -> _Flaggable:
        groups: dict[int, list[int]] = {}
        for index, document in enumerate(documents if documents is not None else [0] * len(rows)):
            groups.setdefault(document, []).append(index)
        return cls(
            [shipped.probability(dict(zip(FEATURES, map(int, row), strict=True))) for row in rows],
            [bool(row[FEATURES.index("failed_checks")]) for row in rows],
            list(groups.values()),
            DOCUMENT_CAP if documents is not None else 1.0,
        )

    def share(self, threshold: float) -> float:
        return flagged_share(self.probabilities, self.failed, self.groups, threshold, self.cap)


def _logistic(rows: list[list[float]], right: list[int]) -> tuple[list[float], float]:
    """scikit-learn's logistic regression: its coefficients and intercept."""
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError:
        raise ConfigError("calibrate needs scikit-learn: pip install -e '.[calibrate]'") from None
    if len(set(right)) < 2:
        raise ConfigError("calibrate needs both right and wrong facts in the gold set")
    model = LogisticRegression(C=1.0, solver="lbfgs", max_iter=2000)
    model.fit(rows, right)
    return [float(weight) for weight in model.coef_[0]], float(model.intercept_[0])


def fit(
    rows: list[list[float]],
    right: list[int],
    budget: float = REVIEW_BUDGET,
    documents: list[int] | None = None,
    earlier: tuple[list[list[float]], list[int]] = ([], []),
    left_out: frozenset[str] = frozenset(),
    earlier_documents: list[int] | None = None,
) -> dict[str, Any]:
    """`earlier`: rows and labels the model also learns from (first_sight_facts);
    with `earlier_documents` (their documents) the review threshold keeps their
    flags within the budget too; `left_out`: features the fit does not use (their
    weights are 0)."""
    used = [index for index, name in enumerate(FEATURES) if name not in left_out]
    coefficients, intercept = _logistic(
        [[row[i] for i in used] for row in rows + earlier[0]], right + earlier[1]
    )
    fitted = dict(zip(used, coefficients, strict=True))
    weights = [round(fitted[i], 6) if i in fitted else 0.0 for i in range(len(FEATURES))]
    return _with_threshold(
        weights, round(intercept, 6), rows, right, budget, documents, earlier, earlier_documents
    )


def _with_threshold(
    weights: list[float],
    bias: float,
    rows: list[list[float]],
    right: list[int],
    budget: float,
    documents: list[int] | None,
    earlier: tuple[list[list[float]], list[int]],
    earlier_documents: list[int] | None,
) -> dict[str, Any]:
    """The fit's entry: its weights and the review threshold chosen for them."""
    # The threshold is chosen on the probabilities the shipped (rounded) weights
    # give, as reconcile computes them: two clusters of facts a millionth apart
    # may swap places between sklearn's estimate and the file's.
    shipped = Calibration(tuple(weights), bias, 0.0)
    today = _Flaggable.of(shipped, rows, documents)
    # The first-sight facts stand for reports the rules were never tuned on; a
    # threshold chosen on today's facts alone flagged 32 % of them in the dev
    # cross-validation of session 19 (documents of few facts, more of them wrong).
    also = _Flaggable.of(shipped, earlier[0], earlier_documents) if earlier_documents is not None else None
    # The highest threshold whose flags, ties included, stay within the budget.
    fitting = [
        value
        for value in sorted(set(today.probabilities))
        if today.share(value) <= budget and (also is None or also.share(value) <= budget)
    ]
    return {
        "weights": weights,
        "bias": bias,
        "threshold": max(fitting, default=0.0),
        "budget": budget,
        "document_cap": DOCUMENT_CAP,
        "facts": len(right),
        "right": sum(right),
        "first_sight_facts": len(earlier[1]),
        "first_sight_right": sum(earlier[1]),
    }


MODEL_FEATURES = ("model_agrees", "model_disagrees")
"""What a model backend's evidence has that the rules' has not."""


def stacked_fit(
    rules: tuple[Judged, Judged],
    model: tuple[Judged, Judged],
    documents: list[str],
    budget: float = REVIEW_BUDGET,
) -> dict[str, Any]:
    """A model backend's fit, stacked on the rules': P = sigmoid(a (rules weights .
    evidence + rules bias) + b model_agrees + c model_disagrees + d), which is again
    weights . evidence + bias. `rules` and `model`: today's facts and the
    first-sight facts of each backend on the same dev documents (`documents`, in
    the order that sets the folds). The rules' fit learns from their many
    first-sight errors; a model backend has the model's first-sight answers on a
    few documents only (minutes each), too few to weigh 31 features again, enough
    to weigh the rules' estimate and the model's answer (4 coefficients). The
    rules' estimate of each model-backend fact is cross-fitted (LABEL_FOLDS folds
    of documents, each read by a rules fit on the others), as a stacked model's
    inputs must be. The threshold keeps the flags within the budget on the model
    backend's own facts, today's and first-sight."""
    rules_today, rules_earlier = rules
    model_today, model_earlier = model
    fold_of = {doc_id: index % LABEL_FOLDS for index, doc_id in enumerate(documents)}
    agrees, disagrees = (FEATURES.index(name) for name in MODEL_FEATURES)

    rules_rows = rules_today.rows + rules_earlier.rows
    rules_right = rules_today.right + rules_earlier.right
    rules_documents = rules_today.documents + rules_earlier.documents

    def rules_fit(keep: set[str]) -> Calibration:
        kept = [index for index, doc_id in enumerate(rules_documents) if doc_id in keep]
        weights, bias = _logistic([rules_rows[i] for i in kept], [rules_right[i] for i in kept])
        return Calibration(tuple(weights), bias, 0.0)

    rows = model_today.rows + model_earlier.rows
    order = model_today.documents + model_earlier.documents
    stacked = [[0.0, row[agrees], row[disagrees]] for row in rows]
    for fold in range(LABEL_FOLDS):
        rules_estimate = rules_fit({doc_id for doc_id in documents if fold_of[doc_id] != fold})
        for index, (row, doc_id) in enumerate(zip(rows, order, strict=True)):
            if fold_of[doc_id] == fold:
                stacked[index][0] = rules_estimate.logit(row)
    (scale, on_agreeing, on_disagreeing), intercept = _logistic(
        stacked, model_today.right + model_earlier.right
    )
    rules_estimate = rules_fit(set(documents))
    weights = [round(scale * weight, 6) for weight in rules_estimate.weights]
    weights[agrees], weights[disagrees] = round(on_agreeing, 6), round(on_disagreeing, 6)
    position = {doc_id: index for index, doc_id in enumerate(documents)}
    return _with_threshold(
        weights,
        round(scale * rules_estimate.bias + intercept, 6),
        model_today.rows,
        model_today.right,
        budget,
        [position[doc_id] for doc_id in model_today.documents],
        (model_earlier.rows, model_earlier.right),
        [position[doc_id] for doc_id in model_earlier.documents] if model_earlier.rows else None,
    )


def calibrate(
    gold_dir: Path,
    docs_dir: Path,
    backend: str,
    out: Path,
    also: tuple[Path, ...] = (),
    session: Backend | None = None,
    first_sight: Path | None = None,
    rules_first_sight: Path | None = FIRST_SIGHT["rules"],
) -> dict[str, Any]:
    """Fit on the gold folder and on each `also` folder of reviewed documents
    (`review --export-gold` writes DIR/gold and DIR/docs), and on the earlier
    facts in `first_sight` (written by tools/first_sight.py with this backend: a
    model backend's evidence includes the model's answers). A model backend's fit
    is stacked on the rules' (`stacked_fit`), which learns from the rules'
    first-sight facts in `rules_first_sight`."""
    settings = Settings.resolve({"backend": backend})
    folders = [(gold_dir, docs_dir), *((folder / "gold", folder / "docs") for folder in also)]
    with without_fit():  # the evidence does not depend on a fit, and the old one may be stale
        today = labelled_facts(folders, settings, session)
    earlier = Judged()
    if first_sight is not None:
        earlier = first_sight_facts(first_sight, gold_dir, docs_dir)
    cross_fitted_lookalike(today, earlier)
    label_model = fit_label_model([pair for pairs in today.labels.values() for pair in pairs])
    used = list(today.texts)
    if backend == "rules":
        position = {doc_id: index for index, doc_id in enumerate(used)}
        fitted = fit(
            today.rows,
            today.right,
            documents=[position[doc_id] for doc_id in today.documents],
            earlier=(earlier.rows, earlier.right),
            earlier_documents=[position[doc_id] for doc_id in earlier.documents] if earlier.rows else None,
        )
    else:
        with without_fit():
            rules_today = labelled_facts(folders, Settings.resolve({"backend": "rules"}))
        rules_earlier = Judged()
        if rules_first_sight is not None:
            rules_earlier = first_sight_facts(rules_first_sight, gold_dir, docs_dir)
        cross_fitted_lookalike(rules_today, rules_earlier)
        fitted = stacked_fit((rules_today, rules_earlier), (today, earlier), used)
    entry = {**fitted, "documents": used}
    existing: dict[str, Any] = {}
    if out.is_file():
        existing = json.loads(out.read_text(encoding="utf-8"))
        if tuple(existing.get("features", ())) != FEATURES:
            existing = {}
    payload = {
        "version": 1,
        "about": "P(fact is right) = sigmoid(bias + weights . evidence); written by `edufacts calibrate`",
        "features": list(FEATURES),
        "label_model": {"window": LOOKALIKE_WINDOW, "bias": label_model.bias, "weights": label_model.weights},
        "backends": {**existing.get("backends", {}), backend: entry},
    }
    atomic_write_text(out, json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    load_calibration.cache_clear()
    load_label_model.cache_clear()
    return entry


__all__ = [
    "CALIBRATION_FILE",
    "Judged",
    "calibrate",
    "fit",
    "fit_label_model",
    "flagged_share",
    "judged_facts",
    "labelled_facts",
    "stacked_fit",
    "text_sha256",
]
