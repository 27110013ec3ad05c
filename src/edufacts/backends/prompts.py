"""Versioned prompt templates from `prompts/<name>-v<N>/`, rendered strictly."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from ..errors import ConfigError
from ..resources import data_dir


@dataclass(frozen=True)
class PromptSet:
    version: str
    system: jinja2.Template
    user: jinja2.Template
    sha256: str

    def render(self, **variables: Any) -> list[dict[str, str]]:
        try:
            return [
                {"role": "system", "content": self.system.render(**variables).strip()},
                {"role": "user", "content": self.user.render(**variables).strip()},
            ]
        except jinja2.UndefinedError as error:
            raise ConfigError(f"prompt {self.version}: {error}") from None


@cache
def load_prompt(version: str) -> PromptSet:
    folder = data_dir("prompts") / version
    if not folder.is_dir():
        raise ConfigError(f"prompt version {version!r} not found in {folder.parent}")
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # plain text for a model, never HTML
        keep_trailing_newline=True,
    )
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.j2")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return PromptSet(
        version=version,
        system=environment.get_template("system.j2"),
        user=environment.get_template("user.j2"),
        sha256=digest.hexdigest(),
    )
