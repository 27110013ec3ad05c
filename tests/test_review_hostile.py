"""The review app against hostile input and a hostile environment: absurd edit
values, a reason that is not a string, a damaged database, a restart on the
same port, file names with spaces and brackets, and review run where the
source texts cannot be read."""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from edufacts.errors import InputError
from edufacts.review import Workspace, serving_in_background
from edufacts.review.corrections import validate_fields
from edufacts.review.server import HOST, make_server
from edufacts.review.store import DATABASE_NAME, DecisionStore
from edufacts.stages.catalog import load_catalog

from .conftest import DOCS
from .test_review import DOC_ID, _request, extract_to


@pytest.mark.parametrize("value", ["1e999999999", "-1E+99", "1e-50"])
def test_an_absurd_magnitude_is_refused(value: str) -> None:
    with pytest.raises(InputError, match="at most 15 digits"):
        validate_fields(load_catalog(), {"value": value, "unit": "%"})


def test_a_reason_that_is_not_a_string_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    extract_to(out, DOCS / f"{DOC_ID}.txt")
    workspace = Workspace(out)
    fact = workspace.document(DOC_ID).result.facts[0]
    headers = {"Content-Type": "application/json", "X-Review-Token": "t"}
    with serving_in_background(workspace, token="t") as address:
        for reason in (["a", "list"], {"an": "object"}, 12):
            body = {"doc_id": DOC_ID, "target": fact.id, "action": "accept", "reason": reason}
            status, answer, _ = _request(address + "api/decide", body, headers)
            assert status == 400 and "reason must be a string" in answer
    assert workspace.store.history() == []


def test_a_damaged_database_fails_at_start(tmp_path: Path) -> None:
    path = tmp_path / DATABASE_NAME
    store = DecisionStore(path)
    for index in range(300):
        store.record("d", f"f{index:04d}", "sha", "accept", {"start": index}, {}, "x" * 200)
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    data[4096 * 2 : 4096 * 2 + 512] = b"\xff" * 512  # a page in the middle; the header stays sound
    path.write_bytes(bytes(data))
    with pytest.raises(InputError, match=r"damaged|not a review database"):
        DecisionStore(path)


def test_the_same_port_can_be_used_again_at_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    extract_to(out, DOCS / f"{DOC_ID}.txt")
    workspace = Workspace(out)
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port = probe.getsockname()[1]
    for _ in range(2):  # the first run's connection leaves the port in TIME_WAIT
        server, address = make_server(workspace, port)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            thread.join(0.02)
        assert _request(address + "docs")[0] == 200
        server.should_exit = True
        thread.join(10)


def test_names_with_spaces_and_brackets_are_reviewable(tmp_path: Path) -> None:
    source = tmp_path / "report (1) final.txt"
    shutil.copy(DOCS / f"{DOC_ID}.txt", source)
    out = tmp_path / "out"
    extract_to(out, source)
    workspace = Workspace(out)
    assert workspace.skipped == [] and list(workspace.paths) == ["report (1) final"]
    entry = workspace.queue[0]
    with serving_in_background(workspace) as address:
        status, page, _ = _request(address + "docs")
        assert status == 200 and "/doc/report%20%281%29%20final" in page
        assert _request(address + "doc/report%20%281%29%20final")[0] == 200
        assert _request(address + f"item/report%20%281%29%20final/{entry.target}")[0] == 200


def test_review_from_another_folder_says_which_texts_it_cannot_read(tmp_path: Path) -> None:
    inbox = tmp_path / "work" / "reports"
    inbox.mkdir(parents=True)
    shutil.copy(DOCS / f"{DOC_ID}.txt", inbox / "a.txt")
    out = tmp_path / "work" / "out"
    run = subprocess.run(
        [sys.executable, "-m", "edufacts.cli", "extract", "reports", "--out", "out", "--backend", "rules"],
        cwd=tmp_path / "work", capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    (inbox / "a.txt").rename(inbox / "moved.txt")
    review = subprocess.run(
        [sys.executable, "-m", "edufacts.cli", "review", str(out), "--apply"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert review.returncode == 2
    assert "cannot review: a: the source text is needed and cannot be read" in " ".join(review.stderr.split())
    assert "Traceback" not in review.stderr
