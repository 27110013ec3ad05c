"""One frozen settings object, resolved once: flag, then EDUFACTS_* environment
variable, then default; passed explicitly to whatever needs it."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .load import DEFAULT_MAX_BYTES
from .reconcile import REVIEW_THRESHOLD

BACKENDS = ("rules", "local", "openai")


@dataclass(frozen=True)
class Settings:
    backend: str = "rules"
    out_dir: Path = Path("out")
    max_bytes: int = DEFAULT_MAX_BYTES
    review_threshold: float = REVIEW_THRESHOLD
    model: str | None = None
    base_url: str | None = None

    @classmethod
    def resolve(
        cls, flags: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None
    ) -> Settings:
        flags = flags or {}
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for field in fields(cls):
            flag = flags.get(field.name)
            if flag is not None:
                values[field.name] = flag
                continue
            raw = env.get(f"EDUFACTS_{field.name.upper()}")
            if raw is not None and raw != "":
                values[field.name] = _parse(field.name, raw)
        settings = cls(**values)
        if settings.backend not in BACKENDS:
            raise ConfigError(f"unknown backend {settings.backend!r}; choose one of {', '.join(BACKENDS)}")
        if settings.max_bytes <= 0:
            raise ConfigError("max_bytes must be positive")
        if not 0 <= settings.review_threshold <= 1:
            raise ConfigError("review_threshold must be between 0 and 1")
        return settings


def _parse(name: str, raw: str) -> Any:
    try:
        if name == "max_bytes":
            return int(raw)
        if name == "review_threshold":
            return float(raw)
    except ValueError:
        raise ConfigError(f"EDUFACTS_{name.upper()}={raw!r} is not a number") from None
    if name == "out_dir":
        return Path(raw)
    return raw
