"""What a hostile user feeds `edufacts extract`: nested folders, a README beside
the reports, a PDF renamed .txt, slightly damaged UTF-8; outputs with the
process umask and a summary that stays whole in a log. Each through the real
CLI in a subprocess, checking files and exit codes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from edufacts.errors import EdufactsError
from edufacts.readers.load import load_bytes

FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
CORPUS = Path(__file__).resolve().parents[1] / "eval" / "docs" / "000_83a7c735898b844d.txt"
REPORT = "一、基本情况\n全区共有幼儿园74所,在园幼儿7772人,教育投入18.26亿元。\n"


def extract(*args: str | Path, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "edufacts.cli", "extract", *map(str, args), "--backend", "rules"]

    def set_umask() -> None:
        if umask is not None:
            os.umask(umask)

    return subprocess.run(command, capture_output=True, text=True, timeout=120, preexec_fn=set_umask)


def test_folders_are_walked_and_other_files_are_skipped_not_failed(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    (inbox / "2023" / "q1").mkdir(parents=True)
    (inbox / ".git").mkdir()
    (inbox / "top.txt").write_text(REPORT, encoding="utf-8")
    (inbox / "2023" / "q1" / "deep.txt").write_text(REPORT, encoding="utf-8")
    (inbox / "README.md").write_text("# notes", encoding="utf-8")
    (inbox / ".git" / "config.txt").write_text(REPORT, encoding="utf-8")
    out = tmp_path / "out"
    run = extract(inbox, "--out", out)
    assert run.returncode == 0, run.stderr
    assert "skipped 1 files of a type edufacts does not read (.md 1)" in run.stderr
    assert {path.name for path in out.glob("*.json")} == {"top.json", "deep.json"}
    flat = extract(inbox, "--out", tmp_path / "flat", "--no-recursive")
    assert flat.returncode == 0 and {p.name for p in (tmp_path / "flat").glob("*.json")} == {"top.json"}


def test_a_named_file_that_cannot_be_read_fails_alone(tmp_path: Path) -> None:
    good = tmp_path / "good.txt"
    good.write_text(REPORT, encoding="utf-8")
    run = extract(tmp_path / "missing.txt", tmp_path / "nowhere" / "x.txt", good, "--out", tmp_path / "out")
    assert run.returncode == 1
    assert run.stderr.count("no such file") == 2 and "Traceback" not in run.stderr
    assert (tmp_path / "out" / "good.json").is_file()


@pytest.mark.skipif(not Path(FONT).is_file(), reason="needs the WenQuanYi font (fonts-wqy-microhei)")
def test_a_pdf_is_read_by_its_content_whatever_its_name(tmp_path: Path) -> None:
    """A real PDF named .txt, made from a corpus paragraph: read as a PDF, said so in a
    finding, its facts with their page and box; the damaged header-only one fails in one line."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("WQY", FONT, subfontIndex=0))
    sentence = next(line for line in CORPUS.read_text(encoding="utf-8").splitlines() if "18.26亿元" in line)
    sentence = sentence[sentence.index("我区教育投入") :][:30]
    source = tmp_path / "report.txt"
    page = canvas.Canvas(str(source), pagesize=A4)
    page.setFont("WQY", 12)
    page.drawString(72, 760, sentence)
    page.showPage()
    page.save()
    out = tmp_path / "out"
    run = extract(source, "--out", out)
    assert run.returncode == 0, run.stderr
    payload = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert payload["document"]["format"] == "pdf" and payload["document"]["text_path"] == "report.txt"
    assert any("a PDF file by its content, named .txt" in f["detail"] for f in payload["findings"])
    (fact,) = [fact for fact in payload["facts"] if fact["raw"] == "18.26亿元"]
    assert fact["value"] == 182600 and fact["page"] == 1
    left, bottom, right, top = fact["bbox"]
    assert 72 <= left < right <= 72 + 12 * 30 and 740 < bottom < top < 790
    damaged = tmp_path / "header-only.txt"
    damaged.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    bad = extract(damaged, "--out", tmp_path / "out2")
    assert bad.returncode == 1 and "damaged PDF" in bad.stderr and "Traceback" not in bad.stderr


def test_slightly_damaged_utf8_is_read_with_its_damage_reported(tmp_path: Path) -> None:
    body = (REPORT * 40).encode("utf-8")
    cut = len("一、基本情况".encode())
    # a bad byte between two characters, and a character cut at the end
    damaged = body[:cut] + b"\xff" + body[cut:] + "新增学位1260个。".encode()[:-2]
    source = tmp_path / "damaged.txt"
    source.write_bytes(damaged)
    run = extract(source, "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr
    payload = json.loads((tmp_path / "out" / "damaged.json").read_text(encoding="utf-8"))
    assert payload["document"]["encoding"] == "utf-8 (damaged)"
    (finding,) = [f for f in payload["findings"] if f["kind"] == "decode_damage"]
    assert finding["detail"].startswith("2 invalid bytes replaced")
    assert len(payload["facts"]) >= 40 * 3
    # Heavier damage (2 % of the bytes) is not read as damaged UTF-8.
    many = bytes(byte if index % 50 else 0xFF for index, byte in enumerate(body))
    try:
        encoding = load_bytes(many, Path("x.txt")).encoding
    except EdufactsError:
        encoding = "refused"
    assert encoding != "utf-8 (damaged)"


def test_outputs_follow_the_umask_and_the_summary_is_not_cut(tmp_path: Path) -> None:
    source = tmp_path / "a-long-document-name-to-fill-the-column.html"
    source.write_text(f"<p>{REPORT}</p>", encoding="utf-8")
    out = tmp_path / "out"
    run = extract(source, "--out", out, umask=0o022)
    assert run.returncode == 0, run.stderr
    modes = {
        path.name: stat.S_IMODE(path.stat().st_mode)
        for path in out.iterdir()
        if not path.name.startswith(".")
    }
    assert set(modes.values()) == {0o644}, modes
    assert "a-long-document-name-to-fill-the-column" in run.stderr  # not cut to 80 columns
    assert "…" not in run.stderr


def test_help_names_the_default_really_used() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "edufacts.cli", "extract", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    probe = "from edufacts.settings import installed_default_backend as d; print(d())"
    default = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert f"default here: {default.stdout.strip()}" in " ".join(run.stdout.split())


def test_a_document_with_too_many_numbers_fails_with_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edufacts import pipeline
    from edufacts.settings import Settings

    monkeypatch.setattr(pipeline, "MAX_MENTIONS", 100)
    dense = tmp_path / "dense.txt"
    dense.write_text("增长12.5%," * 150, encoding="utf-8")
    good = tmp_path / "good.txt"
    good.write_text(REPORT, encoding="utf-8")
    outcomes: list[pipeline.DocumentOutcome] = []
    summary = pipeline.run_batch([dense, good], Settings(out_dir=tmp_path / "out"), on_done=outcomes.append)
    assert summary.documents == {"ok": 1, "failed": 1, "skipped": 0}
    (failed,) = [outcome for outcome in outcomes if outcome.status == "failed"]
    assert failed.error is not None and "150 numbers in one document, over the limit of 100" in failed.error
    assert "\n" not in failed.error


def test_wrong_values_and_lost_numbers_through_the_cli(tmp_path: Path) -> None:
    """The high-severity cases end to end: a chrome word inside a body sentence, a
    per-student amount beside a total, a ratio, a signed change, a vague count."""
    source = tmp_path / "report.txt"
    source.write_text(
        "一、基本情况\n为各校提供技术支持,投入经费1200万元。全区生均教育支出20885.77元,"
        "师生比为1:15,在校生比上年增长-0.3%,数十名教师参加培训。\n",
        encoding="utf-8",
    )
    run = extract(source, "--out", tmp_path / "out")
    assert run.returncode == 0, run.stderr
    payload = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    facts = {fact["raw"]: (fact["value"], fact["unit"], fact["indicator"]) for fact in payload["facts"]}
    assert facts["1200万元"][:2] == (1200, "万元")
    assert facts["20885.77元"][:2] == (20885.77, "元") and facts["20885.77元"][2] != "education_expenditure"
    assert facts["1:15"][:2] == (15, "比")
    assert facts["-0.3%"][:2] == (-0.3, "%")
    unclaimed = {item["raw"]: item["reason"] for item in payload["unclaimed"]}
    assert unclaimed["数十名"] == "vague"
