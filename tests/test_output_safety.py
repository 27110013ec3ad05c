"""Outputs that cannot overwrite or interleave each other: unique document ids
when inputs share a stem, one writer per output folder. Each through the real
CLI in a subprocess, checking files and exit codes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from edufacts.output import lock_output_folder
from edufacts.readers.load import document_ids

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "eval" / "docs" / "000_83a7c735898b844d.txt"
OTHER = ROOT / "eval" / "docs" / "002_7de12349501c2ae2.txt"


def run_extract(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "edufacts.cli", "extract", *map(str, args), "--backend", "rules"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_ids_are_the_stem_unless_stems_collide(tmp_path: Path) -> None:
    paths = [
        tmp_path / "a" / "report.txt",
        tmp_path / "b" / "report.txt",
        tmp_path / "b" / "report.html",
        tmp_path / "b" / "other.txt",
    ]
    assert document_ids(paths) == {
        paths[0]: "a__report",
        paths[1]: "b__report_txt",
        paths[2]: "b__report_html",
        paths[3]: "other",
    }
    assert document_ids(list(reversed(paths))) == document_ids(paths)  # order does not rename


def test_same_stem_inputs_keep_separate_outputs_and_resume(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    shutil.copy(REPORT, tmp_path / "a" / "report.txt")
    shutil.copy(OTHER, tmp_path / "b" / "report.txt")
    html = (
        "<html><body><p>" + OTHER.read_text(encoding="utf-8").replace("\n", "</p><p>") + "</p></body></html>"
    )
    (tmp_path / "b" / "report.html").write_text(html, encoding="utf-8")
    out = tmp_path / "out"
    first = run_extract(tmp_path / "a", tmp_path / "b", "--out", out, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    outputs = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in out.glob("*.json")}
    assert set(outputs) == {"a__report", "b__report_txt", "b__report_html"}
    paths = {doc_id: Path(payload["document"]["path"]).name for doc_id, payload in outputs.items()}
    assert paths == {
        "a__report": "report.txt",
        "b__report_txt": "report.txt",
        "b__report_html": "report.html",
    }
    assert outputs["a__report"]["document"]["sha256"] != outputs["b__report_txt"]["document"]["sha256"]
    rows = Counter(
        json.loads(line)["doc_id"] for line in (out / "facts.jsonl").read_text(encoding="utf-8").splitlines()
    )
    assert rows == {doc_id: len(payload["facts"]) for doc_id, payload in outputs.items()}
    assert (out / "b__report_html.txt").is_file()  # the HTML input's text, under its own id

    again = run_extract(tmp_path / "a", tmp_path / "b", "--out", out, "--resume", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    ledger = [json.loads(line) for line in (out / "ledger.jsonl").read_text(encoding="utf-8").splitlines()]
    assert Counter(entry["status"] for entry in ledger[-3:]) == {"skipped": 3}


def test_a_second_run_into_a_locked_folder_stops_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    holder = lock_output_folder(out)
    try:
        blocked = run_extract(REPORT, "--out", out, cwd=tmp_path)
    finally:
        holder.close()
    assert blocked.returncode == 2
    message = blocked.stderr.strip()
    assert len(message.splitlines()) == 1 and "Traceback" not in message
    assert f"pid {os.getpid()}" in message
    assert sorted(path.name for path in out.iterdir()) == [".edufacts.lock"]  # nothing written

    free = run_extract(REPORT, "--out", out, cwd=tmp_path)
    assert free.returncode == 0, free.stderr
    assert (out / "000_83a7c735898b844d.json").is_file()


def test_two_runs_at_once_leave_one_consistent_output(tmp_path: Path) -> None:
    """Started together: exactly one writes; the other stops with the one-line error."""
    folder = tmp_path / "in"
    folder.mkdir()
    for index in range(30):
        shutil.copy(REPORT, folder / f"r{index:02d}.txt")
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "edufacts.cli",
        "extract",
        str(folder),
        "--out",
        str(out),
        "--backend",
        "rules",
    ]
    runs = [subprocess.Popen(command, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(run.wait(timeout=120), run.stderr.read() if run.stderr else "") for run in runs]
    codes = sorted(code for code, _ in results)
    if codes == [0, 0]:  # the first finished before the second started: both complete
        pass
    else:
        assert codes == [0, 2], results
        assert any("another edufacts run" in err for _, err in results)
    lines = (out / "facts.jsonl").read_text(encoding="utf-8").splitlines()
    assert Counter(json.loads(line)["doc_id"] for line in lines).keys() == {f"r{i:02d}" for i in range(30)}
