"""What a fact's confidence rests on: a few features of how it was found, kept in
the output (`Fact.evidence`) so a reviewer sees why a fact was flagged, and the
input of the calibrated estimate of P(the fact is right) (`calibration.py`).
Pure: reads a proposal, its checks and the words of its sentence."""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .segment import sentence_bounds, sentence_ends
from .topic import EDUCATION_WORDS, OTHER_WORDS

if TYPE_CHECKING:
    from ..models import Check
    from .catalog import Catalog
    from .rules import Proposal

FEATURES = (
    "alias_near",
    "alias_far",
    "no_indicator",
    "several_candidates",
    "table_cell",
    "topic_cue",
    "topic_unsettled",
    "approx",
    "range",
    "glued_cell",
    "chinese_numeral",
    "bare_unit",
    "no_label",
    "year_stated",
    "failed_checks",
    "model_agrees",
    "model_disagrees",
    "unit_percent",
    "unit_money",
    "unit_people",
    "change",
    "short_label",
    "topic_from_context",
    "alias_chars",
    "label_chars",
    "unit_outside_catalog",
    "other_field_in_sentence",
    "education_word_before",
    "named_beside",
    "unnamed_lookalike",
    "document_facts",
    "education_words_around",
    "other_field_before",
)
"""The features, in the order of the calibration's weights; each is 0 or 1, except
failed_checks (a count), alias_chars (characters between a named fact's alias and
its number, at most 40) and label_chars (the label's length, at most 12): binary
features alone leave large groups of facts with one estimate, and the review
threshold can only take or leave a whole group. The last three read the words
around the number (`wording_evidence`): a unit no indicator is counted in (项,
次, 届), a word of another field in the sentence (医疗, 就业), an education word
in the 15 characters before the number; named_beside: the fact has no
indicator while another fact of its sentence has one. unnamed_lookalike (0 to
100): for a fact with no indicator, how likely a dev gold fact labelled with the
words just before this number names one, in percent (`LabelModel`); 0 for a
named fact or where no model is shipped. document_facts: how many facts its
document has, as round(5 ln(1 + n)) (10 facts: 12, 100 facts: 23): in the dev
set's first-sight facts a document of fewer than 20 facts had one wrong in five, one
of 40 to 80 one in thirty (an excerpt, or the education lines of a report about
something else, has few); on the log scale because ten more facts say more about a
document of ten than about one of a hundred. education_words_around: how many
education words (topic.EDUCATION_WORDS) the number's line holds within 300
characters either side, at most 5; other_field_before: a word of another field in
the 80 characters before the number's sentence while the sentence holds no
education word (`新增4个国家级重点专科` after a sentence on 医疗). Mixed reports
change topic by paragraph, and a number's own sentence often names nothing; in
the dev cross-validation of session 21 (10 folds of documents, 3 seeds) these two
raised the wrong facts caught at the budget from 0.840 to 0.900 on today's facts
and from 0.782 to 0.827 on the first-sight ones."""

_ALIAS_NEAR = 6
_ALIAS_CHARS_CAP = 40
_LABEL_CHARS_CAP = 12
_EDUCATION_WORD_BEFORE = 15
_AROUND = 300
_AROUND_CAP = 5
_BEFORE_SENTENCE = 80
LOOKALIKE_WINDOW = 16
"""characters before a number that `unnamed_lookalike` reads"""


def indicator_units_of(catalog: Catalog) -> frozenset[str]:
    """Every unit a catalog indicator is counted in."""
    return frozenset(unit for indicator in catalog.indicators.values() for unit in indicator.units)


@dataclass(frozen=True)
class NumberInText:
    """What the wording features need of a fact: its span in the normalized text,
    its unit, whether it has an indicator."""

    start: int
    end: int
    unit: str
    named: bool


def label_grams(words: str, unit: str) -> list[str]:
    """What the label model reads of a label (or of the words before a number):
    its characters, its character pairs and its unit. Written here rather than
    with scikit-learn's char analyzer so that fitting and applying split a text
    the same way, and applying needs no scikit-learn."""
    return [*words, *(words[i : i + 2] for i in range(len(words) - 1)), f"unit={unit}"]


@dataclass(frozen=True)
class LabelModel:
    """P(a gold fact names a catalog indicator) from its label's `label_grams`: a
    logistic model fitted by `edufacts calibrate` on the dev gold's labels
    (`schemas/calibration.json`, "label_model"). The catalog knows the names the
    rules match; this knows the words of every labelled fact, so a number the
    rules left unnamed whose words look like those of named facts (`在园人数`
    beside the catalog's `在园幼儿数`) is likely missing its indicator."""

    weights: Mapping[str, float]
    bias: float

    def names_indicator(self, words: str, unit: str) -> float:
        score = self.bias + sum(self.weights.get(gram, 0.0) for gram in label_grams(words, unit))
        return 1.0 / (1.0 + math.exp(-score))


def lookalike(text: str, number: NumberInText, label_model: LabelModel | None) -> int:
    """unnamed_lookalike of one number (see FEATURES)."""
    if number.named or label_model is None:
        return 0
    words = text[max(0, number.start - LOOKALIKE_WINDOW) : number.start]
    return round(100 * label_model.names_indicator(words, number.unit))


def wording_evidence(
    text: str,
    numbers: list[NumberInText],
    indicator_units: Collection[str],
    label_model: LabelModel | None = None,
) -> list[dict[str, int]]:
    """The features read from the words around each of a document's numbers in
    its normalized text (`indicator_units`: every unit a catalog indicator is
    counted in; see FEATURES). All of them at once: named_beside compares the
    numbers of one sentence. Apart from a proposal: `edufacts calibrate` also
    reads them for the stored facts of an earlier version (eval/first_sight)."""
    ends = sentence_ends(text)
    bounds = [sentence_bounds(ends, len(text), number.start, number.end) for number in numbers]
    named_sentences = {left for (left, _), number in zip(bounds, numbers, strict=True) if number.named}
    document_facts = round(5 * math.log1p(len(numbers)))
    features: list[dict[str, int]] = []
    for (left, right), number in zip(bounds, numbers, strict=True):
        before, after = text[left : number.start], text[number.end : right]
        sentence = before + after
        line_start = text.rfind("\n", 0, number.start) + 1
        line_end = text.find("\n", number.end)
        line_end = len(text) if line_end < 0 else line_end
        around = (
            text[max(line_start, number.start - _AROUND) : number.start]
            + text[number.end : min(line_end, number.end + _AROUND)]
        )
        sentence_has_education = EDUCATION_WORDS.search(sentence) is not None
        features.append(
            {
                "unit_outside_catalog": int(number.unit not in indicator_units),
                "other_field_in_sentence": int(OTHER_WORDS.search(sentence) is not None),
                "education_word_before": int(
                    EDUCATION_WORDS.search(before[-_EDUCATION_WORD_BEFORE:]) is not None
                ),
                "named_beside": int(not number.named and left in named_sentences),
                "unnamed_lookalike": lookalike(text, number, label_model),
                "document_facts": document_facts,
                "education_words_around": min(len(EDUCATION_WORDS.findall(around)), _AROUND_CAP),
                "other_field_before": int(
                    not sentence_has_education
                    and OTHER_WORDS.search(text[max(0, left - _BEFORE_SENTENCE) : left]) is not None
                ),
            }
        )
    return features


def evidence_of(
    proposal: Proposal, checks: list[Check], wording: dict[str, int], model_agrees: bool | None = None
) -> dict[str, int]:
    """The features of one fact, by name (`wording`: its `wording_evidence`;
    `model_agrees`: None where no model was asked)."""
    mention = proposal.mention
    distance = proposal.alias_distance
    topic = proposal.topic
    values = {
        "alias_near": int(proposal.indicator is not None and (distance or 0) <= _ALIAS_NEAR),
        "alias_far": int(proposal.indicator is not None and (distance or 0) > _ALIAS_NEAR),
        "no_indicator": int(proposal.indicator is None),
        "several_candidates": int(len(proposal.candidates) > 1),
        "table_cell": int(proposal.table_cell is not None),
        "topic_cue": int(topic is not None and topic.certainty in ("noun", "sentence", "table")),
        "topic_unsettled": int(topic is not None and not topic.settled),
        "approx": int(mention.approx),
        "range": int("range" in mention.flags),
        "glued_cell": int("glued_cell" in mention.flags),
        "chinese_numeral": int(not any(char.isdigit() for char in mention.raw)),
        "bare_unit": int(not mention.written_unit and not mention.scale),
        "no_label": int(not proposal.label),
        "year_stated": int(proposal.year is not None),
        "failed_checks": sum(1 for check in checks if not check.ok),
        "model_agrees": int(model_agrees is True),
        "model_disagrees": int(model_agrees is False),
        "unit_percent": int(proposal.unit in ("%", "个百分点")),
        "unit_money": int(proposal.unit in ("万元", "元")),
        "unit_people": int(proposal.unit in ("人", "人次")),
        "change": int(bool({"increase", "decrease"} & set(mention.flags))),
        "short_label": int(0 < len(proposal.label) <= 3),
        "topic_from_context": int(topic is not None and topic.certainty not in ("noun", "sentence", "table")),
        "alias_chars": min(distance or 0, _ALIAS_CHARS_CAP) if proposal.indicator is not None else 0,
        "label_chars": label_chars(proposal.label),
        **wording,
    }
    return {name: values[name] for name in FEATURES}


def label_chars(label: str) -> int:
    return min(len(label), _LABEL_CHARS_CAP)


def vector(evidence: dict[str, int]) -> list[float]:
    return [float(evidence.get(name, 0)) for name in FEATURES]
