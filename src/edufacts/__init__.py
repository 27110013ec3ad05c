"""edufacts: checked, source-grounded facts from Chinese education reports.

import edufacts
result = edufacts.extract("eval/docs/000_83a7c735898b844d.txt")
for fact in result.facts:
    print(fact.raw, fact.value, fact.unit, fact.indicator, fact.label)
"""

from .errors import EdufactsError

__version__ = "0.1.0"

from .api import Extractor, extract  # after __version__: the pipeline reads it
from .models import DocumentResult, Fact, Finding, Meta, TextItem, Unclaimed
from .settings import Settings

__all__ = [
    "DocumentResult",
    "EdufactsError",
    "Extractor",
    "Fact",
    "Finding",
    "Meta",
    "Settings",
    "TextItem",
    "Unclaimed",
    "__version__",
    "extract",
]
