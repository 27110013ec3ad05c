"""One frozen settings object, resolved once: flag, then EDUFACTS_* environment
variable, then default; passed explicitly to whatever needs it."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .readers.load import DEFAULT_MAX_BYTES, DEFAULT_MAX_PAGES

MODES = ("mentions", "full")


@dataclass(frozen=True, kw_only=True)
class Settings:
    backend: str = "rules"
    """A name the backend registry knows (`rules`, `local`, `openai`, or a plugin's);
    the library's default is `rules` for Settings() and Settings.resolve() alike
    (the CLI passes the installed default: `local` once its extra is installed)."""
    out_dir: Path = Path("out")
    max_bytes: int = DEFAULT_MAX_BYTES
    max_pages: int = DEFAULT_MAX_PAGES
    """Pages of a PDF read at most (the rest is left out and said so in a finding)."""
    review_threshold: float | None = None
    """None: flag the review budget's share (the calibrated threshold)."""
    mode: str = "mentions"
    """What a model backend is asked: `mentions` (the rules' facts: indicator,
    scope, year, label) or `full` (every measured number, problems, measures and
    metadata; for strong endpoints)."""
    model: str | None = None
    """A known local model name (local backend) or the served model id (endpoints)."""
    model_path: Path | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)
    cache_dir: Path | None = None
    no_cache: bool = False
    jobs: int = 1
    """Documents, and model calls, in flight at once."""
    resume: bool = False
    """Skip documents whose outputs are complete for the same input and settings."""

    @property
    def cache_root(self) -> Path:
        if self.cache_dir is not None:
            return self.cache_dir
        import platformdirs

        return platformdirs.user_cache_path("edufacts")

    @classmethod
    def resolve(
        cls,
        flags: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        default_backend: Callable[[], str] | None = None,
    ) -> Settings:
        """Flag, then EDUFACTS_* variable, then default; `default_backend` is called
        when neither names a backend (None: `rules`)."""
        flags = flags or {}
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for setting in fields(cls):
            flag = flags.get(setting.name)
            if flag is not None:
                values[setting.name] = flag
                continue
            raw = env.get(f"EDUFACTS_{setting.name.upper()}")
            if raw is not None and raw != "":
                values[setting.name] = _parse(setting.name, raw)
        if "backend" not in values and default_backend is not None:
            values["backend"] = default_backend()
        settings = cls(**values)
        if not settings.backend:
            raise ConfigError("the backend name is empty")
        if settings.max_bytes <= 0:
            raise ConfigError("max_bytes must be positive")
        if settings.max_pages <= 0:
            raise ConfigError("max_pages must be positive")
        if settings.review_threshold is not None and not 0 <= settings.review_threshold <= 1:
            raise ConfigError("review_threshold must be between 0 and 1")
        if settings.mode not in MODES:
            raise ConfigError(f"unknown mode {settings.mode!r}; modes: {', '.join(MODES)}")
        if settings.jobs < 1:
            raise ConfigError("jobs must be at least 1")
        return settings


def _parse(name: str, raw: str) -> Any:
    try:
        if name in {"max_bytes", "max_pages", "jobs"}:
            return int(raw)
        if name == "review_threshold":
            return float(raw)
    except ValueError:
        raise ConfigError(f"EDUFACTS_{name.upper()}={raw!r} is not a number") from None
    if name in {"out_dir", "model_path", "cache_dir"}:
        return Path(raw)
    if name in {"no_cache", "resume"}:
        return raw.lower() in {"1", "true", "yes", "on"}
    return raw
