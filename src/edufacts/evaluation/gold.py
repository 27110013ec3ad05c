"""Gold files: validation against their contract and location of each labelled
number in its document. Scoring keys on the located span, so labels survive
re-segmentation.

`python -m edufacts.evaluation.gold eval/gold/*.json [--docs eval/docs]` checks files.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from pydantic import ValidationError

from ..errors import ContractError, EdufactsError
from ..models import GoldFact, GoldFile, GoldRejection
from ..stages.catalog import Catalog, load_catalog


@dataclass(frozen=True)
class LocatedGoldFact:
    fact: GoldFact
    start: int
    end: int


def read_gold(path: Path) -> GoldFile:
    """A gold file, its strings in the form the reader gives the document's text:
    quotes copied from a page with pinyin glosses (`改扩(kuò)建`) lose them, as the
    document does when it is read (`readers.load.strip_glosses`)."""
    from ..readers.load import strip_glosses

    try:
        return GoldFile.model_validate_json(strip_glosses(path.read_text(encoding="utf-8"))[0])
    except ValidationError as error:
        first = error.errors()[0]
        where = "/".join(str(part) for part in first["loc"])
        raise ContractError(f"{path}: {where}: {first['msg']} ({error.error_count()} errors)") from None
    except UnicodeDecodeError:
        raise ContractError(f"{path}: gold file is not UTF-8") from None
    except OSError as error:
        raise ContractError(f"{path}: cannot read gold file: {error.strerror}") from None


def _nth_index(text: str, needle: str, occurrence: int) -> int:
    index = -1
    for _ in range(occurrence + 1):
        index = text.find(needle, index + 1)
        if index < 0:
            return -1
    return index


def locate_facts(gold: GoldFile, text: str, catalog: Catalog | None = None) -> list[LocatedGoldFact]:
    """Find each gold fact's number in `text`; raise ContractError listing every problem."""
    catalog = catalog or load_catalog()
    problems: list[str] = []
    located: list[LocatedGoldFact] = []
    for index, fact in enumerate(gold.facts):
        where = f"facts[{index}] ({fact.quote!r})"
        quote_at = _nth_index(text, fact.quote, fact.quote_occurrence)
        if quote_at < 0:
            problems.append(f"{where}: quote occurrence {fact.quote_occurrence} not in the document")
            continue
        raw_at = fact.quote.find(fact.raw)
        if raw_at < 0:
            problems.append(f"{where}: raw {fact.raw!r} not inside the quote")
            continue
        if fact.indicator is not None and fact.indicator not in catalog.indicators:
            problems.append(f"{where}: unknown indicator {fact.indicator!r}")
        if fact.unit not in catalog.units:
            problems.append(f"{where}: unit {fact.unit!r} is not a catalog unit")
        unknown_scope = catalog.scope_terms(fact.scope) - catalog.scope_aliases.keys()
        if unknown_scope:
            problems.append(f"{where}: scope terms not in the catalog: {sorted(unknown_scope)}")
        start = quote_at + raw_at
        located.append(LocatedGoldFact(fact, start, start + len(fact.raw)))
    spans = sorted((item.start, item.end) for item in located)
    for (start_a, end_a), (start_b, _) in pairwise(spans):
        if start_b < end_a:
            problems.append(f"two gold facts overlap at characters {start_a}-{end_a} and {start_b}")
    for index, rejection in enumerate(gold.rejected):
        if _rejected_start(rejection, text) < 0:
            problems.append(f"rejected[{index}] ({rejection.quote!r}): quote or raw not found")
    for kind, items in (("problems", gold.problems), ("measures", gold.measures)):
        for index, item in enumerate(items):
            if item not in text:
                problems.append(f"{kind}[{index}]: text not in the document: {item[:30]!r}...")
    if problems:
        raise ContractError(f"gold {gold.doc_id}: " + "; ".join(problems))
    return located


def _rejected_start(rejection: GoldRejection, text: str) -> int:
    """Where a rejected number starts in the document, or -1 (quote or raw not found)."""
    quote_at = _nth_index(text, rejection.quote, rejection.quote_occurrence)
    raw_at = rejection.quote.find(rejection.raw)
    return quote_at + raw_at if quote_at >= 0 and raw_at >= 0 else -1


def rejected_spans(gold: GoldFile, text: str) -> list[tuple[int, int]]:
    """Where the numbers a reviewer rejected stand (gold files from `review --export-gold`)."""
    starts = ((_rejected_start(rejection, text), rejection.raw) for rejection in gold.rejected)
    return [(start, start + len(raw)) for start, raw in starts if start >= 0]


def check_gold_file(path: Path, docs_dir: Path) -> int:
    from ..readers.load import find_document, load_document

    gold = read_gold(path)
    if gold.doc_id != path.stem:
        raise ContractError(f"{path}: doc_id {gold.doc_id!r} does not match the file name")
    document = load_document(find_document(docs_dir, gold.doc_id))
    return len(locate_facts(gold, document.text))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check gold files against their documents.")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--docs", type=Path, default=Path("eval/docs"))
    args = parser.parse_args(argv)
    failed = 0
    for path in args.files:
        try:
            count = check_gold_file(path, args.docs)
            print(f"ok   {path}: {count} facts")
        except EdufactsError as error:
            failed += 1
            print(f"FAIL {error}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

__all__ = ["LocatedGoldFact", "check_gold_file", "locate_facts", "read_gold", "rejected_spans"]
