"""What model calls cost, as one value: from the HTTP client to a chunk, a
document, a batch summary, the ledger and the eval's cost table."""

from __future__ import annotations

import threading
from dataclasses import dataclass, fields


@dataclass(frozen=True, kw_only=True)
class Usage:
    calls: int = 0
    """requests sent (retries and re-asks included)"""
    cached_calls: int = 0
    """answers taken from the answer cache instead"""
    retries: int = 0
    tokens: int = 0
    """prompt + completion tokens, as the endpoint counted them"""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    """wall time spent waiting for the model"""

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


class UsageMeter:
    """A running total that threads sharing one client add to."""

    def __init__(self) -> None:
        self._total = Usage()
        self._lock = threading.Lock()

    def add(self, usage: Usage) -> None:
        with self._lock:
            self._total = self._total + usage

    @property
    def total(self) -> Usage:
        return self._total
