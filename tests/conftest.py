from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import platformdirs
import pytest
import yaml

from edufacts.readers.load import Document
from edufacts.settings import Settings
from edufacts.stages.catalog import Catalog, load_catalog
from edufacts.stages.numbers import Mention, find_mentions
from edufacts.stages.rules import Proposal, propose
from edufacts.stages.segment import build_sections, find_headings, find_tables

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "eval" / "docs"
GOLD = ROOT / "eval" / "gold"
CORPUS = sorted(DOCS.glob("00[0-4]_*.txt"))
"""The five seed reports (long, number-dense); the newer dev documents are excerpts."""


def rules_pass(document: Document) -> tuple[Catalog, list[Mention], list[Proposal]]:
    """The stages before the model: catalog, mentions and the rules' proposals."""
    catalog = load_catalog()
    text = document.normalized
    mentions = find_mentions(text)
    sections = build_sections(text, find_headings(text))
    proposals, _ = propose(document, catalog, mentions, sections, find_tables(text))
    return catalog, mentions, proposals


@pytest.fixture(autouse=True)
def hermetic(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Every test runs with no EDUFACTS_* settings and a private user dir."""
    import os

    for name in list(os.environ):
        if name.startswith("EDUFACTS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    # Where the local extra is installed the default backend is `local`; tests
    # that want it say so, the rest run the rules backend.
    monkeypatch.setattr("edufacts.backends.registry.installed_default_backend", lambda: "rules")


# --- recorded model sessions (cassettes/) ------------------------------------
# Cassettes are recorded against the real local llama.cpp server with
#   .venv/bin/pytest --record-mode=once tests/test_llm_local.py
# and replayed in CI (record mode none): no server, no model, no network.

REAL_CACHE = platformdirs.user_cache_path("edufacts")  # read before `hermetic` moves HOME


class UnicodeYaml:
    """vcrpy's YAML serializer escapes non-ASCII; reports are Chinese, so the
    cassettes keep every character as it is (full-width digits included)."""

    @staticmethod
    def serialize(cassette: dict[str, Any]) -> str:
        return yaml.dump(cassette, Dumper=yaml.SafeDumper, allow_unicode=True, width=1_000_000)

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.load(text, Loader=yaml.SafeLoader)
        return loaded


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    vcr.register_serializer("yaml_unicode", UnicodeYaml)


@pytest.fixture(scope="module")
def vcr_config(pytestconfig: pytest.Config) -> dict[str, Any]:
    return {
        "filter_headers": ["authorization", "api-key", "x-api-key", "openai-organization", "cookie"],
        # The managed server listens on a random port: match on what was asked, not where.
        "match_on": ["method", "path", "body"],
        "serializer": "yaml_unicode",
        "allow_playback_repeats": False,
        # `--record-mode=new_episodes` then asks the live model only for the
        # requests a change altered, and the saved cassette drops those no test
        # makes any more (a full re-record takes ~40 minutes on 2 cores). Only
        # then: replaying, a test that fails before its calls would save its
        # cassette emptied.
        "drop_unused_requests": is_recording(pytestconfig),
        "decode_compressed_response": True,
        # The managed server's health checks are not model traffic.
        "before_record_request": _skip_health_checks,
    }


def _skip_health_checks(request: Any) -> Any:
    return None if request.method == "GET" and request.path.endswith("/models") else request


@pytest.fixture
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    return str(ROOT / "cassettes" / request.module.__name__.split(".")[-1])


def is_recording(config: pytest.Config) -> bool:
    return config.getoption("--record-mode") not in (None, "none")


@pytest.fixture
def local_assistant(request: pytest.FixtureRequest, vcr: Any) -> Iterator[Any]:
    """The default local model's session: the real server when recording, the
    cassette when replaying. Fails when a cassette is missing or not used up."""
    yield from _local_session(request, vcr, "mentions")


@pytest.fixture
def local_full_assistant(request: pytest.FixtureRequest, vcr: Any) -> Iterator[Any]:
    """The same in --mode full."""
    yield from _local_session(request, vcr, "full")


def _local_session(request: pytest.FixtureRequest, vcr: Any, mode: str) -> Iterator[Any]:
    from edufacts.backends.client import CallPolicy
    from edufacts.backends.registry import open_backend
    from edufacts.backends.weights import DEFAULT_MODEL, MODELS, installed_path

    spec = MODELS[DEFAULT_MODEL]
    policy = CallPolicy(attempts=1)
    if is_recording(request.config):
        model_path = installed_path(spec, REAL_CACHE)
        assert model_path is not None, f"recording needs the model: edufacts model install {spec.name}"
        live = Settings(
            backend="local", mode=mode, model_path=model_path, cache_dir=REAL_CACHE, no_cache=True
        )
        with open_backend(live, policy=policy) as backend:
            yield backend
        return
    assert len(vcr) > 0, f"cassette missing or empty: {vcr._path}; record it (see tests/conftest.py)"
    # Replayed: an endpoint at a closed port, served by the cassette (same requests).
    replay = Settings(
        backend="local", mode=mode, base_url="http://127.0.0.1:9/v1", model=spec.name, no_cache=True
    )
    with open_backend(replay, policy=policy) as backend:
        yield backend
    assert vcr.all_played, f"cassette only partly used ({vcr.play_count} of {len(vcr)}): {vcr._path}"
