"""What review decisions do to an output: field validation against the catalog,
corrected documents (`--apply`) and gold files (`--export-gold`). Pure: no
web, no database."""

from __future__ import annotations

from bisect import bisect_right
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import InputError
from ..models import Check, DocumentResult, Fact, GoldFact, GoldFile, GoldRejection, Unclaimed
from ..stages.catalog import Catalog
from ..stages.rules import unit_fits
from .store import Decision
from .workspace import unclaimed_target

EDITABLE = ("value", "unit", "indicator", "scope", "year", "label", "approx")
_MAX_DIGITS = 15
_MAX_EXPONENT = 15
_GOLD_CONTEXT = 12
REJECTED_IN_REVIEW = "rejected_in_review"


def validate_fields(catalog: Catalog, fields: dict[str, Any]) -> dict[str, Any]:
    """A reviewer's edit as typed values; InputError names the first bad field."""
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise InputError(f"unknown fields: {', '.join(sorted(unknown))}")
    try:
        value = Decimal(str(fields.get("value", "")).strip())
    except InvalidOperation:
        raise InputError(f"value {fields.get('value')!r} is not a number") from None
    exponent = value.as_tuple().exponent
    too_large = not isinstance(exponent, int) or abs(exponent) > _MAX_EXPONENT  # 1e999999999 hangs --apply
    if not value.is_finite() or too_large or len(value.as_tuple().digits) > _MAX_DIGITS:
        raise InputError(f"value {fields.get('value')!r} is not a number of at most {_MAX_DIGITS} digits")
    unit = str(fields.get("unit", "")).strip()
    if unit not in catalog.units:
        raise InputError(f"unit {unit!r} is not a catalog unit")
    indicator = str(fields.get("indicator") or "").strip() or None
    if indicator is not None:
        if indicator not in catalog.indicators:
            raise InputError(f"indicator {indicator!r} is not in the catalog")
        expected = catalog.indicators[indicator]
        if not unit_fits(expected, unit):
            raise InputError(f"unit {unit!r} does not fit {indicator} (measured in {expected.unit})")
    scope = str(fields.get("scope") or "").strip() or None
    unknown_terms = catalog.scope_terms(scope) - catalog.scope_aliases.keys()
    if unknown_terms:
        raise InputError(f"scope terms not in the catalog: {', '.join(sorted(unknown_terms))}")
    year_text = str(fields.get("year") or "").strip()
    year = None
    if year_text:
        if not year_text.isdecimal() or not 1949 <= int(year_text) <= 2100:
            raise InputError(f"year {year_text!r} is not a year between 1949 and 2100")
        year = int(year_text)
    label = str(fields.get("label") or "").strip()
    if len(label) > 60:
        raise InputError("label is longer than 60 characters")
    return {
        "value": value,
        "unit": unit,
        "indicator": indicator,
        "scope": scope,
        "year": year,
        "label": label,
        "approx": bool(fields.get("approx", False)),
    }


def fact_fields(fact: Fact) -> dict[str, Any]:
    """A fact's reviewable fields plus its span, as JSON (what a decision records as old)."""
    return {
        "value": str(fact.value),
        "unit": fact.unit,
        "indicator": fact.indicator,
        "scope": fact.scope,
        "year": fact.year,
        "label": fact.label,
        "approx": fact.approx,
        "start": fact.start,
        "end": fact.end,
    }


def unclaimed_fields(item: Unclaimed) -> dict[str, Any]:
    return {
        "value": None if item.value is None else str(item.value),
        "unit": item.unit,
        "reason": item.reason,
        "start": item.start,
        "end": item.end,
    }


def _review_check(decision: Decision) -> Check:
    detail = decision.action + (f": {decision.reason}" if decision.reason else "")
    return Check(name="review", ok=True, detail=detail)


def apply_decisions(
    result: DocumentResult, text: str, catalog: Catalog, decisions: list[Decision]
) -> tuple[DocumentResult, list[Decision]]:
    """The output as corrected by its standing decisions, and the decisions that no
    longer fit it (another input, or a span that moved) and were left out."""
    facts = {fact.id: fact for fact in result.facts}
    unclaimed = {unclaimed_target(item): item for item in result.unclaimed}
    stale: list[Decision] = []
    rejected: list[Unclaimed] = []
    added: list[Fact] = []
    for decision in decisions:
        fact, item = facts.get(decision.target), unclaimed.get(decision.target)
        current = fact or item
        if (
            decision.input_sha256 != result.document.sha256
            or current is None
            or (current.start, current.end) != (decision.old.get("start"), decision.old.get("end"))
        ):
            stale.append(decision)
            continue
        if fact is not None and decision.action in ("accept", "edit"):
            update: dict[str, Any] = {"needs_review": False, "confidence": 1.0}
            if decision.action == "edit":
                update |= validate_fields(catalog, decision.new)
            facts[fact.id] = fact.model_copy(
                update={**update, "checks": [*fact.checks, _review_check(decision)]}
            )
        elif fact is not None and decision.action == "reject":
            del facts[fact.id]
            rejected.append(
                Unclaimed(
                    raw=fact.raw,
                    start=fact.start,
                    end=fact.end,
                    value=fact.value,
                    unit=fact.unit,
                    reason=REJECTED_IN_REVIEW + (f": {decision.reason}" if decision.reason else ""),
                    quote=fact.quote,
                )
            )
        elif item is not None and decision.action == "accept":
            continue  # confirmed: not a fact
        elif item is not None and decision.action == "add":
            del unclaimed[decision.target]
            added.append(_fact_from_mention(result, text, item, decision, catalog))
        else:
            stale.append(decision)
    corrected = result.model_copy(
        update={
            "facts": sorted([*facts.values(), *added], key=lambda fact: fact.start),
            "unclaimed": sorted([*unclaimed.values(), *rejected], key=lambda item: item.start),
        }
    )
    return corrected, stale


def _fact_from_mention(
    result: DocumentResult, text: str, item: Unclaimed, decision: Decision, catalog: Catalog
) -> Fact:
    fields = validate_fields(catalog, decision.new)
    starts = [section.start for section in result.sections]
    index = bisect_right(starts, item.start) - 1
    raw = text[item.start : item.end]
    return Fact(
        id=f"r{item.start}",
        raw=raw,
        start=item.start,
        end=item.end,
        quote=item.quote,
        section=result.sections[index].id if index >= 0 else None,
        confidence=1.0,
        needs_review=False,
        checks=[Check(name="span_matches_raw", ok=raw == item.raw), _review_check(decision)],
        source="review",
        **fields,
    )


def gold_quote(text: str, start: int, end: int) -> tuple[str, int]:
    """A quote around text[start:end] whose first occurrence of the raw number is
    the fact itself, and which occurrence of the quote in the document it is."""
    raw = text[start:end]
    left = max(0, start - _GOLD_CONTEXT)
    while text.find(raw, left, end) != start:
        left += 1
    quote = text[left : min(len(text), end + _GOLD_CONTEXT)]
    occurrence, index = 0, text.find(quote)
    while index != left:
        occurrence += 1
        index = text.find(quote, index + 1)
    return quote, occurrence


def to_gold(result: DocumentResult, text: str, notes: str) -> GoldFile:
    """A corrected output as a partial gold file: the facts a reviewer decided are
    marked `reviewed`, the numbers they rejected are kept as `rejected`."""
    facts = []
    for fact in result.facts:
        quote, occurrence = gold_quote(text, fact.start, fact.end)
        facts.append(
            GoldFact(
                quote=quote,
                raw=fact.raw,
                value=fact.value,
                unit=fact.unit,
                indicator=fact.indicator,
                scope=fact.scope,
                year=fact.year,
                approx=fact.approx,
                label=fact.label or fact.raw,
                quote_occurrence=occurrence,
                reviewed=any(check.name == "review" for check in fact.checks),
            )
        )
    rejected = []
    for item in result.unclaimed:
        if item.reason.startswith(REJECTED_IN_REVIEW):
            quote, occurrence = gold_quote(text, item.start, item.end)
            rejected.append(GoldRejection(quote=quote, raw=item.raw, quote_occurrence=occurrence))
    return GoldFile(
        doc_id=result.document.id,
        meta=result.meta,
        facts=facts,
        problems=[item.text for item in result.problems],
        measures=[item.text for item in result.measures],
        notes=notes,
        partial=True,
        rejected=rejected,
    )


__all__ = [
    "EDITABLE",
    "REJECTED_IN_REVIEW",
    "apply_decisions",
    "fact_fields",
    "gold_quote",
    "to_gold",
    "validate_fields",
]
