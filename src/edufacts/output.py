"""Outputs of a run: one JSON per document, facts.jsonl and facts.csv for the
run, and the run ledger. Every file is written atomically (temp file, then
rename), so an interrupted run never leaves a half-written output."""

from __future__ import annotations

import csv
import json
import os
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any

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


def atomic_write_text(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def document_json(result: DocumentResult) -> str:
    return json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=1) + "\n"


def csv_safe(value: Any) -> Any:
    """Text from a report must not run as a spreadsheet formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


class RunWriter:
    """Writes a run's outputs into out_dir as documents finish; facts.jsonl and
    facts.csv stream into temp files renamed into place when the run closes."""

    def __init__(self, out_dir: Path, backend: str) -> None:
        self.out_dir = out_dir
        self.backend = backend
        self._jsonl: IO[str] | None = None
        self._csv_file: IO[str] | None = None
        self._csv: Any = None
        self._ledger: IO[str] | None = None

    def __enter__(self) -> RunWriter:
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise InputError(f"{self.out_dir}: cannot create the output folder: {error.strerror}") from None
        self._jsonl = open(self.out_dir / ".facts.jsonl.partial", "w", encoding="utf-8")
        self._csv_file = open(self.out_dir / ".facts.csv.partial", "w", encoding="utf-8-sig", newline="")
        self._csv = csv.writer(self._csv_file)
        self._csv.writerow(CSV_COLUMNS)
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

    def write_document(self, result: DocumentResult) -> None:
        assert self._jsonl is not None and self._csv is not None
        atomic_write_text(self.out_dir / f"{result.document.id}.json", document_json(result))
        doc_id = result.document.id
        for fact in result.facts:
            row = fact.model_dump(mode="json")
            self._jsonl.write(json.dumps({"doc_id": doc_id, **row}, ensure_ascii=False) + "\n")
            self._csv.writerow([csv_safe(row.get(column, doc_id)) for column in CSV_COLUMNS])
        self._log(
            {
                "doc_id": doc_id,
                "path": result.document.path,
                "sha256": result.document.sha256,
                "status": "ok",
                "backend": self.backend,
                "facts": len(result.facts),
                "needs_review": sum(1 for fact in result.facts if fact.needs_review),
                "failures": [failure.model_dump() for failure in result.run.failures],
                "seconds": result.run.seconds,
            }
        )

    def record_failure(self, path: Path, error: str) -> None:
        self._log({"path": str(path), "status": "failed", "backend": self.backend, "error": error})

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
