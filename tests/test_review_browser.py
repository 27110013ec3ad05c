"""The review app in real headless Chromium (Debian's /usr/bin/chromium, driven
by Playwright; `make test` installs it). Screenshots are kept in artifacts/."""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from edufacts.evaluation.gold import check_gold_file
from edufacts.models import DocumentResult
from edufacts.review import Workspace, apply_reviews, export_gold, serving_in_background

from .conftest import DOCS, ROOT
from .test_review import DOC_ID, HOSTILE, extract_to

CHROMIUM = os.environ.get("EDUFACTS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"
# As the machine notes say: without these, Chromium keeps dialling out on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    opened = context.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    context.close()


def status_of(page: Page) -> str:
    return page.locator("#status").inner_text().strip()


def test_reviewer_accepts_edits_rejects_and_adds(page: Page, tmp_path: Path) -> None:
    out = tmp_path / "out"
    extract_to(out, DOCS / f"{DOC_ID}.txt")
    workspace = Workspace(out)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    with serving_in_background(workspace) as address:
        page.goto(address)  # the queue opens on the riskiest item
        first = page.locator("#item").get_attribute("data-target")
        assert first is not None and first.startswith("f")
        assert page.locator("#number").inner_text() != ""
        decided: dict[str, str] = {}

        page.keyboard.press("a")  # accept, and on to the next item
        page.wait_for_url(lambda url: not url.endswith(f"/{first}"))
        decided[first] = "accepted"

        edited = page.locator("#item").get_attribute("data-target")
        assert edited is not None and edited not in decided
        page.keyboard.press("e")
        page.fill("input[name=label]", "复核:修改后的标签")
        page.fill("input[name=year]", "2021")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: not url.endswith(f"/{edited}"))
        decided[edited] = "edited"

        rejected = page.locator("#item").get_attribute("data-target")
        assert rejected is not None and rejected not in decided
        page.fill("#reason", "不是统计数字")
        page.keyboard.press("Escape")
        page.keyboard.press("r")
        page.wait_for_url(lambda url: not url.endswith(f"/{rejected}"))
        decided[rejected] = "rejected"

        # A missed number: 160 letters sent (调查处理函160), left unclaimed (no unit written).
        missed = next(i for i in workspace.document(DOC_ID).result.unclaimed if i.raw == "160")
        added = f"u{missed.start}-{missed.end}"
        page.goto(f"{address}item/{DOC_ID}/{added}")
        assert status_of(page) == "unclaimed"
        page.keyboard.press("n")
        page.select_option("select[name=unit]", "件")
        page.fill("input[name=label]", "发出调查处理函")
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: not url.endswith(f"/{added}"))
        decided[added] = "added"

        # An edit the catalog refuses is shown and not stored.
        page.goto(f"{address}item/{DOC_ID}/{first}")
        page.keyboard.press("e")
        page.fill("input[name=value]", "九十六点五")
        page.keyboard.press("Enter")
        page.wait_for_selector("#flash.error")
        assert "is not a number" in page.locator("#flash").inner_text()

        for target, status in decided.items():  # after a reload, every decision shows
            page.goto(f"{address}item/{DOC_ID}/{target}")
            page.reload()
            assert status_of(page) == status, target
        page.goto(f"{address}item/{DOC_ID}/{edited}")
        assert page.locator("input[name=label]").input_value() == "复核:修改后的标签"
        assert page.locator("td[data-field=year]").inner_text().endswith("2021")

        # Undo with u, then decide again.
        page.goto(f"{address}item/{DOC_ID}/{first}")
        page.keyboard.press("u")
        # (expect, not wait_for_function: the page's CSP forbids evaluating strings as script)
        expect(page.locator("#status")).not_to_have_text("accepted")
        # undo reloads the page: its deferred script binds the keys only once loaded
        page.wait_for_load_state("load")
        assert status_of(page) in ("needs review", "ok")
        page.keyboard.press("a")
        page.wait_for_url(lambda url: not url.endswith(f"/{first}"))

        page.goto(f"{address}doc/{DOC_ID}")
        for target, status in decided.items():
            assert f"status-{status}" in (page.locator(f"[id='{target}']").get_attribute("class") or "")
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(f"[id='{added}']").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "review-document.png"))
        page.goto(f"{address}item/{DOC_ID}/{edited}")
        page.screenshot(path=str(ARTIFACTS / "review-item.png"))

        # The documents page leads into one document's part of the queue, and j keeps to it.
        page.click("#nav-docs")
        row = page.locator(f"tr[data-doc='{DOC_ID}']")
        assert row.locator("td.decided").inner_text().startswith("4 of ")
        page.screenshot(path=str(ARTIFACTS / "review-documents.png"))
        row.locator("a.review").click()
        page.wait_for_url("**?in=document")
        assert page.locator("#item").get_attribute("data-scope") == "document"
        here = page.locator("#item").get_attribute("data-target")
        assert here not in decided  # the document's next undecided item
        page.keyboard.press("j")
        page.wait_for_url(lambda url: url.endswith("?in=document") and f"/{here}?" not in url)
        assert "in this document" in page.locator("h1 .muted").inner_text()
    assert errors == []

    rows = sqlite3.connect(out / "review.sqlite3").execute(
        "SELECT target, action, undone_at IS NOT NULL FROM decisions ORDER BY id"
    )
    history = rows.fetchall()
    actions = {"accepted": "accept", "edited": "edit", "rejected": "reject", "added": "add"}
    standing = {target: action for target, action, undone in history if not undone}
    assert standing == {target: actions[status] for target, status in decided.items()}
    assert (first, "accept", True) in history  # the undone decision is kept

    assert apply_reviews(workspace).decisions == 4
    reviewed = DocumentResult.model_validate_json((out / "reviewed" / f"{DOC_ID}.json").read_bytes())
    facts = {fact.id: fact for fact in reviewed.facts}
    assert facts[first].checks[-1].detail == "accept" and not facts[first].needs_review
    assert (facts[edited].label, facts[edited].year) == ("复核:修改后的标签", 2021)
    assert rejected not in facts
    new_fact = next(fact for fact in reviewed.facts if fact.source == "review")
    assert (new_fact.raw, new_fact.unit) == ("160", "件")
    assert new_fact.indicator is None

    gold_root = tmp_path / "gold-grown"
    assert export_gold(workspace, gold_root).decisions == 4
    assert check_gold_file(gold_root / "gold" / f"{DOC_ID}.json", gold_root / "docs") == len(reviewed.facts)


def test_hostile_report_runs_nothing(page: Page, tmp_path: Path) -> None:
    out = tmp_path / "out"
    for name, content in (("hostile", HOSTILE), ("hostile_page", None)):
        if content is None:
            source = tmp_path / f"{name}.html"
            body = HOSTILE.replace("<", "&lt;").replace(">", "&gt;").replace("\n", "<br>")
            source.write_text(
                f"<html><body><script>window.__pwned=9</script><p>{body}</p></body></html>", encoding="utf-8"
            )
        else:
            source = tmp_path / f"{name}.txt"
            source.write_text(content, encoding="utf-8")
        extract_to(out, source)
    workspace = Workspace(out)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    with serving_in_background(workspace) as address:
        urls = [f"{address}docs"] + [f"{address}doc/{doc_id}" for doc_id in workspace.paths]
        urls += [f"{address}item/{entry.doc_id}/{entry.target}" for entry in workspace.queue]
        for url in urls:
            page.goto(url)
            page.mouse.move(200, 300)
            assert page.evaluate("window.__pwned") is None, url
            assert page.locator("img").count() == 0
            assert page.locator("script").count() == 1  # our own /static/review.js
        page.goto(f"{address}doc/hostile_page")
        text = page.locator(".fulltext").inner_text()
        assert "<script>window.__pwned=1</script>" in text and 'onerror="window.__pwned=2"' in text
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "review-hostile.png"))
    assert dialogs == []
