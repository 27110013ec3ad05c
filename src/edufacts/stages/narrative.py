"""Stage 4b, rules for the report-level fields: `meta`, and the `problems` and
`measures` lists from their sections. Pure."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise

from ..models import Meta
from ..readers.load import Document
from .segment import Section

_PROBLEMS_HEADING = re.compile(r"问题|不足|短板|差距|困难|薄弱")
_MEASURES_HEADING = re.compile(r"下一步|改进措施|整改措施|工作打算|努力方向|今后|工作思路|工作计划|意见建议")
_ENUMERATED = re.compile(r"(?:[一二三四五六七八九十]是|其[一二三四五六七八九十])")
_MIN_ITEM_CHARS = 8


@dataclass(frozen=True)
class Item:
    start: int
    end: int


def _children(sections: list[Section], starts: list[int], parent: Section) -> list[Section]:
    """The sections one level down inside parent; `starts` are the sections'
    starts, in order, so only the sections inside parent are looked at."""
    first = bisect_right(starts, parent.start)
    last = bisect_left(starts, parent.end, lo=first)
    return [section for section in sections[first:last] if section.level == parent.level + 1]


def _paragraphs(text: str, start: int, end: int) -> list[Item]:
    items: list[Item] = []
    position = start
    for line in text[start:end].split("\n"):
        line_start = position
        position += len(line) + 1
        stripped = line.strip()
        if len(stripped) < _MIN_ITEM_CHARS:
            continue
        offset = line_start + line.index(stripped)
        markers = [match.start() for match in _ENUMERATED.finditer(stripped)]
        if len(markers) >= 2:
            bounds = [*markers, len(stripped)]
            if markers[0] > 0 and len(stripped[: markers[0]].strip()) >= _MIN_ITEM_CHARS:
                items.append(Item(offset, offset + markers[0]))
            items.extend(Item(offset + a, offset + b) for a, b in pairwise(bounds))
        else:
            items.append(Item(offset, offset + len(stripped)))
    return items


def _section_items(text: str, sections: list[Section], heading: re.Pattern[str]) -> list[Item]:
    items: list[Item] = []
    starts = [section.start for section in sections]
    for section in sections:
        if section.level == 0 or not heading.search(section.heading):
            continue
        if any(heading.search(title) for title in section.heading_path[:-1]):
            continue  # a nested heading that repeats the word; its parent is collected
        children = _children(sections, starts, section)
        if children:
            for child in children:
                body_start = child.start + len(child.heading)
                items.extend(_paragraphs(text, body_start, child.end) or [Item(child.start, child.end)])
        else:
            items.extend(_paragraphs(text, section.start + len(section.heading), section.end))
    return items


_PROBLEM_SENTENCE = re.compile(r"[^。\n]*(?:挑战和问题|问题和挑战|存在的?问题|不足之处|短板)[^。\n]*[。]?")
_NEXT_STEP = re.compile(r"下一步[,，]?我[们区县]")


def problems_and_measures(document: Document, sections: list[Section]) -> tuple[list[Item], list[Item]]:
    text = document.normalized
    problems = [
        item
        for item in _section_items(text, sections, _PROBLEMS_HEADING)
        if not document.in_boilerplate(item.start)
    ]
    measures = [
        item
        for item in _section_items(text, sections, _MEASURES_HEADING)
        if not document.in_boilerplate(item.start)
    ]
    if not measures:
        measures = _measures_after_next_step(text, sections)
    if not problems and measures:
        # The heading was lost: the problems sentence stands just before 下一步.
        before = text[max(0, measures[0].start - 600) : measures[0].start]
        for match in _PROBLEM_SENTENCE.finditer(before):
            offset = measures[0].start - len(before)
            problems.append(Item(offset + match.start(), offset + match.end()))
    return problems, measures


def _measures_after_next_step(text: str, sections: list[Section]) -> list[Item]:
    """A paragraph that opens with 下一步,我们... introduces the measures that follow."""
    matches = list(_NEXT_STEP.finditer(text))
    match = matches[-1] if matches else None
    if match is None or match.start() < len(text) * 0.5:
        return []
    following = [section for section in sections if section.start > match.start() and section.level > 0]
    if not following:
        return []
    top = min(section.level for section in following)
    return [Item(section.start, section.end) for section in following if section.level == top]


# --- meta -------------------------------------------------------------------

_MUNICIPALITIES = ("北京市", "天津市", "上海市", "重庆市")
_PROVINCES = (
    "河北省",
    "山西省",
    "辽宁省",
    "吉林省",
    "黑龙江省",
    "江苏省",
    "浙江省",
    "安徽省",
    "福建省",
    "江西省",
    "山东省",
    "河南省",
    "湖北省",
    "湖南省",
    "广东省",
    "海南省",
    "四川省",
    "贵州省",
    "云南省",
    "陕西省",
    "甘肃省",
    "青海省",
    "台湾省",
    "内蒙古自治区",
    "广西壮族自治区",
    "西藏自治区",
    "宁夏回族自治区",
    "新疆维吾尔自治区",
)
_PROVINCE = re.compile("|".join((*_MUNICIPALITIES, *_PROVINCES)))
_TITLE_WORDS = re.compile(r"报告|规划|方案|总结|自评|自查|通知|意见")
_DISTRICT = re.compile(
    r"(?:(?<=关于)|(?<=[省市])|(?<=^)|(?<=\n))([\u4e00-\u9fff]{2,3}?(?:区|县|旗))"
    r"(?=[0-9二〇一]{4}|人民政府|教育|关于|履行|政府|“|20)"
)
_ISSUER = re.compile(r"((?:[\u4e00-\u9fff]{2,3}?[省市])?[\u4e00-\u9fff]{2,4}?[区县市]人民政府)(?!教育督导)")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{2,8}[发办函字]〔(?:19|20)\d{2}〕\d{1,4}号")
_LABELLED_DATE = re.compile(
    r"(发布日期|日期|生成日期|成文日期|更新时间|发布时间)[^\d]{0,12}?((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})"
)
_SIGNATURE_DATE = re.compile(r"^\s*((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日\s*$", re.MULTILINE)
_YEAR = re.compile(r"((?:19|20)\d{2})(?=年|[-—~至])")
_DATE_PRIORITY = ("发布日期", "发布时间", "日期", "生成日期", "更新时间", "成文日期")
_NOTICE_TITLE = re.compile(r"印发(.+)的通知")


def _title_span(document: Document) -> tuple[int, int] | None:
    text = document.normalized
    position = 0
    candidates: list[tuple[int, int]] = []
    for index, line in enumerate(text.split("\n")):
        start = position
        position += len(line) + 1
        if index > 80 or len(candidates) >= 3:
            break
        stripped = line.strip(" \t\xa0?")
        if not (8 <= len(stripped) <= 80) or document.in_boilerplate(start) or "。" in stripped:
            continue
        if _TITLE_WORDS.search(stripped) and not stripped.startswith(("按照", "根据", "现将", "各")):
            offset = start + line.index(stripped)
            candidates.append((offset, offset + len(stripped)))
    if not candidates:
        return None
    first = candidates[0]
    notice = _NOTICE_TITLE.search(text, first[0], first[1])
    if notice:
        # 关于印发X的通知: the report is X.
        return notice.start(1), notice.end(1)
    return first


def _iso(year: str, month: str, day: str) -> str | None:
    if 1 <= int(month) <= 12 and 1 <= int(day) <= 31:
        return f"{int(year):04d}-{int(month):02d}-{int(day):02d}"
    return None


def _published(text: str) -> str | None:
    found: dict[str, str] = {}
    for match in _LABELLED_DATE.finditer(text):
        iso = _iso(match.group(2), match.group(3), match.group(4))
        if iso:
            found.setdefault(match.group(1), iso)
    for label in _DATE_PRIORITY:
        if label in found:
            return found[label]
    signature = list(_SIGNATURE_DATE.finditer(text))
    if signature:
        match = signature[-1]
        return _iso(match.group(1), match.group(2), match.group(3))
    return _run_together_signature(text)


def _run_together_signature(text: str) -> str | None:
    """A trailing signature date whose separators were lost: 2024829 -> 2024-08-29."""
    match = re.search(r"\n\s*((?:19|20)\d{2})(\d{1,2})(\d{1,2})\s*$", text[-200:])
    if not match:
        return None
    digits = match.group(2) + match.group(3)
    for cut in (1, 2):
        month, day = digits[:cut], digits[cut:]
        if month and day and 1 <= int(month) <= 12 and 1 <= int(day) <= 31 and len(day) <= 2:
            return _iso(match.group(1), month, day)
    return None


def _most_common(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    matches = list(pattern.finditer(text))
    if not matches:
        return None
    counts = Counter(match.group() for match in matches)
    best = counts.most_common(1)[0][0]
    return next(match for match in matches if match.group() == best)


def extract_meta(document: Document, sections: list[Section]) -> Meta:
    text, original = document.normalized, document.text
    title_span = _title_span(document)
    title_start, title_end = title_span if title_span else (0, 0)
    head_end = min(len(text), 3000)

    def original_of(match: re.Match[str] | None, group: int = 0) -> str | None:
        return original[match.start(group) : match.end(group)] if match else None

    province_match = _PROVINCE.search(text, title_start, title_end) or _most_common(_PROVINCE, text)
    province = original_of(province_match)
    municipality = province_match is not None and province_match.group() in _MUNICIPALITIES
    district_match = _DISTRICT.search(text, title_start, title_end) or _DISTRICT.search(text, 0, head_end)
    district = original_of(district_match, 1)
    city = None
    if district_match and not municipality:
        city_pattern = re.compile(r"([\u4e00-\u9fff]{2,3}?市)" + re.escape(district_match.group(1)))
        city = original_of(city_pattern.search(text), 1)
    issuer_match = (
        _ISSUER.search(text, title_start, title_end)
        or _ISSUER.search(text, max(0, len(text) - 400))
        or _ISSUER.search(text, 0, head_end)
    )
    issuer = original_of(issuer_match, 1)
    title_norm = text[title_start:title_end]
    doc_type = None
    if title_norm:
        if "规划" in title_norm:
            doc_type = "plan"
        elif re.search(r"自评|自查", title_norm):
            doc_type = "self_evaluation"
        elif "督导" in title_norm and "报告" in title_norm:
            doc_type = "supervision_report"
        else:
            doc_type = "other"
    year_match = _YEAR.search(title_norm) or _most_common(re.compile(r"(?:19|20)\d{2}(?=年)"), text)
    report_year = (
        int(year_match.group(1) if year_match and year_match.groups() else year_match.group())
        if year_match
        else None
    )
    doc_number_match = _DOC_NUMBER.search(text, 0, head_end)
    doc_number = original_of(doc_number_match) if _issued_by_this(text, doc_number_match) else None
    return Meta(
        title=original[title_start:title_end] if title_span else None,
        province=province,
        city=city,
        district=district,
        issuer=issuer,
        doc_type=doc_type,  # type: ignore[arg-type]
        report_year=report_year,
        published=_published(text),
        doc_number=doc_number,
    )


def _issued_by_this(text: str, match: re.Match[str] | None) -> bool:
    """A number cited in the body (按照《...》(X〔2024〕12号)) belongs to another document."""
    if match is None:
        return False
    before = text[max(0, match.start() - 60) : match.start()]
    return not re.search(r"按照|根据|依据|《[^》]*$|》\s*\($", before)
