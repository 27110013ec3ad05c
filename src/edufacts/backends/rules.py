"""The rules backend: the pure stages' proposals as they are; no model, no cost."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from typing import Any

from ..readers.load import Document
from ..settings import Settings
from ..stages.catalog import Catalog
from ..stages.numbers import Mention
from ..stages.rules import Proposal, UnclaimedMention
from ..usage import Usage
from .base import Annotations, Backend, ChunkProgress, Merged


class RulesBackend:
    name = "rules"
    parallel: int | None = None
    identity: str | None = None
    usage = Usage()

    def annotate(
        self,
        document: Document,
        catalog: Catalog,
        proposals: list[Proposal],
        mentions: list[Mention],
        *,
        set_aside: list[UnclaimedMention],
        pool: Executor | None = None,
        stop: threading.Event | None = None,
        on_chunk: ChunkProgress | None = None,
    ) -> Annotations:
        return Annotations()

    def merge(
        self,
        catalog: Catalog,
        proposals: list[Proposal],
        annotations: Annotations,
        text: str,
        *,
        set_aside: list[UnclaimedMention],
    ) -> Merged:
        return Merged(proposals=proposals)

    def close(self) -> None:
        pass


@contextmanager
def open_rules(settings: Settings, **_: Any) -> Iterator[Backend]:
    yield RulesBackend()
