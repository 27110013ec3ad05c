"""The backend abstraction: one protocol, a registry by entry point, and a
package layout whose pure stages import no backend code."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

import edufacts
from edufacts.backends import registry
from edufacts.errors import ConfigError
from edufacts.settings import Settings

SRC = Path(edufacts.__file__).resolve().parent

PLUGIN = '''
from contextlib import contextmanager

from edufacts.backends.base import Annotations, Merged
from edufacts.stages.reconcile import Provenance
from edufacts.usage import Usage


class ShoutingBackend:
    """Claims every number for itself and sets the first one aside."""

    name = "shouting"
    parallel = None
    identity = "shouting-1"
    usage = Usage()

    def annotate(self, document, catalog, proposals, mentions, *, set_aside, **_):
        return Annotations(model="shouting-model", prompt_version="v0", usage=Usage(calls=len(proposals)))

    def merge(self, catalog, proposals, annotations, text, *, set_aside):
        return Merged(
            proposals=proposals[1:],
            dropped=[],
            provenance={p.mention.start: Provenance("llm", True) for p in proposals[1:]},
        )

    def close(self):
        pass


@contextmanager
def open_shouting(settings, **options):
    yield ShoutingBackend()
'''


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An installed third-party package that declares a backend, as pip would lay it out."""
    site = tmp_path / "site"
    (site / "shouting_backend-0.1.dist-info").mkdir(parents=True)
    (site / "shouting_backend.py").write_text(PLUGIN, encoding="utf-8")
    (site / "shouting_backend-0.1.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: shouting-backend\nVersion: 0.1\n", encoding="utf-8"
    )
    (site / "shouting_backend-0.1.dist-info" / "entry_points.txt").write_text(
        "[edufacts.backends]\nshouting = shouting_backend:open_shouting\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(site))
    registry._targets.cache_clear()
    yield
    registry._targets.cache_clear()
    sys.modules.pop("shouting_backend", None)


def test_a_plugin_backend_is_found_through_its_entry_point(plugin: None) -> None:
    assert "shouting" in registry.backend_names()
    text = "全区共有幼儿园74所,在园幼儿7772人,专任教师620人。"
    rules = edufacts.extract(text)
    result = edufacts.extract(text, backend="shouting")
    assert (result.run.backend, result.run.model, result.run.llm_calls) == ("shouting", "shouting-model", 3)
    # its merge decides: the first number is gone, the others are the plugin's
    assert [fact.raw for fact in result.facts] == [fact.raw for fact in rules.facts][1:]
    assert {fact.source for fact in result.facts} == {"llm"}


def test_an_unknown_backend_is_a_one_line_error() -> None:
    unknown = pytest.raises(ConfigError, match=r"unknown backend 'nope'; choose one of rules, local, openai")
    with unknown, registry.open_backend(Settings(backend="nope")):
        pass


def _imports(path: Path) -> set[str]:
    """The edufacts modules a module imports (absolute names), at any depth."""
    package = ".".join(path.relative_to(SRC.parent).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                found.add(".".join([*base, node.module] if node.module else base))
            elif node.module:
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.startswith("edufacts")}


@pytest.mark.parametrize("wing", ["stages", "readers"])
def test_pure_wings_import_no_backend_pipeline_or_cli(wing: str) -> None:
    for path in sorted((SRC / wing).glob("*.py")):
        upward = {
            name
            for name in _imports(path)
            if name.startswith(("edufacts.backends", "edufacts.pipeline", "edufacts.cli", "edufacts.api"))
        }
        assert not upward, f"{path.name} imports {upward}"


def test_settings_import_no_backend() -> None:
    assert not {name for name in _imports(SRC / "settings.py") if name.startswith("edufacts.backends")}


def test_only_the_backend_factory_constructs_a_model_client_or_server() -> None:
    constructing = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            named = isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            if named and node.func.id in {"ModelClient", "ManagedServer", "ModelBackend"}:  # type: ignore[attr-defined]
                constructing.add(path.relative_to(SRC).as_posix())
    assert constructing == {"backends/model.py"}


def test_no_import_cycles_at_module_level() -> None:
    modules = {
        ".".join(path.relative_to(SRC.parent).with_suffix("").parts).removesuffix(".__init__"): path
        for path in SRC.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        edges = set()
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
                target = ".".join([*base, node.module] if node.module else base)
                for alias in node.names:
                    candidate = f"{target}.{alias.name}"
                    edges.add(candidate if candidate in modules else target)
        graph[name] = {edge for edge in edges if edge in modules and edge != name}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        for step in graph[start]:
            if step == goal or (step not in seen and (seen.add(step) or reaches(step, goal, seen))):
                return True
        return False

    assert [name for name in graph if reaches(name, name, set())] == []
