"""The one backend abstraction: what the pipeline asks of any backend, and what
it gets back. A backend annotates the rules' proposals of one document (the
rules backend with nothing; a model backend with its claims) and merges those
annotations into the proposals. Backends are opened by name through
`backends.registry.open_backend`; nothing else constructs one."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..models import ChunkFailure
from ..readers.load import Document
from ..stages.catalog import Catalog
from ..stages.numbers import Mention
from ..stages.reconcile import Provenance
from ..stages.rules import Proposal, UnclaimedMention
from ..usage import Usage

if TYPE_CHECKING:
    from .assist import ChunkResult
    from .merge import ModelClaim
    from .topic_check import TopicVerdict

ChunkProgress = Callable[[str, int, int, int], None]
"""(document id, chunks done, chunks in the document, tokens of the chunk just done)"""
InstallProgress = Callable[[int, int], None]
"""(bytes done, bytes total) while a model is assembled."""


@dataclass(frozen=True, kw_only=True)
class Annotations:
    """What a backend said about one document's proposals."""

    claims: tuple[ModelClaim, ...] = ()
    failures: tuple[ChunkFailure, ...] = ()
    """chunks the model failed on: the rules' result stands for them"""
    chunks: tuple[ChunkResult, ...] = ()
    """every chunk asked, for the run ledger"""
    usage: Usage = field(default_factory=Usage)
    model: str | None = None
    prompt_version: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    """--mode full: metadata values the model named and the text holds"""
    problems: tuple[tuple[int, int], ...] = ()
    """--mode full: spans of the text the model named as problems"""
    measures: tuple[tuple[int, int], ...] = ()
    rejected: int = 0
    """--mode full: answers dropped because the text does not hold them"""
    topic_verdicts: tuple[TopicVerdict, ...] = ()
    """the model's topic check of the numbers the rules could only guess about"""


@dataclass(frozen=True, kw_only=True)
class Merged:
    proposals: list[Proposal]
    dropped: list[UnclaimedMention] = field(default_factory=list)
    """numbers the backend set aside (a model's 非教育: out_of_scope)"""
    restored: frozenset[int] = frozenset()
    """starts of numbers the rules set aside that the backend made facts of"""
    provenance: dict[int, Provenance] = field(default_factory=dict)
    """per mention start, who stands behind a merged proposal"""


class Backend(Protocol):
    name: str
    parallel: int | None
    """How many calls it serves at once (None: as many as asked)."""

    @property
    def identity(self) -> str | None:
        """What its answers depend on besides the input (None: nothing), for --resume."""

    @property
    def usage(self) -> Usage:
        """Everything this session spent so far."""

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
    ) -> Annotations: ...

    def merge(
        self,
        catalog: Catalog,
        proposals: list[Proposal],
        annotations: Annotations,
        text: str,
        *,
        set_aside: list[UnclaimedMention],
    ) -> Merged: ...

    def close(self) -> None: ...
