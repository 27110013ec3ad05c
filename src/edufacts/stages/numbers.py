"""Stage 3, numbers: every numeric mention with its span, exact Decimal value,
canonical unit, approx flag and kind (quantity, or the context kinds that are
never facts: year, date, doc_number, ordinal, section, phone, code, name,
run_together, period, framework, age_group). Pure: runs on the normalized view,
whose offsets are the input's."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from decimal import Context, Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

import cn2an

CN_DIGITS = "零〇一二两三四五六七八九十百千万亿"
_INTEGER = r"(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)"
_NUMBER = rf"{_INTEGER}(?:\.\d+)?"
_CN_NUMBER = rf"[{CN_DIGITS}]+(?:点[{CN_DIGITS}]+)?"
# Longest first: alternation takes the first that matches.
UNITS = (
    "个百分点",
    "万平方米",
    "平方公里",
    "平方米",
    "平米",
    "人次",
    "节次",
    "场次",
    "学时",
    "课时",
    "小时",
    "公里",
    "个月",
    "GB",
    "元",
    "人",
    "名",
    "位",
    "所",
    # 40个班: classes counted with the measure word; the span keeps 班, the unit is 班.
    "个班",
    "个",
    "次",
    "项",
    "亩",
    "间",
    "套",
    "台",
    "件",
    "册",
    "分",
    "倍",
    "节",
    "班",
    "门",
    "批",
    "家",
    "天",
    "岁",
    "年",
    "米",
    "届",
    "篇",
    "本",
    "辆",
    "户",
    "条",
    "处",
    "块",
    "张",
    "份",
    "期",
    "轮",
    "支",
    "座",
    "栋",
    "场",
    "㎡",
    "%",
    "‰",
    "成",
    "起",
)
_UNIT_NOT_BEFORE = {"个班": "级"}
"""1个班级: the noun 班级 counted by 个 (the unit is 个), not classes counted as 个班"""
_UNIT = "|".join(
    re.escape(unit) + (f"(?!{_UNIT_NOT_BEFORE[unit]})" if unit in _UNIT_NOT_BEFORE else "") for unit in UNITS
)
_SCALES = {
    "千": Decimal(1_000),  # 4千余人次, as a page writes a round count
    "万": Decimal(10_000),
    "亿": Decimal(100_000_000),
    "千万": Decimal(10_000_000),
    "百万": Decimal(1_000_000),
    "十亿": Decimal(1_000_000_000),
    "百亿": Decimal(10_000_000_000),
    "千亿": Decimal(100_000_000_000),
    "万亿": Decimal(1_000_000_000_000),
}
# Longest first, as for the units (万亿 before 万).
_SCALE = "|".join(sorted(_SCALES, key=len, reverse=True))
_GROUP_SPACES = " \xa0\u2009\u202f"
# 1 122个, 2 083所: thousands grouped by a (thin, no-break) space, as print
# layouts write them. Only with a scale or unit right after, so that two table
# cells (`123 456`) never run together.
_GROUPED_DIGITS = rf"\d{{1,3}}(?:[{_GROUP_SPACES}]\d{{3}})+"
_SPACE_GROUPED = rf"{_GROUPED_DIGITS}(?=(?:\.\d+)?(?:余|多)?(?:{_SCALE}|{_UNIT}))"
_GROUPED_CELL = re.compile(_GROUPED_DIGITS)
_APPROX_PREFIX = r"将近|接近|大约|超过|约|近|逾|>|≥|<|≤"
_MENTION = re.compile(
    rf"""
    # A cheap first-character test: without it the engine tries every branch
    # at every position of the text (4x slower on the corpus).
    (?=[约近超逾将接大>≥<≤百0-9{CN_DIGITS}\-−])
    # A minus only on a number standing alone, as in a table's change column
    # (-0.05, also as a blank-separated cell of a table crawled onto one line);
    # 3-5 stays a range and a dash inside a sentence is no sign.
    # After a word that states a value (增长-0.3%, 下降−5%, 变化为-2) a minus
    # before a digit is a sign too; after a digit or a unit (3-5, 2021年-2025年) it
    # is a range.
    (?P<sign>(?<!\S)[-−](?=\d+(?:\.\d+)?%?(?:\s|$))|(?<=[长降幅化为是达:(,])[-−](?=\d))?
    (?P<prefix>{_APPROX_PREFIX})?
    (?:
        百分之(?P<cn_percent>{_CN_NUMBER}|{_NUMBER})
      | (?P<fraction_den>[{CN_DIGITS}]+)分之(?P<fraction_num>[{CN_DIGITS}]+)
        # 近1/4, 占1/3: a share written as a fraction, only after a word that
        # states a share (a bare 1/4 may be a date).
      | (?<=[占近约达逾超过为])(?P<slash_num>[1-9])/(?P<slash_den>[2-9]|1[0-9])(?![\d/.])
      | (?P<num>(?:{_SPACE_GROUPED}|{_INTEGER})(?:\.\d+)?)
      | (?P<cn>{_CN_NUMBER})(?=余|多|{_SCALE}|{_UNIT})
    )
    (?P<more>余|多)?
    # (a blank or two before the scale or unit: 175.33  亿元 in a page laid out by spaces)
    (?:[ \xa0]{{0,2}}(?P<scale>{_SCALE}))?
    (?P<more2>余|多)?
    (?:[ \xa0]{{0,2}}(?P<unit>{_UNIT}))?
    # 生均12000元/年: the period or head an amount is counted per stays in the span.
    (?:/(?P<per>年|人|生|天|月|学期|学年))?
    (?P<suffix>以上|左右)?
    """,
    re.VERBOSE,
)
_PERSON_NOUNS = re.compile(
    r"(?:名|位)?(?:农村|城乡|城镇|在校|贫困|困难)?(?:学生|幼儿|儿童|教师|师生|教职工|家长|校长|学子|适龄|少年|新生|人)"
)
# Measure words after which a Chinese numeral is a quantity (一是, 十四五, 三位一体 are not).
_CN_QUANTITY_UNITS = set("所个名人项次批家倍间套台册节班门届篇本辆户条处块张份期轮支座栋场元成") | {
    "人次",
    "场次",
    "节次",
    "平方米",
    "平米",
    "万平方米",
    "个百分点",
    "%",
    "年",
    "天",
    "小时",
    "岁",
    "亩",
    "分",
}
_CN_IDIOMS_WITH_ONE = set("个批项次种类条支名位")
_COLLEGE_TIER_AFTER = re.compile(r"上线|线|院校|批次|录取|高校|及以上|以上")
_WORDS_ENDING_IN_ONE = set("唯统逐同单划均新上下这")
# Political and education set phrases: numbered slogans, not counts.
_SET_PHRASE = re.compile(
    r"(?:四个(?:意识|自信|全面|服务|回归)|两个(?:维护|确立|一百年|只增不减|务必)|三个(?:代表|务必)"
    r"|八项规定|十项准则|五项管理|三全育人|五育并举|两个中心|五个一)"
)
# 8个方面评价重点, 56项评价要点, 2个一级指标, 18个B级指标, 13项核心指标: how an
# evaluation or a plan is organised, not something it measures.
_FRAMEWORK_AFTER = re.compile(
    r"(?:方面|评价要点|评价重点|评估要点|[一二三A-C]级指标|(?:核心|主要)?指标|维度|板块)"
)
# 16个市中,淮北市增长最快: the places a ranking is over, not something measured.
_COMPARISON_GROUP_AFTER = re.compile(r"(?:市|县|区|盟市|地市|州)(?:\([^()]{1,8}\))?中[,,]")
# 45岁以下的专任教师, 3-5岁幼儿, 65岁及以上老年人: an age that names a group
# (the group's count or share is the fact); 人均预期寿命76.7岁。 is a measured age.
_AGE_GROUP_AFTER = re.compile(r"(?:及?以[下上])?的?[\u4e00-\u9fff]")
_YEAR_RANGE_CONNECTOR = re.compile(r"\s*[-~～—–至到]\s*")
_DATE = re.compile(
    r"(?=\d)(?:(?:19|20)\d{2}(?:年\d{1,2}月(?:\d{1,2}日)?|([-/.])\d{1,2}\1\d{1,2}(?!\d))|(?<!\d)\d{1,2}月(?:\d{1,2}日)?)"
)
_TIME = re.compile(r"(?=\d)\d{1,2}:\d{2}(?::\d{2})?")
_PHONE = re.compile(r"(?=[01])(?<!\d)(?:0\d{2,3}-?\d{7,8}|1[3-9]\d{9})(?!\d)")
_SECTION_AT_LINE_START = re.compile(r"(?m)^[ \t\u3000]*(?:\(?(\d{1,2})\)|(\d{1,2})(?:[.、](?!\d)))")
_ITEM_BEFORE_YEAR = re.compile(r"(?m)(?<=^)[ \t\u3000]*\d{1,2}\.(?=(?:19|20)\d{2}年)")
_CODE_CHAR_BEFORE = re.compile(r"[A-Za-z/\-_]")
_CODE_CHAR_AFTER = re.compile(r"[A-Za-z/\-_号]")
_CLOSING_BRACKET = re.compile(r"[〕\]】]")
_LATIN_LETTER = re.compile(r"[A-Za-z]")
_FOUR_DIGITS = re.compile(r"\d{4}")
_MAX_SIGNIFICANT_DIGITS = 15
_NO_GROUP_SPACES = str.maketrans("", "", _GROUP_SPACES)
_LONG_NUMERAL_RUN = re.compile(rf"[{CN_DIGITS}]{{33,}}")
_NUMERAL_MASK = "\x00"
_YEARS_IN_NAME = re.compile(
    r"义务|免费教育|一贯|制|毛入|巩固率|[^,。;、\n]{0,4}?(?:行动|计划|规划|方案)|建设任务|目标任务"
)
_SESSION_AFTER = re.compile(rf"(?:[{CN_DIGITS}\d]+次)?(?:、[{CN_DIGITS}\d]+次)*(?:会议|全会|全体会议)")
_YEARS_NAMED_BEFORE = re.compile(r"(?:19|20)\d{2}年?[、和至-](?:19|20)\d{2}年?$")
_CONGRESS_AFTER = re.compile(
    r"[一二三四五六七八九]中|(?:历次)?全会|中央|全国人大|人大|人民代表大会|人民政府|政府|政协|党委|纪委"
)
# 自评报告-17篇, (精选3篇): a mirror site's count of the essays on its page.
_ESSAYS_BEFORE = re.compile(r"(?:报告|范文|精选|合集|汇编)[-—\s]*$")
_SLOGAN_COUNT_BEFORE = re.compile(rf"[{CN_DIGITS}\d]个$")
"""the 三个 of 三个100%: the slogan's count"""
# 一期工程, 二期提质扩容: a project's phase, not a count.
_PHASE_AFTER = re.compile(r"[^,。;、\d]{0,4}?(?:工程|项目|扩容|扩建|改造)")
_TIME_FRAME_AFTER = re.compile(r"来|以来|内|间|的")
_TIME_FRAME_BEFORE = ("这", "过去", "最近", "未来", "今后", "开局")
_A_YEAR_BEFORE = ("的", "重要", "关键")
# A change stated by its verb (下降0.3%, 增加1200人), not a level reached (下降到, 提高至).
_CHANGE_BEFORE = re.compile(
    r"(?:(?P<down>下降|减少|降低|回落|下滑|缩小|减)|(?:增长|增加|提高|提升|上升|增幅|扩大|增))(?:了|为|达)?$"
)
# 居全省第3名, 全市前10名 are ranks; 全区327名适龄儿童 is a count.
_RANK_CUE = re.compile(r"(?:(?:排名|排|居|位列|位居|列)[^\d,。;]{0,3}|(?:全省|全市|全国|全区)前)$")


MentionKind = Literal[
    "quantity",
    "year",
    "date",
    "doc_number",
    "ordinal",
    "section",
    "phone",
    "code",
    "name",
    "vague",
    "run_together",
    "period",
    "framework",
    "age_group",
]


@dataclass(frozen=True, kw_only=True)
class Mention:
    start: int
    end: int
    raw: str
    value: Decimal | None
    unit: str
    approx: bool
    kind: MentionKind
    """a quantity, or a context kind that is never a fact"""
    written_unit: str = ""
    scale: str = ""
    flags: tuple[str, ...] = ()

    @property
    def is_quantity(self) -> bool:
        return self.kind == "quantity"


@lru_cache(maxsize=4096)  # cn2an is slow, and the same few numerals recur
def parse_chinese_numeral(text: str) -> Decimal:
    """Chinese numeral on an isolated span -> Decimal (十四 -> 14, 二〇三五 -> 2035)."""
    if all(char in "零〇一二三四五六七八九" for char in text) and len(text) > 1:
        return Decimal("".join(str("零一二三四五六七八九".find(c) if c != "〇" else 0) for c in text))
    text = text.replace("两", "二")
    if text[0] in "百千万亿":
        text = "一" + text  # 千次 means 一千次; cn2an wants the leading digit
    return Decimal(str(cn2an.cn2an(text, "strict")))


def _digits(text: str) -> str:
    """An Arabic number token without its group separators (1,234 and 1 234)."""
    return text.replace(",", "").translate(_NO_GROUP_SPACES)


def _decimal(text: str) -> Decimal:
    return Decimal(_digits(text))


def _token_value(token: str) -> Decimal:
    """An Arabic (1,234.5) or Chinese (九十五点五) number token as written."""
    if token[0].isdigit():
        return _decimal(token)
    whole, point, fraction = token.partition("点")
    value = parse_chinese_numeral(whole)
    if point:
        # The digits after 点 are read one by one (点零五 is .05), never as a numeral.
        places = "".join(str("零一二三四五六七八九".find(char)) for char in fraction.replace("〇", "零"))
        if not places or "-" in places:
            raise ValueError(f"not a decimal fraction: {fraction}")
        value += Decimal("0." + places)
    return value


def canonical_unit(written_unit: str, scale: str, value: Decimal) -> tuple[Decimal, str]:
    """Apply scale and map the written unit to the catalog's canonical unit."""
    factor = _SCALES.get(scale, Decimal(1))
    if written_unit == "元":
        if scale:
            return value * factor / Decimal(10_000), "万元"
        return value, "元"
    if written_unit in {"人", "名", "位"}:
        return value * factor, "人"
    if written_unit in {"平方米", "平米", "㎡"}:
        return value * factor, "㎡"
    if written_unit == "万平方米":
        return value * factor * Decimal(10_000), "㎡"
    if written_unit == "个班":
        return value * factor, "班"
    if written_unit == "成":  # 近3成: tenths, as a percent
        return value * factor * 10, "%"
    return value * factor, written_unit


def _normalize_decimal(value: Decimal) -> Decimal:
    normalized = value.normalize()
    # normalize() writes 100 as 1E+2; keep integers as plain integers.
    if normalized == normalized.to_integral_value():
        try:
            return normalized.quantize(Decimal(1))
        except InvalidOperation:
            return _normalize_wide(value)
    return normalized


def _normalize_wide(value: Decimal) -> Decimal:
    """Past the default context's 28 digits normalize() rounds and quantize()
    raises: redo both in a context wide enough for every digit."""
    _sign, digits, exponent = value.as_tuple()
    places = len(digits) + max(0, exponent if isinstance(exponent, int) else 0)
    context = Context(prec=places + 1)
    normalized = value.normalize(context)
    if normalized == normalized.to_integral_value():
        return normalized.quantize(Decimal(1), context=context)
    return normalized


def _inside_short_quote(text: str, start: int, end: int) -> bool:
    """A number inside “...”, "..." or 《...》 of a few characters is part of a name or slogan."""
    for opener, closer, limit in (("“", "”", 14), ("《", "》", 40), ('"', '"', 14)):
        left = text.rfind(opener, max(0, start - limit), start)
        if left < 0:
            continue
        right = text.find(closer, end, end + limit)
        if right >= 0 and closer not in text[left + 1 : start] and "\n" not in text[left:right]:
            return True
    return False


def _section_number_starts(text: str) -> set[int]:
    starts: set[int] = set()
    for match in _SECTION_AT_LINE_START.finditer(text):
        group = 1 if match.group(1) else 2
        starts.add(match.start(group))
    return starts


def _spans(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


class _SpanIndex:
    """Sorted, non-overlapping spans of one pattern; `covers` is a bisect, not a scan."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        self.spans = sorted(spans)
        self.starts = [start for start, _ in self.spans]

    def covers(self, start: int, end: int) -> bool:
        index = bisect_right(self.starts, start) - 1
        # Two patterns' spans may overlap, so look one span further back too.
        return any(
            self.spans[i][0] <= start and end <= self.spans[i][1] for i in (index, index - 1) if i >= 0
        )


def find_mentions(text: str) -> list[Mention]:
    """All numeric mentions of `text` (the normalized view) in order."""
    long_runs = _spans(_LONG_NUMERAL_RUN, text)
    view = _mask(text, long_runs) if long_runs else text
    # `2.2019年,积极推进…`: an item's number glued to the year opening it (no blank
    # between, as a crawled list writes it) is hidden, so the year is read alone
    list_numbers = _spans(_ITEM_BEFORE_YEAR, view)
    view = _mask(view, list_numbers) if list_numbers else view
    date_spans = _SpanIndex(_spans(_DATE, view) + _spans(_TIME, view))
    phone_spans = _SpanIndex(_spans(_PHONE, view))
    section_starts = _section_number_starts(view)
    mentions: list[Mention] = []
    for match in _MENTION.finditer(view):
        mention = _classify(view, match, date_spans, phone_spans, section_starts)
        if mention is not None:
            mentions.append(mention)
    mentions = _link_ranges(view, mentions)
    mentions = _with_ratios_and_doublings(view, mentions)
    mentions = _decimal_chains(view, _glued_cells(view, mentions))
    if long_runs:
        runs = [
            Mention(
                start=start,
                end=end,
                raw=text[start:end],
                value=None,
                unit="",
                approx=False,
                kind="run_together",
                flags=("run_together",),
            )
            for start, end in long_runs
        ]
        mentions = sorted([*mentions, *runs], key=lambda mention: mention.start)
    return mentions


_MEGABITS = re.compile(r"(\d+(?:\.\d+)?)\s?(?:M|兆)(?:以上)?")
_RATIO_MENTION = re.compile(r"(?<![\d.:∶])([≤≥<>]?)(\d+(?:\.\d+)?)[ ]?[:∶][ ]?(\d+(?:\.\d+)?)(?![\d.:∶])")
_RATIO_CUE = re.compile(r"比")
_DOUBLING = re.compile(r"翻(?P<times>[一两二三四五六七八九十]|\d{1,2})番")


def _with_ratios_and_doublings(text: str, mentions: list[Mention]) -> list[Mention]:
    """师生比1:15 (a ratio after a word with 比, or a ≤1:15 threshold) is one
    mention in unit 比, valued as its term that is not 1, instead of two numbers
    (or a time of day); 翻一番 is a multiple (2 倍), 翻两番 4 倍."""
    found: list[Mention] = []
    for match in _RATIO_MENTION.finditer(text):
        cue = _RATIO_CUE.search(text, max(0, match.start() - 8), match.start())
        if cue is None and not match.group(1):
            continue
        raw = text[match.start() : match.end()]
        value = ratio_value(raw)
        approx = bool(match.group(1))
        found.append(
            Mention(
                start=match.start(),
                end=match.end(),
                raw=raw,
                value=value,
                unit="比",
                approx=approx,
                kind="quantity",
                written_unit=":",
                scale="",
                flags=("ratio",),
            )
        )
    for match in _DOUBLING.finditer(text):
        times = match.group("times")
        count = int(times) if times.isdigit() else int(parse_chinese_numeral(times))
        if count <= 10:
            value = Decimal(2) ** count
            doubling = Mention(
                start=match.start(),
                end=match.end(),
                raw=match.group(),
                value=value,
                unit="倍",
                approx=False,
                kind="quantity",
                written_unit="番",
            )
            found.append(doubling)
    if not found:
        return mentions
    kept = [m for m in mentions if not any(f.start < m.end and m.start < f.end for f in found)]
    return sorted([*kept, *found], key=lambda mention: mention.start)


_GLUED_UNIT = re.compile(r"(?:^|(?<=\s))(万元|亿元|平方米|人次|%|人|名|所|个|元|㎡)$")
_GLUED_RUN_DIGITS = 5


def _run_together(mention: Mention) -> Mention:
    """The mention kept as run_together: its numbers cannot be split for certain."""
    return replace(mention, value=None, kind="run_together", flags=("run_together",))


_DECIMAL_CHAIN = re.compile(r"\d\.\d+\.\d")
_CHAIN_CHARS = frozenset("0123456789.")


def _decimal_chains(text: str, mentions: list[Mention]) -> list[Mention]:
    """`差异系数0.6770.6740.618`: decimals written with nothing between them cannot
    be split for certain (0.677|0.674 or 0.6770|.674): every number of the chain
    is run_together, never a value."""
    result = list(mentions)
    for index, mention in enumerate(result):
        if not mention.is_quantity or mention.value is None:
            continue
        start, end = mention.start, mention.end
        while start > 0 and text[start - 1] in _CHAIN_CHARS:
            start -= 1
        while end < len(text) and text[end] in _CHAIN_CHARS:
            end += 1
        if _DECIMAL_CHAIN.search(text, start, end):
            result[index] = _run_together(mention)
    return result


def _glued_cells(text: str, mentions: list[Mention]) -> list[Mention]:
    """A flattened table whose unit column ran into the values (`%95≥97`: unit %,
    base 95, target ≥97; `人12001500`): where a comparison sign separates the
    values they take the unit written before them, flagged glued_cell for review;
    a bare run of digits after the unit cannot be split for certain and is
    run_together, never a value."""
    result = list(mentions)
    for index, mention in enumerate(result):
        if not mention.is_quantity or mention.unit or mention.value is None:
            continue
        glued = _GLUED_UNIT.search(text, max(0, mention.start - 3), mention.start)
        if glued is None:
            continue
        digits = mention.raw.lstrip("≥≤><约近")
        following = result[index + 1] if index + 1 < len(result) else None
        separated = following is not None and following.start == mention.end and following.raw[:1] in "≥≤><"
        if not separated and "." not in digits and len(digits) >= _GLUED_RUN_DIGITS:
            result[index] = _run_together(mention)
            continue
        unit = glued.group(1)
        value, canonical = canonical_unit(unit, "", mention.value)
        result[index] = replace(
            mention, value=value, unit=canonical, written_unit=unit, flags=("glued_cell",)
        )
        if separated and following is not None and following.value is not None and not following.unit:
            value, canonical = canonical_unit(unit, "", following.value)
            flags = ("glued_cell",)
            result[index + 1] = replace(
                following, value=value, unit=canonical, written_unit=unit, flags=flags
            )
    return result


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """The mention pattern backtracks through a Chinese numeral run from each of
    its characters (quadratic): runs far longer than any numeral are hidden from
    it, keeping every offset, and listed as run-together."""
    parts: list[str] = []
    position = 0
    for start, end in spans:
        parts += [text[position:start], _NUMERAL_MASK * (end - start)]
        position = end
    return "".join([*parts, text[position:]])


def _classify(
    text: str,
    match: re.Match[str],
    date_spans: _SpanIndex,
    phone_spans: _SpanIndex,
    section_starts: set[int],
) -> Mention | None:
    groups = match.groupdict()
    start, end = match.span()
    prefix = groups["prefix"] or ""
    sign = groups["sign"] or ""
    number_start = start + len(sign) + len(prefix)
    scale = groups["scale"] or ""
    written_unit = groups["unit"] or ""
    approx = bool(prefix or groups["more"] or groups["more2"] or groups["suffix"])
    flags: list[str] = []
    cn = groups["cn"]
    if cn is not None:
        # A bare Chinese numeral run is a quantity only with a measure word after it.
        if not written_unit and not scale:
            return None
        if written_unit not in _CN_QUANTITY_UNITS and not scale:
            return None
        if cn in {"一", "两"} and written_unit in _CN_IDIOMS_WITH_ONE and not scale:
            return None  # 一个, 一批, 一项: the article "a", not a count
        lone_scale = (
            len(cn) == 1 and written_unit != "年" and not (prefix or groups["more"] or groups["more2"])
        )
        if not cn.strip("百千万亿") and (text[start - 1 : start] in {"每", "(", "毎"} or lone_scale):
            # 每千人口, 每万名学生, 在校学生数(万人), 万人一本上线率: a base or a unit, not a count
            return None
        if written_unit == "本" and _COLLEGE_TIER_AFTER.match(text, end):
            return None  # 一本上线率, 二本院校: the tiers of the college entrance exam
        if cn + written_unit == "十分" or (cn + written_unit == "一成" and text[end : end + 1] == "不"):
            return None  # the adverb (十分突出), the idiom 一成不变
        if text[start - 1 : start] in {"数", "几", "上"} and cn[0] in "十百千万":
            # 数十名, 几百所, 上千人: no number is written, only its order of magnitude
            vague = text[start - 1 : end]
            return Mention(
                start=start - 1,
                end=end,
                raw=vague,
                value=None,
                unit="",
                approx=True,
                kind="vague",
                written_unit=written_unit,
                scale=scale,
            )
        if (
            cn == "一"
            and not scale
            and (text[start - 1 : start] in _WORDS_ENDING_IN_ONE or text[end : end + 1] == "一")
        ):
            return None  # 唯一, 统一, 新一轮, 同上一节; 一人一档, 一校一策
    raw = text[start:end]
    try:
        if groups["cn_percent"] is not None:
            value = _token_value(groups["cn_percent"])
            if _too_many_digits(value):
                return Mention(
                    start=start,
                    end=end,
                    raw=raw,
                    value=None,
                    unit="",
                    approx=approx,
                    kind="run_together",
                    written_unit="%",
                    scale="",
                    flags=("run_together",),
                )
            return Mention(
                start=start,
                end=end,
                raw=raw,
                value=_normalize_decimal(value),
                unit="%",
                approx=approx,
                kind="quantity",
                written_unit="%",
                scale="",
            )
        if groups["fraction_den"] is not None or groups["slash_den"] is not None:
            denominator, numerator = _fraction_terms(groups)
            if numerator >= denominator:
                return Mention(
                    start=start, end=end, raw=raw, value=None, unit="", approx=approx, kind="code"
                )  # 3/2 is no share: unclaimed
            share = numerator / denominator * 100
            rounded = share.quantize(Decimal("0.01"))
            return Mention(
                start=start,
                end=end,
                raw=raw,
                value=_normalize_decimal(rounded),
                unit="%",
                approx=approx or rounded != share,
                kind="quantity",
                written_unit="分之" if groups["fraction_den"] is not None else "/",
                scale="",
                flags=("fraction",),
            )
        if cn is not None:
            value = _token_value(cn)
            if _too_many_digits(value):
                return Mention(
                    start=start,
                    end=end,
                    raw=raw,
                    value=None,
                    unit="",
                    approx=approx,
                    kind="run_together",
                    written_unit=written_unit,
                    scale=scale,
                    flags=("run_together",),
                )
        else:
            number = groups["num"]
            integer_digits = len(_digits(number.split(".")[0]))
            if phone_spans.covers(number_start, match.end("num")):
                return Mention(
                    start=start, end=end, raw=raw, value=None, unit="", approx=approx, kind="phone"
                )
            if integer_digits >= 10 or len(_digits(number).replace(".", "")) > 15:
                kind: MentionKind = (
                    "code" if _next_to_code(text, number_start, match.end("num")) else "run_together"
                )
                return Mention(
                    start=start,
                    end=end,
                    raw=raw,
                    value=None,
                    unit="",
                    approx=approx,
                    kind=kind,
                    written_unit=written_unit,
                    scale=scale,
                    flags=("run_together",) if kind == "run_together" else (),
                )
            value = -_decimal(number) if sign else _decimal(number)
    except (InvalidOperation, ValueError, ZeroDivisionError):
        return Mention(start=start, end=end, raw=raw, value=None, unit="", approx=approx, kind="code")

    context_kind = _context_kind(
        text,
        match,
        number_start,
        value,
        written_unit,
        scale,
        cn is not None,
        date_spans,
        phone_spans,
        section_starts,
    )
    if context_kind != "quantity":
        return Mention(
            start=start,
            end=end,
            raw=raw,
            value=_normalize_decimal(value),
            unit="",
            approx=approx,
            kind=context_kind,
            written_unit=written_unit,
            scale=scale,
        )
    if groups["suffix"] == "以上" and not written_unit and not scale:
        flags.append("bare_with_suffix")
    direction = _CHANGE_BEFORE.search(text, max(0, start - 6), start)
    if direction is not None:
        flags.append("decrease" if direction.group("down") else "increase")
    canonical_value, unit = canonical_unit(written_unit, scale, value)
    if not written_unit and _PERSON_NOUNS.match(text, end):
        canonical_value, unit = canonical_unit("人", scale, value)
        flags.append("unit_from_noun")
    return Mention(
        start=start,
        end=end,
        raw=raw,
        value=_normalize_decimal(canonical_value),
        unit=unit,
        approx=approx,
        kind="quantity",
        written_unit=written_unit,
        scale=scale,
        flags=tuple(flags),
    )


def _too_many_digits(value: Decimal) -> bool:
    """A Chinese numeral of more significant digits than any real figure (and
    than Decimal arithmetic keeps exactly) is a digit run, never a value."""
    return len("".join(map(str, value.as_tuple().digits)).strip("0")) > _MAX_SIGNIFICANT_DIGITS


def _next_to_code(text: str, start: int, end: int) -> bool:
    before = text[start - 1 : start]
    after = text[end : end + 1]
    return bool(_CODE_CHAR_BEFORE.match(before) or _CODE_CHAR_AFTER.match(after))


_BRANCH_AFTER = ("园", "校", "院", "部")


def _context_kind(
    text: str,
    match: re.Match[str],
    number_start: int,
    value: Decimal,
    written_unit: str,
    scale: str,
    is_chinese: bool,
    date_spans: _SpanIndex,
    phone_spans: _SpanIndex,
    section_starts: set[int],
) -> MentionKind:
    number_end = match.end("num") if match.group("num") is not None else match.end("cn")
    if match.group("cn") is not None:
        number_end = match.end("cn")
    before = text[max(0, number_start - 4) : number_start]
    after = text[number_end : number_end + 3]
    if date_spans.covers(number_start, number_end):
        return "date"
    if phone_spans.covers(number_start, number_end):
        return "phone"
    if (
        before.endswith(("〔", "[", "【"))
        or after.startswith(("〕", "]", "】"))
        or (after.startswith("号") and _CLOSING_BRACKET.search(text, max(0, number_start - 2), number_start))
    ):
        return "doc_number"
    if before.endswith("第") or (before.endswith(("测评点", "指标")) and not written_unit):
        return "ordinal"  # 第3项, 测评点12: a number naming an item, not counting
    if written_unit in {"名", "位"} and _RANK_CUE.search(text[max(0, number_start - 8) : number_start]):
        return "ordinal"
    if number_start in section_starts and not written_unit and not scale:
        return "section"
    is_integer = value == value.to_integral_value()
    raw_number = text[number_start:number_end]
    year_like = is_integer and 1949 <= value <= 2100 and not scale and (len(raw_number) == 4 or is_chinese)
    if year_like and (written_unit in {"", "年", "起"} or after.startswith(("年", "届", "级"))):
        return "year"
    if not written_unit and not scale and _YEAR_RANGE_CONNECTOR.match(text, number_end):
        return _year_range_or_quantity(text, number_end, value)
    if written_unit == "年" and not scale and not before.endswith("为期"):  # 为期3年: a duration
        kind = _years_kind(text, match, raw_number, before)
        if kind:
            return kind
    letter_after = _LATIN_LETTER.match(text, number_end) is not None
    letter_before = number_start > 0 and _LATIN_LETTER.match(text, number_start - 1) is not None
    if (letter_after and not written_unit) or letter_before:
        return "code"
    if not written_unit and not scale and len(raw_number) in (7, 8) and _is_run_together_date(raw_number):
        return "date"
    if after.startswith("号") and not written_unit:
        return "ordinal"
    if _inside_short_quote(text, number_start, number_end) or _SET_PHRASE.match(text, number_start):
        return "name"
    if raw_number == "一" and before.endswith("每"):
        return "name"  # 办好每一所学校: "every", not a count
    if written_unit == "届" and _CONGRESS_AFTER.match(text, match.end()):
        return "ordinal"  # 十九届二中全会
    if written_unit == "次" and "届" in before and _SESSION_AFTER.match(text, match.end()):
        return "ordinal"  # 七届人大五次会议, 市委五届五次、六次全会
    if written_unit == "届" and _SESSION_AFTER.match(text, match.end()):
        return "ordinal"  # 市委五届五次全会
    if written_unit in {"个", "项", "条"} and _FRAMEWORK_AFTER.match(text, match.end()):
        return "framework"
    if written_unit == "个" and text.startswith("100%", match.end()):
        return "name"  # “6个100%”: a slogan (the guide)
    if (
        value == 100
        and text.startswith("%", number_end)
        and _SLOGAN_COUNT_BEFORE.search(text, max(0, number_start - 3), number_start)
    ):
        return "name"
    if written_unit == "篇" and _ESSAYS_BEFORE.search(text, max(0, number_start - 8), number_start):
        return "name"
    if written_unit == "期" and _PHASE_AFTER.match(text, match.end()):
        return "ordinal"
    if written_unit == "分" and text.startswith(_BRANCH_AFTER, match.end()):
        return "ordinal"  # 示范幼儿园十二分园, 实验小学二分校: a branch's number, not points
    if written_unit == "个" and _COMPARISON_GROUP_AFTER.match(text, match.end()):
        return "framework"
    if written_unit == "岁" and _AGE_GROUP_AFTER.match(text, match.end()):
        return "age_group"
    return "quantity"


def _years_kind(text: str, match: re.Match[str], raw_number: str, before: str) -> MentionKind | None:
    """A number of years that is not a measured duration: a grade (三年级), part
    of a name (九年义务教育, 学前三年毛入园率, 三年行动计划, 百年), a time frame
    (近五年, 三年内, 一年来, 五年的成绩) or two years run together (20212025年).
    连续三年, 提前2年, 5年一周期 stay quantities."""
    after = text[match.end() : match.end() + 12]
    if after.startswith("级"):
        return "ordinal"
    if _YEARS_IN_NAME.match(after) or before.endswith("学前") or not raw_number.strip("百千万"):
        return "name"
    if match.group("prefix") == "近" or _TIME_FRAME_AFTER.match(after) or before.endswith(_TIME_FRAME_BEFORE):
        return "period"
    if raw_number == "一" and before.endswith(_A_YEAR_BEFORE):
        return "period"  # 过去的一年, 极不平凡的一年, 深化改革的重要一年: a year as a noun
    if _YEARS_NAMED_BEFORE.search(text, max(0, match.start() - 12), match.start()):
        return "period"  # 2013、2014两年: the years just named, counted
    # (digits only: 0.002023年 is eight characters too)
    if (
        len(raw_number) == 8
        and raw_number.isdecimal()
        and all(1949 <= int(year) <= 2100 for year in (raw_number[:4], raw_number[4:]))
    ):
        return "year"
    return None


def _year_range_or_quantity(text: str, number_end: int, value: Decimal) -> MentionKind:
    connector = _YEAR_RANGE_CONNECTOR.match(text, number_end)
    assert connector is not None
    following = _FOUR_DIGITS.match(text, connector.end())
    if 1949 <= value <= 2100 and following:
        return "year"
    return "quantity"


def _is_run_together_date(digits: str) -> bool:
    """2024829 / 20211208: a date whose separators were lost."""
    if not digits.startswith(("19", "20")):
        return False
    rest = digits[4:]
    splits = [(rest[:1], rest[1:]), (rest[:2], rest[2:])] if len(rest) == 3 else [(rest[:2], rest[2:])]
    return any(m.isdigit() and d.isdigit() and 1 <= int(m) <= 12 and 1 <= int(d) <= 31 for m, d in splits)


def _link_ranges(text: str, mentions: list[Mention]) -> list[Mention]:
    """3-5所: the first endpoint takes the unit and scale written after the second."""
    linked = list(mentions)
    for index in range(len(linked) - 1):
        low, high = linked[index], linked[index + 1]
        if not (low.is_quantity and high.is_quantity):
            continue
        if low.written_unit or low.scale:
            # 15%—20%, 5万—8万元: both ends written in full, both flagged as a range
            same_unit = low.written_unit == high.written_unit and low.written_unit
            if same_unit and _YEAR_RANGE_CONNECTOR.fullmatch(text, low.end, high.start):
                linked[index] = replace(low, flags=(*low.flags, "range"))
                linked[index + 1] = replace(high, flags=(*high.flags, "range"))
            continue
        connector = _YEAR_RANGE_CONNECTOR.fullmatch(text, low.end, high.start)
        if connector is None or not (high.written_unit or high.scale) or low.value is None:
            continue
        number = _decimal(re.sub(r"^\D+", "", low.raw).rstrip("余多以上左右"))
        value, unit = canonical_unit(high.written_unit, high.scale, number)
        linked[index] = replace(low, value=_normalize_decimal(value), unit=unit, flags=(*low.flags, "range"))
        linked[index + 1] = replace(high, flags=(*high.flags, "range"))
    return linked


_RATIO = re.compile(r"(\d+(?:\.\d+)?)\s*[:∶]\s*(\d+(?:\.\d+)?)")


def ratio_value(span_text: str) -> Decimal | None:
    """A ratio's value as the catalog's unit 比 states it: the term that is not 1
    (1:25.5 -> 25.5, 13.61:1 -> 13.61), else the first term; None when the span
    holds no ratio."""
    match = _RATIO.fullmatch(span_text.strip("≤≥<>约 "))
    if match is None:
        return None
    first, second = Decimal(match.group(1)), Decimal(match.group(2))
    return second if first == 1 else first


_HEADER_SCALES = (Decimal(1), Decimal(10_000), Decimal(100_000_000))
"""A bare table cell's scale is in its header (在园幼儿数(万人)), which the span does not show."""
_TOTAL_FROM_YUAN = Decimal("0.0001")


def span_values(span_text: str) -> list[tuple[Decimal, str | None]]:
    """Every (value, canonical unit) the characters of a span can state, with the
    exact factor of what is written there: its scale (万, 亿), its unit (万平方米,
    成) and the one conversion the catalog allows (元 -> 万元 for a total). A
    bare number may also carry a table header's 万 or 亿 (unit None: any unit).
    The grounding check of reconcile and of the evaluator: a value not in this
    list is not what the text says."""
    text = span_text.strip()
    ratio = ratio_value(text)
    if ratio is not None:
        return [(ratio, "比")]
    share = fraction_share(text)
    if share is not None:
        return [(share, "%"), (share.quantize(Decimal("0.01")), "%")]
    doubling = _DOUBLING.fullmatch(text)
    if doubling is not None:
        times = doubling.group("times")
        return [(Decimal(2) ** (int(times) if times.isdigit() else int(parse_chinese_numeral(times))), "倍")]
    megabits = _MEGABITS.fullmatch(text)
    if megabits is not None:
        # 带宽达200M以上: a bandwidth in M (兆); the catalog counts bandwidth in GB
        return [(_decimal(megabits.group(1)) / 1000, "GB")]
    if _GROUPED_CELL.fullmatch(text):
        # a table cell `1 202 491`, thousands grouped by a blank with nothing after:
        # the whole span is one number (find_mentions reads one only before a unit)
        return _bare_values(_decimal(text))
    match = next(_MENTION.finditer(text), None)
    if match is None:
        return []
    groups = match.groupdict()
    try:
        token = next(groups[name] for name in ("num", "cn_percent", "cn") if groups[name] is not None)
        number = _token_value(token)
    except (StopIteration, InvalidOperation, ValueError):
        return []
    if groups["sign"] or text.startswith(("-", "−", "负")):
        number = -number
    if groups["cn_percent"] is not None:
        return [(number, "%")]
    written_unit, scale = groups["unit"] or "", groups["scale"] or ""
    if not written_unit and not scale:
        return _bare_values(number)
    value, unit = canonical_unit(written_unit, scale, number)
    values: list[tuple[Decimal, str | None]] = [(value, unit or None)]
    if unit == "元" or not written_unit:
        # (no unit written after the scale, `1501.18亿教育经费`: the 元 a bare number
        # may carry, as above)
        values.append((value * _TOTAL_FROM_YUAN, "万元"))
    return values


def _bare_values(number: Decimal) -> list[tuple[Decimal, str | None]]:
    """What a number written with no scale or unit may state: a table header's 万
    or 亿 over it, or the 元 of a total kept in 万元 (unit None: any unit)."""
    return [(number * factor, None) for factor in (*_HEADER_SCALES, _TOTAL_FROM_YUAN)]


def span_states(span_text: str, value: Decimal) -> bool:
    """The grounding check, one function for reconcile's `value_from_span` and the
    evaluator's grounding rate: `value` is one of the values the span's characters
    state (span_values), whatever unit it is counted in."""
    return any(value == stated for stated, _ in span_values(span_text))


def _fraction_terms(groups: dict[str, str | None]) -> tuple[Decimal, Decimal]:
    """(denominator, numerator) of 三分之二 or 2/3."""
    if groups["slash_den"] is not None:
        return Decimal(groups["slash_den"]), Decimal(groups["slash_num"] or "0")
    denominator = parse_chinese_numeral(groups["fraction_den"] or "")
    return denominator, parse_chinese_numeral(groups["fraction_num"] or "")


def fraction_share(span_text: str) -> Decimal | None:
    """The percent a written fraction states (三分之二 -> 66.666...), unrounded; None
    when the span holds no fraction."""
    for match in _MENTION.finditer(span_text):
        if match.group("fraction_den") is None and match.group("slash_den") is None:
            return None
        try:
            denominator, numerator = _fraction_terms(match.groupdict())
            return numerator / denominator * 100 if denominator else None
        except (InvalidOperation, ValueError):
            return None
    return None


def written_number(span_text: str) -> Decimal | None:
    """The number as written in a span (before scale and unit), for re-derivation
    checks: written_number('18.26亿元') == Decimal('18.26')."""
    for match in _MENTION.finditer(span_text):
        groups = match.groupdict()
        try:
            for name in ("num", "cn_percent", "cn"):
                if groups[name] is not None:
                    value = _token_value(groups[name])
                    return _normalize_decimal(-value if groups["sign"] else value)
        except (InvalidOperation, ValueError):
            return None
    return None
