"""Stage 6, reconcile: proposals (the rules', merged with model claims by a
backend) become facts
with checks, confidence and needs_review; parts that should sum to a stated
total are compared into `findings`. Pure."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ..models import Check, Fact, Finding
from ..readers.load import Document, normalize
from .calibration import DOCUMENT_CAP, load_calibration, load_label_model
from .catalog import Catalog
from .evidence import NumberInText, evidence_of, indicator_units_of, wording_evidence
from .numbers import Mention, span_states, span_values
from .rules import Proposal, unit_fits

REVIEW_THRESHOLD = 0.6
_GROWTH = re.compile(r"增长|增幅|提高|提升|增加|下降|减少")
_SUBTOTAL_CUE = re.compile(r"其中")
_SENTENCE_STOP = re.compile(r"[。;\n]")
_MAX_SENTENCE_CHARS = 2000


@dataclass(frozen=True)
class ReconcileSettings:
    review_threshold: float | None = None
    """None: the calibrated threshold (the review budget's share of dev facts), or
    REVIEW_THRESHOLD on the hand-set score where no calibration file ships."""
    backend: str = "rules"


@dataclass(frozen=True)
class Provenance:
    """Who stands behind a proposal once a model backend merged its claims (the
    rules' own proposals carry no model fields)."""

    source: Literal["rules", "llm", "both"] = "rules"
    model_agrees: bool | None = None
    """None: no model was asked about this number."""


RULES_ONLY = Provenance()


def _value_from_span(document: Document, proposal: Proposal) -> Check:
    """Re-derive the number from the characters at the span, independently of the
    proposal: the value must be what is written there times the exact factor of
    its scale and unit (numbers.span_values), in the proposal's unit."""
    span = document.normalized[proposal.mention.start : proposal.mention.end]
    if not span_values(span):
        return Check(name="value_from_span", ok=False, detail=f"no number at the span {span!r}")
    ok = span_states(span, proposal.value)
    detail = "" if ok else f"span reads {span!r}, fact says {proposal.value} {proposal.unit}"
    return Check(name="value_from_span", ok=ok, detail=detail)


def _checks(document: Document, catalog: Catalog, proposal: Proposal) -> list[Check]:
    raw = document.text[proposal.mention.start : proposal.mention.end]
    checks = [
        # The mention was read from the normalized view; the input's own characters
        # at the same offsets must normalize to it (traditional script included).
        Check(name="span_matches_raw", ok=normalize(raw, document.script) == proposal.mention.raw),
        _value_from_span(document, proposal),
    ]
    if proposal.indicator is not None:
        indicator = catalog.indicators[proposal.indicator]
        checks.append(
            Check(
                name="unit_fits_indicator",
                ok=unit_fits(indicator, proposal.unit),
                detail="" if proposal.unit in indicator.units else f"{proposal.unit} vs {indicator.unit}",
            )
        )
    if proposal.unit == "%":
        growth = proposal.indicator == "education_expenditure_growth" or bool(_GROWTH.search(proposal.label))
        ok = proposal.value <= 100 or growth
        checks.append(Check(name="share_at_most_100", ok=ok, detail="" if ok else f"{proposal.value}% > 100"))
    if "range" in proposal.mention.flags:
        checks.append(Check(name="single_value", ok=False, detail="one end of a range"))
    if "glued_cell" in proposal.mention.flags:
        detail = "a table cell whose unit and values ran together; split at its comparison sign"
        checks.append(Check(name="clean_cell", ok=False, detail=detail))
    return checks


def _confidence(proposal: Proposal, provenance: Provenance, checks: list[Check]) -> float:
    """The hand-set score, used only where no calibration file ships."""
    score = 0.55
    if proposal.indicator is not None:
        distance = proposal.alias_distance or 0
        score += 0.3 if distance <= 6 else 0.2 if distance <= 20 else 0.1
        if len(proposal.candidates) > 1:
            score -= 0.05
    else:
        score += 0.1 if proposal.label else 0.0
    if proposal.table_cell is not None:
        score += 0.05
    if proposal.mention.approx:
        score -= 0.05
    if provenance.model_agrees is True:
        score += 0.1
    elif provenance.model_agrees is False:
        score -= 0.15
    failed = sum(1 for check in checks if not check.ok)
    score -= 0.3 * failed
    return round(min(1.0, max(0.0, score)), 3)


def _page(document: Document, position: int) -> int | None:
    """The 1-based page a position of a paged input (PDF) sits on."""
    if not document.pages:
        return None
    index = bisect_right([start for start, _ in document.pages], position) - 1
    return index + 1 if index >= 0 else None


def _bbox(document: Document, start: int, end: int) -> list[float] | None:
    """The box around a span's characters on its page, for a reviewer to find it."""
    boxes = [box for box in document.boxes[start:end] if box is not None]
    if not boxes or len({box.page for box in boxes}) != 1:
        return None
    return [
        round(min(box.left for box in boxes), 2),
        round(min(box.bottom for box in boxes), 2),
        round(max(box.right for box in boxes), 2),
        round(max(box.top for box in boxes), 2),
    ]


def _change(mention: Mention) -> Literal["increase", "decrease"] | None:
    if "decrease" in mention.flags:
        return "decrease"
    return "increase" if "increase" in mention.flags else None


def build_facts(
    document: Document,
    catalog: Catalog,
    proposals: list[Proposal],
    settings: ReconcileSettings | None = None,
    provenance: Mapping[int, Provenance] | None = None,
) -> list[Fact]:
    """`provenance`: per mention start, where a model backend merged claims."""
    settings = settings or ReconcileSettings()
    provenance = provenance or {}
    facts: list[Fact] = []
    calibration = load_calibration(settings.backend)
    wordings = wording_evidence(
        document.normalized,
        [NumberInText(p.mention.start, p.mention.end, p.unit, p.indicator is not None) for p in proposals],
        indicator_units_of(catalog),
        load_label_model(),
    )
    for index, (proposal, wording) in enumerate(zip(proposals, wordings, strict=True), start=1):
        checks = _checks(document, catalog, proposal)
        origin = provenance.get(proposal.mention.start, RULES_ONLY)
        mention = proposal.mention
        evidence = evidence_of(proposal, checks, wording, origin.model_agrees)
        if calibration is not None:
            probability = calibration.probability(evidence)
            confidence = round(probability, 3)
            if settings.review_threshold is None:
                # The threshold `edufacts calibrate` chose on these very (rounded)
                # weights, ties included (many facts share one feature vector; the
                # per-document cap below then keeps the lowest), compared unrounded:
                # a cluster at 0.95270 is not spared by reading 0.953.
                low = probability <= calibration.threshold
            else:
                low = confidence < settings.review_threshold
        else:
            confidence = _confidence(proposal, origin, checks)
            threshold = REVIEW_THRESHOLD if settings.review_threshold is None else settings.review_threshold
            low = confidence < threshold
        failed_check = not all(check.ok for check in checks)
        facts.append(
            Fact(
                id=f"f{index:04d}",
                indicator=proposal.indicator,
                label=proposal.label,
                value=proposal.value,
                unit=proposal.unit,
                raw=document.text[mention.start : mention.end],
                scope=proposal.scope,
                year=proposal.year,
                approx=mention.approx,
                change=_change(mention),
                start=mention.start,
                end=mention.end,
                quote=document.text[proposal.quote_start : proposal.quote_end].strip(),
                section=proposal.section.id,
                page=_page(document, mention.start),
                bbox=_bbox(document, mention.start, mention.end),
                confidence=confidence,
                needs_review=low or failed_check,
                evidence=evidence,
                checks=checks,
                source=origin.source,
                candidates=list(proposal.candidates),
            )
        )
    return (
        _within_budget(facts, DOCUMENT_CAP)
        if calibration is not None and settings.review_threshold is None
        else facts
    )


def _within_budget(facts: list[Fact], cap: float) -> list[Fact]:
    """At most the cap's share of a document's facts are flagged for their low
    estimate, the lowest first (a document unlike the dev set must not flood the
    queue); a fact with a failed check is flagged whatever the cap."""
    allowed = int(cap * len(facts) + 0.5)
    by_estimate = sorted(
        (fact for fact in facts if fact.needs_review and all(check.ok for check in fact.checks)),
        key=lambda fact: fact.confidence,
    )
    unflag = {fact.id for fact in by_estimate[allowed:]}
    return [fact.model_copy(update={"needs_review": False}) if fact.id in unflag else fact for fact in facts]


# --- findings: parts that should sum to a stated total ----------------------


def sum_findings(document: Document, facts: list[Fact]) -> list[Finding]:
    """`共有幼儿园74所。其中公办23所,民转公14所,...`: the facts after 其中 with the
    total's unit, up to the next sentence end, should add up to the total."""
    text = document.normalized
    findings: list[Finding] = []
    by_start = sorted(facts, key=lambda fact: fact.start)
    for index, total in enumerate(by_start):
        cue = _SUBTOTAL_CUE.search(text, total.end, min(len(text), total.end + 6))
        if cue is None:
            continue
        # Bounded, so that a huge text with no sentence stop stays linear.
        sentence_limit = min(len(text), cue.end() + _MAX_SENTENCE_CHARS)
        stop = _SENTENCE_STOP.search(text, cue.end(), sentence_limit)
        end = stop.start() if stop else sentence_limit
        parts = []
        for later in range(index + 1, len(by_start)):
            fact = by_start[later]
            if fact.start >= end:
                break
            if fact.unit == total.unit and not _inside_bracket(text, cue.end(), fact.start):
                parts.append(fact)
        if len(parts) < 2:
            continue
        total_value = Decimal(str(total.value))
        running = Decimal(0)
        prefix_sums = []
        for part in parts:
            running += Decimal(str(part.value))
            prefix_sums.append(running)
        part_sum = prefix_sums[-1]
        # The sentence may go on past the list (…,注销办学许可机构9家): a list
        # whose first parts make the total holds.
        if total_value in prefix_sums[1:] or total.approx or any(part.approx for part in parts):
            continue
        findings.append(
            Finding(
                kind="parts_do_not_sum",
                detail=(
                    f"{total.raw} stated as the total, but the parts "
                    f"{' + '.join(part.raw for part in parts)} add up to {part_sum} {total.unit}"
                ),
                fact_ids=[total.id, *(part.id for part in parts)],
                start=total.start,
                end=parts[-1].end,
            )
        )
    return findings


def _inside_bracket(text: str, start: int, position: int) -> bool:
    """A part in brackets (含普惠2098人) is a part of a part, not of the total."""
    segment = text[start:position]
    return segment.count("(") > segment.count(")")
