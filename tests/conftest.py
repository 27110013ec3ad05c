from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "eval" / "docs"
GOLD = ROOT / "eval" / "gold"
CORPUS = sorted(DOCS.glob("*.txt"))


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
    monkeypatch.setattr("edufacts.settings._default_backend", lambda: "rules")
