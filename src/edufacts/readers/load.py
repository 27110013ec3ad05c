"""Stage 1, load: bytes -> Document (text as decoded, a normalized view with
1:1 offsets, boilerplate line marks). Pure: no model, no CLI."""

from __future__ import annotations

import codecs
import hashlib
import os
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from functools import cache, cached_property
from html.parser import HTMLParser
from pathlib import Path

from ..errors import InputError
from ..models import DocumentFormat, Script
from . import CharBox, ReadText
from .lines import printed_line_wraps

SUPPORTED_SUFFIXES: dict[str, DocumentFormat] = {
    ".txt": "txt",
    ".html": "html",
    ".htm": "html",
    ".pdf": "pdf",
    ".docx": "docx",
    ".doc": "doc",
    ".wps": "doc",
}
BINARY_FORMATS = ("pdf", "docx", "doc")
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PAGES = 300


@dataclass(frozen=True, kw_only=True)
class Document:
    id: str
    path: str
    text: str
    """The input text as decoded (an HTML page's text; pinyin glosses a mirror
    site put after characters removed, see strip_glosses); every offset in the
    output indexes this."""
    normalized: str
    """Same length as text: traditional mapped to simplified, full-width ASCII to
    half-width, and a line break that only wraps a printed line (a text copied
    from a PDF page) a space (readers.lines). Matching runs on this view, so
    offsets carry over unchanged."""
    sha256: str
    encoding: str
    format: DocumentFormat
    script: Script
    boilerplate: tuple[tuple[int, int], ...] = field(default=())
    """Character spans of lines that are site chrome, spam or padding."""
    replaced: tuple[int, ...] = ()
    """Positions of U+FFFD put in place of invalid bytes (slightly damaged UTF-8)."""
    pages: tuple[tuple[int, int], ...] = ()
    """The span of the text each page gave (PDF)."""
    boxes: tuple[CharBox | None, ...] = field(default=(), repr=False)
    """Per character, where it was printed (PDF)."""
    notes: tuple[str, ...] = ()
    """What reading took that a user should know (format by content, a converter used)."""

    @cached_property
    def _boilerplate_starts(self) -> list[int]:
        return [start for start, _ in self.boilerplate]

    def in_boilerplate(self, position: int) -> bool:
        """Boilerplate spans are whole lines, in order and disjoint: a bisect finds the one."""
        index = bisect_right(self._boilerplate_starts, position) - 1
        return index >= 0 and position < self.boilerplate[index][1]


# --- decoding ---------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)


def _decode(data: bytes, path: Path, is_html: bool) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data, "utf-8-sig", path), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", path), "utf-16"
    if b"\x00" in data[:8192]:
        encoding = _utf16_without_bom(data[:8192])
        if encoding is not None:
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                raise InputError(f"{path}: invalid {encoding} text") from None
            if _looks_like_text(text):
                return text, encoding
        raise InputError(f"{path}: binary file (NUL bytes), not a text or HTML report")
    candidates = ["utf-8"]
    if is_html:
        declared = _META_CHARSET.search(data[:4096])
        if declared:
            name = declared.group(1).decode("ascii").lower()
            # Chinese sites declare gb2312/gbk but write characters only gb18030 has.
            candidates.append("gb18030" if name in {"gb2312", "gbk", "gb18030"} else name)
    # Big5 bytes also decode as GB18030, but into private-use characters, which
    # _looks_like_text refuses there: then Big5 is tried.
    damaged = _slightly_damaged_utf8(data)
    if damaged is not None:
        return damaged, DAMAGED_UTF8
    candidates += ["gb18030", "big5"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            continue
        if _looks_like_text(text, encoding):
            return text, encoding
    raise InputError(f"{path}: cannot decode as UTF-8, GB18030 or Big5 (undecodable or not text)")


DAMAGED_UTF8 = "utf-8 (damaged)"
_MAX_DAMAGED_SHARE = 0.001
_MIN_DAMAGE_ALLOWED = 8
"""a short file may lose a character or two at a cut: a few U+FFFD are always allowed"""


def _slightly_damaged_utf8(data: bytes) -> str | None:
    """UTF-8 with a few invalid bytes (a cut at the end, a bad copy): decoded with
    U+FFFD in their place when under 0.1 % of the bytes are bad, so the rest of
    the report is not lost; checked before GB18030, which would read it as junk."""
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    # Most non-ASCII characters must be valid UTF-8: a GBK file decoded this way
    # is almost all U+FFFD, even when it is short.
    valid = sum(1 for char in text if char > "\x7f") - bad
    if bad == 0 or bad > max(_MIN_DAMAGE_ALLOWED, _MAX_DAMAGED_SHARE * len(data)) or valid < 20 * bad:
        return None
    return text if _looks_like_text(text) else None


def _replacements(text: str) -> list[int]:
    return [index for index, char in enumerate(text) if char == "\ufffd"]


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 saved without a BOM: the NULs of its ASCII characters (digits,
    punctuation, line breaks) all sit at odd offsets (little endian) or even ones."""
    even, odd = head[0::2].count(0), head[1::2].count(0)
    if odd >= 4 and even == 0:
        return "utf-16-le"
    if even >= 4 and odd == 0:
        return "utf-16-be"
    return None


def _strict(data: bytes, encoding: str, path: Path) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise InputError(f"{path}: invalid {encoding} text") from None


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_CONTROL_OR_PRIVATE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ue000-\uf8ff]")
"""Big5 bytes decode as GB18030 too, into private-use characters."""


def _looks_like_text(text: str, encoding: str = "utf-8") -> bool:
    sample = text[:20000]
    # Only GB18030 output counts private-use characters: UTF-8 pages may hold icon-font ones.
    pattern = _CONTROL_OR_PRIVATE if encoding == "gb18030" else _CONTROL
    return len(pattern.findall(sample)) <= max(2, len(sample) // 200)


# --- HTML -------------------------------------------------------------------

_SKIP_TAGS = {"script", "style", "nav", "noscript", "iframe", "svg", "template", "head", "select", "button"}
_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "li",
    "ul",
    "ol",
    "tr",
    "td",
    "th",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "section",
    "article",
    "header",
    "footer",
    "aside",
    "dd",
    "dt",
    "dl",
    "pre",
    "blockquote",
    "form",
    "hr",
    "caption",
    "tbody",
    "thead",
}
_VOID_TAGS = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "wbr"}


class _TextExtractor(HTMLParser):
    """Streaming extraction: stdlib's parser is event based, so it has no
    recursion limit on deeply nested pages (tree parsers do)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS and tag not in _VOID_TAGS:
            self.skip_depth += 1
        elif tag in _BLOCK_TAGS and not self.skip_depth:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and tag not in _VOID_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK_TAGS and not self.skip_depth:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        """<![ with a keyword the stdlib does not know raises AssertionError
        there; browsers read it as a bogus comment up to the next >."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            return self.parse_bogus_comment(i)


_COMMENT_CLOSE = re.compile(r"--\s*>")
_SECTION_CLOSE = re.compile(r"\]\s*\]\s*>")
_MS_SECTION_CLOSE = re.compile(r"\]\s*>")
_SECTION_OPEN = re.compile(r"<!\[([a-zA-Z][-_.a-zA-Z0-9]*)?")
_STANDARD_SECTIONS = {"temp", "cdata", "ignore", "include", "rcdata"}
_MS_SECTIONS = {"if", "else", "endif"}


def _last_start(pattern: re.Pattern[str], markup: str) -> int:
    last = -1
    for match in pattern.finditer(markup):
        last = match.start()
    return last


def _defuse(markup: str) -> str:
    """Escape each < that opens a construct with no end anywhere after it.

    The stdlib parser (before 3.12.11/3.13.4) rescans the rest of the page for
    every such construct: 15 KB of `<a ` took 18 s, `<!--` and `</` alike.
    A < after the last > is read as text anyway, so escaping it changes
    nothing; an unclosed comment or marked section becomes text too."""
    last_gt = markup.rfind(">")
    fixes: list[int] = [
        last_gt + 1 + offset for offset, char in enumerate(markup[last_gt + 1 :]) if char == "<"
    ]
    if "<!--" in markup:
        last_close = _last_start(_COMMENT_CLOSE, markup)
        start = markup.find("<!--", max(0, last_close - 3))
        while 0 <= start <= last_gt:
            if start + 4 > last_close:
                fixes.append(start)
            start = markup.find("<!--", start + 1)
    if "<![" in markup:
        last_close = _last_start(_SECTION_CLOSE, markup)
        last_ms_close = _last_start(_MS_SECTION_CLOSE, markup)
        for match in _SECTION_OPEN.finditer(markup, 0, last_gt + 1):
            keyword = (match.group(1) or "").lower()
            if keyword in _STANDARD_SECTIONS and match.start() + 3 <= last_close:
                continue
            if keyword in _MS_SECTIONS and match.start() + 3 <= last_ms_close:
                continue
            fixes.append(match.start())
    if not fixes:
        return markup
    parts: list[str] = []
    position = 0
    for index in sorted(set(fixes)):
        parts += [markup[position:index], "&lt;"]
        position = index + 1
    return "".join([*parts, markup[position:]])


_BLANK_RUNS = re.compile(r"[ \t\u3000\xa0]*\n[\s\u3000\xa0]*\n\s*")


def html_to_text(markup: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(_defuse(markup))
    extractor.close()
    text = "".join(extractor.parts)
    text = _BLANK_RUNS.sub("\n\n", text)
    return "\n".join(line.strip(" \t\xa0") for line in text.split("\n")).strip() + "\n"


# --- normalization ----------------------------------------------------------


@cache
def _t2s_table() -> dict[int, int]:
    """Character-level traditional->simplified table from OpenCC's data.

    OpenCC.convert also applies phrase rules, which may change length and costs
    ~3 us/char; a 1:1 character table keeps offsets exact and runs at str.translate speed.
    """
    import opencc

    table: dict[int, int] = {}
    path = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    for line in path.read_text(encoding="utf-8").splitlines():
        source, _, targets = line.partition("\t")
        target = targets.split(" ")[0] if targets else ""
        if len(source) == 1 and len(target) == 1 and source != target:
            table[ord(source)] = ord(target)
    return table


@cache
def _traditional_set() -> frozenset[str]:
    return frozenset(chr(code) for code in _t2s_table())


_FULLWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_HAS_FULLWIDTH = re.compile("[\uff01-\uff5e\u3000]")


def detect_script(text: str) -> Script:
    """Traditional when many distinct characters of the text have a simplified
    form (a simplified text has at most a few, such as 乾 or 著: under 2 % of its
    distinct characters); a short text (a page of 300 characters has about 50
    distinct ones) when they are a large share."""
    distinct = set(text[:50000])
    cjk = sum(1 for char in distinct if "\u4e00" <= char <= "\u9fff")
    traditional = len(distinct & _traditional_set())
    many = traditional >= 15 and traditional > cjk * 0.05
    short_and_many = traditional >= 5 and traditional > cjk * 0.15
    return "traditional" if many or short_and_many else "simplified"


def normalize(text: str, script: str) -> str:
    view = text.translate(_t2s_table()) if script == "traditional" else text
    # str.translate with a dict is slow on CJK text: skip it when there is nothing to map.
    return view.translate(_FULLWIDTH) if _HAS_FULLWIDTH.search(view) else view


def _unwrapped(view: str) -> str:
    """The view with its printed-line wraps made spaces: a sentence, a clause, a
    number with its unit stay whole for every stage (`农村园 9⏎所`). Site chrome
    is found before, on the lines as written."""
    wraps = printed_line_wraps(view)
    if not wraps:
        return view
    characters = list(view)
    for position in wraps:
        characters[position] = " "
    return "".join(characters)


# --- boilerplate ------------------------------------------------------------

_CHROME_LINE = re.compile(
    r"扫一扫|今天是|您所在的位置|当前位置|首页\s*>|政务公开\s*>|打印本页|关闭窗口|分享到|网站地图|版权所有|主办单位"
    r"|承办单位|ICP备|网安备|技术支持|联系我们|访问量|浏览次数|浏览量|点击数|点击量|阅读次数|字体[:：]|上一篇|下一篇|返回顶部|相关链接|【打印】|【关闭】"
)
_SPAM_WORDS = re.compile(r"国产|精品|亚洲|欧美|日韩|久久|在线观看|一区二区|无码|av|AV")
_PADDING = re.compile(r"^[?\s]*\?{5,}")
_PADDING_RUN = re.compile(r"\?{5,}")


_CLAUSE_MARK = re.compile(r"[。;!?,，；。]")
_PHRASE_END = re.compile(r"[。;!?,，；\s]")
_CHROME_LINE_CHARS = 80


def _boilerplate_spans(text: str, normalized: str) -> tuple[tuple[int, int], ...]:
    """Site chrome is marked line by line where a line is nothing else (short,
    no clause punctuation: a menu, a breadcrumb, a footer line); inside a line
    of prose, or a page crawled onto one line, only the phrase holding the
    chrome word (up to the next blank or punctuation mark either side), so that
    `为各校提供技术支持,投入经费1200万元` keeps its number."""
    spans: list[tuple[int, int]] = []
    position = 0
    tail_from: int | None = None
    for line in normalized.splitlines(keepends=True):
        stripped = line.strip()
        end = position + len(line)
        spam = len(_SPAM_WORDS.findall(stripped)) >= 3
        padding = _PADDING.match(stripped) is not None
        chrome = _CHROME_LINE.search(stripped) is not None
        if not (spam or padding or chrome):
            position = end
            continue
        if len(stripped) <= _CHROME_LINE_CHARS and (spam or padding or not _CLAUSE_MARK.search(stripped)):
            spans.append((position, end))
            if "扫一扫" in stripped and position > len(text) * 0.5:
                tail_from = position
            position = end
            continue
        markers = [
            *_CHROME_LINE.finditer(normalized, position, end),
            *_PADDING_RUN.finditer(normalized, position, end),
        ]
        if spam:
            markers += _SPAM_WORDS.finditer(normalized, position, end)
        for match in markers:
            start = match.start()
            while start > position and not _PHRASE_END.match(normalized, start - 1):
                start -= 1
            stop = _PHRASE_END.search(normalized, match.end(), end)
            spans.append((start, stop.start() if stop else end))
            if match.group() == "扫一扫" and start > len(text) * 0.5:
                tail_from = start if tail_from is None else min(tail_from, start)
        position = end
    if tail_from is not None:
        # Everything after the trailing 扫一扫 is site menu and footer.
        spans.append((tail_from, len(text)))
    return tuple(_merge(spans))


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


# --- entry points -----------------------------------------------------------


def document_id(path: Path) -> str:
    return path.stem


def document_ids(paths: list[Path]) -> dict[Path, str]:
    """A unique id for every input of a run: its stem, unless stems collide
    (`a/report.txt` and `b/report.txt`, or `report.txt` and `report.html`);
    then the path relative to the colliding files' common folder, with `__` for
    each `/` and the suffix kept when the rest is the same. The same inputs give
    the same ids in every run, so --resume finds them."""
    by_stem: dict[str, list[Path]] = {}
    for path in dict.fromkeys(paths):
        by_stem.setdefault(path.stem, []).append(path)
    ids: dict[Path, str] = {}
    for stem, group in by_stem.items():
        if len(group) == 1:
            ids[group[0]] = stem
            continue
        resolved = [path.resolve() for path in group]
        common = Path(os.path.commonpath([path.parent for path in resolved]))
        relative = ["__".join(path.relative_to(common).with_suffix("").parts) for path in resolved]
        for path, name in zip(group, relative, strict=True):
            clash = relative.count(name) > 1
            ids[path] = f"{name}_{path.suffix.lstrip('.').lower()}" if clash else name
    counts = Counter(ids.values())
    for number, (path, name) in enumerate(ids.items(), 1):
        if counts[name] > 1:  # `a__b.txt` beside `a/b.txt`: number them in input order
            ids[path] = f"{name}-{number}"
    return ids


def find_document(folder: Path, doc_id: str) -> Path:
    for suffix in SUPPORTED_SUFFIXES:
        candidate = folder / f"{doc_id}{suffix}"
        if candidate.is_file():
            return candidate
    raise InputError(f"no document {doc_id!r} ({'/'.join(SUPPORTED_SUFFIXES)}) in {folder}")


def load_document(
    path: Path,
    max_bytes: int = DEFAULT_MAX_BYTES,
    doc_id: str | None = None,
    max_pages: int = DEFAULT_MAX_PAGES,
) -> Document:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        readable = ", ".join(SUPPORTED_SUFFIXES)
        raise InputError(f"{path}: unsupported file type {suffix or '(none)'}; edufacts reads {readable}")
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise InputError(f"{path}: not a regular file")
        if size > max_bytes:
            raise InputError(
                f"{path}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit (set --max-bytes)"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror}") from None
    return load_bytes(data, path, doc_id, max_pages)


_MAGIC: tuple[tuple[bytes, DocumentFormat], ...] = (
    (b"%PDF-", "pdf"),
    (b"PK\x03\x04", "docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "doc"),
)


def sniff_binary(data: bytes) -> DocumentFormat | None:
    """The binary format a file is by its first bytes (pdf, docx: a zip, doc: an OLE
    container), or None for text; the suffix is not trusted (a PDF renamed .txt
    decodes as junk text)."""
    head = data[:1024]
    if head.startswith(b"%PDF-") or b"%PDF-" in head:  # a few bytes of junk may precede the header
        return "pdf"
    return next((name for magic, name in _MAGIC if head.startswith(magic)), None)


def _read_binary(data: bytes, path: Path, file_format: str, max_pages: int) -> ReadText:
    if file_format == "pdf":
        from .pdf import read_pdf

        return read_pdf(data, path, max_pages)
    if file_format == "docx":
        from .docx import read_docx

        return read_docx(data, path)
    from .doc import read_doc

    return read_doc(data, path)


def load_bytes(
    data: bytes, path: Path, doc_id: str | None = None, max_pages: int = DEFAULT_MAX_PAGES
) -> Document:
    suffix_format = SUPPORTED_SUFFIXES.get(path.suffix.lower(), "txt")
    if not data.strip():
        raise InputError(f"{path}: empty file")
    binary = sniff_binary(data)
    if binary is not None:
        return _binary_document(data, path, doc_id, binary, suffix_format, max_pages)
    if suffix_format in BINARY_FORMATS:
        raise InputError(f"{path}: named {path.suffix} but its content is not {suffix_format.upper()}")
    file_format = suffix_format
    text, encoding = _decode(data, path, file_format == "html")
    if file_format == "html":
        try:
            text = html_to_text(text)
        except AssertionError as error:  # the stdlib parser's way to reject markup
            raise InputError(f"{path}: malformed HTML ({str(error)[:60]!r})") from None
    if not text.strip():
        raise InputError(f"{path}: no text in the file")
    text, glosses = strip_glosses(text)
    notes = (f"{glosses} pinyin glosses removed (a mirror site's 字(zì) annotations)",) if glosses else ()
    replaced = tuple(_replacements(text)) if encoding == DAMAGED_UTF8 else ()
    return _document(data, path, doc_id, text, encoding, file_format, replaced=replaced, notes=notes)


_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
_GLOSS = re.compile(rf"(?<=[\u4e00-\u9fff])[(（](?=[a-zü]*[{_TONE_VOWELS}])[a-zü{_TONE_VOWELS}]{{1,7}}[)）]")


def strip_glosses(text: str) -> tuple[str, int]:
    """The text without pinyin glosses after characters (`发(fā)展`), and how many
    there were. Mirror sites gloss a page's characters; a gloss splits the words
    every stage reads (改扩(kuò)建, 学(xué)前), and no offset-keeping view can join
    them, so the text is read without them, as an HTML page is read without its
    markup (the document's notes say so). Only a tone-marked syllable right after
    a Han character is a gloss: `(市)`, `(a)`, `(2023)` stay."""
    return _GLOSS.subn("", text)


def _document(
    data: bytes,
    path: Path,
    doc_id: str | None,
    text: str,
    encoding: str,
    file_format: DocumentFormat,
    read: ReadText | None = None,
    replaced: tuple[int, ...] = (),
    notes: tuple[str, ...] = (),
) -> Document:
    """The Document of a decoded or read text: its normalized view and boilerplate
    (a reader's page chrome joined to the chrome found in the text)."""
    script = detect_script(text)
    normalized = normalize(text, script)
    if len(normalized) != len(text):  # pragma: no cover - guarded by construction
        raise AssertionError("normalized view must keep offsets")
    boilerplate = _boilerplate_spans(text, normalized)
    normalized = _unwrapped(normalized)
    if read is not None and read.boilerplate:
        boilerplate = tuple(_merge([*read.boilerplate, *boilerplate]))
    return Document(
        id=doc_id or document_id(path),
        path=str(path),
        text=text,
        normalized=normalized,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=encoding,
        format=file_format,
        script=script,
        boilerplate=boilerplate,
        replaced=replaced,
        pages=read.pages if read is not None else (),
        boxes=read.boxes if read is not None else (),
        notes=notes,
    )


def _binary_document(
    data: bytes, path: Path, doc_id: str | None, binary: DocumentFormat, suffix_format: str, max_pages: int
) -> Document:
    read = _read_binary(data, path, binary, max_pages)
    text = read.text
    if not text.strip():
        raise InputError(f"{path}: no text in the {binary.upper()} file")
    notes = read.notes
    if binary != suffix_format:  # handled by its content, and said so
        notes = (f"a {binary.upper()} file by its content, named {path.suffix or '(no suffix)'}", *notes)
    return _document(data, path, doc_id, text, binary, binary, read=read, notes=notes)
