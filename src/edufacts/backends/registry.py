"""Backends by name: the `edufacts.backends` entry-point group, so another
package can add one (as simonw/llm's plugins do) by declaring

    [project.entry-points."edufacts.backends"]
    mybackend = "mypackage.module:open_mybackend"

where `open_mybackend(settings, *, on_install=None, policy=None, http_client=None)`
is a context manager yielding a `Backend`. edufacts' own three are declared the
same way in pyproject.toml, and listed here too so a source checkout that was
never installed still finds them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import cache
from importlib import import_module
from importlib.metadata import entry_points
from typing import Any

from ..errors import ConfigError
from ..settings import Settings
from .base import Backend

GROUP = "edufacts.backends"
BUILT_IN = {
    "rules": "edufacts.backends.rules:open_rules",
    "local": "edufacts.backends.model:open_model_backend",
    "openai": "edufacts.backends.model:open_model_backend",
}
Opener = Callable[..., AbstractContextManager[Backend]]


@cache
def _targets() -> dict[str, str]:
    targets = dict(BUILT_IN)
    targets.update({point.name: point.value for point in entry_points(group=GROUP)})
    return targets


def backend_names() -> tuple[str, ...]:
    return tuple(_targets())


def installed_default_backend() -> str:
    """The CLI's default: `local` once its extra is installed (server and model
    parts), else `rules`."""
    from .weights import DEFAULT_MODEL, MODELS, llama_server_available, part_paths

    if llama_server_available() and part_paths(MODELS[DEFAULT_MODEL]) is not None:
        return "local"
    return "rules"


def _opener(name: str) -> Opener:
    target = _targets().get(name)
    if target is None:
        raise ConfigError(f"unknown backend {name!r}; choose one of {', '.join(backend_names())}")
    module, _, attribute = target.partition(":")
    opener: Opener = getattr(import_module(module), attribute)
    return opener


@contextmanager
def open_backend(settings: Settings, **options: Any) -> Iterator[Backend]:
    """The backend a run uses, opened once (one model server, one HTTP client,
    one answer cache) and closed when the run ends, also on Ctrl-C. Options:
    on_install (model assembly progress), policy (CallPolicy), http_client (an
    httpx client, e.g. with a mock transport in tests). Closing is the opener's
    (each opener is a context manager that closes what it opened)."""
    with _opener(settings.backend)(settings, **options) as backend:
        yield backend
