"""The output and gold contracts (design.md, "Contracts").

These pydantic models are the single source of the JSON Schemas in
`schemas/`; `edufacts schema` regenerates them and a test checks they are
current.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema

from .usage import Usage

SCHEMA_VERSION = "1.0"


def decimal_to_json_number(value: Decimal) -> int | float:
    """Serialize a Decimal as a JSON number that reads back to the same Decimal.

    Values come from spans of report text, so they have at most 15 significant
    digits (longer digit runs are flagged, never parsed); float's shortest
    repr is then exact. The assertion guards that reasoning.
    """
    if value == value.to_integral_value():
        return int(value)
    as_float = float(value)
    if Decimal(repr(as_float)) != value:
        raise ValueError(f"value {value} cannot be written exactly as a JSON number")
    return as_float


ExactNumber = Annotated[
    Decimal,
    PlainSerializer(decimal_to_json_number, when_used="json"),
    WithJsonSchema({"type": "number"}),
]

DocType = Literal["self_evaluation", "plan", "supervision_report", "other"]
Source = Literal["rules", "llm", "both", "review"]
Script = Literal["simplified", "traditional"]
DocumentFormat = Literal["txt", "html", "pdf", "docx", "doc"]
"""`review`: a fact a reviewer made from an unclaimed mention (`edufacts review`)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Check(Strict):
    name: str
    ok: bool
    detail: str = ""


class Meta(Strict):
    title: str | None = None
    province: str | None = None
    city: str | None = None
    district: str | None = None
    issuer: str | None = None
    doc_type: DocType | None = None
    report_year: int | None = None
    published: str | None = Field(default=None, description="ISO date YYYY-MM-DD")
    doc_number: str | None = None


class DocumentInfo(Strict):
    id: str
    path: str
    sha256: str
    chars: int
    script: Script
    encoding: str
    format: DocumentFormat
    text_path: str | None = Field(
        default=None, description="extracted text saved beside the output (HTML, PDF, DOCX, DOC input)"
    )


class ChunkFailure(Strict):
    chunk: str
    error: str


class RunInfo(Strict):
    backend: str
    model: str | None = None
    prompt_version: str | None = None
    llm_calls: int = 0
    cached_calls: int = 0
    tokens: int = 0
    seconds: float = 0.0
    failures: list[ChunkFailure] = Field(default_factory=list)

    @property
    def usage(self) -> Usage:
        """The run's cost as one value (the split of tokens is not kept in outputs)."""
        return Usage(
            calls=self.llm_calls, cached_calls=self.cached_calls, tokens=self.tokens, seconds=self.seconds
        )


class Section(Strict):
    id: str
    heading: str
    heading_path: list[str]
    level: int
    start: int
    end: int


class Fact(Strict):
    id: str
    indicator: str | None
    label: str
    value: ExactNumber
    unit: str
    raw: str
    scope: str | None = None
    year: int | None = None
    approx: bool = False
    change: Literal["increase", "decrease"] | None = None
    """set when the number is a change stated by its verb (增长5%, 下降0.3个百分点): the
    value stays as written, positive, and this says which way"""
    start: int
    end: int
    quote: str
    section: str | None = None
    page: int | None = Field(default=None, description="1-based page of a PDF input")
    bbox: list[float] | None = Field(
        default=None, description="PDF input: left, bottom, right, top of the number's characters, in points"
    )
    confidence: float = Field(ge=0, le=1)
    needs_review: bool
    checks: list[Check] = Field(default_factory=list)
    evidence: dict[str, int] = Field(
        default_factory=dict, description="what the confidence rests on (edufacts.stages.evidence.FEATURES)"
    )
    source: Source = "rules"
    candidates: list[str] = Field(default_factory=list)


class TextItem(Strict):
    text: str
    start: int
    end: int


class Unclaimed(Strict):
    raw: str
    start: int
    end: int
    value: ExactNumber | None = None
    unit: str = ""
    reason: str
    quote: str = ""


class Finding(Strict):
    kind: str
    detail: str
    fact_ids: list[str] = Field(default_factory=list)
    start: int | None = None
    end: int | None = None


class DocumentResult(Strict):
    schema_version: str = SCHEMA_VERSION
    document: DocumentInfo
    run: RunInfo
    meta: Meta
    sections: list[Section]
    facts: list[Fact]
    problems: list[TextItem]
    measures: list[TextItem]
    unclaimed: list[Unclaimed]
    findings: list[Finding]


class GoldFact(Strict):
    quote: str = Field(description="exact substring of the document holding the number")
    raw: str = Field(description="the number as written; its first occurrence in quote is the fact")
    value: ExactNumber
    unit: str
    indicator: str | None = None
    scope: str | None = Field(default=None, description="scope terms from the catalog, '/'-joined")
    year: int | None = None
    approx: bool = False
    label: str
    quote_occurrence: int = Field(
        default=0, ge=0, description="which occurrence of quote in the document, 0-based"
    )
    reviewed: bool = Field(
        default=False,
        description="in a partial gold file: a reviewer accepted, edited or added this fact",
    )


class GoldRejection(Strict):
    """A number a reviewer rejected as a fact (kept by `review --export-gold`)."""

    quote: str
    raw: str
    quote_occurrence: int = Field(default=0, ge=0)


class GoldFile(Strict):
    doc_id: str
    mixed_topic: bool = False
    """education is one topic among others (a statistics bulletin, a work report)"""
    meta: Meta
    facts: list[GoldFact]
    problems: list[str] = Field(default_factory=list)
    measures: list[str] = Field(default_factory=list)
    notes: str = ""
    partial: bool = False
    """exported from review: only the facts marked `reviewed` and the `rejected`
    numbers were decided by a person; the other facts are the tool's output"""
    rejected: list[GoldRejection] = Field(default_factory=list)
