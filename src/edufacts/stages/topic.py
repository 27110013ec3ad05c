"""Stage 3b, topic: is a number about education? Mixed documents (statistics
bulletins, government work reports, social-affairs summaries) carry health,
civil-affairs, economy and party-building numbers beside the education ones;
those are not facts (design: `unclaimed`, reason `out_of_scope`). Pure: the
judgement rests on the words around the number, its heading path and what
the document is mostly about. Runs on the normalized (simplified) view.

The order of evidence, strongest first:
1. the noun the number counts, written right after it in its clause
   (`3所学校`, `120张床位`);
2. the nearest topic word before it in its sentence (`在校学生5200人`;
   `卫生院3个`): a party-building word (党员, 党支部) only counts when the
   clause names no school, student or teacher, as the genre reports party
   organisations in schools as education work;
3. the innermost heading that names a topic (`(三)教育事业`, `四、卫生健康`);
4. the document: when most of its numbers sit next to education words it is
   an education report, and a number without evidence is education; else not.

In an education report only a sentence with no education word at all and a
word of another topic (`医疗机构`, `生产总值`) is out of scope, so that
`学生体质健康` or `校园文化` stay facts there.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .numbers import Mention
from .segment import Section, Table, clause_start, sentence_bounds, sentence_ends

Certainty = Literal["noun", "sentence", "table", "heading", "document"]

EDUCATION_WORDS = re.compile(
    r"教育|学校|学生|在校生|在园|学前|幼儿|小学|初中|中学|高中|高校|大学|学院|中职|职校|职业院校|技工学校"
    r"|特教|教师|教职工|师资|校长|班主任|校园|校舍|校区|学位|入学|入园|招生|毕业生|升学|课程|课堂|课后|学科"
    r"|学段|学年|办学|师生|生均|班级|班额|助学|资助|营养改善|校车|教学|育人|双减|研学|托管|教研|教材|考试|中考|高考"
    r"|校校通|班班通|人人通|学龄"
)
_OTHER_TOPIC = (
    r"医疗|医院|医生|医师|医保|医药|诊疗|门诊|住院|病床|床位|疾病|疫苗|接种|卫生院|卫生室|卫生|健康|护理|托育|托位|托儿\s*所"
    r"|养老|老年|老人|残疾人|低保|特困|救助|民政|殡葬|婚姻|退役军人|优抚|就业|失业|创业|社保|社会保险|参保|养老保险"
    r"|生产总值|GDP|财政收入|税收|工业|农业|粮食|畜牧|旅游|游客|企业|招商|固定资产投资|公里|道路|交通|公路|铁路|住房"
    r"|棚户|脱贫|贫困人口|农民|居民收入|(?<!事业)(?<!经费)(?<!经费总)收入|消费|出口|进口|外贸|金融|存款|贷款|邮政|邮电|电信|通信|宽带"
    r"|文化|文物|图书馆|博物馆|体育场|体育|健身|赛事|广播|电视|环境|生态|污染|排放|能源|电力|水利|森林|耕地"
    r"|筛查|癌|孕|产妇|妇幼|保健|体检|结核|疾控|传染病|艾滋|生育|科技|产业|园区|(?<!教育)(?<!教育”)示范区|(?<!技术|高新|经济)开发区|专利|研发"
    r"|地方财政|一般预算支出|一般预算收入|一般公共预算支出|民生支出|财政支出|科研机构|研究院|技术合同|无偿资助|场馆"
    r"|街道|乡镇|(?<!教育)民生实事|为民办实事|为民实事"
)
_PARTY = r"党员|党支部|党组织|党委|党建|党课|党史"
OTHER_WORDS = re.compile(_OTHER_TOPIC)
PARTY_WORDS = re.compile(_PARTY)
_TOPIC_WORDS = re.compile(
    f"(?P<education>{EDUCATION_WORDS.pattern})|(?P<other>{_OTHER_TOPIC})|(?P<party>{_PARTY})"
)
_CLAUSE_END = re.compile(r"[。;!?\n,:、]")
_CLAUSE_STOP = re.compile(r"[。;!?\n,]")
_SHARE_OF = re.compile(r"占(?!有)")
"""`教育经费占国内生产总值比例` (a share of), not `每千人占有卫生技术人员` (has)"""
_MONEY_VERBS = frozenset({"投资", "投入", "筹措", "拨付", "下达", "安排"})
_NOUN_AFTER = 8
_SUBJECT_BEFORE = 4
_POPULATION = re.compile(r"人口")
"""characters after a number in which the noun it counts is looked for"""
_EDUCATION_DOCUMENT_SHARE = 0.5
_CONTINUED_SENTENCES = 4
"""sentences looked back through for the topic a sentence without one continues"""


@dataclass(frozen=True)
class TopicJudgement:
    education: bool
    certainty: Certainty
    cue: str
    """the word the judgement rests on ('' for the document default)"""
    settled: bool = True
    """False where only a heading or the document's bent decided, in a mixed
    document: a model's answer may overrule the rules there"""


class TopicJudge:
    """Judges every quantity mention of one document."""

    def __init__(
        self, text: str, sections: list[Section], mentions: list[Mention], tables: Sequence[Table] = ()
    ) -> None:
        self._text = text
        self._sections = sections
        # A table cell's own line holds only its number: its row, column and title speak for it.
        self._cell_context = {
            cell.start: (f"{cell.row_label} {cell.column}", table.title)
            for table in tables
            for cell in table.cells
        }
        self._sentence_ends = sentence_ends(text)
        quantities = [m for m in mentions if m.is_quantity and m.value is not None]
        near_education = near_other_only = 0
        for mention in quantities:
            start, end = self._sentence(mention.start, mention.end)
            context = " ".join(self._cell_context.get(mention.start, ())) or text[start:end]
            if EDUCATION_WORDS.search(context):
                near_education += 1
            elif OTHER_WORDS.search(context):
                near_other_only += 1
        # With no other field's word near any number (a short note; a report whose
        # numbers stand in short clauses with no topic word: `XX县区5所;XX县区18所`),
        # a report of the genre is about education; else it is when most of its
        # numbers are.
        self.education_document = near_other_only == 0 or near_education >= _EDUCATION_DOCUMENT_SHARE * len(
            quantities
        )

    def _sentence(self, start: int, end: int) -> tuple[int, int]:
        return sentence_bounds(self._sentence_ends, len(self._text), start, end)

    def _clause(self, mention: Mention, sentence_start: int, sentence_end: int) -> tuple[int, int]:
        """The clause around a mention, a list (`校内、校外各1小时`) kept whole."""
        start = clause_start(self._text, mention.start, sentence_start, _CLAUSE_STOP)
        stop = _CLAUSE_STOP.search(self._text, mention.end, sentence_end)
        return start, stop.start() if stop else sentence_end

    def _previous_sentence(self, sentence_start: int) -> tuple[int, int] | None:
        """The sentence before, when no line break separates it from this one."""
        if sentence_start < 2 or self._text[sentence_start - 1] == "\n":
            return None
        start, end = self._sentence(sentence_start - 2, sentence_start - 1)
        return (start, end) if "\n" not in self._text[start:sentence_start] else None

    def _table_judgement(self, mention: Mention) -> TopicJudgement | None:
        context = self._cell_context.get(mention.start)
        if context is None:
            return None
        for part in context:  # the row and column first, then the table's title
            cue = _TOPIC_WORDS.search(part)
            if cue is not None and cue.lastgroup != "party":
                return TopicJudgement(cue.lastgroup == "education", "table", cue.group())
        return None

    def judge(self, mention: Mention, section: Section) -> TopicJudgement:
        text = self._text
        from_table = self._table_judgement(mention)
        if from_table is not None:
            return from_table
        sentence_start, sentence_end = self._sentence(mention.start, mention.end)
        if self.education_document:
            # An education report: a sentence about schools that also names 健康 or
            # 文化 (学生体质健康, 校园文化) is still about schools.
            if EDUCATION_WORDS.search(text, sentence_start, sentence_end) is None:
                other = OTHER_WORDS.search(text, sentence_start, sentence_end)
                if other is not None:
                    return TopicJudgement(False, "sentence", other.group())
            # `总面积269.5平方公里,辖…1个省级开发区` after a title glued to the text: a
            # number counting another field's noun, in a clause that names no school.
            clause_begin, clause_end = self._clause(mention, sentence_start, sentence_end)
            # (from the number's start: its unit may be the noun, `平方公里`)
            counted = OTHER_WORDS.search(text, mention.start, min(clause_end, mention.end + _NOUN_AFTER))
            # ...or a population right before it (`户籍人口35.6万人`)
            counted = counted or _POPULATION.search(
                text, max(clause_begin, mention.start - _SUBJECT_BEFORE), mention.start
            )
            if counted is not None and EDUCATION_WORDS.search(text, clause_begin, clause_end) is None:
                return TopicJudgement(False, "noun", counted.group())
            if _TOPIC_WORDS.search(text, sentence_start, sentence_end) is None:
                previous = self._previous_sentence(sentence_start)
                if (
                    previous is not None
                    and EDUCATION_WORDS.search(text, *previous) is None
                    and (other := OTHER_WORDS.search(text, *previous)) is not None
                ):
                    # `城镇新增就业33.25万人。开展各类职业技能培训101.04万人次`: a
                    # sentence naming no topic goes on with the other field before it
                    return TopicJudgement(False, "sentence", other.group(), settled=False)
                if section.path_spans:
                    # `十一、文化、体育和卫生` after a bulletin's education section: a
                    # sentence naming no topic belongs to its own heading's (not to an
                    # outer one's: `一、发展环境` heads a plan's whole review)
                    heading = _TOPIC_WORDS.search(text, *section.path_spans[-1])
                    if heading is not None and heading.lastgroup == "other":
                        return TopicJudgement(False, "heading", heading.group())
            return TopicJudgement(True, "document", "")
        clause_stop = _CLAUSE_END.search(text, mention.end, min(sentence_end, mention.end + _NOUN_AFTER))
        after_end = clause_stop.start() if clause_stop else min(sentence_end, mention.end + _NOUN_AFTER)
        # The counted noun is the last topic word of the compound after the number
        # (`300所学校体育场`: 体育场, not 学校).
        noun = next(reversed(list(_TOPIC_WORDS.finditer(text, mention.end, after_end))), None)
        if noun is not None and noun.lastgroup != "party":
            return TopicJudgement(noun.lastgroup == "education", "noun", noun.group())
        clause_begin = clause_start(text, mention.start, sentence_start, _CLAUSE_END)
        clause_has_education = EDUCATION_WORDS.search(text, clause_begin, after_end) is not None
        for match in reversed(list(_TOPIC_WORDS.finditer(text, sentence_start, mention.start))):
            if match.lastgroup == "party" and clause_has_education:
                continue
            if _SHARE_OF.search(text, max(sentence_start, match.start() - 3), match.start()):
                continue  # `教育经费占国内生产总值比例`: the measured subject comes before 占
            return TopicJudgement(match.lastgroup == "education", "sentence", match.group())
        if text[mention.start - 2 : mention.start] in _MONEY_VERBS:
            # `投资3亿元,加强农村中小学操场建设`: money put in, what for said after it
            purpose = _TOPIC_WORDS.search(text, mention.end, sentence_end)
            if purpose is not None and purpose.lastgroup != "party":
                return TopicJudgement(
                    purpose.lastgroup == "education", "sentence", purpose.group(), settled=False
                )
        # `共有幼儿园74所。其中公办23所`: a sentence with no topic word of its own
        # continues the one before it, in the same paragraph; a run of such
        # sentences (`学校103所(直属26所;XX县区37所;XX县区5所`) continues the last
        # one that names a topic.
        previous = self._previous_sentence(sentence_start)
        for _ in range(_CONTINUED_SENTENCES):
            if previous is None:
                break
            cues = list(_TOPIC_WORDS.finditer(text, *previous))
            if cues:
                last = cues[-1]
                if last.lastgroup == "party":
                    break
                return TopicJudgement(last.lastgroup == "education", "sentence", last.group(), settled=False)
            previous = self._previous_sentence(previous[0])
        heading = self._heading_topic(section)
        if heading is not None:
            return TopicJudgement(heading.lastgroup == "education", "heading", heading.group(), settled=False)
        return TopicJudgement(False, "document", "", settled=False)

    def _heading_topic(self, section: Section) -> re.Match[str] | None:
        """The first topic word of the innermost heading that names one; None when
        that heading names several fields."""
        for start, end in reversed(section.path_spans):
            words = list(_TOPIC_WORDS.finditer(self._text, start, end))
            if words:
                # `八、教育、文化和卫生、体育` heads several fields: it decides for none
                return words[0] if len({w.lastgroup for w in words}) == 1 else None
        return None


__all__ = ["EDUCATION_WORDS", "OTHER_WORDS", "PARTY_WORDS", "TopicJudge", "TopicJudgement"]
