"""Batches at scale: --jobs (documents and model calls concurrently), the run
ledger with its chunk lines, --resume, and Ctrl-C on a real `edufacts extract`
process against a mock endpoint."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from edufacts import pipeline
from edufacts.errors import ConfigError
from edufacts.models import DocumentResult
from edufacts.output import LOCK_NAME
from edufacts.pipeline import run_batch
from edufacts.settings import Settings

from .batch_support import MockEndpoint, extract_command, synthetic_corpus


def ledger(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "ledger.jsonl").read_text(encoding="utf-8").splitlines()]


def outputs(out: Path) -> dict[str, dict[str, Any]]:
    """Each document's JSON, without the run's timing."""
    found = {}
    for path in sorted(out.glob("*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))
        payload["run"].pop("seconds")
        found[path.stem] = payload
    return found


def facts_rows(out: Path) -> tuple[Counter[str], int]:
    """facts.jsonl rows per document, and the number of facts.csv rows."""
    lines = (out / "facts.jsonl").read_text(encoding="utf-8").splitlines()
    per_doc = Counter(json.loads(line)["doc_id"] for line in lines)
    with (out / "facts.csv").open(encoding="utf-8-sig", newline="") as file:
        csv_rows = sum(1 for _ in csv.reader(file)) - 1
    return per_doc, csv_rows


def endpoint_settings(mock: MockEndpoint, out: Path, tmp_path: Path, **extra: Any) -> Settings:
    return Settings(
        backend="openai",
        out_dir=out,
        base_url=mock.base_url,
        model="mock",
        cache_dir=tmp_path / "cache",
        no_cache=True,
        **extra,
    )


def test_jobs_and_resume_resolve_from_flags_and_environment() -> None:
    assert Settings.resolve({}, env={}).jobs == 1
    assert Settings.resolve({}, env={}).resume is False
    settings = Settings.resolve({}, env={"EDUFACTS_JOBS": "8", "EDUFACTS_RESUME": "yes"})
    assert (settings.jobs, settings.resume) == (8, True)
    assert Settings.resolve({"jobs": 3}, env={"EDUFACTS_JOBS": "8"}).jobs == 3
    with pytest.raises(ConfigError, match="jobs"):
        Settings.resolve({"jobs": 0}, env={})
    with pytest.raises(ConfigError, match="not a number"):
        Settings.resolve({}, env={"EDUFACTS_JOBS": "many"})


def test_concurrent_batch_writes_what_a_sequential_one_writes(tmp_path: Path) -> None:
    paths = synthetic_corpus(tmp_path / "in", 8)
    # The first three calls wait for each other: they only all arrive (and the
    # batch only succeeds) if three calls really are in flight at once.
    with MockEndpoint(meet=3) as mock:
        parallel = run_batch(paths, endpoint_settings(mock, tmp_path / "jobs3", tmp_path, jobs=3))
        assert mock.max_in_flight == 3  # never more calls than --jobs
        calls = mock.requests
    with MockEndpoint() as mock:
        serial = run_batch(paths, endpoint_settings(mock, tmp_path / "jobs1", tmp_path))
        assert mock.max_in_flight == 1 and mock.requests == calls
    assert parallel.documents == serial.documents == {"ok": 8, "failed": 0, "skipped": 0}
    assert parallel.totals == serial.totals
    assert parallel.totals["llm_calls"] == calls and parallel.totals["failed_chunks"] == 0
    assert (parallel.jobs, serial.jobs) == (3, 1)
    assert outputs(tmp_path / "jobs3") == outputs(tmp_path / "jobs1")
    assert facts_rows(tmp_path / "jobs3") == facts_rows(tmp_path / "jobs1")
    per_doc, csv_rows = facts_rows(tmp_path / "jobs3")
    assert csv_rows == sum(per_doc.values()) == parallel.totals["facts"]
    # The ledger: one line per chunk (before its document's line), one per document.
    entries = ledger(tmp_path / "jobs3")
    chunks = [entry for entry in entries if entry["kind"] == "chunk"]
    documents = [entry for entry in entries if entry["kind"] == "document"]
    assert len(chunks) == calls and {entry["status"] for entry in chunks} == {"ok"}
    assert len(documents) == 8 and all(entry["fingerprint"] for entry in documents)
    for entry in documents:
        assert sum(c["calls"] for c in chunks if c["doc_id"] == entry["doc_id"]) == entry["llm_calls"]


def test_an_endpoint_that_serves_one_call_at_a_time_gets_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The managed llama-cpp-python server runs one request at a time (a global
    lock), so its backend says parallel=1 and --jobs is clamped to it."""
    paths = synthetic_corpus(tmp_path / "in", 4)
    opened = pipeline.open_backend

    @contextmanager
    def one_slot(settings: Settings, **options: Any) -> Iterator[Any]:
        with opened(settings, **options) as backend:
            backend.parallel = 1
            yield backend

    monkeypatch.setattr(pipeline, "open_backend", one_slot)
    with MockEndpoint() as mock:
        summary = run_batch(paths, endpoint_settings(mock, tmp_path / "out", tmp_path, jobs=4))
        assert mock.requests > 1 and mock.max_in_flight == 1
    assert summary.jobs == 1 and summary.documents["ok"] == 4


def test_chunk_lines_say_cached_and_failed(tmp_path: Path) -> None:
    paths = synthetic_corpus(tmp_path / "in", 2)
    with MockEndpoint() as mock:
        settings = replace(endpoint_settings(mock, tmp_path / "out", tmp_path, jobs=2), no_cache=False)
        run_batch(paths, settings)
        run_batch(paths, settings)
    chunks = [entry for entry in ledger(tmp_path / "out") if entry["kind"] == "chunk"]
    first, second = chunks[: len(chunks) // 2], chunks[len(chunks) // 2 :]
    assert {entry["status"] for entry in first} == {"ok"}
    assert second and {entry["status"] for entry in second} == {"cached"}
    assert all(entry["calls"] == 0 for entry in second)

    with MockEndpoint(broken=True) as mock:
        summary = run_batch(paths, endpoint_settings(mock, tmp_path / "broken", tmp_path))
    # (the topic check's questions, t001..., ask for one free token, no JSON: not broken by it)
    failed = [entry for entry in ledger(tmp_path / "broken") if entry["kind"] == "chunk"]
    failed = [entry for entry in failed if not entry["chunk"].startswith("t")]
    assert failed and {entry["status"] for entry in failed} == {"failed"}
    assert all("error" in entry for entry in failed)
    assert summary.totals["failed_chunks"] == len(failed)
    assert summary.documents["ok"] == 2  # the rules' result stands for the failed chunks


def test_resume_skips_finished_documents_and_redoes_changed_ones(tmp_path: Path) -> None:
    paths = synthetic_corpus(tmp_path / "in", 5)
    out = tmp_path / "out"
    with MockEndpoint() as mock:
        settings = endpoint_settings(mock, out, tmp_path, jobs=2, resume=True)
        first = run_batch(paths, settings)
        calls = mock.requests
        before = {path.name: path.stat().st_mtime_ns for path in out.glob("*.json")}
        asked = next(e["path"] for e in ledger(out) if e["kind"] == "document" and e["llm_calls"])
        changed_path = Path(asked)
        changed_path.write_text(changed_path.read_text(encoding="utf-8") * 2, encoding="utf-8")
        second = run_batch(paths, settings)
    assert first.documents == {"ok": 5, "failed": 0, "skipped": 0}
    assert second.documents == {"ok": 1, "failed": 0, "skipped": 4}
    # Only the changed document went to the model again.
    assert mock.requests - calls == second.totals["llm_calls"] > 0
    after = {path.name: path.stat().st_mtime_ns for path in out.glob("*.json")}
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {f"{changed_path.stem}.json"}
    per_doc, csv_rows = facts_rows(out)
    assert set(outputs(out)) == {path.stem for path in paths}
    # (Counter equality counts a document with no facts, and no rows, as 0.)
    assert per_doc == Counter({doc_id: len(payload["facts"]) for doc_id, payload in outputs(out).items()})
    assert csv_rows == sum(per_doc.values())
    statuses = [entry["status"] for entry in ledger(out) if entry["kind"] == "document"]
    assert Counter(statuses[5:]) == {"skipped": 4, "ok": 1}


def test_resume_redoes_everything_when_a_setting_that_changes_output_changes(tmp_path: Path) -> None:
    paths = synthetic_corpus(tmp_path / "in", 3)
    out = tmp_path / "out"
    run_batch(paths, Settings(out_dir=out, resume=True))
    assert run_batch(paths, Settings(out_dir=out, resume=True)).documents["skipped"] == 3
    stricter = run_batch(paths, Settings(out_dir=out, resume=True, review_threshold=0.9))
    assert stricter.documents == {"ok": 3, "failed": 0, "skipped": 0}
    # A damaged output is not trusted: that document is done again.
    (out / f"{paths[1].stem}.json").write_text("{", encoding="utf-8")
    again = run_batch(paths, Settings(out_dir=out, resume=True, review_threshold=0.9))
    assert again.documents == {"ok": 1, "failed": 0, "skipped": 2}
    DocumentResult.model_validate_json((out / f"{paths[1].stem}.json").read_text(encoding="utf-8"))


def wait_for(condition: Any, process: subprocess.Popen[str], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "the batch never got there"
        time.sleep(0.05)


def _sigint_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_keeps_finished_documents_and_resume_completes_the_rest(tmp_path: Path) -> None:
    paths = synthetic_corpus(tmp_path / "in", 10)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # The endpoint answers 6 calls, then holds every further one: the batch
    # stalls part-way, with some documents finished and two in flight.
    with MockEndpoint(hold_after=6) as mock:
        process = subprocess.Popen(
            extract_command(tmp_path / "in", out, mock.base_url, 2),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            # A run started from a background job inherits SIGINT ignored (POSIX), and
            # Python then installs no KeyboardInterrupt: the user's Ctrl-C is what we test.
            preexec_fn=_sigint_default,
        )

        def stalled() -> bool:
            log = out / "ledger.jsonl"
            finished = log.exists() and '"kind": "document"' in log.read_text(encoding="utf-8")
            return finished and mock.requests > 6 and mock.in_flight == 2

        wait_for(stalled, process)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        mock.release()
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "--resume" in stderr and "Traceback" not in stderr
    # No partial file is left as an output; facts.jsonl and facts.csv are in place. The
    # lock file stays (removing it would let two later runs lock different files).
    leftovers = [path.name for path in out.iterdir() if path.name.startswith(".") or path.suffix == ".tmp"]
    assert leftovers == [LOCK_NAME]
    first_run = ledger(out)
    finished = {e["doc_id"] for e in first_run if e["kind"] == "document" and e["status"] == "ok"}
    assert 0 < len(finished) < 10
    # Every finished document is intact valid JSON, and only those have outputs.
    assert {path.stem for path in out.glob("*.json")} == finished
    for doc_id in finished:
        DocumentResult.model_validate_json((out / f"{doc_id}.json").read_text(encoding="utf-8"))
    per_doc, csv_rows = facts_rows(out)
    assert set(per_doc) <= finished and csv_rows == sum(per_doc.values())
    kept = {path.name: path.stat().st_mtime_ns for path in out.glob("*.json")}

    with MockEndpoint() as mock:
        resumed = subprocess.run(
            extract_command(tmp_path / "in", out, mock.base_url, 2, "--resume"),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert resumed.returncode == 0, resumed.stderr
    entries = [entry for entry in ledger(out)[len(first_run) :] if entry["kind"] == "document"]
    by_status: dict[str, set[str]] = {}
    for entry in entries:
        by_status.setdefault(entry["status"], set()).add(entry["doc_id"])
    # The finished documents were kept, not done again: no model call for them.
    assert by_status == {"skipped": finished, "ok": {path.stem for path in paths} - finished}
    assert mock.requests == sum(entry.get("llm_calls", 0) for entry in entries)
    assert {name: (out / name).stat().st_mtime_ns for name in kept} == kept
    per_doc, csv_rows = facts_rows(out)
    assert set(outputs(out)) == {path.stem for path in paths}
    # (Counter equality counts a document with no facts, and no rows, as 0.)
    assert per_doc == Counter({doc_id: len(payload["facts"]) for doc_id, payload in outputs(out).items()})
    assert csv_rows == sum(per_doc.values())


def test_a_model_run_reports_progress_chunk_by_chunk(tmp_path: Path) -> None:
    paths = synthetic_corpus(tmp_path / "in", 2)
    seen: list[tuple[str, int, int, int]] = []
    with MockEndpoint() as mock:
        settings = endpoint_settings(mock, tmp_path / "out", tmp_path)
        summary = run_batch(paths, settings, on_chunk=lambda *progress: seen.append(progress))
    assert summary.totals["llm_calls"] == len(seen) > 0
    for doc_id in {seen_id for seen_id, *_ in seen}:  # a document with no question for the model has none
        mine = [(done, total) for seen_id, done, total, _ in seen if seen_id == doc_id]
        assert [done for done, _ in mine] == list(range(1, len(mine) + 1))
        assert {total for _, total in mine} == {len(mine)}
    assert sum(tokens for *_, tokens in seen) == summary.totals["tokens"]
