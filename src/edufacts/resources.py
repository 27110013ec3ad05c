"""Finds the project's data folders (`schemas/`, `prompts/`).

They live at the repository top level (the layout design.md names) and are
copied into the wheel as `edufacts/_data/<name>`; an editable install reads
them from the checkout.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    for candidate in (_PACKAGE_DIR / "_data" / name, _PACKAGE_DIR.parent.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"edufacts data folder {name!r} is missing from the installation")
