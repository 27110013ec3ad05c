"""The merge of a model's claims into the rules' proposals, per mention: which
side's indicator, year and label a fact keeps, and when a model's 非教育 sets a
number aside. Lives with the backends: the pure stages know nothing of models."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..stages.catalog import Catalog, bigrams
from ..stages.reconcile import Provenance
from ..stages.rules import Proposal, UnclaimedMention, in_indicator_unit, unit_fits
from .base import Merged

if TYPE_CHECKING:
    from .topic_check import TopicVerdict


@dataclass(frozen=True, kw_only=True)
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
    is_fact: bool = True
    """--mode full: False when the model says the number is no fact worth
    recording (a set-aside number is restored only when it is True)"""


@dataclass(frozen=True, kw_only=True)
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
    model_restores_unsettled_topic: bool = False
    """--mode full: a number the rules set aside as not about education only by its
    heading or the document's bent becomes a fact when the model answers that it is
    an education fact (the mentions mode never asks about those numbers). Off: the
    1.5B model called 21 such numbers of the dev split's mixed-topic documents
    education facts, none of them one (mixed-topic precision 0.710 with, 0.910
    without, the rules' 0.899); a stronger endpoint may be measured with it on."""
    topic_check_threshold: float = 0.5
    """A number the rules could only guess was about education (no education word
    in its sentence; only its heading or the document's bent decided) goes to
    out_of_scope when the model's probability of 否 reaches this. Chosen on the
    dev split's mixed-topic documents (README, "The model's topic check")."""
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
        measured_unit = proposal.measured[1] if proposal.measured else proposal.unit
        if (
            claim.indicator is not None
            and proposal.unit == measured_unit
            and catalog.indicators[claim.indicator].unit != measured_unit
        ):
            # 10419.13元, a per-student amount named by its list's lead-in, kept in the
            # unit written at its span: the model may not make it a total in 万元 (the
            # reverse, undoing a conversion the rules made, it may)
            return False
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
    set_aside: list[UnclaimedMention] | None = None,
    verdicts: Iterable[TopicVerdict] = (),
) -> Merged:
    """Merge the model's claims into the rules' proposals, per mention; with
    claims about numbers the rules set aside (--mode full), restore those the
    model calls education facts where the rules' judgement was unsettled; with
    topic verdicts, set aside the numbers the model's topic check rejects."""
    policy = policy or MergePolicy()
    by_span = {(claim.start, claim.end): claim for claim in claims}
    rejected = {
        (verdict.start, verdict.end)
        for verdict in verdicts
        if verdict.not_education >= policy.topic_check_threshold
    }
    merged: list[Proposal] = []
    dropped: list[UnclaimedMention] = []
    provenance: dict[int, Provenance] = {}
    restored: set[int] = set()
    for proposal in proposals:
        if (proposal.mention.start, proposal.mention.end) in rejected:
            dropped.append(UnclaimedMention(proposal.mention, "out_of_scope"))
            continue
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
        with_claim = _with_claim(catalog, proposal, claim, policy, text)
        merged.append(with_claim)
        provenance[proposal.mention.start] = Provenance(
            source="both" if with_claim.indicator == proposal.indicator else "llm",
            model_agrees=claim.indicator == proposal.indicator and claim.education,
        )
    for item in (set_aside or []) if policy.model_restores_unsettled_topic else []:
        would_be = item.proposal
        claim = by_span.get((item.mention.start, item.mention.end))
        if would_be is None or claim is None or not (claim.education and claim.is_fact):
            continue
        if would_be.topic is None or would_be.topic.settled:
            continue
        merged.append(_with_claim(catalog, would_be, claim, policy, text))
        provenance[item.mention.start] = Provenance(source="llm", model_agrees=False)
        restored.add(item.mention.start)
    if restored:
        merged.sort(key=lambda proposal: proposal.mention.start)
    return Merged(proposals=merged, dropped=dropped, provenance=provenance, restored=frozenset(restored))


def _with_claim(
    catalog: Catalog, proposal: Proposal, claim: ModelClaim, policy: MergePolicy, text: str
) -> Proposal:
    """The proposal with what the policy takes from the claim."""
    indicator = proposal.indicator
    if _takes_model_indicator(catalog, proposal, claim, policy, text):
        indicator = claim.indicator
    value, unit = proposal.value, proposal.unit
    if indicator != proposal.indicator and proposal.measured is not None:
        value, unit = proposal.measured
        if indicator is not None and unit_fits(catalog.indicators[indicator], unit):
            value, unit = in_indicator_unit(catalog.indicators[indicator], unit, value)
    year = proposal.year
    if year is None and policy.model_year_when_rules_have_none:
        year = claim.year
    scope = claim.scope if policy.model_scope else proposal.scope
    return replace(
        proposal,
        indicator=indicator,
        value=value,
        unit=unit,
        year=year,
        scope=scope,
        label=proposal.label or claim.label or "",
    )


def _fits(catalog: Catalog, indicator_id: str, proposal: Proposal) -> bool:
    """A claimed indicator must exist and fit the unit measured at the span."""
    indicator = catalog.indicators.get(indicator_id)
    unit = proposal.measured[1] if proposal.measured else proposal.unit
    if indicator is not None and proposal.per_capita and indicator.unit != unit:
        return False  # 6000元/生 is never a total in 万元, whoever says so
    return indicator is not None and unit_fits(indicator, unit)
