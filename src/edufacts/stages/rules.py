"""Stage 4, rules: fact proposals from the catalog lexicon with scope and year
cues, and the unclaimed mentions with their reasons. Pure."""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import cache

from ..readers.load import Document
from .catalog import Catalog, Indicator, bigrams
from .numbers import Mention, canonical_unit
from .segment import (
    SENTENCE_END,
    Section,
    Table,
    TableCell,
    innermost_section,
    sentence_bounds,
    sentence_ends,
)
from .segment import clause_start as _clause_start_at
from .topic import TopicJudge, TopicJudgement

_CLAUSE_END = re.compile(r"[。;!?\n,:、(]")
_PHRASE_END = re.compile(r"[。;!?\n,:]")
"""a phrase runs over 、: `新建、改扩建公办幼儿园、小学、初中20所` is one"""
_LABEL_TRIM = re.compile(
    r"(?:达到|达|为|是|共计|共有|共|累计|总计|合计|有|约|近|超过|逾|增长|增加|提高到|提高|提升至|提升|占|分别|其中|至|了|到)+$"
)
_LABEL_LEAD = re.compile(
    r"^(?:[—\-•·]+|其中|并且|并|且|和|及|以及|同时|全区|全县|全市|全省|全州|全盟|我区|我县|我市|我省|共有|共计|现有)+"
)
_NOUN_AFTER = re.compile(r"[^\d,。;:、()\s]{2,14}?(?=[,。;:、(\s]|$)")
_NOT_A_NOUN_START = re.compile(r"^(?:以上|左右|的|和|及|与|在|为|是|已|将|被|达|占|比|全部|分别|共|等)")
_WEAK_LABEL = re.compile(r"(?:和|及|与|等|、)$")
_QUOTE_CHARS = 48
_WINDOW_BEFORE = 60
_WINDOW_AFTER = 14
_CONVERTIBLE = {("元", "万元"): Decimal("0.0001")}
_PERSONS_COUNTED = re.compile(r"(?:幼儿|儿童|学生|在校生|教师|教职工)$")
_PER_CAPITA = re.compile(r"生均|人均|每生|每名学生|每个学生|每人|按在校学生人数平均|平均每")
_ALIAS_REACH = 30
_NAME_AFTER = 20
_OWN_NOUN = re.compile(r"[\u4e00-\u9fff]")
_MEASURE_WORDS = frozenset({"个", "所", "名", "人", "座", "间", "套"})
"""a name written after the number ranks as if this much further away than one right
before it: names before the number are the norm"""
_ALSO_UNIT_REACH = 6


@dataclass(frozen=True, kw_only=True)
class Proposal:
    mention: Mention
    value: Decimal
    unit: str
    indicator: str | None
    candidates: tuple[str, ...]
    alias_distance: int | None
    label: str
    scope: str | None
    year: int | None
    section: Section
    quote_start: int
    quote_end: int
    table_cell: TableCell | None = None
    measured: tuple[Decimal, str] | None = None
    """Value and unit as measured at the span, before conversion to the indicator's unit."""
    topic: TopicJudgement | None = None
    per_capita: bool = False
    """an amount per student or per person (生均, 人均, 元/生): never a total"""


@dataclass(frozen=True)
class UnclaimedMention:
    mention: Mention
    reason: str
    proposal: Proposal | None = None
    """for a number set aside as out_of_scope: the fact it would have been, so a
    model that judges it education (full mode) can restore it"""


@cache
def _alias_pattern(catalog: Catalog) -> tuple[re.Pattern[str], dict[str, tuple[Indicator, ...]]]:
    by_alias: dict[str, list[Indicator]] = {}
    for indicator in catalog.indicators.values():
        for name in indicator.names:
            by_alias.setdefault(name, []).append(indicator)
    aliases = sorted(by_alias, key=len, reverse=True)
    pattern = re.compile("|".join(_across_blanks(alias) for alias in aliases))
    return pattern, {alias: tuple(items) for alias, items in by_alias.items()}


def _across_blanks(name: str) -> str:
    """A name's pattern that also reads it with a blank between two of its characters:
    the blank a printed line's wrap left (`在园 幼儿`, load.py) or a PDF's copy put in
    (`户 外活动面积`)."""
    return " ?".join(re.escape(char) for char in name)


def _name(match: re.Match[str]) -> str:
    """The catalog name (or scope alias) a match of `_across_blanks` patterns read."""
    return match.group().replace(" ", "")


_GAP = "[\u4e00-\u9fff]{1,%d}"
_GAPPED_ALIAS_CHARS = 5
_GAP_CHARS = 3


@cache
def _gapped_alias_pattern(catalog: Catalog) -> tuple[re.Pattern[str], dict[str, str]]:
    """The long aliases with a few words let in at one place (学前|教育|三年毛入学率,
    九年义务教育|阶段|巩固率): the genre inserts a level or a qualifier into an
    indicator's name far more often than it coins a new one. Each alternative is a
    named group, so a match tells which alias it stands for."""
    _, by_alias = _alias_pattern(catalog)
    alternatives = []
    alias_of: dict[str, str] = {}
    for number, alias in enumerate(sorted(a for a in by_alias if len(a) >= _GAPPED_ALIAS_CHARS)):
        group = f"a{number}"
        alias_of[group] = alias
        gapped = "|".join(
            re.escape(alias[:cut]) + _GAP % _GAP_CHARS + re.escape(alias[cut:])
            for cut in range(1, len(alias))
        )
        alternatives.append(f"(?P<{group}>{gapped})")
    return re.compile("|".join(alternatives)), alias_of


@cache
def _scope_pattern(catalog: Catalog) -> tuple[re.Pattern[str], dict[str, str]]:
    term_of: dict[str, str] = {}
    for term, aliases in catalog.scope_aliases.items():
        for alias in aliases:
            term_of.setdefault(alias, term)
    # 其中小学 is 其中 + 小学, never 中小学
    pattern = re.compile(
        "|".join(
            ("(?<!其)" if alias.startswith("中") else "") + _across_blanks(alias)
            for alias in sorted(term_of, key=len, reverse=True)
        )
    )
    return pattern, term_of


def unit_fits(indicator: Indicator, unit: str) -> bool:
    return unit in indicator.units or (unit, indicator.unit) in _CONVERTIBLE


def in_indicator_unit(indicator: Indicator, unit: str, value: Decimal) -> tuple[Decimal, str]:
    """The value in the indicator's unit (元 -> 万元), or as written in a unit the
    indicator also allows (交流2510人次 stays 人次)."""
    if unit in indicator.units:
        return value, unit
    factor = _CONVERTIBLE.get((unit, indicator.unit))
    return (value * factor if factor is not None else value), indicator.unit


def _clause_start(text: str, start: int, floor: int, ends: re.Pattern[str] = _CLAUSE_END) -> int:
    return _clause_start_at(text, start, floor, ends)


_ASIDE = re.compile(r"\([^()]{1,3}\)")
_PER_HEAD = re.compile(r"生均")
"""`生均校舍面积13.37平方米`: a name after 生均 is a per-student average, no total the
catalog names (the per-student indicators' own names begin with 生均)."""


def _candidates(
    catalog: Catalog, text: str, window_start: int, mention: Mention, unit: str, floor: int = 0
) -> list[tuple[int, Indicator]]:
    pattern, by_alias = _alias_pattern(catalog)
    found: list[tuple[int, int, Indicator]] = []

    def note(alias: str, distance: int) -> None:
        for indicator in by_alias[alias]:
            # a count in another unit the indicator allows (交流校长教师2510人次) needs its
            # name right before it: 人次 mostly counts trainings and visits
            also_unit = unit != indicator.unit and unit in indicator.units
            if unit_fits(indicator, unit) and (not also_unit or 0 <= distance <= _ALSO_UNIT_REACH):
                found.append((distance, -len(alias), indicator))

    # An alias the window's edge cuts (按在校学生人数平均的|一般公共预算教育支出) is read whole.
    reach_start = max(floor, window_start - _ALIAS_REACH)
    # `1500个普惠学前教育学位、3000个小学学位`: a count with its own noun after its
    # measure word; a name before the 、 that parts them is an item before's
    own_noun = _OWN_NOUN.match(text, mention.end) is not None and mention.unit in _MEASURE_WORDS
    for match in pattern.finditer(text, reach_start, mention.start):
        if own_noun and text[match.end() : mention.start].endswith("、"):
            continue
        if match.end() > window_start and not _PER_HEAD.fullmatch(
            text, max(0, match.start() - 2), match.start()
        ):
            note(_name(match), mention.start - match.end())
    # A name with a short aside inside (在园(班)幼儿, 幼儿园(所)数) is read without it.
    if _ASIDE.search(text, reach_start, mention.start):
        # an aside is at most 5 characters: one starting 4 before the reach can cover its first
        asides = [m.span() for m in _ASIDE.finditer(text, max(0, reach_start - 4), mention.start + 5)]
        kept = [i for i in range(reach_start, mention.start) if not any(a <= i < b for a, b in asides)]
        stripped = "".join(text[i] for i in kept)
        for match in pattern.finditer(stripped):
            end = kept[match.end() - 1] + 1
            if end > window_start:
                note(_name(match), mention.start - end)
    after_end = min(len(text), mention.end + _WINDOW_AFTER)
    stop = _CLAUSE_END.search(text, mention.end, after_end)
    for match in pattern.finditer(text, mention.end, stop.start() if stop else after_end):
        note(_name(match), match.start() - mention.end + _NAME_AFTER)
    if not found:
        # only in the number's own clause: a gap lets in enough to misread a list before it
        gapped, alias_of = _gapped_alias_pattern(catalog)
        clause_begin = _clause_start(text, mention.start, reach_start)
        for match in gapped.finditer(text, clause_begin, mention.start):
            if match.end() > window_start and match.lastgroup is not None:
                note(alias_of[match.lastgroup], mention.start - match.end())
    found.sort(key=lambda item: (item[0], item[1]))
    ranked: list[tuple[int, Indicator]] = []
    seen: set[str] = set()
    for distance, _, indicator in found:
        if indicator.id not in seen:
            seen.add(indicator.id)
            ranked.append((distance, indicator))
    return ranked


def _scope(catalog: Catalog, text: str, start: int, end: int, indicator: Indicator | None) -> str | None:
    pattern, term_of = _scope_pattern(catalog)
    terms = {term_of[_name(match)] for match in pattern.finditer(text, start, end)}
    if terms & {"小学", "初中"}:
        terms -= {"义务教育", "中小学"}
    if indicator is not None:
        terms -= indicator.implied_scope
    order = list(catalog.scope_aliases)
    return "/".join(sorted(terms, key=order.index)) or None


def _year(years: list[Mention], year_starts: list[int], sentence_start: int, position: int) -> int | None:
    """The last year mention of the sentence before `position`."""
    index = bisect_left(year_starts, position) - 1
    if index < 0 or years[index].start < sentence_start:
        return None
    value = years[index].value
    return int(value) if value is not None else None


_LEADING_YEAR = re.compile(r"^\d{4}年(?:以来|至今|底|末)?")


def _label(text: str, clause_start: int, mention: Mention, fallback: str) -> str:
    """What the number measures, in the document's words: the clause before it, less
    verbs and leading words that say nothing (共有, 全区, a dash); where that is empty
    or dangling (`69所学校和`), the noun the number counts after it (`56所足球特色学校`)."""
    label = text[clause_start : mention.start].strip()
    label = _LABEL_LEAD.sub("", _LABEL_TRIM.sub("", label)).strip()
    label = _LEADING_YEAR.sub("", label).strip()
    if not label or _WEAK_LABEL.search(label) or any(char.isdigit() for char in label):
        noun = _NOUN_AFTER.match(text, mention.end)
        if noun is not None and not _NOT_A_NOUN_START.match(noun.group()):
            return noun.group()
    return label[-24:] or fallback


_YEAR_COLUMN = re.compile(r"(?:19|20)\d{2}年?")
_ROW_SERIAL = re.compile(r"^(?:\d{1,2}[.、]|[一二三四五六七八九十]+、)\s*")
_UNIT_BRACKET = re.compile(r"\([^()]{0,8}\)")


def _row_label(row_label: str) -> str:
    """`4.义务教育标准班额比例(%) 其中:小学` -> `义务教育标准班额比例 小学`."""
    label = _UNIT_BRACKET.sub("", _ROW_SERIAL.sub("", row_label)).replace("其中:", "")
    return re.sub(r"\(.*$", "", label).strip()


def _cell_for(
    tables: list[Table], table_starts: list[int], mention: Mention
) -> tuple[TableCell, Table] | None:
    """The cell holding the mention, and its table; tables are disjoint and in text
    order, so only the last one starting at or before it can."""
    index = bisect_right(table_starts, mention.start) - 1
    if index < 0 or mention.start >= tables[index].end:
        return None
    for cell in tables[index].cells:
        if cell.start <= mention.start and mention.end <= cell.end:
            return cell, tables[index]
    return None


# A row or column that counts people, schools or classes and names no unit (`每百名
# 学生拥有骨干教师数`, `幼儿园数`, `教职工总数`, `毕业生数`, `其中:标准班`): the unit
# its counted noun takes.
_COUNTED_NOUN = re.compile(
    r"(?:(教师|教职工|学生|幼儿|校长|人|生)总?数|(学校|幼儿园|园|校)总?数|(班级|班)数?"
    r"|(教室|功能室|实验室)数|(面积)|(设备值|设备总值))$"
)
_COUNTED_UNITS = ("人", "所", "班", "间", "㎡", "元")
"""the unit of each group of _COUNTED_NOUN, in order: `生均教学及辅助用房面积` is in
㎡ and `生均教学仪器设备值` in 元, as the balanced-development standard states them"""


def _counted_unit(row_label: str) -> str:
    counted = _COUNTED_NOUN.search(_row_label(row_label))
    if counted is None:
        return ""
    return next(unit for unit, group in zip(_COUNTED_UNITS, counted.groups(), strict=True) if group)


_BUILT_CUE = re.compile(r"新|扩|竣工|建设|在建|改造|建成|落成|开工|投入使用|交付")
"""`建筑面积` is the floor area there is, new only where something is said to be
built: in prose, in its paragraph before it or its sentence after it; in a table,
in the cell's row, column or the table's title (`新建校舍`, `竣工面积`, `重点建设项目表`)."""
_GRADE_REACHED = re.compile(r"示范")
"""`省级示范幼儿园12所`: a grade some kindergartens or schools reach."""


def _sentence_end(text: str, position: int) -> int:
    found = SENTENCE_END.search(text, position)
    return found.start() if found else len(text)


_TABLE_UNITS = frozenset({"人", "名", "元", "平方米", "㎡", "所", "个", "人次", "班", "册", "间"})


def _table_value(cell: TableCell, mention: Mention, table: Table) -> tuple[Decimal, str] | None:
    """Scale and unit of a bare table number from its row or column bracket."""
    if mention.value is None:
        return None
    hint = (
        cell.unit_hint
        or _counted_unit(cell.row_label)
        or _counted_unit(cell.column)
        or _counted_unit(cell.column.partition("其中")[0])  # (`在校生数其中:女`: a part counts as its whole)
    )
    # a 系数 row is in coefficients whatever its column counts
    if hint == "coef" or _row_label(cell.row_label).endswith("系数"):
        return mention.value, "coef"
    if hint in {"%", "%)"}:
        if re.search(r"变化|增减|增长", cell.column) and not _counts_beside(cell, table):
            return mention.value, "个百分点"
        return mention.value, "%"
    scale = "万" if hint.startswith("万") else "亿" if hint.startswith("亿") else ""
    unit = hint[len(scale) :]
    if unit in _TABLE_UNITS or (scale and unit == ""):
        return canonical_unit(unit, scale, mention.value)
    return None


def _counts_beside(cell: TableCell, table: Table) -> bool:
    """Another cell of the row counts in a unit that is no rate (`学校数(所)
    在校学生数(人) 比上年增长(%)`): the row's change is a count's, in percent, not
    a rate's in percentage points."""
    return any(
        other.row_label == cell.row_label and other.unit_hint not in {"", "%", "%)"} for other in table.cells
    )


def propose(
    document: Document,
    catalog: Catalog,
    mentions: list[Mention],
    sections: list[Section],
    tables: list[Table],
) -> tuple[list[Proposal], list[UnclaimedMention]]:
    text = document.normalized
    proposals: list[Proposal] = []
    unclaimed: list[UnclaimedMention] = []
    ends = sentence_ends(text)
    years = [mention for mention in mentions if mention.kind == "year"]
    year_starts = [mention.start for mention in years]
    table_starts = [table.start for table in tables]
    topics = TopicJudge(text, sections, mentions, tables)
    document_year = _document_year(text)
    respectively = _respectively(catalog, text, mentions)
    for mention in mentions:
        if document.in_boilerplate(mention.start):
            unclaimed.append(UnclaimedMention(mention, "boilerplate"))
            continue
        if not mention.is_quantity or mention.value is None:
            unclaimed.append(UnclaimedMention(mention, mention.kind))
            continue
        # A table cell gives a bare number its unit, and any number (99%以上
        # too) its row label and column year.
        in_table = _cell_for(tables, table_starts, mention)
        cell, table = in_table if in_table else (None, None)
        table_title = table.title if table is not None else ""
        value, unit = mention.value, mention.unit
        if cell is not None and table is not None and not unit:
            from_table = _table_value(cell, mention, table)
            if from_table is None:
                unclaimed.append(UnclaimedMention(mention, "no_unit"))
                continue
            value, unit = from_table
        elif (
            not unit
            and (
                _COEFFICIENT_BEFORE.search(text, max(0, mention.start - 30), mention.start)
                # a bound in the sentence of a coefficient: 均达到国家规定要求(小学≤0.65
                or (
                    mention.raw[:1] in "≤<"
                    and _COEFFICIENT_NAMED.search(text, max(0, mention.start - 40), mention.start)
                )
            )
        ):
            unit = "coef"  # 差异系数为0.263, 小于或等于0.45的优质均衡标准: a coefficient
        elif (
            not unit
            and _RATE_NAMED_BEFORE.search(text, max(0, mention.start - 4), mention.start)
            and text[mention.end :].strip()  # (not a number the excerpt cuts: 覆盖率达约7<end>)
        ):
            unit = "%"  # 高中阶段入学率 105.20: a rate's value, its % not written
        elif not unit:
            unclaimed.append(UnclaimedMention(mention, "no_unit"))
            continue
        elif unit == "个" and _PERSONS_COUNTED.search(text, max(0, mention.start - 6), mention.start):
            unit = "人"  # 在园幼儿29098个: children counted with 个 are persons
        sentence_start, sentence_end = sentence_bounds(ends, len(text), mention.start, mention.end)
        section = innermost_section(sections, mention.start)
        topic = topics.judge(mention, section)
        if cell is not None:
            context_start = cell.start - len(cell.row_label) - 4
            context = f"{cell.row_label} {cell.column}"
            ranked = _candidates_in_label(catalog, context, unit) or _kindergarten_row(catalog, cell, unit)
            if not _BUILT_CUE.search(context) and not _BUILT_CUE.search(table_title):
                ranked = [item for item in ranked if item[1].id != "new_floor_area"]
            # a year column is the fact's year, not part of what it measures
            column = "" if not cell.column or _YEAR_COLUMN.fullmatch(cell.column) else f"({cell.column})"
            label = _row_label(cell.row_label) + column
            year = (
                cell.year
                or _section_opening_year(text, section.start, mention.start)
                or _heading_year(section)
                or document_year
            )
            scope = _scope(catalog, context, 0, len(context), ranked[0][1] if ranked else None)
            quote_start = max(0, context_start)
        else:
            window_start = max(sentence_start, mention.start - _WINDOW_BEFORE)
            ranked = _candidates(catalog, text, window_start, mention, unit, sentence_start)
            clause_start = _clause_start(text, mention.start, sentence_start)
            ranked = _rerank(catalog, text, ranked, mention, unit, clause_start, section)
            respective = respectively.get(mention.start)
            if respective is not None and respective.scope is not None:
                level = respective.scope
                ranked = [item for item in ranked if not item[1].implied_scope & _LEVELS - {level}]
                if not ranked and unit == "coef":
                    # 小学、初中的差异系数分别为0.32和0.35: each level's own coefficient
                    ranked = _level_coefficient(catalog, level, 0)
            else:
                ranked = [
                    item for item in ranked if not _names_another_subject(catalog, text, mention, item[1])
                ]
            if respective is not None:
                ranked = respective.ranked(ranked)
            if _GRADE_REACHED.search(
                text,
                _clause_start(text, mention.start, max(0, mention.start - 24), _PHRASE_END),
                mention.start,
            ):
                # `省、市示范幼儿园分别达6所、55所`: a grade some reach, no count of them nor of new ones
                ranked = [item for item in ranked if item[1].unit != "所"]
            fallback = ranked[0][1].names[0] if ranked else ""
            label = _label(document.text, clause_start, mention, fallback)
            year = (
                _year(years, year_starts, sentence_start, mention.start)
                or _paragraph_year(text, mention.start)
                or _heading_year(section)
                or document_year
            )
            scope_start = (
                _clause_start(text, clause_start - 1, sentence_start)
                if clause_start - sentence_start < 3
                else clause_start
            )
            clause_stop = _CLAUSE_END.search(text, mention.end, sentence_end)
            scope = _scope(
                catalog,
                text,
                scope_start,
                clause_stop.start() if clause_stop else sentence_end,
                ranked[0][1] if ranked else None,
            )
            if respective is not None and respective.scope is not None:
                scope = _scope(
                    catalog, respective.scope, 0, len(respective.scope), ranked[0][1] if ranked else None
                )
            quote_start = max(sentence_start, mention.start - _QUOTE_CHARS // 2)
        per_capita = unit == "元" and (
            "/" in mention.raw
            or bool(_PER_CAPITA.search(text, max(sentence_start, mention.start - 80), mention.start))
        )
        if per_capita:
            # 生均教育支出20885.77元 is a per-student amount: never a total's 万元 indicator;
            # the total's name with a per-student marker (按在校学生人数平均的|一般公共预算
            # 教育支出, 生均|教育经费) names the per-student expenditure.
            totals = [distance for distance, item in ranked if item.id in _TOTAL_MONEY]
            ranked = [(distance, item) for distance, item in ranked if item.unit != "万元"]
            if totals and not ranked:
                ranked = [(totals[0], catalog.indicators[_PER_STUDENT_MONEY])]
            if not ranked and _PER_STUDENT_MONEY in catalog.indicators:
                # 幼儿园生均支出17443.63元: spending per student, whatever its wording
                spend = _PER_STUDENT_SPEND.search(
                    text, max(sentence_start, mention.start - 24), mention.start
                )
                if spend is not None:
                    ranked = [(mention.start - spend.end(), catalog.indicators[_PER_STUDENT_MONEY])]
        if {"increase", "decrease"} & set(mention.flags):
            # 支出133.49亿元,比上年增加14.8亿元: the change of a total is not the total
            ranked = [(distance, item) for distance, item in ranked if item.id not in _TOTAL_MONEY]
            if _COMPARED_WITH.search(text, max(sentence_start, mention.start - 12), mention.start):
                # 幼儿园3511所,比上年减少378所: a change from a year before measures no
                # stock (kindergartens, children); only a growth rate is one
                ranked = [(distance, item) for distance, item in ranked if item.id.endswith("_growth")]
        indicator = ranked[0][1] if ranked else None
        measured = (value, unit)
        if indicator is not None:
            value, unit = in_indicator_unit(indicator, unit, value)
        quote_end = min(len(text), max(mention.end + 8, quote_start + _QUOTE_CHARS), sentence_end)
        proposal = Proposal(
            mention=mention,
            value=value,
            unit=unit,
            indicator=indicator.id if indicator else None,
            candidates=tuple(item.id for _, item in ranked[:4]),
            alias_distance=ranked[0][0] if ranked else None,
            label=label,
            scope=scope,
            year=year,
            section=section,
            quote_start=min(quote_start, mention.start),
            quote_end=max(quote_end, mention.end),
            table_cell=cell,
            measured=measured,
            topic=topic,
            per_capita=per_capita,
        )
        if topic.education:
            proposals.append(proposal)
        else:
            unclaimed.append(UnclaimedMention(mention, "out_of_scope", proposal))
    return _inherit_indicators(catalog, text, proposals, ends), unclaimed


_RESPECTIVELY = re.compile(
    r"分别(?:达到了|达到|为|是|有|达|占|增长了|增长|提高到|提高了|提高|提升至|提升到"
    r"|下降到|下降了|下降|降至|降低到|增加了|增加)?[ ]?"
)
_LIST_GAP = re.compile(r"[ ]?(?:、|,|和|及|与|以及)[ ]?(?:[^\d,。;:、()%]{1,8})?")
"""between two numbers of a list: a separator, and the next number's own name
(`分别达到幼儿园20885.77元、普通小学21551.02元`)"""
_LIST_HEAD = re.compile(r"(?:[^\d,。;:、()%]{1,8})?")
_LEVEL_TERMS = ("学前", "小学", "初中", "中小学", "义务教育", "高中", "中职", "特教")


@dataclass(frozen=True)
class _Respective:
    """The i-th number of a list after 分别, and the i-th name before it."""

    indicator: Indicator | None
    """the i-th catalog name, where the names before 分别 are as many as the numbers"""
    distance: int
    scope: str | None
    """the i-th level word, where the level words before 分别 are as many as the numbers"""
    unnamed: bool = False
    """the i-th item listed before 分别 names no indicator (`学前三年普及率、普惠率…`)"""

    def ranked(self, ranked: list[tuple[int, Indicator]]) -> list[tuple[int, Indicator]]:
        if self.unnamed:
            return []
        if self.indicator is None:
            return ranked
        return [(self.distance, self.indicator), *[item for item in ranked if item[1] is not self.indicator]]


def _respectively(catalog: Catalog, text: str, mentions: list[Mention]) -> dict[int, _Respective]:
    """`学前三年毛入园率、普惠性幼儿园覆盖率分别达到92.5%、85.3%`: the numbers after
    分别 go one to one with the names (or the level words: `小学、初中…分别达到720元、
    920元`) listed before it in the same phrase, in order; the nearest name would give
    every number the last one's indicator."""
    pattern, by_alias = _alias_pattern(catalog)
    scope_pattern, term_of = _scope_pattern(catalog)
    quantities = [mention for mention in mentions if mention.is_quantity]
    starts = [mention.start for mention in quantities]
    found: dict[int, _Respective] = {}
    for match in _RESPECTIVELY.finditer(text):
        run: list[Mention] = []
        position = match.end()
        for mention in quantities[bisect_left(starts, position) :]:
            if mention.start < position:
                continue
            gap = text[position : mention.start]
            if run and pattern.search(gap):
                break  # `…分别达86.8%、87.6%,义务教育巩固率达99%`: a number with a name of its own
            if (not run and _LIST_HEAD.fullmatch(gap)) or (run and _LIST_GAP.fullmatch(gap)):
                run.append(mention)
                position = mention.end
            elif mention.start > position:
                break
        if len(run) < 2:
            continue
        subject_start = _clause_start(text, match.start(), max(0, match.start() - 60), _PHRASE_END)
        names = [name for name in pattern.finditer(text, subject_start, match.start())]
        levels = [
            term_of[_name(level)]
            for level in scope_pattern.finditer(text, subject_start, match.start())
            if term_of[_name(level)] in _LEVEL_TERMS
        ]
        listed: list[re.Match[str] | None] = list(names)
        if 1 < len(names) < len(run):
            listed = _name_per_item(text, subject_start, match.start(), names, len(run))
        per_item = None in listed
        for index, mention in enumerate(run):
            indicator = None
            distance = 0
            if len(listed) == len(run) or len(listed) == 1:
                # one name for the whole list (生均…分别达到幼儿园…元、普通小学…元), or one each
                name = listed[index] if len(listed) == len(run) else listed[0]
            else:
                name = None
            if name is not None:
                unit = mention.unit
                fitting = [item for item in by_alias[_name(name)] if unit_fits(item, unit)]
                indicator = fitting[0] if fitting else None
                distance = 0  # the list says which name: structural evidence, as near as a name can be
            scope = levels[index] if len(levels) == len(run) else None
            if indicator is not None and scope is not None and indicator.implied_scope & _LEVELS - {scope}:
                indicator = None  # 幼儿园、小学、初中分别有45所、30所: only the first counts kindergartens
            if indicator is not None or scope is not None or (per_item and name is None):
                found[mention.start] = _Respective(indicator, distance, scope, per_item and name is None)
    return found


def _name_per_item(
    text: str, start: int, end: int, names: list[re.Match[str]], items: int
) -> list[re.Match[str] | None]:
    """`学前三年普及率、普惠率、公办园幼儿占比分别达86.8%、87.6%、50.6%`: fewer names
    than numbers, but as many items listed (parted by 、) as numbers: each item's
    name, or None for an item the catalog does not name; the names as they were
    where the items are not as many."""
    bounds = [start] + [start + m.end() for m in re.finditer("、", text[start:end])] + [end]
    if len(bounds) - 1 != items:
        return list(names)
    named: list[re.Match[str] | None] = []
    for low, high in itertools.pairwise(bounds):
        inside = [name for name in names if low <= name.start() and name.end() <= high]
        if len(inside) > 1:
            return list(names)
        named.append(inside[0] if inside else None)
    return named


_GROWTH_BEFORE = re.compile(r"(?:增长|增幅|同比增长|比上年增长|增幅为|增长了)[^,。;\d]{0,6}$")
_TOTAL_MONEY = {"education_expenditure", "education_investment"}
_PER_STUDENT_MONEY = "per_student_expenditure"
_PER_STUDENT_SPEND = re.compile(r"生均[^\d,。;:]{0,12}?(?:支出|经费|事业费|拨款)(?:为|是|达|达到)?$")
_COMPARED_WITH = re.compile(r"(?:比|较|与)(?:上年|去年|上一年|上年度|上学年|(?:19|20)\d{2}年)|同比")
_SIBLING_REACH = 120


_PARTS_FOLLOW = re.compile(r"[,:]?分别(?:是|为|有)")
_LIST_BREAK = re.compile(r"[。;!?\n]")
_LISTED_PART_CHARS = 30


def _parts_listed(catalog: Catalog, text: str, proposals: list[Proposal]) -> list[Proposal]:
    """`增加公办幼儿园学位805个,分别是清塘镇中心小学附属幼儿园120个、寿雁镇…140个,…`:
    each part a total's 分别是 lists, however long its name and however long the
    list, measures what the total measures."""
    result = list(proposals)
    total: Proposal | None = None
    last_end = 0
    for index, proposal in enumerate(result):
        start = proposal.mention.start
        if total is not None:
            between = text[last_end:start]
            if (
                proposal.unit == total.unit
                and proposal.table_cell is None
                and len(between) <= _LISTED_PART_CHARS
                and not _LIST_BREAK.search(between)
            ):
                measured = total.indicator
                if proposal.indicator is None and measured is not None:
                    implied = catalog.indicators[measured].implied_scope
                    scope = "/".join(
                        term for term in (proposal.scope or "").split("/") if term not in implied
                    )
                    result[index] = replace(
                        proposal, indicator=measured, candidates=(measured,), scope=scope or None
                    )
                last_end = proposal.mention.end
                continue
            total = None
        if proposal.indicator is not None and _PARTS_FOLLOW.match(text, proposal.mention.end):
            total, last_end = proposal, proposal.mention.end
    return result


def _inherit_indicators(
    catalog: Catalog, text: str, proposals: list[Proposal], sentence_ends: list[int]
) -> list[Proposal]:
    """Numbers that say what they measure only through a neighbour in their sentence:
    - the parts after 其中 (`共有幼儿园74所,其中公办23所,民转公14所`) measure what the
      total before 其中 measures, and so does last year's value of a total
      (`总投入为1501.18亿元,比上年的1375.16亿元`);
    - a growth rate right after an education spending total (`支出X万元,增长1.76%`)
      is that spending's growth."""
    result = _parts_listed(catalog, text, list(proposals))
    for index, proposal in enumerate(result):
        if proposal.indicator is not None or proposal.table_cell is not None:
            continue
        start = proposal.mention.start
        sentence_start = sentence_bounds(sentence_ends, len(text), start, start)[0]
        if text[sentence_start:start].lstrip().startswith("其中"):  # `共有幼儿园74所。其中公办23所`
            sentence_start = sentence_bounds(
                sentence_ends, len(text), sentence_start - 1, sentence_start - 1
            )[0]
        floor = max(sentence_start - 1, start - _SIBLING_REACH)
        for earlier in reversed(result[max(0, index - 8) : index]):
            if earlier.mention.start < floor or earlier.indicator is None:
                continue
            between = text[earlier.mention.end : start]
            same_measure = earlier.unit == proposal.unit and (
                (
                    "其中" in between
                    and not _names_another_subject(
                        catalog, text, proposal.mention, catalog.indicators[earlier.indicator]
                    )
                )
                or _LAST_YEARS_BEFORE.search(text, max(earlier.mention.end, start - _LAST_YEARS_REACH), start)
                is not None
            )
            if same_measure:
                result[index] = replace(
                    proposal, indicator=earlier.indicator, candidates=(earlier.indicator,)
                )
                break
            if (
                proposal.unit == "%"
                and earlier.indicator in _TOTAL_MONEY
                and _GROWTH_BEFORE.search(text, earlier.mention.end, start)
                and "education_expenditure_growth" in catalog.indicators
            ):
                result[index] = replace(proposal, indicator="education_expenditure_growth")
                break
    return result


_LAST_YEARS_BEFORE = re.compile(r"(?:比|较)(?:上年|(?:19|20)\d{2}年)(?:的|同期)?\(?$")
_LAST_YEARS_REACH = 8

_LEVELS = frozenset({"学前", "小学", "初中", "中小学", "义务教育", "高中", "中职"})
"""Levels of schooling that exclude each other (特教 runs across them)."""
_SCHOOL_NOUN = re.compile(r"中学|学校|校区|一贯制")
_STAFF_NOUN = re.compile(r"教师|教职工|校长|园长|保育员")
_PUPIL_NOUN = re.compile(r"学生|幼儿|儿童|毕业生|招生")
_COUNTS_PUPILS = frozenset({"kindergarten_enrollment"})
_GRADUATES_HIRED = re.compile(r"(?:招聘|招录|招考|引进|安置)[^,。;\d]{0,6}(?:大学生|毕业生)")
"""招聘优秀大学生900余名, 安置公费师范毕业生283人: graduates hired are staff, not pupils."""
_COUNTS_STAFF = frozenset({"teachers_recruited", "teacher_rotation_count"})
_GROUP_WITHOUT_SCOPE = re.compile(r"(?<!入|向)(?<!入普通|向普通)(?:高等学校|高校)|高等教育|少数民族")
"""`6.普通高等学校为17647.64元`: an item of a per-level list about a level the
catalog's scopes do not have (not where to or from: `升入普通高校的…子女给予入学资助`,
`面向高校招聘`)."""
_GROUP_REACH = 24


def _names_another_subject(catalog: Catalog, text: str, mention: Mention, indicator: Indicator) -> bool:
    """The number's own phrase names what it counts, and that is not what the
    indicator counts: `初级中学37所` or `公民办中小学74所` after 幼儿园 in a list is
    no kindergarten count, `专任教师1.39万人` no count of children."""
    own = text[_clause_start(text, mention.start, max(0, mention.start - 16)) : mention.start]
    implied = indicator.implied_scope & _LEVELS
    if implied and "特教" not in indicator.implied_scope:
        named = _clause_scope_terms(catalog, text, mention.start - len(own), mention.start) & _LEVELS
        if named and not named & implied:
            return True
        if "学前" in implied and not named and _SCHOOL_NOUN.search(own):
            return True
    # the guide: a sub-group without a catalog scope term takes no indicator (also
    # its last year's value: `普通高等学校为17647.64元,比上年的18071.43元`)
    if _GROUP_WITHOUT_SCOPE.search(
        text,
        _clause_start(text, mention.start, max(0, mention.start - _GROUP_REACH), SENTENCE_END),
        mention.start,
    ):
        return True
    if indicator.id == "new_floor_area" and not _BUILT_CUE.search(
        text, text.rfind("\n", 0, mention.start) + 1, _sentence_end(text, mention.end)
    ):
        return True  # `占地面积22557亩,校舍建筑面积5392037平方米`: the area there is
    if _STAFF_NOUN.search(own):
        return indicator.id in _COUNTS_PUPILS
    if _GRADUATES_HIRED.search(own):
        return indicator.id not in _COUNTS_STAFF
    return bool(_PUPIL_NOUN.search(own)) and indicator.id in _COUNTS_STAFF


_COEFFICIENT_BEFORE = re.compile(
    r"(?:系数|指数)[,:]?[^。;,\d]{0,8}$|(?:系数|指数)[^。;\d]{0,12}(?:为|是)[^。;\d]{0,12}$|小于或等于$|不高于$|低于$"
    # the next coefficient of a list: 系数分别为0.32和0.35, 系数小学为0.305,初中为0.321
    r"|(?:系数|指数)[^。;\d]{0,12}\d+\.\d+[和、与及,][^。;\d]{0,6}$"
)
_RATE_NAMED_BEFORE = re.compile(r"[^\d\s]{2}率(?:为|是|达|达到)?\s?$")
_COEFFICIENT_NAMED = re.compile(r"(?:系数|指数)[^。;]*$")
_LEVEL_WORD = re.compile(r"小学|初中")


def _level_coefficient(catalog: Catalog, level: str, distance: int) -> list[tuple[int, Indicator]]:
    """The balance coefficient of a level (小学, 初中), where the catalog has it."""
    specific = dict(_LEVEL_SPECIFIC["balance_coefficient"]).get(level)
    return [(distance, catalog.indicators[specific])] if specific in catalog.indicators else []


_BUILD_VERB = re.compile(r"新建|改扩建|新改扩建|扩建|增建|新开|建成|建设|投建|开工|迁建|配建")
_BUILD_ALONE = re.compile(r"(?:^|[,、;:。\s])建$")
"""`建3所村办幼儿园`: 建 alone, opening the phrase right before the number"""
_BUILT_LIST = re.compile(
    r"(?:新建|改扩建|新改扩建|扩建|增建|投建|迁建|配建)\d+所[^\d,。;、]{1,8}(?:[,、]?\d+所[^\d,。;、]{1,8})*[,、]?$"
)
"""`新建44所幼儿园,13所小学,12所一贯制学校`: the later items of a list a building verb opens"""
_NOT_A_SCHOOL = re.compile(r"[^,。;、]{0,8}?(?:党支部|党总支|党组织|支部|工作室|工作站|社团)")
_NAMED_BEFORE = re.compile(
    r"(?:^|[,、;:(。\n])(?:其中)?(?P<noun>[^,、;:()。\d]{1,8}?)(?:为|达到|达|共|有|共有)?$"
)
"""The noun a number directly follows in its own phrase (`其中学前26866人`, `现有幼儿25113人`)."""
_NAMED_COUNTS = (
    ("人",
     re.compile(r"(?:现有|共有)?(?:学前(?:教育)?|幼儿(?:数|人数)?|幼儿园|公办园|民办园|在园幼儿(?:数|人数)?)"),
     "kindergarten_enrollment"),
    ("%", re.compile(r"入学率"), "special_needs_enrollment_rate"),
)  # fmt: skip
"""A count named by the noun right before it: children in kindergartens, the
enrolment rate of a disabled group (`残障儿童、少年共220人,入学率达99%`)."""
_DISABLED = re.compile(r"残疾|残障|特殊教育|特教")
_LEVEL_SPECIFIC = {
    "new_school_places": (("学前", "new_preschool_places"), ("义务教育", "new_compulsory_places"),
                          ("小学", "new_compulsory_places"), ("初中", "new_compulsory_places"),
                          ("中小学", "new_compulsory_places")),
    "balance_coefficient": (("小学", "balance_coefficient_primary"), ("初中", "balance_coefficient_junior")),
}  # fmt: skip
"""An indicator for a level not stated, and the indicator to use where the clause states the level."""


_RATE_WORD = re.compile(r"率|比例|占比")
_OTHER_SCHOOLS_AFTER = re.compile(r"[^,。;、\d]{0,3}?(?:学校|中小学|小学|中学|初中|高中|高校|院校)")
_KINDERGARTEN_GRADE = re.compile(
    r"(?:[一二三四五六七八九]级|示范性?|标准化|星级|等级|优质|新增|增加|新认定|认定)[^,。;、\d]{0,4}(?:幼儿园|园)$"
)


def _not_the_kindergarten_count(text: str, mention: Mention) -> bool:
    """`230余所中小学幼儿园`, `16所学校操场`: the noun after the number is not a
    kindergarten; `一级幼儿园86所`, `市级示范性幼儿园2所`, `新增幼儿园64所`: a grade,
    a designation or the year's additions, not the number of kindergartens."""
    if _OTHER_SCHOOLS_AFTER.match(text, mention.end):
        return True
    phrase_start = _clause_start(text, mention.start, max(0, mention.start - 30), _PHRASE_END)
    return _KINDERGARTEN_GRADE.search(text[phrase_start : mention.start]) is not None


def _rerank(
    catalog: Catalog,
    text: str,
    ranked: list[tuple[int, Indicator]],
    mention: Mention,
    unit: str,
    clause_start: int,
    section: Section | None = None,
) -> list[tuple[int, Indicator]]:
    """Wording the nearest alias gets wrong:
    - `新建2所民办学校党支部`: what is counted is a party branch, no school indicator;
    - `新建、改扩建公办幼儿园150所`: the building verb governs the noun (schools_built,
      not kindergarten_count);
    - `新增学前教育优质学位1260个`: places of a stated level take that level's indicator;
    - `均衡系数小学为0.305`: a coefficient takes the balance coefficient of the level named
      last before it;
    - `辍学率0.03%,毕业率100%`: a rate its own phrase names keeps no earlier name;
    - `一级幼儿园86所`, `230余所中小学幼儿园`: no kindergarten_count (`_not_the_kindergarten_count`);
    - `将建5所小学`, `完成4所学校建设任务`: schools a verb builds (`_schools_a_verb_builds`);
    - where no name is found, a name for the number's kind of wording (building money,
      a noun ending in 园, a built area, aid, a pupil-staff ratio, a lead-in)."""
    named = _NAMED_BEFORE.search(text, max(0, mention.start - 16), mention.start)
    if named is not None:
        for unit_named, pattern_named, indicator_id in _NAMED_COUNTS:
            indicator = catalog.indicators.get(indicator_id)
            if (
                unit == unit_named
                and indicator is not None
                and pattern_named.fullmatch(named.group("noun"))
                and (
                    indicator_id != "special_needs_enrollment_rate"
                    or _DISABLED.search(text, max(0, mention.start - 40), mention.start)
                )
                # `教职工1247人,其中幼儿园201人`: the staff of kindergartens, not their children
                and not (
                    named.group("noun").endswith("幼儿园")
                    and _STAFF_NOUN.search(
                        text,
                        _clause_start(text, mention.start, max(0, mention.start - 60), SENTENCE_END),
                        mention.start,
                    )
                )
            ):
                return [(0, indicator), *[item for item in ranked if item[1] is not indicator]]
    # the number's own phrase: back to the last comma, at most 30 characters
    phrase_start = _clause_start(text, mention.start, max(0, mention.start - 30), _PHRASE_END)
    own_phrase = mention.start - phrase_start
    if unit == "%":
        share_of = _share_subject(catalog, text, mention)
        # `公办园10301人,占比41.02%`: the share's subject outweighs a name outside its phrase
        if share_of is not None and (not ranked or ranked[0][0] > own_phrase):
            return [(0, share_of), *[item for item in ranked if item[1] is not share_of]]
        if ranked and _RATE_WORD.search(text, phrase_start, mention.start):
            # `辍学率0.03%,毕业率100%`: a rate its own phrase names takes no name from before it
            own = _candidates(catalog, text, phrase_start, mention, unit, phrase_start)
            if ranked[0][1] not in [indicator for _, indicator in own]:
                return own
    if ranked and unit in _MONEY_UNITS and ranked[0][0] > own_phrase:
        # `教育支出实现稳步增长,投入15.74亿元改扩建义务教育学校63所`: money put in to build,
        # the name before it in another phrase
        building = _money_for_building(catalog, text, mention, unit)
        if building:
            return [*building, *[item for item in ranked if item[1] is not building[0][1]]]
    built = catalog.indicators.get("schools_built")
    if built is not None and not unit_fits(built, unit):
        built = None  # (schools_built is only a count of 所)
    if built is not None and _schools_a_verb_builds(text, mention):
        return [(0, built), *[item for item in ranked if item[1] is not built]]
    if not ranked:
        level = _LEVEL_WORD.findall(text, max(0, mention.start - 40), mention.start)
        if unit == "coef" and level:
            return _level_coefficient(catalog, level[-1], mention.start)
        return (
            _money_for_building(catalog, text, mention, unit, section)
            or _money_named_by_building(catalog, text, mention, unit)
            or _kindergartens_named(catalog, text, mention, unit, named)
            or _area_built(catalog, text, mention, unit)
            or _aid_paid(catalog, text, mention, unit)
            or _staff_ratio(catalog, text, mention, unit)
            or _named_by_lead_in(catalog, text, mention, unit, section)
            or _named_by_most_of_a_name(catalog, text, mention, unit)
            or _named_by_parts(catalog, text, mention, unit)
        )
    if _NOT_A_SCHOOL.match(text, mention.end):
        return [(distance, item) for distance, item in ranked if item.unit != "所"]
    if ranked[0][1].id == "kindergarten_count" and _not_the_kindergarten_count(text, mention):
        ranked = [(distance, item) for distance, item in ranked if item.id != "kindergarten_count"]
        if not ranked:
            return ranked
    if built is not None and _BUILT_LIST.search(text, max(0, mention.start - 80), mention.start):
        return [(ranked[0][0], built), *[item for item in ranked if item[1] is not built]]
    top = ranked[0][1]
    if (
        built is not None
        and top.id == "kindergarten_count"
        and (
            _BUILD_VERB.search(text, phrase_start, mention.start)
            or _BUILD_ALONE.search(text, max(0, mention.start - 2), mention.start)
        )
    ):
        return [(ranked[0][0], built), *ranked]
    sentence_start = _clause_start(text, mention.start, max(0, mention.start - 120), SENTENCE_END)
    levels = _nearest_levels(catalog, text, sentence_start, mention.start)
    if not levels:
        # `增加1万个小学学位`: the level inside the noun the number counts
        stop = _CLAUSE_END.search(text, mention.end, mention.end + _NOUN_REACH)
        levels = _nearest_levels(
            catalog, text, mention.end, stop.start() if stop else mention.end + _NOUN_REACH
        )
    for term, specific in _LEVEL_SPECIFIC.get(top.id, ()):
        if term in levels:
            return [(ranked[0][0], catalog.indicators[specific]), *ranked]
    return ranked


_MONEY_UNITS = frozenset({"万元", "元"})
_PUT_IN = re.compile(r"(?:投入|投资|筹措|拨付|争取|下达)(?:[^,;。:、\d]{0,10}(?:资金|经费))?$")
_PUT_IN_REACH = 16
_BUILDING_PURPOSE = re.compile(
    r"新建|改扩建|扩建|改建|改造|维修|校舍|教学楼|操场|宿舍|食堂|建设面积|办学条件|薄弱环节|(?:学校|校园|幼儿园|园所|项目|工程|考场|场地|设施)建设|(?:重点|改造|维修|建设)工程|交付使用|竣工"
)
_PURPOSE_REACH = 40


def _money_for_building(
    catalog: Catalog, text: str, mention: Mention, unit: str, section: Section | None = None
) -> list[tuple[int, Indicator]]:
    """Money put in, named by no alias, whose sentence goes on to say what it
    builds (`投入资金3310万元,扩建面积5005平方米的…教学楼`, `投入29万元资金推进…考场建设`)
    is construction money: the genre names the purpose after the amount, or in
    the heading of a project the amount's sentence opens (`二、新建、改扩建公办幼儿园
    150所` / `省级财政补助资金下达4.2288亿元,…`)."""
    construction = catalog.indicators.get("construction_investment")
    if construction is None or not unit_fits(construction, unit):
        return []
    if not _PUT_IN.search(text, max(0, mention.start - _PUT_IN_REACH), mention.start):
        return []
    end = SENTENCE_END.search(text, mention.end, mention.end + _PURPOSE_REACH)
    purpose = _BUILDING_PURPOSE.search(
        text, mention.end, end.start() if end else mention.end + _PURPOSE_REACH
    )
    if purpose is not None:
        return [(purpose.start() - mention.end + _NAME_AFTER, construction)]
    if section is None or not section.path_spans:
        return []
    heading_start, heading_end = section.path_spans[-1]
    sentence_start = _clause_start(text, mention.start, heading_end, SENTENCE_END)
    opens_section = not text[heading_end:sentence_start].strip()
    if opens_section and _BUILDING_PURPOSE.search(text, heading_start, heading_end):
        return [(mention.start - heading_end + _NAME_AFTER, construction)]
    return []


_BUILD_OR_PLAN = rf"(?:{_BUILD_VERB.pattern}|[将拟共再]建)"
_LISTED_SCHOOLS = r"\d+所[^\d,。;:]{0,14}?[,、]?(?:以及|和|及)?"
_BUILDING_MONEY = re.compile(
    rf"(?:{_BUILDING_PURPOSE.pattern}|建设)[^\d,。;:、]{{0,6}}?(?:资金|工程款|款|经费|投资)(?:为|达|共|计)?\s?$"
)
_BUILDING_MONEY_REACH = 24


def _named_right_before(
    catalog: Catalog,
    indicator_id: str,
    name: re.Pattern[str],
    reach: int,
    text: str,
    mention: Mention,
    unit: str,
) -> list[tuple[int, Indicator]]:
    """The indicator, where its unit fits and `name` ends right before the number."""
    indicator = catalog.indicators.get(indicator_id)
    if indicator is None or not unit_fits(indicator, unit):
        return []
    named = name.search(text, max(0, mention.start - reach), mention.start)
    return [(mention.start - named.end(), indicator)] if named is not None else []


def _money_named_by_building(
    catalog: Catalog, text: str, mention: Mention, unit: str
) -> list[tuple[int, Indicator]]:
    """Money whose own name says it builds (`实训楼建设工程款77万元`, `校舍维修改造资金493
    万元`) is construction money, whichever building it names."""
    return _named_right_before(
        catalog, "construction_investment", _BUILDING_MONEY, _BUILDING_MONEY_REACH, text, mention, unit
    )


_KINDERGARTEN_NOUN = re.compile(
    r"(?![^园]*(?:级|示范|骨干|优质|星|特色))[^\d,。;:、]{0,6}(?<![公校乐花家果茶菜陵庄田])园"
)


def _kindergartens_named(
    catalog: Catalog, text: str, mention: Mention, unit: str, named: re.Match[str] | None
) -> list[tuple[int, Indicator]]:
    """A count of schools named by a noun ending in 园 that no alias is (`学校附设园9所`,
    `企事业单位办园1所`) counts kindergartens; a grade or designation does not
    (`省级骨干园1所`, `_not_the_kindergarten_count`). `named`: the noun the number
    follows, as `_rerank` found it (`_NAMED_BEFORE`)."""
    count = catalog.indicators.get("kindergarten_count")
    if (
        count is None
        or not unit_fits(count, unit)
        or named is None
        or not _KINDERGARTEN_NOUN.fullmatch(named.group("noun"))
        or _not_the_kindergarten_count(text, mention)
    ):
        return []
    return [(0, count)]


_VERB_BEFORE_SCHOOLS = re.compile(
    rf"{_BUILD_OR_PLAN}[^\d,。;:]{{0,20}}(?:{_LISTED_SCHOOLS}[^\d,。;:]{{0,14}})*$"
)
"""A building verb opening the phrase, or a list whose earlier items it builds
(`投建区第三实小等5所小学、区机关幼儿园等4所公办幼儿园,以及…等6所普惠性幼儿园`)."""
_SCHOOL_NOUN_AFTER = re.compile(r"[^,。;、\d]{0,4}?(?:学校|中小学|小学|中学|初中|高中|普高|幼儿园)")
_BUILDING_AFTER = re.compile(r"(?:的)?(?:建设|新建|改扩建|扩建|建成)(?:任务|项目|工程)?(?=[,。;、]|$)")
_BUILT_REACH = 80


def _schools_a_verb_builds(text: str, mention: Mention) -> bool:
    """A count of schools (`5所小学`, `6所普惠性幼儿园`) that a building verb before
    it builds, whichever verb (`将建5所小学10所幼儿园`, `额外建成开办5所学校`), or whose
    building closes its phrase (`完成4所学校建设任务`, not `在7所学校建设资源教室`, not
    `3所幼儿园建设主体完成`): the catalog names only the commonest verbs
    (新建/改扩建), and the genre puts names and lists between verb and count."""
    noun = _SCHOOL_NOUN_AFTER.match(text, mention.end)
    if noun is None or _NOT_A_SCHOOL.match(text, mention.end):
        return False
    if _BUILDING_AFTER.match(text, noun.end()):
        return True
    return _VERB_BEFORE_SCHOOLS.search(text, max(0, mention.start - _BUILT_REACH), mention.start) is not None


_AREA_BUILT = re.compile(
    r"(?:新建|扩建|改扩建|建成|竣工|投入使用)[^,;。:、]{0,12}?(?:校舍|教学楼|学校|幼儿园|宿舍)"
)
_AREA_BUILT_REACH = 16
_AREA_NAMED_BUILT = re.compile(r"(?:新建|扩建|改扩建|建成|竣工|新增)[^\d,。;:、]{0,4}面积(?:为|达|达到|约)?$")
"""`竣工面积2.25万平方米`, `扩建面积5005平方米`: an area whose name is its building."""


def _area_built(catalog: Catalog, text: str, mention: Mention, unit: str) -> list[tuple[int, Indicator]]:
    """An area named by no alias whose own clause says school buildings were built
    or put to use, right before it or right after (`投入使用校舍12530平方米`,
    `15万平方米新建改建义务教育学校校舍`), is new floor area; a stock (`校舍总面积`)
    names no building verb."""
    floor_area = catalog.indicators.get("new_floor_area")
    if floor_area is None or not unit_fits(floor_area, unit):
        return []
    start = _clause_start(text, mention.start, max(0, mention.start - _AREA_BUILT_REACH))
    stop = _CLAUSE_END.search(text, mention.end, mention.end + _AREA_BUILT_REACH)
    before = _AREA_BUILT.search(text, start, mention.start) or _AREA_NAMED_BUILT.search(
        text, start, mention.start
    )
    after = _AREA_BUILT.match(text, mention.end, stop.start() if stop else mention.end + _AREA_BUILT_REACH)
    if before is None and after is None:
        return []
    return [(mention.start - before.end() if before is not None else _NAME_AFTER, floor_area)]


_AID_BEFORE = re.compile(r"(?:资助|助学金|奖学金|奖助学金)[^\d,。;:贷]{0,8}$")
_AID_REACH = 14


def _aid_paid(catalog: Catalog, text: str, mention: Mention, unit: str) -> list[tuple[int, Indicator]]:
    """Money named by aid right before it (`给予入学资助4605.8万元`, `学生资助补助资金
    18.78亿元`) is student aid, whatever the rest of its name; a loan (`助学贷款`) is not."""
    return _named_right_before(catalog, "student_aid_amount", _AID_BEFORE, _AID_REACH, text, mention, unit)


_RATIO_REACH = 14
_STAFF_RATIO = re.compile(
    r"(?:[生幼][^\d,。;:]{0,6}(?:师|教职工)|(?:师|教职工)[^\d,。;:]{0,6}[生幼])[^\d,。;:]{0,2}比(?:例)?(?:为|是|达到|达)?$"
)


def _staff_ratio(catalog: Catalog, text: str, mention: Mention, unit: str) -> list[tuple[int, Indicator]]:
    """A ratio named by pupils and staff in either order (`师生比为1:25.5`,
    `幼儿与专任教师比1:12`) is the student-teacher ratio, however worded."""
    return _named_right_before(
        catalog, "student_teacher_ratio", _STAFF_RATIO, _RATIO_REACH, text, mention, unit
    )


_LEAD_IN_REACH = 240
_NOUN_REACH = 6


_HEADING_NAMES_UNITS = frozenset({"元"})
"""Amounts per head: a heading naming spending per student names the items under it."""


def _named_by_lead_in(
    catalog: Catalog, text: str, mention: Mention, unit: str, section: Section | None = None
) -> list[tuple[int, Indicator]]:
    """A list's items name no indicator when the sentence that opens the list with a
    colon does (`…生均一般公共预算教育经费增长情况是:` / `1` / `全省幼儿园为5769.00元,…`):
    the one indicator named there whose unit fits. Not for rates: a lead-in's
    `增长情况` names what the list is about, not each item's growth."""
    if unit in ("%", "个百分点"):
        return []
    colon = text.rfind(":", max(0, mention.start - _LEAD_IN_REACH), mention.start)
    if colon >= 0:
        lead_start = _clause_start(text, colon, max(0, colon - _LEAD_IN_REACH), SENTENCE_END)
        named = _named_in_lead_in(catalog, text[lead_start:colon], unit)
        return [(mention.start - colon, named[0])] if len(named) == 1 else []
    if section is None or not section.path_spans or unit not in _HEADING_NAMES_UNITS:
        return []
    # `(二)各级教育生均一般公共预算教育经费增长情况` / `1.全省幼儿园为5547.86元`: the
    # heading over the list opens it as a colon would; the nearest heading that names
    # anything, as a numbered item may be a heading of its own
    for heading_start, heading_end in reversed(section.path_spans):
        named = _named_in_lead_in(catalog, text[heading_start:heading_end], unit)
        if named:
            return [(mention.start - heading_end, named[0])] if len(named) == 1 else []
    return []


def _named_in_lead_in(catalog: Catalog, lead_in: str, unit: str) -> list[Indicator]:
    """The indicators a lead-in names: by catalog name, else by its subject and
    measured noun (`各级教育生均一般公共预算教育经费增长情况`)."""
    named = [indicator for _, indicator in _candidates_in_label(catalog, lead_in, unit)]
    if named:
        return named
    return [indicator for _, indicator in _named_by_parts_in(catalog, lead_in, 0, len(lead_in), unit)]


_SHARE_WORD = re.compile(r"占")
_SHARE_SUBJECTS = (
    (
        re.compile(r"普惠[^,。;]{0,8}在园幼儿|普惠[^,。;]{0,6}(?:幼儿园|园)[^,。;]{0,2}幼儿"),
        "preschool_inclusive_rate",
    ),
    (
        re.compile(r"公办[^,。;]{0,6}(?:幼儿园|园)(?:在园幼儿|幼儿)?(?:\d|[^,。;]{0,2}$)"),
        "preschool_public_enrollment_share",
    ),
    (re.compile(r"交流(?:轮岗)?[^,。;]{0,6}(?:教师|校长)"), "teacher_rotation_share"),
)
"""What a share is of, from the subject before its 占 (`普惠性幼儿园在园幼儿26.96万人,
占全省在园幼儿的比例76.15%`): the inclusive rate, the public share, the rotation share."""


def _share_subject(catalog: Catalog, text: str, mention: Mention) -> Indicator | None:
    phrase_start = _clause_start(text, mention.start, max(0, mention.start - 30), _PHRASE_END)
    shares = list(_SHARE_WORD.finditer(text, phrase_start, mention.start))
    if not shares:
        return None
    share = shares[-1]
    subject_start = 0
    if phrase_start > 0:
        subject_start = _clause_start(text, phrase_start - 1, max(0, phrase_start - 40), SENTENCE_END)
    subject = text[subject_start : share.start()]
    for pattern, indicator_id in _SHARE_SUBJECTS:
        if pattern.search(subject):
            return catalog.indicators.get(indicator_id)
    return None


def _nearest_scope_terms(catalog: Catalog, text: str, start: int, end: int) -> set[str]:
    """The scope terms of the clause before a number, else those named last
    before it in its sentence (`两个小区配套幼儿园已经开园,总共新增600个学位`)."""
    clause_start = _clause_start(text, end, start)
    in_clause = _clause_scope_terms(catalog, text, clause_start, end)
    if in_clause:
        return in_clause
    found = _scope_terms_named(catalog, text, start, clause_start)
    return {found[-1]} if found else set()


def _scope_terms_named(catalog: Catalog, text: str, start: int, end: int) -> list[str]:
    """The scope terms text[start:end] names, in order, those inside a school's name left out."""
    pattern, term_of = _scope_pattern(catalog)
    return [
        term_of[_name(match)]
        for match in pattern.finditer(text, start, end)
        if not _in_school_name(text, match.start(), match.end())
    ]


_KINDERGARTEN_SHORT = re.compile(r"(?:公办|民办|普惠)园")
"""公办园学位: kindergartens named short, a level the scope terms leave out (公办园 is 公办)"""


def _nearest_levels(catalog: Catalog, text: str, start: int, end: int) -> set[str]:
    """The level a number's own words name, as `_nearest_scope_terms` finds it, but
    levels only (`义务教育阶段公办学校…新增学位`: 义务教育, not 公办), and none when
    the sentence before lists several (`高中2所…学前教育1所,预计增加学位30500个`)."""
    clause_start = _clause_start(text, end, start)
    in_clause = _clause_scope_terms(catalog, text, clause_start, end) & _LEVELS
    if _KINDERGARTEN_SHORT.search(text, clause_start, end):
        in_clause.add("学前")
    if in_clause:
        return in_clause
    found = set(_scope_terms_named(catalog, text, start, clause_start)) & _LEVELS
    if _KINDERGARTEN_SHORT.search(text, start, clause_start):
        found.add("学前")
    for school in _SCHOOLS.finditer(text, start, clause_start):
        if not _clause_scope_terms(catalog, text, max(start, school.start() - 8), school.start()) & _LEVELS:
            return set()  # `新建学校8所…幼儿园建设项目40个,…新增学位26600个`: schools of every level too
    return found if len(found) == 1 else set()


_SCHOOLS = re.compile(r"(?<![小中育业工])学校")


_NUMBERED_SCHOOL = re.compile(r"第[一二三四五六七八九十\d]{1,3}$")
_EXAMPLES_FOLLOW = re.compile(r"等\d|[^\s,。;、]{0,4}(?:校区|分校)")


def _in_school_name(text: str, start: int, end: int) -> bool:
    """`第五中学`, `东环小学万昌校区`, `…中学等10所学校`: a level word inside a
    school's name (a numbered school, a campus, the last example before 等N所)
    states no level."""
    return bool(_NUMBERED_SCHOOL.search(text, max(0, start - 4), start) or _EXAMPLES_FOLLOW.match(text, end))


def _clause_scope_terms(catalog: Catalog, text: str, start: int, end: int) -> set[str]:
    pattern, term_of = _scope_pattern(catalog)
    return {term_of[_name(match)] for match in pattern.finditer(text, start, end)}


_KINDERGARTEN_ROW = re.compile(r"幼儿园|学前教育")
_STUDENTS_COLUMN = re.compile(r"在校(?:学)?生|学生数")


def _kindergarten_row(catalog: Catalog, cell: TableCell, unit: str) -> list[tuple[int, Indicator]]:
    """A basic-data table's kindergarten row (`幼儿园(含学前)`) under a students
    column (`在校学生数`) counts the children in kindergartens."""
    indicator = catalog.indicators.get("kindergarten_enrollment")
    if (
        indicator is None
        or not unit_fits(indicator, unit)
        or not _KINDERGARTEN_ROW.match(cell.row_label)
        or not _STUDENTS_COLUMN.search(cell.column)
    ):
        return []
    return [(0, indicator)]


def _candidates_in_label(catalog: Catalog, label: str, unit: str) -> list[tuple[int, Indicator]]:
    pattern, by_alias = _alias_pattern(catalog)
    ranked: list[tuple[int, Indicator]] = []
    for match in pattern.finditer(label):
        if " " in match.group():
            continue  # a table's label joins its cells with a blank (`小学 差异系数`): no name spans two
        for indicator in by_alias[_name(match)]:
            if unit_fits(indicator, unit) and indicator not in [item for _, item in ranked]:
                ranked.append((0, indicator))
    return ranked


_HEADING_YEAR = re.compile(r"(?:19|20)\d{2}(?=年)")
_PARAGRAPH_YEAR = re.compile(r"\s*(?:【[^】\n]{0,12}】\s*)?(?P<year>(?:19|20)\d{2})(?=年(?:度|底|末)?[,:])")
_ONE_YEAR_TITLE = re.compile(
    r"((?:19|20)\d{2})年(?:度)?[^\n。,;]{0,30}?(?:统计公报|统计数据|发展概况|工作总结|为民办实事|民生实事|情况表|统计表)"
    r"|(?:概况|公报|总结)[^\n。]{0,12}\(((?:19|20)\d{2})年版\)"
)
_TITLE_REACH = 1500


def _document_year(text: str) -> int | None:
    """A statistics bulletin or a one-year summary names its year in its title
    (2023年广东省教育事业发展统计公报, 教育事业发展概况(2023年版)): the year of its
    every number that states no other. Other reports (a plan, a self-evaluation of
    several years) get none from their title."""
    match = _ONE_YEAR_TITLE.search(text, 0, _TITLE_REACH)
    if match is None:
        return None
    return int(match.group(1) or match.group(2))


def _paragraph_year(text: str, position: int) -> int | None:
    """`2022年,全县共有学校486所。其中...`: a paragraph that opens with a year is about it."""
    paragraph_start = text.rfind("\n", 0, position) + 1
    match = _PARAGRAPH_YEAR.match(text, paragraph_start, position)
    return int(match.group("year")) if match else None


_OPENING_YEAR = re.compile(r"^[ \t]*(?:19|20)\d{2}(?=年(?:度|底|末)?[,:])", re.MULTILINE)


def _section_opening_year(text: str, section_start: int, position: int) -> int | None:
    """`十、教育` / `2022年末,全县…` / a table: the cells of a table with no year of
    its own take the year its section's last paragraph before it opens with."""
    openings = list(_OPENING_YEAR.finditer(text, section_start, position))
    return int(openings[-1].group().strip()) if openings else None


def _heading_year(section: Section) -> int | None:
    for title in reversed(section.heading_path):
        match = _HEADING_YEAR.search(title)
        if match:
            return int(match.group())
    return None


_MOST_OF_A_NAME = 0.75
"""(0.6 and 0.66 named 21 and 19 more dev numbers, nearly all wrongly: 适龄儿童入学率
for 残疾儿童入学率)"""
_NAME_CLAUSE_REACH = 24


def _named_by_most_of_a_name(
    catalog: Catalog, text: str, mention: Mention, unit: str
) -> list[tuple[int, Indicator]]:
    """A name written with words in and out (`公办幼儿园在园幼儿在全县在园幼儿中占比`
    for 公办幼儿园在园幼儿占比): three quarters of one catalog name's two-character
    pieces, its last piece (the measured noun: 占比, 学位, 率) among them, in the
    number's clause, and no other indicator's name so written."""
    start = _clause_start(text, mention.start, max(0, mention.start - _NAME_CLAUSE_REACH))
    if _PER_HEAD.search(text, start, mention.start) and unit != "元":
        return []  # (`生均校舍面积`: a per-student average)
    clause = bigrams(text[start : mention.start])
    named = {
        indicator.id: indicator
        for indicator, last, pieces in _name_pieces(catalog)
        if last in clause
        and len(pieces & clause) >= _MOST_OF_A_NAME * len(pieces)
        and unit_fits(indicator, unit)
    }
    return [(mention.start - start, indicator) for indicator in named.values()] if len(named) == 1 else []


@cache
def _name_pieces(catalog: Catalog) -> tuple[tuple[Indicator, str, frozenset[str]], ...]:
    """Each catalog name of three pieces or more: its indicator, last piece and pieces."""
    return tuple(
        (indicator, name[-2:], frozenset(bigrams(name)))
        for indicator in catalog.indicators.values()
        for name in indicator.names
        if len(bigrams(name)) >= 3
    )


_NAME_PARTS = (
    ("per_student_public_funding", re.compile(r"生均[^,。;:\d]{0,10}公用经费")),
    (
        "per_student_expenditure",
        re.compile(r"生均(?![^,。;:\d]{0,10}公用)[^,。;:\d]{0,10}(?:经费|支出|事业费)"),
    ),
    (
        "preschool_gross_enrollment_rate",
        re.compile(r"学前(?![一二两]年|[^,。;:\d]{0,6}(?:普惠|公办|残疾))[^,。;:\d]{0,6}入[园学]率"),
    ),
    ("high_school_gross_enrollment_rate", re.compile(r"(?<!升入)高中阶段[^,。;:\d]{0,6}入学率")),
    ("special_needs_enrollment_rate", re.compile(r"残疾[^,。;:\d]{0,10}入学率")),
    ("compulsory_retention_rate", re.compile(r"义务教育[^,。;:\d]{0,6}巩固率")),
    ("education_investment", re.compile(r"(?<!财政性)教育经费[^,。;:\d]{0,4}(?:总投入|投入|总收入)")),
    ("education_expenditure", re.compile(r"教育(?:经费)?[^,。;:\d]{0,4}支出|一般公共预算教育经费")),
    ("kindergarten_enrollment", re.compile(r"在园[^,。;:\d]{0,4}(?:幼儿|儿童|人数|学生)")),
    (
        "schools_built",
        re.compile(r"(?:新建|新增|新开工|开工建设|建成|改扩建|投建)[^,。;:\d]{0,6}(?:学校|幼儿园)"),
    ),
    ("new_floor_area", re.compile(r"(?:新建|改扩建|扩建|新增|建设|竣工)[^,。;:\d]{0,6}面积")),
    ("preschool_inclusive_rate", re.compile(r"普惠[^,。;:\d]{0,8}(?:占比|比例|覆盖率)")),
    (
        "student_aid_amount",
        re.compile(
            r"(?:资助|助学)(?![^,。;:\d]{0,2}贷款)[^,。;:\d]{0,4}(?:金|资金|经费)"
            r"|(?:免除|减免)[^,。;:\d]{0,8}(?:学杂费|学费|保教费)|教育[^,。;:\d]{0,4}扶贫[^,。;:\d]{0,2}资金"
        ),
    ),
    # education_investment again, last: `财政投入` right before the number names the
    # total only where no more specific name (教育支出, 资助资金) stands in the clause
    (
        "education_investment",
        re.compile(r"财政[^,。;:\d]{0,2}投入(?:[^,。;:\d]{0,2}经费)?(?:为|达|共)?$"),
    ),
    (
        "teachers_recruited",
        re.compile(
            r"(?:新招|新进|新录用|招聘|招录|招考|引进|调入|安置)[^,。;:\d]{0,8}(?:教师|老师|教职工|师范毕业生|教育人才)"
        ),
    ),
)
"""What the genre's names of an indicator share, whatever words it puts between:
the subject and the measured noun (`学前三年幼儿入园率`, `全县地方教育经费总收入`,
`生均一般公共预算教育事业费支出`); not 学前一年 (one year's rate), not the rate of
those 升入高中阶段, not 国家财政性教育经费 (a part of the funds, no catalog total)."""


_ASIDE_BEFORE = re.compile(r"\([^()]{4,60}\)(?:为|是|达到|达)?\s?$")
"""A long aside between a name and its number: what the total includes."""
_ASIDE_REACH = 66


def _named_by_parts(catalog: Catalog, text: str, mention: Mention, unit: str) -> list[tuple[int, Indicator]]:
    """An indicator whose subject and measured noun stand in the number's clause,
    where no catalog name does."""
    end = mention.start
    aside = _ASIDE_BEFORE.search(text, max(0, end - _ASIDE_REACH), end)
    if aside is not None:
        end = aside.start()  # `一般公共预算教育经费(包括教育事业费、基建经费…)为1111.49亿元`
    start = _clause_start(text, end, max(0, end - _NAME_CLAUSE_REACH), _PHRASE_END)  # (a name may hold 、)
    return [
        (mention.start - found_end, indicator)
        for found_end, indicator in _named_by_parts_in(catalog, text, start, end, unit)
    ]


def _named_by_parts_in(
    catalog: Catalog, text: str, start: int, end: int, unit: str
) -> list[tuple[int, Indicator]]:
    """The first `_NAME_PARTS` indicator whose unit fits and whose pattern stands in
    text[start:end], with the end of its match."""
    for indicator_id, pattern in _NAME_PARTS:
        indicator = catalog.indicators.get(indicator_id)
        if indicator is None or not unit_fits(indicator, unit):
            continue
        found = pattern.search(text, start, end)
        if found is not None:
            return [(found.end(), indicator)]
    return []
