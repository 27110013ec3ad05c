"""The review workflow without a browser: the decision store, corrections and
gold export, the web app's guards (token, Host, escaping, ids), the CLI."""

from __future__ import annotations

import json
import shutil
import sqlite3
import urllib.error
import urllib.request
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from edufacts.cli import main
from edufacts.errors import ContractError, InputError
from edufacts.evaluation.calibrate import judged_facts
from edufacts.evaluation.gold import check_gold_file, read_gold
from edufacts.models import DocumentResult
from edufacts.pipeline import run_batch
from edufacts.readers.load import document_id
from edufacts.review import Workspace, apply_reviews, export_gold, serving_in_background
from edufacts.review.corrections import fact_fields, gold_quote, unclaimed_fields, validate_fields
from edufacts.review.store import DecisionStore
from edufacts.settings import Settings
from edufacts.stages.catalog import load_catalog

from .conftest import DOCS

DOC_ID = "002_7de12349501c2ae2"
HOSTILE = (
    "一、<script>window.__pwned=1</script>基本情况\n"
    '全区共有幼儿园74所,<img src=x onerror="window.__pwned=2">学前三年毛入园率达到96.5%。\n'
    "二、</pre><b onmouseover=alert(1)>存在问题</b>\n"
    "专任教师1200名,其中<a href=javascript:alert(3)>硕士</a>120名。\n"
)


def extract_to(out_dir: Path, path: Path) -> DocumentResult:
    """`edufacts extract PATH --out OUT_DIR` (rules backend), and the document's output."""
    summary = run_batch([path], Settings(out_dir=out_dir))
    assert summary.documents["ok"] == 1
    return DocumentResult.model_validate_json((out_dir / f"{document_id(path)}.json").read_bytes())


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    extract_to(out, DOCS / f"{DOC_ID}.txt")
    return out


def test_store_keeps_history_and_undo_restores_the_previous_decision(tmp_path: Path) -> None:
    store = DecisionStore(tmp_path / "review.sqlite3")
    store.record("d", "f0001", "sha", "accept", {"start": 1, "end": 2}, {}, "ok")
    store.record("d", "f0001", "sha", "reject", {"start": 1, "end": 2}, {}, "wrong")
    reopened = DecisionStore(tmp_path / "review.sqlite3")
    assert reopened.standing()[("d", "f0001")].action == "reject"
    undone = reopened.undo("d", "f0001")
    assert undone is not None and undone.action == "reject" and undone.undone_at
    assert reopened.standing()[("d", "f0001")].action == "accept"
    assert [d.action for d in reopened.history()] == ["accept", "reject"]
    assert reopened.undo("d", "f0001") is not None
    assert reopened.undo("d", "f0001") is None
    assert reopened.standing() == {}


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "review.sqlite3"
    bad.write_text("not sqlite at all, " * 100)
    with pytest.raises(InputError, match="not a review database"):
        DecisionStore(bad)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"value": "abc", "unit": "%"}, "not a number"),
        ({"value": "NaN", "unit": "%"}, "at most 15 digits"),
        ({"value": "1", "unit": "斤"}, "not a catalog unit"),
        ({"value": "1", "unit": "所", "indicator": "no_such"}, "not in the catalog"),
        ({"value": "1", "unit": "所", "indicator": "preschool_gross_enrollment_rate"}, "does not fit"),
        ({"value": "1", "unit": "%", "scope": "火星"}, "scope terms"),
        ({"value": "1", "unit": "%", "year": "1066"}, "between 1949 and 2100"),
        ({"value": "1", "unit": "%", "colour": "red"}, "unknown fields"),
    ],
)
def test_edits_are_checked_against_the_catalog(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        validate_fields(load_catalog(), fields)


def test_a_valid_edit_is_typed() -> None:
    checked = validate_fields(
        load_catalog(),
        {"value": "96.50", "unit": "%", "indicator": "preschool_gross_enrollment_rate", "year": "2021"},
    )
    assert str(checked["value"]) == "96.50" and checked["year"] == 2021 and checked["scope"] is None


def test_gold_quote_finds_the_fact_and_not_an_earlier_copy_of_its_number() -> None:
    text = "共有学校12所,其中小学12所,初中12所。" * 3
    start = text.index("12", 10)  # the second "12"
    quote, occurrence = gold_quote(text, start, start + 2)
    index = -1
    for _ in range(occurrence + 1):
        index = text.find(quote, index + 1)
    assert index + quote.find("12") == start  # the way gold files are read back


def _decide_four(workspace: Workspace) -> dict[str, Any]:
    """Accept, edit and reject a fact each, and add a missed number (160 letters sent, no unit written)."""
    result = workspace.document(DOC_ID).result
    facts = result.facts
    accepted, edited, rejected = facts[0], facts[1], facts[2]
    added = next(item for item in result.unclaimed if item.raw == "160")
    store, sha = workspace.store, result.document.sha256
    store.record(DOC_ID, accepted.id, sha, "accept", fact_fields(accepted), {})
    new = {**fact_fields(edited), "label": "复核后的标签", "year": 2021}
    new = {key: new[key] for key in ("value", "unit", "indicator", "scope", "year", "label", "approx")}
    store.record(DOC_ID, edited.id, sha, "edit", fact_fields(edited), new, "label")
    store.record(DOC_ID, rejected.id, sha, "reject", fact_fields(rejected), {}, "not a fact")
    added_fields = {"value": "160", "unit": "件", "label": "发出调查处理函"}
    store.record(DOC_ID, f"u{added.start}-{added.end}", sha, "add", unclaimed_fields(added), added_fields)
    return {"accepted": accepted, "edited": edited, "rejected": rejected, "added": added}


def test_apply_and_export_gold_carry_every_decision(out_dir: Path, tmp_path: Path) -> None:
    workspace = Workspace(out_dir)
    chosen = _decide_four(workspace)
    original = (out_dir / f"{DOC_ID}.json").read_bytes()
    summary = apply_reviews(workspace)
    assert summary.decisions == 4 and not summary.stale
    assert (out_dir / f"{DOC_ID}.json").read_bytes() == original  # the original is untouched
    reviewed = DocumentResult.model_validate_json((out_dir / "reviewed" / f"{DOC_ID}.json").read_bytes())
    by_id = {fact.id: fact for fact in reviewed.facts}
    accepted = by_id[chosen["accepted"].id]
    assert not accepted.needs_review and accepted.checks[-1].name == "review"
    assert by_id[chosen["edited"].id].label == "复核后的标签" and by_id[chosen["edited"].id].year == 2021
    assert chosen["rejected"].id not in by_id
    assert any(item.start == chosen["rejected"].start for item in reviewed.unclaimed)
    added = next(fact for fact in reviewed.facts if fact.source == "review")
    assert (added.raw, str(added.value), added.unit, added.indicator) == ("160", "160", "件", None)
    lines = (out_dir / "facts.reviewed.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(reviewed.facts)

    gold_root = tmp_path / "grown"
    assert export_gold(workspace, gold_root).documents == 1
    assert check_gold_file(gold_root / "gold" / f"{DOC_ID}.json", gold_root / "docs") == len(reviewed.facts)
    gold = json.loads((gold_root / "gold" / f"{DOC_ID}.json").read_text(encoding="utf-8"))
    assert any(fact["raw"] == "160" and fact["unit"] == "件" for fact in gold["facts"])
    assert "4 review decisions" in gold["notes"]


def test_exported_gold_marks_what_a_reviewer_decided_and_the_fit_uses_only_that(
    out_dir: Path, tmp_path: Path
) -> None:
    workspace = Workspace(out_dir)
    chosen = _decide_four(workspace)
    gold_root = tmp_path / "grown"
    export_gold(workspace, gold_root)
    gold = read_gold(gold_root / "gold" / f"{DOC_ID}.json")
    assert gold.partial
    decided = {fact.raw for fact in gold.facts if fact.reviewed}
    assert len([fact for fact in gold.facts if fact.reviewed]) == 3  # accepted, edited, added
    assert {chosen["accepted"].raw, chosen["edited"].raw, "160"} <= decided
    assert [item.raw for item in gold.rejected] == [chosen["rejected"].raw]

    original = workspace.document(DOC_ID)
    judged = judged_facts(gold, original.result, original.text)
    index = {fact.id: p for p, fact in enumerate(original.result.facts)}
    assert judged == {
        index[chosen["accepted"].id]: True,
        index[chosen["edited"].id]: True,  # label and year edited: value, unit and indicator stand
        index[chosen["rejected"].id]: False,
    }
    # The same file read as a labelled gold file would call every other fact right or wrong.
    labelled = gold.model_copy(update={"partial": False})
    assert len(judged_facts(labelled, original.result, original.text)) == len(original.result.facts)


def test_calibrate_refuses_a_held_out_folder_among_the_reviewed_ones(tmp_path: Path) -> None:
    folder = tmp_path / "heldout"
    folder.mkdir()
    arguments = ["calibrate", "--also", str(folder), "--out", str(tmp_path / "c.json")]
    outcome = CliRunner().invoke(main, arguments)
    assert outcome.exit_code == 2 and "held-out" in outcome.output


def test_decisions_on_another_input_are_left_out(out_dir: Path) -> None:
    workspace = Workspace(out_dir)
    fact = workspace.document(DOC_ID).result.facts[0]
    workspace.store.record(DOC_ID, fact.id, "0" * 64, "reject", fact_fields(fact), {})
    summary = apply_reviews(workspace)
    assert len(summary.stale) == 1 and summary.decisions == 0
    reviewed = DocumentResult.model_validate_json((out_dir / "reviewed" / f"{DOC_ID}.json").read_bytes())
    assert fact.id in {item.id for item in reviewed.facts}


def _request(url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode(), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), error.headers


def test_the_app_guards_state_and_files(out_dir: Path) -> None:
    workspace = Workspace(out_dir)
    fact = workspace.document(DOC_ID).result.facts[0]
    body = {"doc_id": DOC_ID, "target": fact.id, "action": "accept"}
    json_type = {"Content-Type": "application/json"}
    with serving_in_background(workspace, token="secret-token") as address:
        status, _, headers = _request(address + f"item/{DOC_ID}/{fact.id}")
        assert status == 200 and "script-src 'self'" in headers["Content-Security-Policy"]
        assert _request(address + "api/decide", body, json_type)[0] == 403
        assert _request(address + "api/decide", body, {**json_type, "X-Review-Token": "wrong"})[0] == 403
        token = {"X-Review-Token": "secret-token"}
        assert _request(address + "api/decide", body, {**token, "Content-Type": "text/plain"})[0] == 415
        assert _request(address + "api/decide", {**body, "action": "add"}, {**json_type, **token})[0] == 400
        edit = {**body, "action": "edit", "fields": {"value": "1", "unit": "斤"}}
        status, answer, _ = _request(address + "api/decide", edit, {**json_type, **token})
        assert status == 400 and "not a catalog unit" in answer
        assert workspace.store.history() == []
        status, answer, _ = _request(address + "api/decide", body, {**json_type, **token})
        assert status == 200 and json.loads(answer)["decision"]["action"] == "accept"
        assert _request(address + "doc/..%2F..%2Fetc%2Fpasswd")[0] == 404
        assert _request(address + "doc/nonexistent")[0] == 404
        host = urllib.request.Request(address, headers={"Host": "attacker.example"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(host, timeout=10)
        assert refused.value.code == 400
    assert [d.action for d in workspace.store.history()] == ["accept"]


def test_documents_page_and_one_document_scope(out_dir: Path) -> None:
    """/docs lists each document with its progress; `?in=document` keeps the
    queue pane, j/k and the next item after a decision inside one document."""
    other_id = "000_83a7c735898b844d"
    extract_to(out_dir, DOCS / f"{other_id}.txt")
    workspace = Workspace(out_dir)
    assert {entry.doc_id for entry in workspace.queue} == {DOC_ID, other_id}
    mine = [workspace.queue[position] for position in workspace.by_document[DOC_ID]]
    assert [entry.doc_id for entry in mine] == [DOC_ID] * len(mine)
    # in the whole queue the two documents' items interleave, so scoping changes j/k
    queue = workspace.queue
    crossings = [
        entry for entry, after in pairwise(queue) if (entry.doc_id, after.doc_id) == (DOC_ID, other_id)
    ]
    assert crossings
    json_type = {"Content-Type": "application/json", "X-Review-Token": "t"}
    with serving_in_background(workspace, token="t") as address:
        status, html, _ = _request(address + "docs")
        assert status == 200 and html.index(DOC_ID) > 0 and html.index(other_id) > 0
        flagged = sum(1 for entry in mine if entry.needs_review)
        assert f'<td class="n flagged">{flagged}</td>' in html
        assert f"/item/{DOC_ID}/{mine[0].target}?in=document" in html
        for at, entry in enumerate(mine[:-1]):
            _, page, _ = _request(address + f"item/{DOC_ID}/{entry.target}?in=document")
            assert f'data-next="/item/{DOC_ID}/{mine[at + 1].target}?in=document"' in page
            assert f"item {at + 1} of {len(mine)} in this document" in page
            assert f"/item/{other_id}/" not in page  # the queue pane shows this document only
        last = mine[-1]
        body = {"doc_id": DOC_ID, "target": last.target, "action": "accept", "scope": "document"}
        _, answer, _ = _request(address + "api/decide", body, json_type)
        assert json.loads(answer)["next"] == f"/item/{DOC_ID}/{last.target}?in=document"  # stays put
        body = {"doc_id": DOC_ID, "target": mine[0].target, "action": "accept", "scope": "document"}
        _, answer, _ = _request(address + "api/decide", body, json_type)
        assert json.loads(answer)["next"] == f"/item/{DOC_ID}/{mine[1].target}?in=document"
        _, html, _ = _request(address + "docs")
        assert '<td class="n decided">2 of' in html
        assert f"/item/{DOC_ID}/{mine[1].target}?in=document" in html  # the next undecided one
        _, page, _ = _request(address + f"doc/{DOC_ID}")
        assert f'href="/item/{DOC_ID}/{mine[1].target}?in=document" id="review-document"' in page
        _, page, _ = _request(address + f"item/{DOC_ID}/{crossings[0].target}")  # the whole queue
        following = queue[queue.index(crossings[0]) + 1]
        assert f'data-next="/item/{other_id}/{following.target}"' in page


def test_pages_escape_hostile_document_text(tmp_path: Path) -> None:
    source = tmp_path / "hostile.txt"
    source.write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "out"
    result = extract_to(out, source)
    assert result.facts, "the hostile report still has facts to review"
    workspace = Workspace(out)
    with serving_in_background(workspace) as address:
        pages = [_request(address + "doc/hostile")[1], _request(address + "docs")[1]]
        pages += [_request(address + f"item/hostile/{fact.id}")[1] for fact in result.facts]
    for html in pages:
        assert "<script>window" not in html and "<img" not in html and "<b onmouseover" not in html
        assert "<a href=javascript" not in html
    assert "&lt;script&gt;window.__pwned=" in pages[0] and "&lt;img src=x onerror=" in pages[0]


def test_cli_apply_and_bad_folder(out_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    _decide_four(Workspace(out_dir))
    outcome = runner.invoke(main, ["review", str(out_dir), "--apply", "--export-gold", str(tmp_path / "g")])
    assert outcome.exit_code == 0, outcome.output
    assert (out_dir / "reviewed" / f"{DOC_ID}.json").is_file()
    assert (tmp_path / "g" / "gold" / f"{DOC_ID}.json").is_file()
    connection = sqlite3.connect(out_dir / "review.sqlite3")
    assert connection.execute("SELECT count(*) FROM decisions").fetchone() == (4,)
    missing = runner.invoke(main, ["review", str(tmp_path / "nowhere"), "--apply"])
    assert missing.exit_code == 2 and "not an output folder" in missing.output
    assert "Traceback" not in missing.output


def test_a_source_changed_since_extraction_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "report.txt"
    source.write_text(HOSTILE, encoding="utf-8")
    out = tmp_path / "out"
    fact = extract_to(out, source).facts[0]
    source.write_text(HOSTILE.replace("74", "75"), encoding="utf-8")  # same length, other number
    workspace = Workspace(out)
    body = {"doc_id": "report", "target": fact.id, "action": "accept"}
    with serving_in_background(workspace, token="t") as address:
        status, html, _ = _request(address + f"item/report/{fact.id}")
        assert status == 404 and "changed since it was extracted" in html
        headers = {"Content-Type": "application/json", "X-Review-Token": "t"}
        status, answer, _ = _request(address + "api/decide", body, headers)
        assert status == 409 and "changed since it was extracted" in answer
    assert workspace.store.history() == []


def test_a_relative_source_path_is_found_beside_the_output_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "r.txt").write_text(HOSTILE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = extract_to(Path("out"), Path("reports/r.txt"))  # `edufacts extract reports/ --out out`
    assert result.document.path == "reports/r.txt"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert Workspace(tmp_path / "out").document("r").text == HOSTILE
    moved = elsewhere / "deeper" / "out"
    shutil.copytree(tmp_path / "out", moved)
    with pytest.raises(ContractError, match="run review from the folder where extract ran"):
        Workspace(moved).document("r")
