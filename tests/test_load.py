from __future__ import annotations

import codecs
import time
from pathlib import Path

import pytest

from edufacts.errors import InputError
from edufacts.readers.load import html_to_text, load_bytes, load_document

from .conftest import DOCS

SAMPLE = "全区共有幼儿园74所，教育投入18.26亿元。\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("gb18030"), "gb18030"),
        (SAMPLE.encode("gbk"), "gb18030"),
        (SAMPLE.encode("utf-16"), "utf-16"),
    ],
)
def test_decodes_common_encodings(data: bytes, encoding: str) -> None:
    document = load_bytes(data, Path("r.txt"))
    assert document.text == SAMPLE
    assert document.encoding == encoding


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"  \n\t ", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (bytes(range(0x80, 0x100)) * 40, "cannot decode"),
    ],
)
def test_bad_input_is_one_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        load_bytes(data, Path("bad.txt"))
    assert "\n" not in str(caught.value)


def test_missing_large_and_unsupported_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_document(tmp_path / "absent.txt")
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * 2000)
    with pytest.raises(InputError, match="over the"):
        load_document(big, max_bytes=1000)
    sheet = tmp_path / "report.xlsx"
    sheet.write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError, match=r"unsupported file type \.xlsx"):
        load_document(sheet)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    with pytest.raises(InputError, match="damaged PDF"):
        load_document(pdf)


def test_html_keeps_text_and_drops_script_style_nav() -> None:
    markup = (
        "<html><head><title>t</title><style>p{}</style></head><body><nav>首页 > 政务公开</nav>"
        "<script>alert('18.26')</script><p>教育投入<span>18.26</span>亿元</p><div>在园幼儿7772人</div>"
        "</body></html>"
    )
    text = html_to_text(markup)
    assert "教育投入18.26亿元" in text
    assert "在园幼儿7772人" in text
    assert "alert" not in text and "首页" not in text and "p{}" not in text


def test_deeply_nested_html_does_not_recurse() -> None:
    markup = "<div>" * 50_000 + "幼儿园5所" + "</div>" * 50_000
    assert "幼儿园5所" in html_to_text(markup)


def test_html_file_declared_gbk(tmp_path: Path) -> None:
    page = '<html><head><meta charset="gb2312"></head><body><p>新增学位1260个</p></body></html>'
    path = tmp_path / "page.html"
    path.write_bytes(page.encode("gb18030"))
    document = load_document(path)
    assert document.format == "html"
    assert "新增学位1260个" in document.text


def test_traditional_script_is_detected_and_offsets_kept() -> None:
    document = load_document(DOCS / "004_8ce397d9036d1a9f.txt")
    assert document.script == "traditional"
    assert len(document.normalized) == len(document.text)
    index = document.text.index("一般公共預算教育支出")
    assert document.normalized[index : index + 10] == "一般公共预算教育支出"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        # a short page: 9 distinct characters with a simplified form among about 30
        ("小學教育:\n全市共有小學566所,在校學生16.8萬人,專任教師11103人。\n幼兒園1015所。", "traditional"),
        ("小学教育:\n全市共有小学566所,在校学生16.8万人,专任教师11103人。\n幼儿园1015所。", "simplified"),
        # a simplified text may hold a character or two that the table maps (著, 乾)
        ("著名的乾县第一小学共有学生1200人,教师80人。", "simplified"),
    ],
)
def test_a_short_text_in_traditional_script_is_detected(text: str, script: str) -> None:
    assert load_bytes(text.encode(), Path("short.txt")).script == script


def test_full_width_digits_are_matched_through_the_view() -> None:
    document = load_bytes("投入１８．２６亿元，占比９６％".encode(), Path("f.txt"))
    assert document.normalized == "投入18.26亿元,占比96%"
    assert document.text == "投入１８．２６亿元，占比９６％"


def test_boilerplate_lines_are_marked() -> None:
    document = load_document(DOCS / "002_7de12349501c2ae2.txt")
    assert document.in_boilerplate(document.text.index("今天是"))
    spam = load_document(DOCS / "004_8ce397d9036d1a9f.txt")
    assert spam.in_boilerplate(0)
    assert not spam.in_boilerplate(spam.text.index("一般公共預算教育支出"))
    tail = load_document(DOCS / "003_b078389872018e57.txt")
    assert tail.in_boilerplate(tail.text.rindex("区长信箱"))


# --- regressions from fuzzing (issue 6) ----------------------------------------

BIG5_SAMPLE = "學校總數74所,教育經費18.26億元,專任教師1200名。\n" * 5


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read_not_called_binary(encoding: str) -> None:
    # Was "binary file (NUL bytes)": the NULs of UTF-16's ASCII characters.
    document = load_bytes((SAMPLE * 3).encode(encoding), Path("r.txt"))
    assert (document.text, document.encoding) == (SAMPLE * 3, encoding)


def test_big5_is_read_as_big5_not_as_gb18030_mojibake() -> None:
    # Big5 bytes decode as GB18030 too, into private-use characters and garbage.
    document = load_bytes(BIG5_SAMPLE.encode("big5"), Path("r.txt"))
    assert (document.text, document.encoding) == (BIG5_SAMPLE, "big5")


def test_utf8_with_icon_font_characters_stays_utf8() -> None:
    text = "\ue600\ue601\ue602\ue603 新增学位1260个。\n"
    assert load_bytes(text.encode("utf-8"), Path("r.txt")).encoding == "utf-8"


def test_half_gb18030_half_utf8_is_one_clear_error() -> None:
    data = SAMPLE.encode("gb18030") * 20 + SAMPLE.encode("utf-8") * 20
    with pytest.raises(InputError, match="cannot decode") as caught:
        load_bytes(data, Path("mixed.txt"))
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("section", ["<![foo]>", "<![ if]>", "<![", "<![1]>", "<![cdata-x[ ]]>"])
def test_html_marked_section_the_stdlib_rejects_does_not_crash(section: str) -> None:
    # html.parser raised AssertionError ("expected name token") on these.
    text = html_to_text(f"<p>新增学位1260个</p>{section}<p>幼儿园5所</p>")
    assert "新增学位1260个" in text and "幼儿园5所" in text
    document = load_bytes(f"<p>新增学位1260个</p>{section}<p>x</p>".encode(), Path("r.html"))
    assert "新增学位1260个" in document.text


@pytest.mark.parametrize("unit", ["<a ", "</", "<!--", "<!--x>", "<?", "<![CDATA[>", "<![if>"])
def test_html_unclosed_constructs_are_linear(unit: str) -> None:
    # The stdlib parser rescanned the rest of the page for every unclosed
    # construct: 5,000 `<a ` (15 KB) took 18 s.
    markup = "<p>在园幼儿7772人</p>" + unit * 60_000
    started = time.perf_counter()
    text = html_to_text(markup)
    # Far above the usual figure (a busy machine cannot fail it); the rescans would take hours.
    assert time.perf_counter() - started < 30
    assert text.startswith("在园幼儿7772人\n")


def test_html_text_after_the_last_tag_end_reads_as_before() -> None:
    assert html_to_text("<p>在园幼儿7772人</p>共有<a 5所<b 学校") == "在园幼儿7772人\n共有<a 5所<b 学校\n"
    # An unclosed comment no longer swallows the markup after it as text.
    text = html_to_text("<p>在园幼儿7772人</p><!-- 注释 <p>新增学位1260个</p>")
    assert text == "在园幼儿7772人\n<!-- 注释\n新增学位1260个\n"


def test_html_comments_conditionals_and_cdata_are_unchanged() -> None:
    markup = (
        "<!DOCTYPE html><?xml version='1.0'?><p>一</p><!-- 注释 <p>隐藏</p> --><!--[if IE]><p>旧</p>"
        "<![endif]--><![if !IE]><p>二</p><![endif]><![CDATA[ 数据 ]]><script>if(a<b){}</script><p>三</p>"
    )
    assert html_to_text(markup) == "一\n\n二\n\n三\n"  # as before the fix


def test_pinyin_glosses_of_a_mirror_page_are_read_away_and_noted() -> None:
    glossed = "新改扩(kuò)建幼儿园10所,学(xué)前三年毛入园率达86%,县(市)区(a)统计(2023)。\n"
    document = load_bytes(glossed.encode("utf-8"), Path("mirror.txt"))
    assert document.text == "新改扩建幼儿园10所,学前三年毛入园率达86%,县(市)区(a)统计(2023)。\n"
    assert document.notes == ("2 pinyin glosses removed (a mirror site's 字(zì) annotations)",)
    plain = load_bytes(SAMPLE.encode("utf-8"), Path("plain.txt"))
    assert plain.text == SAMPLE and plain.notes == ()
