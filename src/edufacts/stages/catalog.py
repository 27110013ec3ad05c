"""The indicator catalog (schemas/catalog.json) as typed data."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from ..errors import ContractError
from ..resources import data_dir


@dataclass(frozen=True, kw_only=True)
class Indicator:
    id: str
    title: str
    """A short Chinese description, for prompts and reviewers."""
    unit: str
    units: frozenset[str]
    """`unit` and the units a count may also be stated in, kept as written (交流2510人次)"""
    names: tuple[str, ...]
    implied_scope: frozenset[str]


@dataclass(frozen=True, eq=False)  # hashed by identity: the loaded catalog is a singleton
class Catalog:
    version: str
    indicators: dict[str, Indicator]
    units: frozenset[str]
    scope_aliases: dict[str, tuple[str, ...]]

    def scope_terms(self, scope: str | None) -> frozenset[str]:
        """The canonical terms of a '/'-joined scope string."""
        if not scope:
            return frozenset()
        return frozenset(term.strip() for term in scope.split("/") if term.strip())


def bigrams(text: str) -> set[str]:
    """The two-character pieces of a text: how close an indicator's wording is to a clause."""
    return {text[i : i + 2] for i in range(len(text) - 1)}


@cache
def load_catalog() -> Catalog:
    path = data_dir("schemas") / "catalog.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    indicators: dict[str, Indicator] = {}
    for entry in raw["indicators"]:
        if entry["id"] in indicators:
            raise ContractError(f"catalog: indicator {entry['id']} defined twice")
        units = frozenset([entry["unit"], *entry.get("also_units", ())])
        if not units <= set(raw["units"]):
            raise ContractError(f"catalog: indicator {entry['id']} has an unknown unit in {sorted(units)}")
        indicators[entry["id"]] = Indicator(
            id=entry["id"],
            title=entry.get("title") or entry["names"][0],
            unit=entry["unit"],
            units=units,
            names=tuple(entry["names"]),
            implied_scope=frozenset(entry["implied_scope"]),
        )
    return Catalog(
        version=str(raw["version"]),
        indicators=indicators,
        units=frozenset(raw["units"]),
        scope_aliases={term: tuple(aliases) for term, aliases in raw["scopes"].items()},
    )
