"""Stage 6, reconcile: proposals (rules now, model claims later) become facts
with checks, confidence and needs_review; parts that should sum to a stated
total are compared into `findings`. Pure."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from .calibration import REVIEW_BUDGET, load_calibration
from .catalog import Catalog, bigrams
from .evidence import evidence_of
from .load import Document, normalize
from .models import Check, Fact, Finding
from .numbers import Mention, span_values
from .rules import Proposal, UnclaimedMention, convert_to, unit_fits

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
class ModelClaim:
    """What a model said about one marked mention. It carries no value: the
    value always comes from the span."""

    start: int
    end: int
    indicator: str | None
    """A catalog id from the options the mention was offered, or None for 'other'."""
    education: bool
    scope: str | None
    year: int | None
    label: str | None


@dataclass(frozen=True)
class MergePolicy:
    """How model claims and rules proposals are merged. The defaults were chosen
    on the gold set by replaying the recorded gold-set session under a grid of
    policies (README, "Choosing the merge policy"): the 1.5B model alone labels
    most unnamed numbers with some catalog indicator, so it may add one only
    with lexical support, and may overrule the lexicon only when its alias is
    far from the number."""

    model_indicator_over_rules: bool = True
    model_overrides_beyond: int = 40
    """The model may replace a rules indicator only when the rules' alias is
    further than this many characters from the number: a name right before the
    number is evidence no model answer (or injected instruction) outweighs. 40
    since the rules read wording (其中, growth, building verbs, levels): on the
    recorded seed-report session 12 let the 1.5B model undo 7 right indicators
    (indicator accuracy 0.903 vs the rules' 0.910), 40 keeps them (0.924)."""
    model_may_add_indicator: bool = True
    """May the model give an indicator to a number the rules' lexicon found none for?"""
    add_needs_overlap: int = 3
    """...and only when that indicator's names share at least this many
    two-character pieces with the text around the number."""
    model_may_drop: bool = False
    model_decides_unsettled_topic: bool = True
    """In a mixed document, a number the rules judged education only by its heading
    or the document's bent goes to out_of_scope when the model answers 非教育."""
    model_scope: bool = False
    model_year_when_rules_have_none: bool = True


def _overlap(catalog: Catalog, indicator_id: str, context: str) -> int:
    indicator = catalog.indicators[indicator_id]
    return len(bigrams(indicator.title + "".join(indicator.names)) & bigrams(context))


def _takes_model_indicator(
    catalog: Catalog, proposal: Proposal, claim: ModelClaim, policy: MergePolicy, text: str
) -> bool:
    if claim.indicator == proposal.indicator or not policy.model_indicator_over_rules:
        return False
    if claim.indicator is not None and not _fits(catalog, claim.indicator, proposal):
        return False
    if proposal.indicator is not None:
        return (proposal.alias_distance or 0) > policy.model_overrides_beyond
    if not policy.model_may_add_indicator:
        return False
    context = text[proposal.quote_start : proposal.quote_end]
    return claim.indicator is None or _overlap(catalog, claim.indicator, context) >= policy.add_needs_overlap


def apply_claims(
    catalog: Catalog,
    proposals: list[Proposal],
    claims: list[ModelClaim],
    policy: MergePolicy | None = None,
    text: str = "",
) -> tuple[list[Proposal], list[UnclaimedMention]]:
    """Merge the model's claims into the rules' proposals, per mention."""
    policy = policy or MergePolicy()
    by_span = {(claim.start, claim.end): claim for claim in claims}
    merged: list[Proposal] = []
    dropped: list[UnclaimedMention] = []
    for proposal in proposals:
        claim = by_span.get((proposal.mention.start, proposal.mention.end))
        if claim is None:
            merged.append(proposal)
            continue
        unsettled = proposal.topic is not None and not proposal.topic.settled
        if not claim.education and (
            (policy.model_may_drop and proposal.indicator is None)
            or (policy.model_decides_unsettled_topic and unsettled)
        ):
            dropped.append(UnclaimedMention(proposal.mention, "out_of_scope"))
            continue
        indicator = proposal.indicator
        if _takes_model_indicator(catalog, proposal, claim, policy, text):
            indicator = claim.indicator
        value, unit = proposal.value, proposal.unit
        if indicator != proposal.indicator and proposal.measured is not None:
            value, unit = proposal.measured
            if indicator is not None and unit_fits(catalog.indicators[indicator].unit, unit):
                value = convert_to(catalog.indicators[indicator].unit, unit, value)
                unit = catalog.indicators[indicator].unit
        year = proposal.year
        if year is None and policy.model_year_when_rules_have_none:
            year = claim.year
        scope = claim.scope if policy.model_scope else proposal.scope
        agrees = claim.indicator == proposal.indicator and claim.education
        merged.append(
            replace(
                proposal,
                indicator=indicator,
                value=value,
                unit=unit,
                year=year,
                scope=scope,
                label=proposal.label or claim.label or "",
                source="both" if indicator == proposal.indicator else "llm",
                model_agrees=agrees,
            )
        )
    return merged, dropped


def _fits(catalog: Catalog, indicator_id: str, proposal: Proposal) -> bool:
    """A claimed indicator must exist and fit the unit measured at the span."""
    indicator = catalog.indicators.get(indicator_id)
    unit = proposal.measured[1] if proposal.measured else proposal.unit
    if indicator is not None and proposal.per_capita and indicator.unit != unit:
        return False  # 6000元/生 is never a total in 万元, whoever says so
    return indicator is not None and unit_fits(indicator.unit, unit)


def _value_from_span(document: Document, proposal: Proposal) -> Check:
    """Re-derive the number from the characters at the span, independently of the
    proposal: the value must be what is written there times the exact factor of
    its scale and unit (numbers.span_values), in the proposal's unit."""
    span = document.normalized[proposal.mention.start : proposal.mention.end]
    values = span_values(span)
    if not values:
        return Check(name="value_from_span", ok=False, detail=f"no number at the span {span!r}")
    ok = any(proposal.value == value for value, _ in values)
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
                ok=unit_fits(indicator.unit, proposal.unit),
                detail="" if indicator.unit == proposal.unit else f"{proposal.unit} vs {indicator.unit}",
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


def _confidence(proposal: Proposal, checks: list[Check]) -> float:
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
    if proposal.model_agrees is True:
        score += 0.1
    elif proposal.model_agrees is False:
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
) -> list[Fact]:
    settings = settings or ReconcileSettings()
    facts: list[Fact] = []
    calibration = load_calibration(settings.backend)
    for index, proposal in enumerate(proposals, start=1):
        checks = _checks(document, catalog, proposal)
        evidence = evidence_of(proposal, checks)
        if calibration is not None:
            confidence = round(calibration.probability(evidence), 3)
            threshold = (
                calibration.threshold if settings.review_threshold is None else settings.review_threshold
            )
        else:
            confidence = _confidence(proposal, checks)
            threshold = REVIEW_THRESHOLD if settings.review_threshold is None else settings.review_threshold
        failed_check = not all(check.ok for check in checks)
        mention = proposal.mention
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
                needs_review=confidence < threshold or failed_check,
                evidence=evidence,
                checks=checks,
                source=proposal.source,  # type: ignore[arg-type]
                candidates=list(proposal.candidates),
            )
        )
    return (
        _within_budget(facts, REVIEW_BUDGET)
        if calibration is not None and settings.review_threshold is None
        else facts
    )


def _within_budget(facts: list[Fact], budget: float) -> list[Fact]:
    """At most the budget's share of a document's facts are flagged for their low
    estimate, the lowest first (a document unlike the dev set must not flood the
    queue); a fact with a failed check is flagged whatever the budget."""
    allowed = int(budget * len(facts) + 0.5)
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
