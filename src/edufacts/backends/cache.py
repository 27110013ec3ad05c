"""The model-answer cache: diskcache with JSON entries, keyed on everything that
can change an answer (endpoint, model identity, prompt hash, schema hash,
sampling parameters and the messages, which hold the chunk text)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import diskcache


def cache_key(**parts: Any) -> str:
    canonical = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class AnswerCache:
    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self._store = diskcache.Cache(str(directory))

    def get(self, key: str) -> dict[str, Any] | None:
        stored = self._store.get(key)
        if not isinstance(stored, str):
            return None
        try:
            entry = json.loads(stored)
        except json.JSONDecodeError:
            return None
        return entry if isinstance(entry, dict) else None

    def put(self, key: str, entry: dict[str, Any]) -> None:
        # Stored as JSON text, not pickles: readable, and safe to share.
        self._store.set(key, json.dumps(entry, ensure_ascii=False))

    def close(self) -> None:
        self._store.close()
