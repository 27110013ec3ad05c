"""Outputs of a run: one JSON per document, facts.jsonl and facts.csv for the
run, and the run ledger. Every file is written atomically (temp file, then
rename), so an interrupted run never leaves a half-written output. One thread
writes; the ledger says which documents are complete, for `--resume`."""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from pydantic import BaseModel

from .errors import InputError
from .models import DocumentResult

CSV_COLUMNS = (
    "doc_id",
    "id",
    "indicator",
    "label",
    "value",
    "unit",
    "raw",
    "scope",
    "year",
    "approx",
    "start",
    "end",
    "confidence",
    "needs_review",
    "source",
    "quote",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _file_mode() -> int:
    """What open() would give a new file: 0666 less the process umask (mkstemp's
    temp files are 0600, which must not become the outputs' mode)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()


def atomic_write_text(path: Path, content: str | Iterable[str]) -> None:
    """Write to a temp file beside `path`, then rename; `content` may come in pieces."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(handle, _FILE_MODE)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            if isinstance(content, str):
                file.write(content)
            else:
                file.writelines(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def document_json(model: BaseModel) -> str:
    """A contract file (a document's output, a gold file) as edufacts writes it."""
    return json.dumps(model.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n"


def document_json_pieces(model: BaseModel) -> Iterator[str]:
    """document_json's text, byte for byte, one list item at a time: a document
    with tens of thousands of facts is never held as one dict and one string."""
    fields = type(model).model_fields
    yield "{"
    for index, name in enumerate(fields):
        value = getattr(model, name)
        lead = "\n" if index == 0 else ",\n"
        if isinstance(value, list) and value:
            yield f"{lead} {json.dumps(name)}: ["
            for position, item in enumerate(value):
                dumped = json.dumps(_plain(item), ensure_ascii=False, indent=1)
                yield ("\n" if position == 0 else ",\n") + "\n".join(
                    "  " + line for line in dumped.split("\n")
                )
            yield "\n ]"
        else:
            dumped = json.dumps(_plain(value), ensure_ascii=False, indent=1)
            yield f"{lead} {json.dumps(name)}: " + "\n ".join(dumped.split("\n"))
    yield "\n}\n"


def _plain(value: Any) -> Any:
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def fact_line(doc_id: str, fact: dict[str, Any]) -> str:
    """One line of facts.jsonl: the fact as JSON, with its document's id first."""
    return json.dumps({"doc_id": doc_id, **fact}, ensure_ascii=False) + "\n"


def csv_safe(value: Any) -> Any:
    """Text from a report must not run as a spreadsheet formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def completed_documents(out_dir: Path) -> dict[str, tuple[str, str]]:
    """doc id -> (input sha256, settings fingerprint) for every document whose
    latest ledger entry says it finished with no failed chunk."""
    done: dict[str, tuple[str, str]] = {}
    try:
        ledger = (out_dir / "ledger.jsonl").open(encoding="utf-8")
    except OSError:
        return done
    with ledger:
        for line in ledger:
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by a killed run
            if not isinstance(entry, dict) or entry.get("kind", "document") != "document":
                continue
            doc_id = entry.get("doc_id")
            if not isinstance(doc_id, str):
                continue
            if entry.get("status") in ("ok", "skipped") and not entry.get("failures"):
                done[doc_id] = (str(entry.get("sha256")), str(entry.get("fingerprint")))
            else:
                done.pop(doc_id, None)
    return done


def finished_output(out_dir: Path, doc_id: str, sha256: str) -> dict[str, Any] | None:
    """A previous run's output for this input, if it is complete (valid JSON for
    the same sha256, its text file present for HTML input), else None."""
    try:
        payload = json.loads((out_dir / f"{doc_id}.json").read_text(encoding="utf-8"))
        document = payload["document"]
        if document["sha256"] != sha256 or not isinstance(payload["facts"], list):
            return None
        text_path = document.get("text_path")
        if text_path and not (out_dir / text_path).is_file():
            return None
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return payload if isinstance(payload, dict) else None


class RunWriter:
    """Writes a run's outputs into out_dir as documents finish; facts.jsonl and
    facts.csv stream into temp files renamed into place when the run closes
    (also on Ctrl-C, then covering the documents finished so far)."""

    def __init__(self, out_dir: Path, backend: str, fingerprint: str = "") -> None:
        self.out_dir = out_dir
        self.backend = backend
        self.fingerprint = fingerprint
        self._jsonl: IO[str] | None = None
        self._csv_file: IO[str] | None = None
        self._ledger: IO[str] | None = None
        self._lock: IO[str] | None = None

    def __enter__(self) -> RunWriter:
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"{self.out_dir}: cannot create the output folder: {error.strerror}") from None
        self._lock = lock_output_folder(self.out_dir)
        self._jsonl = open(self.out_dir / ".facts.jsonl.partial", "w", encoding="utf-8")
        self._csv_file = open(self.out_dir / ".facts.csv.partial", "w", encoding="utf-8-sig", newline="")
        csv.writer(self._csv_file).writerow(CSV_COLUMNS)
        self._ledger = open(self.out_dir / "ledger.jsonl", "a", encoding="utf-8")
        return self

    def _log(self, entry: dict[str, Any]) -> None:
        assert self._ledger is not None
        self._ledger.write(json.dumps({"time": round(time.time(), 3), **entry}, ensure_ascii=False) + "\n")
        self._ledger.flush()

    def write_text(self, doc_id: str, text: str) -> str:
        path = self.out_dir / f"{doc_id}.txt"
        atomic_write_text(path, text)
        return path.name

    def _write_facts(self, doc_id: str, facts: Iterable[dict[str, Any]]) -> None:
        """A document's rows go out in one write per file, so a Ctrl-C between
        two documents never leaves half of one."""
        assert self._jsonl is not None and self._csv_file is not None
        lines = io.StringIO()
        cells = io.StringIO()
        rows = csv.writer(cells)
        for row in facts:
            lines.write(fact_line(doc_id, row))
            rows.writerow([csv_safe(row.get(column, doc_id)) for column in CSV_COLUMNS])
        self._jsonl.write(lines.getvalue())
        self._csv_file.write(cells.getvalue())

    def write_document(self, result: DocumentResult, chunks: Iterable[dict[str, Any]] = ()) -> None:
        """The document's JSON, its facts, its chunks' ledger lines, then the
        ledger line that marks it complete (last, so resume trusts it)."""
        atomic_write_text(self.out_dir / f"{result.document.id}.json", document_json_pieces(result))
        doc_id = result.document.id
        self._write_facts(doc_id, (fact.model_dump(mode="json") for fact in result.facts))
        for chunk in chunks:
            self._log({"kind": "chunk", "doc_id": doc_id, **chunk})
        self._log(
            {
                "kind": "document",
                "doc_id": doc_id,
                "path": result.document.path,
                "sha256": result.document.sha256,
                "status": "ok",
                "backend": self.backend,
                "fingerprint": self.fingerprint,
                "facts": len(result.facts),
                "needs_review": sum(1 for fact in result.facts if fact.needs_review),
                "llm_calls": result.run.llm_calls,
                "cached_calls": result.run.cached_calls,
                "tokens": result.run.tokens,
                "failures": [failure.model_dump() for failure in result.run.failures],
                "seconds": result.run.seconds,
            }
        )

    def keep_document(self, payload: dict[str, Any]) -> None:
        """A document finished by an earlier run (--resume): its facts join this
        run's facts.jsonl and facts.csv, its output stays as it is."""
        document = payload["document"]
        self._write_facts(document["id"], payload["facts"])
        self._log(
            {
                "kind": "document",
                "doc_id": document["id"],
                "path": document["path"],
                "sha256": document["sha256"],
                "status": "skipped",
                "backend": self.backend,
                "fingerprint": self.fingerprint,
                "facts": len(payload["facts"]),
                "failures": [],
            }
        )

    def record_failure(self, path: Path, error: str) -> None:
        entry = {"kind": "document", "path": str(path), "status": "failed", "error": error}
        self._log({**entry, "backend": self.backend})

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for handle in (self._jsonl, self._csv_file, self._ledger):
            if handle is not None:
                handle.flush()
                os.fsync(handle.fileno())
                handle.close()
        os.replace(self.out_dir / ".facts.jsonl.partial", self.out_dir / "facts.jsonl")
        os.replace(self.out_dir / ".facts.csv.partial", self.out_dir / "facts.csv")
        if self._lock is not None:
            self._lock.close()  # closing the file releases the lock


LOCK_NAME = ".edufacts.lock"


def lock_output_folder(out_dir: Path) -> IO[str]:
    """One writer per output folder: an exclusive fcntl lock on a file in it, held
    until the returned file is closed (the kernel drops it when the process
    dies, so a killed run leaves no stale lock). A second run fails at once,
    naming the holder's pid, before it writes anything."""
    path = out_dir / LOCK_NAME
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open: the lock lives as long as it
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "unknown"
        handle.close()
        raise InputError(
            f"{out_dir}: another edufacts run (pid {holder}) is writing to this folder; "
            "wait for it to finish or choose another --out"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle
