"""edufacts: checked, source-grounded facts from Chinese education reports.

import edufacts
result = edufacts.extract("eval/docs/000_83a7c735898b844d.txt")
for fact in result.facts:
    print(fact.raw, fact.value, fact.unit, fact.indicator, fact.label)
report = edufacts.evaluate("out/", "eval/gold")   # outputs scored against gold files
"""

from ._version import __version__
from .api import EvalReport, Extractor, evaluate, extract
from .errors import EdufactsError
from .models import DocumentResult, Fact, Finding, Meta, TextItem, Unclaimed
from .settings import Settings

__all__ = [
    "DocumentResult",
    "EdufactsError",
    "EvalReport",
    "Extractor",
    "Fact",
    "Finding",
    "Meta",
    "Settings",
    "TextItem",
    "Unclaimed",
    "__version__",
    "evaluate",
    "extract",
]
