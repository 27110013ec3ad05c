"""Hardening (issue 6): arbitrary bytes and text through load, segment, numbers
and the whole rules pipeline give a Document and a result, or one clear
EdufactsError; never another exception, never an offset outside the text.

The example counts keep this file well under a minute. A long run by hand:
    EDUFACTS_FUZZ_EXAMPLES=5000 .venv/bin/pytest -q tests/test_fuzz.py -k property
"""

from __future__ import annotations

import codecs
import itertools
import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from edufacts.cli import main
from edufacts.errors import EdufactsError, InputError
from edufacts.models import DocumentResult
from edufacts.pipeline import extract_document
from edufacts.readers.load import Document, load_bytes, load_document
from edufacts.settings import Settings
from edufacts.stages.numbers import find_mentions
from edufacts.stages.segment import Section, build_sections, find_headings, find_tables, innermost_section

from .conftest import CORPUS

EXAMPLES = int(os.environ.get("EDUFACTS_FUZZ_EXAMPLES", "60"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- strategies ---------------------------------------------------------------

PIECES = [
    *"0123456789",
    *"０１２３４５６７８９",
    *"零〇一二两三四五六七八九十百千万亿",
    "点",
    "分之",
    "百分之",
    "%",
    "％",
    "‰",
    "个百分点",
    "所",
    "人",
    "名",
    "元",
    "万元",
    "亿元",
    "平方米",
    "㎡",
    "人次",
    "余",
    "多",
    "约",
    "近",
    "超过",
    "以上",
    "左右",
    "第",
    "〔",
    "〕",
    "号",
    "年",
    "月",
    "日",
    "-",
    "—",
    "~",
    "至",
    ".",
    "．",
    ",",
    "，",
    ":",
    "。",
    "；",
    "!",
    "?",
    "\n",
    "\n\n",
    "\r\n",
    " ",
    "\t",
    "\u3000",
    "\xa0",
    "\x00",
    "\u2028",
    "“",
    "”",
    "《",
    "》",
    '"',
    "(",
    ")",
    "（",
    "）",
    "【",
    "】",
    "一、",
    "(一)",
    "（二）",
    "1.",
    "(1)",
    "①",
    "⑳",
    "第一章",
    "第二节",
    "表1",
    "2023年",
    "2016-2020年",
    "2023-01-02",
    "12:30",
    "023-68861234",
    "13912345678",
    "19142408435845214427",
    "5G",
    "扫一扫",
    "今天是",
    "?????",
    "国产精品亚洲",
    "幼儿园",
    "学生",
    "教师",
    "在园幼儿",
    "教育投入",
    "一般公共预算教育支出",
    "毛入园率",
    "覆盖率",
    "學校",
    "預算",
    "教職工",
    "存在的问题",
    "下一步",
    "<p>",
    "</p>",
    "<div>",
    "</div>",
    "<br>",
    "<td>",
    "<script>",
    "</script>",
    "<style>",
    "<!--",
    "-->",
    "<",
    ">",
    "&amp;",
    "&#20013;",
    "&#x4e2d;",
    "&nbsp;",
    "&#0;",
    "&#xD800;",
    "&#99999999;",
    '<meta charset="gbk">',
    "<![CDATA[",
    "<![",
    "<![if !IE]>",
    "]]>",
    "<!",
    "</",
    "<?",
    "<a ",
    "'",
    "=",
]

pieces = st.sampled_from(PIECES)
numbers = st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=0, max_value=10**12).map(str)
report_text = st.lists(st.one_of(pieces, pieces, pieces, numbers, st.text(max_size=4)), max_size=120).map(
    "".join
)
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "gbk", "utf-16", "utf-16-le", "utf-16-be", "big5"]
PREFIXES = [b"", codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, b"\x84\x31\x95\x33", b"\xff"]


@st.composite
def report_bytes(draw: st.DrawFn) -> bytes:
    """Report-like text in one encoding, sometimes with another encoding's BOM
    in front, a second part in another encoding, or random bytes spliced in."""
    text = draw(report_text)
    encoding = draw(st.sampled_from(ENCODINGS))
    data = draw(st.sampled_from(PREFIXES)) + text.encode(encoding, errors="replace")
    if draw(st.booleans()):
        data += draw(report_text).encode(draw(st.sampled_from(ENCODINGS)), errors="replace")
    if draw(st.booleans()):
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=16)) + data[at:]
    return data


# --- invariants -----------------------------------------------------------------


def load_or_error(data: bytes, name: str) -> Document | None:
    """Document or a one-line EdufactsError: any other exception fails the test."""
    try:
        document = load_bytes(data, Path(name))
    except EdufactsError as error:
        assert str(error) and "\n" not in str(error)
        return None
    text = document.text
    assert text.strip()
    assert len(document.normalized) == len(text)
    assert document.format == ("html" if name.endswith(".html") else "txt")
    previous_end = 0
    for start, end in document.boilerplate:
        assert previous_end <= start < end <= len(text)
        previous_end = end
    return document


def check_sections(text: str, sections: list[Section]) -> None:
    """Sections start at 0, are in order, and cover the text without a gap."""
    assert sections[0].start == 0 and sections[0].level == 0
    assert sections[-1].end == len(text)
    for section, following in itertools.pairwise(sections):
        assert section.start <= following.start
        assert section.end >= following.start, (section, following)
    for section in sections:
        assert 0 <= section.start <= section.end <= len(text)
        for start, end in section.path_spans:
            assert 0 <= start <= end <= len(text)
        if section.level:
            assert section.path_spans[-1][0] == section.start


def check_stages(text: str) -> None:
    headings = find_headings(text)
    for heading in headings:
        assert 0 <= heading.start <= heading.end <= len(text)
    sections = build_sections(text, headings)
    check_sections(text, sections)
    for position in (0, len(text) // 2, max(0, len(text) - 1)):
        section = innermost_section(sections, position)
        assert section is sections[0] or section.start <= position < section.end
    for table in find_tables(text):
        for cell in table.cells:
            assert table.start <= cell.start < cell.end <= table.end
            assert text[cell.start : cell.end] == cell.text
    previous_end = 0
    for mention in find_mentions(text):
        assert previous_end <= mention.start < mention.end <= len(text)
        assert text[mention.start : mention.end] == mention.raw
        previous_end = mention.end


def check_result(document: Document, result: DocumentResult) -> None:
    text = document.text
    assert result.document.chars == len(text)
    for fact in result.facts:
        assert 0 <= fact.start < fact.end <= len(text)
        assert text[fact.start : fact.end] == fact.raw
    for item in result.unclaimed:
        assert 0 <= item.start < item.end <= len(text)
        assert text[item.start : item.end] == item.raw
    for item in [*result.problems, *result.measures]:
        assert text[item.start : item.end] == item.text
    previous = 0
    for section in result.sections:
        assert previous <= section.start <= section.end <= len(text)
        previous = section.start


def run_everything(data: bytes, name: str) -> Document | None:
    document = load_or_error(data, name)
    if document is None:
        return None
    check_stages(document.normalized)
    check_result(document, extract_document(document, Settings()))
    return document


# --- property tests ---------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(["r.txt", "r.html"]))
def test_property_random_bytes(data: bytes, name: str) -> None:
    run_everything(data, name)


@FUZZ
@given(report_bytes(), st.sampled_from(["r.txt", "r.html"]))
def test_property_report_like_bytes_in_mixed_encodings(data: bytes, name: str) -> None:
    run_everything(data, name)


@FUZZ
@given(st.text(max_size=2000))
def test_property_any_unicode_text_through_the_stages(text: str) -> None:
    check_stages(text)
    run_everything(text.encode("utf-8", errors="surrogatepass"), "r.txt")


@FUZZ
@given(report_text, st.integers(1, 400))
def test_property_huge_single_lines(text: str, repeat: int) -> None:
    line = text.replace("\n", " ") * repeat
    check_stages(line)
    run_everything(line.encode("utf-8"), "r.txt")


MARKUP = [piece for piece in PIECES if "<" in piece or ">" in piece or "&" in piece or "]" in piece]
html_text = st.lists(st.one_of(st.sampled_from(MARKUP), pieces, st.text(max_size=3)), max_size=80).map(
    "".join
)


@FUZZ
@given(html_text)
def test_property_html_markup(markup: str) -> None:
    run_everything(markup.encode("utf-8"), "r.html")


TAGS = ["div", "p", "span", "td", "table", "li", "script", "style", "b", "section", "noscript", "svg"]


@settings(max_examples=max(5, EXAMPLES // 10), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.sampled_from(TAGS), min_size=1, max_size=4), st.booleans(), report_text)
def test_property_deeply_nested_and_unclosed_html(tags: list[str], closed: bool, inner: str) -> None:
    depth = 12_000 // len(tags)
    opening = "".join(f"<{tag} class=x>" for tag in tags) * depth
    closing = "".join(f"</{tag}>" for tag in reversed(tags)) * depth if closed else ""
    markup = f"<html><body>{opening}在园幼儿7772人。{inner}{closing}</body></html>"
    document = run_everything(markup.encode("utf-8"), "deep.html")
    if {"script", "style", "noscript", "svg"} & set(tags):
        assert document is None or "7772" not in document.text
    else:
        assert document is not None and "在园幼儿7772人" in document.text


# --- big inputs through the CLI ---------------------------------------------------


def corpus_text() -> str:
    return "".join(path.read_text(encoding="utf-8") for path in CORPUS)


def write_repeated(path: Path, text: str, size: int) -> None:
    """`size` bytes of `text` over and over, cut on a character boundary."""
    chunk = text.encode("utf-8")
    with path.open("wb") as handle:
        for _ in range(size // len(chunk)):
            handle.write(chunk)
        handle.write(chunk[: size % len(chunk)].decode("utf-8", errors="ignore").encode("utf-8"))


def extract(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["extract", *args])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_50_mb_file_is_one_clear_error_and_a_non_zero_exit(tmp_path: Path) -> None:
    big = tmp_path / "big.txt"
    write_repeated(big, corpus_text(), 50 * 1024 * 1024)
    code, output = extract(str(big), "--out", str(tmp_path / "out"))
    assert code == 1
    (line,) = [line for line in output.splitlines() if "big.txt" in line and "limit" in line]
    assert "52.4 MB is over the 10 MB limit (set --max-bytes)" in line
    ledger = (tmp_path / "out" / "ledger.jsonl").read_text(encoding="utf-8")
    assert '"failed"' in ledger and "over the 10 MB limit" in ledger
    with pytest.raises(InputError, match="over the 10 MB limit"):
        load_document(big)


def test_large_reports_finish_with_max_bytes_raised(tmp_path: Path) -> None:
    """A 2 MB report of corpus text and a single 5 MB line (no line break) go
    through, offsets intact. Figures by hand are in the issue 6 report."""
    corpus = corpus_text()
    write_repeated(tmp_path / "long.txt", corpus, 2 * 1024 * 1024)
    write_repeated(tmp_path / "line.txt", corpus.replace("\n", ""), 5 * 1024 * 1024)
    out = tmp_path / "out"
    code, output = extract(
        str(tmp_path / "long.txt"), str(tmp_path / "line.txt"), "--out", str(out), "--max-bytes", "6000000"
    )
    assert code == 0, output
    for name in ("long", "line"):
        payload = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        text = (tmp_path / f"{name}.txt").read_text(encoding="utf-8")
        assert payload["document"]["chars"] == len(text)
        for item in [*payload["facts"], *payload["unclaimed"]]:
            assert text[item["start"] : item["end"]] == item["raw"]
    assert len(json.loads((out / "long.json").read_text(encoding="utf-8"))["facts"]) > 1000


# --- mixed encodings ----------------------------------------------------------------

SAMPLE = "全区共有幼儿园74所,教育投入18.26亿元。\n"
TRADITIONAL = "學校總數74所,教育經費18.26億元,專任教師1200名。\n"
ENCODED = {
    "gb18030_then_utf8.txt": SAMPLE.encode("gb18030") * 20 + SAMPLE.encode("utf-8") * 20,
    "utf8_then_gb18030.txt": SAMPLE.encode("utf-8") * 20 + SAMPLE.encode("gb18030") * 20,
    "utf16_bom.txt": (SAMPLE * 5).encode("utf-16"),
    "utf16le.txt": (SAMPLE * 5).encode("utf-16-le"),
    "utf16be.txt": (SAMPLE * 5).encode("utf-16-be"),
    "big5.txt": (TRADITIONAL * 5).encode("big5"),
    "utf8_bom_then_utf16.txt": codecs.BOM_UTF8 + SAMPLE.encode("utf-8") + (SAMPLE * 5).encode("utf-16"),
    "gb18030_page.html": f'<meta charset="gbk"><p>{SAMPLE}</p><p>{TRADITIONAL}</p>'.encode("gb18030"),
    "big5_page.html": f'<meta charset="big5"><p>{TRADITIONAL * 5}</p>'.encode("big5"),
}
# What each gives: the decoded text the offsets index, or the error.
EXPECTED = {
    "gb18030_then_utf8.txt": "cannot decode",
    "utf8_then_gb18030.txt": "cannot decode",
    "utf16_bom.txt": "utf-16",
    "utf16le.txt": "utf-16-le",
    "utf16be.txt": "utf-16-be",
    "big5.txt": "big5",
    "utf8_bom_then_utf16.txt": "invalid utf-8-sig",
    "gb18030_page.html": "gb18030",
    "big5_page.html": "big5",
}


def test_mixed_encodings_give_a_result_or_one_clear_error(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name, data in ENCODED.items():
        (inbox / name).write_bytes(data)
    out = tmp_path / "out"
    code, _ = extract(str(inbox), "--out", str(out))
    assert code == 1
    ledger = {
        Path(entry["path"]).name: entry
        for entry in map(json.loads, (out / "ledger.jsonl").read_text(encoding="utf-8").splitlines())
    }
    assert set(ledger) == set(ENCODED)
    for name, expected in EXPECTED.items():
        entry = ledger[name]
        if entry["status"] == "failed":
            assert expected in entry["error"] and "\n" not in entry["error"], (name, entry)
            continue
        payload = json.loads((out / f"{Path(name).stem}.json").read_text(encoding="utf-8"))
        assert payload["document"]["encoding"] == expected, name
        if name.endswith(".html"):
            text = (out / payload["document"]["text_path"]).read_text(encoding="utf-8")
        else:
            text = ENCODED[name].decode(expected)
        raws = [fact["raw"] for fact in payload["facts"]]
        assert "74所" in raws, (name, raws)
        for fact in payload["facts"]:
            assert text[fact["start"] : fact["end"]] == fact["raw"]
