"""Readers for the binary formats reports are published in (PDF, DOCX, DOC/WPS):
bytes -> ReadText, the text every offset of the output indexes, with the spans
that are page chrome and, for PDF, where each character sits on its page.
`load.py` sniffs the content and calls the right one; plain text and HTML stay
in `load.py`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)  # one per character of a PDF's text
class CharBox:
    """Where a character of the text was printed: 0-based page, and its box in PDF
    points from the page's bottom-left corner."""

    page: int
    left: float
    bottom: float
    right: float
    top: float


@dataclass(frozen=True, kw_only=True)
class ReadText:
    text: str
    """The document's text; paragraphs end with a line break, table cells stand
    one per line (the flattened form `segment.find_tables` reads)."""
    boilerplate: tuple[tuple[int, int], ...] = ()
    """Spans of `text` that are page headers, footers and page numbers, in order,
    disjoint."""
    pages: tuple[tuple[int, int], ...] = ()
    """The span of `text` each page gave (PDF); empty for formats without pages."""
    boxes: tuple[CharBox | None, ...] = field(default=(), repr=False)
    """One entry per character of `text` (PDF): its box, or None for a character
    the reader inserted (a line break, a joining blank); empty for other formats."""
    notes: tuple[str, ...] = ()
    """What the reader had to do that a user should know (a fallback converter,
    a page limit reached); the pipeline turns each into a finding."""
