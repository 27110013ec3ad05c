from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from edufacts.cli import main

from .conftest import DOCS


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_extract_a_corpus_report(tmp_path: Path) -> None:
    code, output = run("extract", str(DOCS / "000_83a7c735898b844d.txt"), "--out", str(tmp_path))
    assert code == 0, output
    payload = json.loads((tmp_path / "000_83a7c735898b844d.json").read_text(encoding="utf-8"))
    assert payload["schema_version"] == "1.0" and payload["facts"]
    lines = (tmp_path / "facts.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(payload["facts"])
    assert (tmp_path / "facts.csv").read_text(encoding="utf-8-sig").startswith("doc_id,id,indicator")
    ledger = [json.loads(line) for line in (tmp_path / "ledger.jsonl").read_text().splitlines()]
    assert ledger[-1]["status"] == "ok"


def test_mixed_folder_reports_each_failure_and_keeps_the_rest(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.txt").write_text("全区共有幼儿园74所,教育投入18.26亿元。", encoding="utf-8")
    (inbox / "gbk.txt").write_bytes("新增学位1260个。".encode("gbk"))
    (inbox / "empty.txt").write_bytes(b"")
    (inbox / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    (inbox / "slides.pdf").write_bytes(b"%PDF-1.7")  # a PDF with nothing after its header
    (inbox / "budget.xlsx").write_bytes(b"PK\x03\x04")
    out = tmp_path / "out"
    code, output = run("extract", str(inbox), str(tmp_path / "missing.txt"), "--out", str(out))
    assert code == 1
    for message in ("empty file", "binary", "no such file", "damaged PDF"):
        assert message in output
    # A file of another type found in a folder is skipped and counted, not failed.
    assert "skipped 1 files of a type edufacts does not read (.xlsx 1)" in output
    assert {p.name for p in out.glob("*.json")} == {"good.json", "gbk.json"}
    assert not list(out.glob(".*partial")) and not list(out.glob("*.tmp"))
    ledger = [json.loads(line) for line in (out / "ledger.jsonl").read_text().splitlines()]
    assert sorted(entry["status"] for entry in ledger) == ["failed"] * 4 + ["ok"] * 2


def test_html_input_saves_its_text_beside_the_output(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><script>x=1</script><p>新增学位<b>1260</b>个</p></body></html>", encoding="utf-8"
    )
    code, output = run("extract", str(page), "--out", str(tmp_path / "out"))
    assert code == 0, output
    payload = json.loads((tmp_path / "out" / "page.json").read_text(encoding="utf-8"))
    text = (tmp_path / "out" / payload["document"]["text_path"]).read_text(encoding="utf-8")
    (fact,) = payload["facts"]
    assert text[fact["start"] : fact["end"]] == fact["raw"] == "1260个"


def test_an_endpoint_backend_without_an_endpoint_fails_clearly(tmp_path: Path) -> None:
    code, output = run(
        "extract", str(DOCS / "000_83a7c735898b844d.txt"), "--backend", "openai", "--out", str(tmp_path)
    )
    assert code == 2
    assert "--base-url" in output
    assert "Traceback" not in output


def test_local_backend_with_a_missing_model_file_fails_clearly(tmp_path: Path) -> None:
    code, output = run(
        "extract",
        str(DOCS / "000_83a7c735898b844d.txt"),
        "--backend",
        "local",
        "--model-path",
        str(tmp_path / "nothing.gguf"),
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 2
    assert "nothing.gguf: no such file" in output


def test_local_backend_without_the_extra_names_the_command_that_adds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("edufacts.backends.server.llama_server_available", lambda: False)
    weights = tmp_path / "model.gguf"
    weights.write_bytes(b"GGUF")
    code, output = run(
        "extract",
        str(DOCS / "000_83a7c735898b844d.txt"),
        "--backend",
        "local",
        "--model-path",
        str(weights),
        "--out",
        str(tmp_path / "out"),
    )
    assert code == 2
    assert "pip install -e '.[local]'" in output


def test_settings_come_from_the_environment(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EDUFACTS_OUT_DIR", str(tmp_path / "env-out"))
    code, output = run("extract", str(DOCS / "000_83a7c735898b844d.txt"))
    assert code == 0, output
    assert (tmp_path / "env-out" / "000_83a7c735898b844d.json").exists()


def test_csv_cells_cannot_run_as_formulas(tmp_path: Path) -> None:
    source = tmp_path / "evil.txt"
    source.write_text("=HYPERLINK(1)新增学位1260个。", encoding="utf-8")
    code, _ = run("extract", str(source), "--out", str(tmp_path / "out"))
    assert code == 0
    assert ",=" not in (tmp_path / "out" / "facts.csv").read_text(encoding="utf-8-sig")


def test_the_library_is_silent_and_verbose_shows_its_log(tmp_path: Path) -> None:
    import subprocess
    import sys

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.txt").write_text("全区共有幼儿园74所。", encoding="utf-8")
    (inbox / "notes.md").write_text("# notes", encoding="utf-8")
    base = [sys.executable, "-m", "edufacts.cli"]
    tail = ["extract", str(inbox), "--out", str(tmp_path / "out"), "--backend", "rules"]
    quiet = subprocess.run([*base, *tail], capture_output=True, text=True, timeout=120)
    loud = subprocess.run([*base, "-v", *tail], capture_output=True, text=True, timeout=120)
    assert "INFO" not in quiet.stderr
    assert f"INFO edufacts: skipped {inbox / 'notes.md'}" in loud.stderr


def test_check_gold_passes_a_real_gold_file_and_fails_a_quote_not_in_the_text(tmp_path: Path) -> None:
    gold_path = DOCS.parent / "gold" / "000_83a7c735898b844d.json"
    code, output = run("check-gold", str(gold_path), "--docs", str(DOCS))
    assert code == 0 and output.startswith("ok ") and "facts" in output
    broken = json.loads(gold_path.read_text(encoding="utf-8"))
    broken["facts"][0]["quote"] = "这句话不在文中出现过123所"
    bad = tmp_path / gold_path.name
    bad.write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    code, output = run("check-gold", str(bad), "--docs", str(DOCS))
    assert code == 1 and output.startswith("FAIL")
