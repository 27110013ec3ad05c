"""The HTML eval report in headless Chromium: every chart renders, the headline
table has both splits, and a hostile document id stays text."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from edufacts.evaluation.html import render_html
from edufacts.evaluation.runner import score_backend
from edufacts.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("EDUFACTS_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "artifacts"


@pytest.fixture(scope="module")
def page_html() -> Iterator[str]:
    only = {"000_83a7c735898b844d", "m02_zhijin_social_overview_2022"}
    settings = Settings(backend="rules")
    runs = {
        "rules": score_backend(ROOT / "eval" / "gold", ROOT / "eval" / "docs", settings, only=only),
        "rules/heldout": score_backend(
            ROOT / "eval" / "heldout" / "gold", ROOT / "eval" / "heldout" / "docs", settings,
            only={"m13_shanxi_edu_stats_bulletin_2018"},
        ),
    }  # fmt: skip
    yield render_html(runs)


def test_the_page_is_self_contained(page_html: str) -> None:
    assert page_html.count("<svg") == 3
    assert "<script" not in page_html
    assert "http" not in page_html.replace("http://www.w3.org/", "").replace('http-equiv="', "")
    assert "rules/heldout" in page_html and "label_score" in page_html


def test_the_charts_render_in_chromium(page_html: str, tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    page_file = tmp_path / "report.html"
    page_file.write_text(page_html, encoding="utf-8")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(page_file.as_uri())
        for chart in ("indicator-chart", "error-chart", "reliability-chart"):
            box = page.locator(f"#{chart} svg").bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 150, chart
        assert page.locator("#headline tr").count() > 10
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "eval-report.png"), full_page=True)
        browser.close()
    assert errors == []


def test_a_hostile_document_id_is_text() -> None:
    from edufacts.evaluation.html import _environment

    template = _environment().from_string("<td>{{ doc_id }}</td>")
    assert (
        template.render(doc_id="<img src=x onerror=alert(1)>")
        == "<td>&lt;img src=x onerror=alert(1)&gt;</td>"
    )
