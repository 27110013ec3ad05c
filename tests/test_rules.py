from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from edufacts.pipeline import extract_document
from edufacts.readers.load import load_bytes
from edufacts.settings import Settings
from edufacts.stages.catalog import load_catalog
from edufacts.stages.numbers import find_mentions
from edufacts.stages.rules import _named_by_parts


def extract(text: str):  # type: ignore[no-untyped-def]
    return extract_document(load_bytes(text.encode(), Path("doc.txt")), Settings())


# (sentence, raw, indicator, value, unit, scope, year)
CASES = [
    ("2022年,我区教育投入总计18.26亿元。", "18.26亿元", "education_investment", "182600", "万元", None, 2022),
    ("全区学前三年毛入园率达到98.5%。", "98.5%", "preschool_gross_enrollment_rate", "98.5", "%", None, None),
    ("九年义务教育巩固率为99.8%。", "99.8%", "compulsory_retention_rate", "99.8", "%", None, None),
    (
        "义务教育生均公用经费小学650元,初中850元。",
        "850元",
        "per_student_public_funding",
        "850",
        "元",
        "初中",
        None,
    ),
    ("全区共有公办幼儿园23所。", "23所", "kindergarten_count", "23", "所", "公办", None),
    ("2023年新增学位1260个。", "1260个", "new_school_places", "1260", "个", None, 2023),
    ("普惠性幼儿园覆盖率86.2%。", "86.2%", "preschool_inclusive_rate", "86.2", "%", None, None),
    ("召开区政府常务会15次。", "15次", None, "15", "次", None, None),
    # a total's name with a per-student marker names the per-student expenditure
    ("全县每生教育经费支出达到12000元。", "12000元", "per_student_expenditure", "12000", "元", None, None),
    ("全县教育经费支出达到12000万元。", "12000万元", "education_expenditure", "12000", "万元", None, None),
    # 其中小学 is 其中 + 小学; 高级中学 and 职业中学 name their levels
    ("在校学生8200人,其中小学5100人。", "5100人", None, "5100", "人", "小学", None),
    ("全县有高级中学2所。", "2所", None, "2", "所", "高中", None),
    ("全县有职业中学1所。", "1所", None, "1", "所", "中职", None),
    # children counted with 个 are persons; 公办园 names the level of places; any
    # building verb right before a count of schools builds them
    ("全县共有在园幼儿8200个。", "8200个", "kindergarten_enrollment", "8200", "人", None, None),
    ("全县公办园学位建设任务1200个。", "1200个", "new_preschool_places", "1200", "个", "公办", None),
    ("全区额外建成开办3所学校。", "3所", "schools_built", "3", "所", None, None),
    # wording no alias names: the building verb before a list of schools, the
    # building after them, spending per student, aid, a built area, a staff ratio
    ("全区将建6所幼儿园。", "6所", "schools_built", "6", "所", "学前", None),
    (
        "投建一中等2所中学、机关幼儿园等3所幼儿园,以及华府幼儿园等5所幼儿园。",
        "5所",
        "schools_built",
        "5",
        "所",
        "学前",
        None,
    ),
    ("全区完成3所学校建设任务。", "3所", "schools_built", "3", "所", None, None),
    ("全区在3所学校建设资源教室。", "3所", None, "3", "所", None, None),
    ("全县小学生均支出15000元。", "15000元", "per_student_expenditure", "15000", "元", "小学", None),
    ("全县生均教学仪器设备值2000元。", "2000元", None, "2000", "元", None, None),
    ("对低保家庭学生给予入学资助300万元。", "300万元", "student_aid_amount", "300", "万元", None, None),
    ("办理助学贷款总金额300万元。", "300万元", None, "300", "万元", None, None),
    ("项目全部竣工,竣工面积1.2万平方米。", "1.2万平方米", "new_floor_area", "12000", "㎡", None, None),
    ("全县幼儿与专任教师比为1:12。", "1:12", "student_teacher_ratio", "12", "比", "学前", None),
    ("全区学生9000人,其中幼儿园1200人。", "1200人", "kindergarten_enrollment", "1200", "人", None, None),
    ("全区教职工900人,其中幼儿园120人、小学500人。", "120人", None, "120", "人", "学前", None),
    ("全区学前教育机构中,街道附设园3所。", "3所", "kindergarten_count", "3", "所", None, None),
    ("全区学前教育机构中,省级骨干园3所。", "3所", None, "3", "所", None, None),
    ("拨付综合楼建设工程款80万元。", "80万元", "construction_investment", "80", "万元", None, None),
    (
        "新增幼儿园学位600个,分别是甲镇中心小学附属幼儿园200个、乙镇第一小学附属幼儿园150个,"
        "丙镇中心小学附设幼儿班150个,丁镇中心幼儿园100个。",
        "100个",
        "new_preschool_places",
        "100",
        "个",
        None,
        None,
    ),
]


@pytest.mark.parametrize(("sentence", "raw", "indicator", "value", "unit", "scope", "year"), CASES)
def test_rules_assign_indicator_scope_year(
    sentence: str, raw: str, indicator: str | None, value: str, unit: str, scope: str | None, year: int | None
) -> None:
    result = extract(sentence)
    (fact,) = [fact for fact in result.facts if fact.raw == raw]
    assert (fact.indicator, fact.value, fact.unit, fact.scope, fact.year) == (
        indicator,
        Decimal(value),
        unit,
        scope,
        year,
    )
    assert sentence[fact.start : fact.end] == raw


def test_per_student_money_is_not_a_total() -> None:
    (fact,) = extract("下达公用经费5000万元。").facts
    assert fact.indicator != "per_student_public_funding"


def test_boilerplate_and_out_of_scope_numbers_are_unclaimed() -> None:
    result = extract("扫一扫在手机打开当前页 3所\n全区地区生产总值增长6.5%。\n")
    assert result.facts == []
    reasons = {item.raw: item.reason for item in result.unclaimed}
    assert reasons == {"3所": "boilerplate", "6.5%": "out_of_scope"}


def test_every_number_is_a_fact_or_unclaimed() -> None:
    text = "2022年,全区共有幼儿园74所,其中公办23所。电话023-6886123。分别为:19142408435845214427。"
    result = extract(text)
    spans = sorted([(f.start, f.end) for f in result.facts] + [(u.start, u.end) for u in result.unclaimed])
    assert [text[a:b] for a, b in spans] == [
        "2022年",
        "74所",
        "23所",
        "023",
        "6886123",
        "19142408435845214427",
    ]
    assert {u.raw: u.reason for u in result.unclaimed}["19142408435845214427"] == "run_together"


# A plan's target table flattened one cell per line (web pages and Word files
# turn each cell into a paragraph); made up, in the layout of the genre.
PLAN_TABLE = """“十四五”时期教育发展主要指标

指标

2020年

2025年

属性

1.学前教育毛入园率(%)

97.6%

98%以上

约束性

2.劳动年龄人口平均受教育年限(年)

11.2年

11.8年

预期性

3.义务教育标准班额比例(%)

其中:小学

初中

88.1%

72.4%

95%以上

90%以上

预期性

4.普惠性幼儿园覆盖率(%)

83.5%

90%

约束性
"""


def test_a_one_cell_per_line_plan_table_gives_row_labels_and_column_years() -> None:
    facts = {(fact.raw, fact.year): fact for fact in extract(PLAN_TABLE).facts}
    assert len(facts) == 10 and all(fact.unit for fact in facts.values())
    preschool = facts[("97.6%", 2020)], facts[("98%以上", 2025)]
    assert {fact.indicator for fact in preschool} == {"preschool_gross_enrollment_rate"}
    assert preschool[1].approx and preschool[1].value == Decimal(98)
    assert facts[("11.8年", 2025)].label.startswith("劳动年龄人口平均受教育年限")
    # sub-rows: every label first, then each column's values, one per sub-row
    by_scope = {(fact.raw, fact.scope, fact.year) for fact in facts.values() if "班额" in fact.label}
    assert by_scope == {
        ("88.1%", "小学", 2020),
        ("72.4%", "初中", 2020),
        ("95%以上", "小学", 2025),
        ("90%以上", "初中", 2025),
    }
    assert facts[("83.5%", 2020)].indicator == "preschool_inclusive_rate"
    # Cells under a catalog header are not flagged (those without an indicator
    # may be: the fitted calibration gives them less).
    assert not any(fact.needs_review for fact in facts.values() if fact.indicator)


RESPECTIVE_RATES = "全县学前三年毛入园率、普惠性幼儿园覆盖率分别达到92.5%、85.3%。"
RETENTION_AND_HIGH_SCHOOL = "九年义务教育巩固率和高中阶段毛入学率分别为98.2%和93.4%。"
WORDING_CASES = [
    # sentence, raw, expected indicator
    ("全区新建2所民办学校党支部。", "2所", None),  # party branches are not schools
    # a word let into a long name (学前|教育|三年毛入学率), in the number's own clause only
    ("全区学前教育三年毛入学率为102.46%。", "102.46%", "preschool_gross_enrollment_rate"),
    ("九年义务教育阶段巩固率为99.94%。", "99.94%", "compulsory_retention_rate"),
    ("一般公共预算安排的教育经费等,为20.5亿元。", "20.5亿元", None),
    ("项目已全部竣工,竣工面积2.25万平方米。", "2.25万平方米", "new_floor_area"),
    # an area whose clause says school buildings were built or put to use; a stock is not
    ("全年完成危改工程12项,投入使用校舍12530平方米。", "12530平方米", "new_floor_area"),
    ("规划的15万平方米新建改建义务教育学校校舍已全部开工。", "15万平方米", "new_floor_area"),
    ("全区中小学校舍总面积19.57万平方米。", "19.57万平方米", None),
    # places after a sentence that names schools of every level besides kindergartens
    ("全年新建学校8所,完成幼儿园建设项目40个,全部建成后新增学位26600个。", "26600个", "new_school_places"),
    ("全年新建公办幼儿园3所,完成后新增学位1800个。", "1800个", "new_preschool_places"),
    # money put in whose name before it ends in 资金, or whose purpose is 办学条件
    (
        "下达学前教育发展项目资金3.4亿元,实施新建、改扩建幼儿园建设项目196个。",
        "3.4亿元",
        "construction_investment",
    ),
    ("下达1.78亿元实施高中办学条件提升项目36个。", "1.78亿元", "construction_investment"),
    ("新建、改扩建公办幼儿园、小学、初中20所。", "20所", "schools_built"),
    ("新开公办幼儿园16所。", "16所", "schools_built"),
    ("全区共有幼儿园74所。", "74所", "kindergarten_count"),
    ("新增学前教育优质学位1260个。", "1260个", "new_preschool_places"),
    ("新增义务教育优质学位12045个。", "12045个", "new_compulsory_places"),
    ("全区新增学位900个。", "900个", "new_school_places"),
    ("全区共有幼儿园74所。其中公办23所,民办普惠14所。", "14所", "kindergarten_count"),
    ("教育经费支出190274万元,比上年增加3286万元、增长1.76%。", "1.76%", "education_expenditure_growth"),
    (
        "按在校学生人数平均的一般公共预算教育支出分别达到幼儿园20885.77元。",
        "20885.77元",
        "per_student_expenditure",
    ),
    ("全县师生比为1:15。", "1:15", "student_teacher_ratio"),
    # graduates hired are recruits; money for the 薄弱环节 programme builds
    ("面向高校招聘优秀毕业生120名。", "120名", "teachers_recruited"),
    ("全县高校毕业生1200名,就业率95%。", "1200名", None),
    ("下达2.1亿元,实施义务教育薄弱环节改善项目45个。", "2.1亿元", "construction_investment"),
    # the level of new places named earlier in the sentence
    ("三所小区配套幼儿园已开园,共新增450个学位。", "450个", "new_preschool_places"),
    # ...a level, not another scope term (公办); several levels listed name none
    ("推进义务教育阶段公办学校扩容建设,投用后预计新增学位1.5万个。", "1.5万个", "new_compulsory_places"),
    ("全县新建高中2所、学前教育1所,预计增加学位3000个。", "3000个", "new_school_places"),
    # a count of children named by the noun right before it
    ("全县在校学生5万人,其中学前3200人、中小学4.6万人。", "3200人", "kindergarten_enrollment"),
    ("全县在校学生5万人,其中学前3200人、中小学4.6万人。", "4.6万人", None),
    ("现有幼儿8100人(含附设幼儿班)。", "8100人", "kindergarten_enrollment"),
    ("残障儿童少年共85人,入学率达98%。", "98%", "special_needs_enrollment_rate"),
    ("全县小学入学率达100%。", "100%", None),
    # a share takes what it is a share of from its subject before 占
    ("普惠性幼儿园在园幼儿1.2万人,占全县在园幼儿的比例80.5%。", "80.5%", "preschool_inclusive_rate"),
    ("交流轮岗教师120人,占符合条件教师的16.5%。", "16.5%", "teacher_rotation_share"),
    # a list after 幼儿园 names other schools: not kindergartens
    ("全县共有幼儿园40所、小学30所、初级中学12所。", "40所", "kindergarten_count"),
    ("全县共有幼儿园40所、小学30所、初级中学12所。", "30所", None),
    ("全县共有幼儿园40所、小学30所、初级中学12所。", "12所", None),
    ("在园幼儿2.1万人,专任教师1300人。", "1300人", None),
    ("招聘公办幼儿教师14名。", "14名", "teachers_recruited"),
    ("学前三年入园率达到91.2%。", "91.2%", "preschool_gross_enrollment_rate"),
    ("高中阶段入学率达95%。", "95%", "high_school_gross_enrollment_rate"),
    # a building verb opens a list: every item is a school built
    ("全区将新建30所幼儿园,12所小学,5所中学。", "12所", "schools_built"),
    ("全区将新建30所幼儿园,12所小学,5所中学。", "5所", "schools_built"),
    ("当年增建20所幼儿园。", "20所", "schools_built"),
    ("投入资金500万元,迁建公办幼儿园2所,小区配建公办幼儿园1所。", "2所", "schools_built"),
    ("投入资金500万元,迁建公办幼儿园2所,小区配建公办幼儿园1所。", "1所", "schools_built"),
    ("今年建成3所公办普高。", "3所", "schools_built"),
    # 建 alone opening the phrase builds; 建 inside a word does not
    ("完成前期工作。\n建3所村办幼儿园\n", "3所", "schools_built"),
    ("已组建3所幼儿园。", "3所", "kindergarten_count"),
    ("全年教育经费总支出为25.6亿元。", "25.6亿元", "education_expenditure"),
    # the change of a total is not the total
    ("全年教育经费总支出为25.6亿元,比上年增加2.1亿元。", "2.1亿元", None),
    # 分别: the numbers go one to one with the names listed before it
    (
        "全县学前三年毛入园率、普惠性幼儿园覆盖率分别达到92.5%、85.3%。",
        "92.5%",
        "preschool_gross_enrollment_rate",
    ),
    ("全县学前三年毛入园率、普惠性幼儿园覆盖率分别达到92.5%、85.3%。", "85.3%", "preschool_inclusive_rate"),
    ("九年义务教育巩固率和高中阶段毛入学率分别为98.2%和93.4%。", "98.2%", "compulsory_retention_rate"),
    (
        "九年义务教育巩固率和高中阶段毛入学率分别为98.2%和93.4%。",
        "93.4%",
        "high_school_gross_enrollment_rate",
    ),
    ("全县毛入园率、公办入园率分别达90%、45.5%。", "45.5%", "preschool_public_enrollment_share"),
    # a list of coefficients, each its level's
    ("我县小学、初中的校际间综合差异系数分别为0.41和0.29。", "0.41", "balance_coefficient_primary"),
    ("我县小学、初中的校际间综合差异系数分别为0.41和0.29。", "0.29", "balance_coefficient_junior"),
    ("义务教育均衡系数小学为0.405,初中为0.331。", "0.331", "balance_coefficient_junior"),
    ("全县幼儿园、小学、初中分别有45所、30所、12所。", "45所", "kindergarten_count"),
    ("全县幼儿园、小学、初中分别有45所、30所、12所。", "30所", None),
    # a change from the year before measures no stock
    ("全省共有幼儿园3511所,比上年减少378所。", "378所", None),
    ("在园幼儿为7933人,比上年减少480人。", "480人", None),
    ("教育支出12.5亿元,比上年增长6.1%。", "6.1%", "education_expenditure_growth"),
    # not the number of kindergartens: other schools, a grade, a designation, additions
    ("坚持春秋两季对全区230余所中小学幼儿园开展安全大检查。", "230余所", None),
    ("全区有市级示范性幼儿园2所,一级幼儿园86所。", "86所", None),
    ("全县新增幼儿园64所。", "64所", None),
    ("全县共有幼儿园64所。", "64所", "kindergarten_count"),
    # a level word inside a school's name states no level
    ("新建成东环小学万昌校区、第五中学等10所学校,新增学位10590个。", "10590个", "new_school_places"),
    ("新建成10所小学,新增学位10590个。", "10590个", "new_compulsory_places"),
    # building verbs: 建设 builds, 开办 (run, in operation) does not
    ("全市建设幼儿园279所,新增学位9.38万个。", "279所", "schools_built"),
    ("全区共有幼儿园227所(实际开办205所)。", "205所", "kindergarten_count"),
    # a rate named in its own phrase takes no name from before it
    ("小学年辍学率0.03%,毕业率100%。", "100%", None),
    ("入学率100%,巩固率99.5%,毕业率100%。", "99.5%", "compulsory_retention_rate"),
    # children admitted in the year are not the children enrolled
    ("全区幼儿园136所,入园幼儿12695人,在园幼儿32000人。", "12695人", None),
    ("全区幼儿园136所,入园幼儿12695人,在园幼儿32000人。", "32000人", "kindergarten_enrollment"),
    # wording of the genre for catalog indicators
    ("其他部门办园(含村办)42所。", "42所", "kindergarten_count"),
    ("财政投入3.2亿元,新增公办幼儿园8所。", "3.2亿元", "education_investment"),
    ("免除各类学生学杂费1.5亿元。", "1.5亿元", "student_aid_amount"),
    ("投入资金900万元,扩建面积3200平方米。", "3200平方米", "new_floor_area"),
    # money put in, named by no alias, is for building when its sentence says it builds
    ("投入资金900万元,扩建面积3200平方米。", "900万元", "construction_investment"),
    ("高考前,投入29万元资金推进标准化考场建设。", "29万元", "construction_investment"),
    ("投入资金50万元,开展教师全员培训。", "50万元", None),
    ("投入资金50万元用于教师队伍建设。", "50万元", None),
    ("投入5.4亿元,先后实施了县职教中心、城南实验学校等教育重点工程。", "5.4亿元", "construction_investment"),
    # ...or the heading of the project its sentence opens
    (
        "二、新建、改扩建公办幼儿园150所\n省级财政补助资金下达4.2亿元,完成年度计划的100.69%。",
        "4.2亿元",
        "construction_investment",
    ),
    ("三、学校体育场向社会开放\n省级财政补助资金下达3780万元,完成年度计划的100%。", "3780万元", None),
    ("投入7000余万元的某镇芙蓉学校按期完成并交付使用。", "7000余万元", "construction_investment"),
    # a coefficient after its level, and a bound in a coefficient's sentence
    (
        "全区校际间综合差异系数,小学0.335,初中0.328,均达到国家规定要求(小学≤0.65,初中≤0.55)。",
        "0.335",
        "balance_coefficient_primary",
    ),
    (
        "全区校际间综合差异系数,小学0.335,初中0.328,均达到国家规定要求(小学≤0.65,初中≤0.55)。",
        "≤0.55",
        "balance_coefficient_junior",
    ),
    # a level inside the noun the number counts
    ("增加1万个小学学位。", "1万个", "new_compulsory_places"),
    ("寄宿制学校项目4个,累计投入资金950万元,建设面积4700平方米。", "950万元", "construction_investment"),
    ("寄宿制学校项目4个,累计投入资金950万元,建设面积4700平方米。", "4700平方米", "new_floor_area"),
    # a list's items take the one indicator its colon-ended lead-in names
    (
        "全省各级教育生均一般公共预算教育经费情况是:\n1\n全省幼儿园为5769.00元。",
        "5769.00元",
        "per_student_expenditure",
    ),
    ("全省各级教育生均一般公共预算教育经费增长情况是:\n全省幼儿园比上年增长18.88%。", "18.88%", None),
    ("情况如下:\n全省幼儿园为5769.00元。", "5769.00元", None),
    # ...and so does a heading over a numbered list, for amounts per head
    (
        "(二)各级教育生均一般公共预算教育经费增长情况\n1.全省幼儿园为5547.86元,比上年的4773.27元增长16.23%。",
        "4773.27元",
        "per_student_expenditure",
    ),
    (
        "(二)各级教育生均一般公共预算教育经费增长情况\n1.全省幼儿园为5547.86元,比上年的4773.27元增长16.23%。",
        "16.23%",
        None,
    ),
    ("(二)各级教育经费情况\n1.全省幼儿园为5547.86元,比上年增长16.23%。", "5547.86元", None),
    # ...also where the lead-in writes the name with other words between its subject and noun
    (
        "(三)全县各类学校生均财政拨付事业费情况\n1.全县小学为9120.50元。",
        "9120.50元",
        "per_student_expenditure",
    ),
    ("全县各类学校生均财政拨付事业费如下:\n全县小学为9120.50元。", "9120.50元", "per_student_expenditure"),
    # a sub-group without a catalog scope term takes no indicator (the guide), nor its last year's value
    (
        "(二)各级教育生均一般公共预算教育经费增长情况\n6.普通高等学校为17647.64元,比上年的18071.43元下降2.35%。",
        "18071.43元",
        None,
    ),
    ("全区在园幼儿5200人,其中少数民族在园幼儿1300人。", "1300人", None),
    ("对956名升入普通高校的低保家庭子女给予入学资助460.8万元。", "460.8万元", "student_aid_amount"),
    # most of a name, its measured noun included, with words in and out of it
    ("公办幼儿园在园幼儿在全县在园幼儿中占比达52.03%。", "52.03%", "preschool_public_enrollment_share"),
    ("全县适龄儿童入学率99.90%。", "99.90%", None),  # (not 残疾儿童入学率: a quarter of it missing)
    # last year's value of a named total is that total
    ("全省教育经费总投入为1501.18亿元,比上年的1375.16亿元增长9.16%。", "1375.16亿元", "education_investment"),
    ("全市教育经费总投入93亿元,比2016年(81.41亿元)增加11.59亿元。", "81.41亿元", "education_investment"),
    ("全省普通初中为16214.80元,比上年的14582.36元增长11.19%。", "14582.36元", None),
    # a name after 生均 is an average per student, no total
    ("小学生均校舍面积13.37平方米,比上年增加0.2平方米。", "13.37平方米", None),
    ("全年新增校舍面积2.1万平方米。", "2.1万平方米", "new_floor_area"),
    # money put in to build, a spending name before it in another phrase
    ("教育支出实现稳步增长,投入15.74亿元改扩建义务教育学校63所。", "15.74亿元", "construction_investment"),
    ("全年教育支出实现稳步增长,达15.74亿元。", "15.74亿元", "education_expenditure"),
    # a short aside inside a name does not hide it
    ("全镇有在园(班)幼儿1320人。", "1320人", "kindergarten_enrollment"),
    ("全镇有在园(含附设班)幼儿1320人。", "1320人", None),  # a longer aside is no part of a name
    # a blank inside a name (a printed line's wrap, a PDF copy's stray blank) does not hide it
    ("全镇共有在园 幼儿 1380 人。", "1380 人", "kindergarten_enrollment"),
    ("学前三年毛 入园率达到 98%。", "98%", "preschool_gross_enrollment_rate"),
    ("全县幼儿园40所,共有在园人数6200人。", "6200人", "kindergarten_enrollment"),
    # a floor area is new only where its paragraph says something is built
    ("全县小学占地面积1200亩,校舍建筑面积52万平方米。", "52万平方米", None),
    ("全年新建学校3所。县第一小学占地30亩,建筑面积9000平方米。", "9000平方米", "new_floor_area"),
    # kindergartens that reach a grade are no count of kindergartens, nor of new ones
    ("省级示范幼儿园达12所。", "12所", None),
    ("全县幼儿园达52所。", "52所", "kindergarten_count"),
    # a recruiting verb and the staff it brings, words between
    ("全年新招农村幼儿教师120人。", "120人", "teachers_recruited"),
    ("当年安置公费师范毕业生120人到乡村学校任教。", "120人", "teachers_recruited"),
    ("从外县调入骨干教师15人。", "15人", "teachers_recruited"),
    ("全区新增学校6所。", "6所", "schools_built"),
    ("三年来累计投入2.3亿元进行幼儿园建设。", "2.3亿元", "construction_investment"),
]


def test_one_name_before_respectively_covers_a_list_with_its_own_levels() -> None:
    text = "生均一般公共预算教育支出分别达到幼儿园9800元、普通小学12500元、普通初中16800元、中职学校21000元。"
    facts = extract(text).facts
    assert [fact.indicator for fact in facts] == ["per_student_expenditure"] * 4
    assert [fact.scope for fact in facts][1:] == ["小学", "初中", "中职"]


def test_respectively_gives_each_number_its_level() -> None:
    facts = {fact.raw: fact for fact in extract("小学、初中生均公用经费分别达到720元、920元。").facts}
    assert (facts["720元"].scope, facts["920元"].scope) == ("小学", "初中")
    assert {fact.indicator for fact in facts.values()} == {"per_student_public_funding"}


@pytest.mark.parametrize(
    ("sentence", "raw", "indicator"), WORDING_CASES, ids=[f"{c[0][:12]}-{c[1]}" for c in WORDING_CASES]
)
def test_wording_the_nearest_alias_gets_wrong(sentence: str, raw: str, indicator: str | None) -> None:
    (fact,) = [fact for fact in extract(sentence).facts if fact.raw == raw]
    assert fact.indicator == indicator


@pytest.mark.parametrize(
    ("sentence", "raw", "unit", "indicator"),
    [
        ("初中资源配置校际差异指数为0.263。", "0.263", "coef", "balance_coefficient_junior"),
        ("均衡系数小学为0.305。", "0.305", "coef", "balance_coefficient_primary"),
        ("依法行政处罚违规行为5起。", "5起", "起", None),
        ("分类安置全区327名适龄残疾儿童少年入学。", "327名", "人", None),
        ("全区中小学校互联网出口带宽扩容至7GB。", "7GB", "GB", None),
        ("高中阶段入学率 105.20 (高中阶段在校学生数)。", "105.20", "%", "high_school_gross_enrollment_rate"),
        # a rotation count may be in 人次 (kept as written) when named right before it...
        ("全年交流校长教师820人次。", "820人次", "人次", "teacher_rotation_count"),
        # ...not when an earlier clause's 交流 is the nearest name
        ("开展校际交流40余次,组织教师培训1500人次。", "1500人次", "人次", None),
    ],
)
def test_units_the_context_gives(sentence: str, raw: str, unit: str, indicator: str | None) -> None:
    (fact,) = [fact for fact in extract(sentence).facts if fact.raw == raw]
    assert (fact.unit, fact.indicator) == (unit, indicator)


def test_an_item_the_catalog_does_not_name_takes_no_name_from_the_items_beside_it() -> None:
    text = "全区学前三年普及率、普惠率、公办园幼儿占比分别达90.1%、85.2%、55.3%,义务教育巩固率达99.2%。"
    facts = {fact.raw: fact.indicator for fact in extract(text).facts}
    assert facts == {
        "90.1%": None,
        "85.2%": "preschool_inclusive_rate",
        "55.3%": "preschool_public_enrollment_share",
        "99.2%": "compulsory_retention_rate",
    }


def test_a_count_with_its_own_noun_after_it_takes_no_name_from_the_item_before() -> None:
    text = "今年计划增加800个学前教育学位、1200个小学学位。"
    facts = {fact.raw: fact.indicator for fact in extract(text).facts}
    assert facts == {"800个": "new_preschool_places", "1200个": "new_compulsory_places"}


def test_an_item_number_glued_to_the_year_opening_it_is_no_number() -> None:
    facts = extract("主要做法:\n2.2019年,全县新建幼儿园3所。\n").facts
    assert [(fact.raw, fact.year) for fact in facts] == [("3所", 2019)]


def test_a_table_under_its_title_and_a_label_column_with_negative_changes_is_read() -> None:
    text = (
        "全区学校在校生总体稳定(见表2)。\n"
        "表2 各类学校、在校生数\n"
        "类 别 学校数(所) 在校学生数(人) 比上年增长(%)\n"
        "小 学 30 52000 -0.4\n"
        "幼 儿 园 90 31000 2.5\n"
        "托 儿 所 3 120 -20.5\n"
    )
    facts = {(fact.label, fact.raw): fact for fact in extract(text).facts}
    assert facts[("幼儿园(学校数)", "90")].indicator == "kindergarten_count"
    # a change beside counts is the count's, in percent (not percentage points)
    assert (facts[("小学(比上年增长)", "-0.4")].value, facts[("小学(比上年增长)", "-0.4")].unit) == (
        Decimal("-0.4"),
        "%",
    )
    # childcare for the under-threes is no education
    assert not any(label.startswith("托儿所") for label, _ in facts)


def test_a_rank_is_still_no_count() -> None:
    reasons = {item.raw: item.reason for item in extract("该项工作居全市第3名,全省前10名。").unclaimed}
    assert set(reasons.values()) == {"ordinal"}


@pytest.mark.parametrize(
    ("text", "raw", "year"),
    [
        ("2023年某省教育事业发展统计公报\n一、学前教育\n全省共有幼儿园3511所。\n", "3511所", 2023),
        ("某省教育事业发展概况(2023年版)\n全省共有幼儿园3511所。\n", "3511所", 2023),
        ("【教育基本情况】 2022年,全县共有学校486所。其中,幼儿园232所。\n", "232所", 2022),
        ("关于2023年履行教育职责的自评报告\n全区共有幼儿园74所。\n", "74所", None),  # not one year's summary
        ("2023年某省教育事业发展统计公报\n2021年新建幼儿园5所。\n", "5所", 2021),  # the sentence's own year
    ],
)
def test_the_year_a_document_or_paragraph_is_about(text: str, raw: str, year: int | None) -> None:
    (fact,) = [fact for fact in extract(text).facts if fact.raw == raw]
    assert fact.year == year


@pytest.mark.parametrize(
    ("sentence", "raw", "label"),
    [
        ("全区共有幼儿园74所。", "74所", "幼儿园"),
        ("——全省共有各级各类学校6883所。", "6883所", "各级各类学校"),
        ("建成69所学校和56所足球特色幼儿园。", "56所", "足球特色幼儿园"),
    ],
)
def test_labels_name_what_is_measured(sentence: str, raw: str, label: str) -> None:
    (fact,) = [fact for fact in extract(sentence).facts if fact.raw == raw]
    assert fact.label == label


def test_a_year_column_is_no_part_of_a_cell_label() -> None:
    text = (
        "表1 主要指标\n指标\n2020年\n2025年\n"
        "学前三年毛入园率(%)\n96.2\n98\n九年义务教育巩固率(%)\n99.5\n100\n"
    )
    labels = {fact.raw: fact.label for fact in extract(text).facts}
    assert labels["96.2"] == "学前三年毛入园率" and labels["99.5"] == "九年义务教育巩固率"


def test_a_number_the_excerpt_cuts_after_a_rate_takes_no_unit() -> None:
    assert not [fact for fact in extract("全市民办幼儿园党组织覆盖率达约7").facts if fact.raw.endswith("7")]


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("全市学前三年幼儿入园率95%。", "preschool_gross_enrollment_rate"),
        ("学前一年幼儿入园率100%。", None),  # one year's rate
        ("初中毕业生升入高中阶段学校入学率达到95.6%。", None),  # a transition rate
        ("全县地方教育经费总收入21.27亿元。", "education_investment"),
        ("国家财政性教育经费总收入18.96亿元。", None),  # a part of the funds
        ("生均一般公共预算教育事业费支出为5769.00元。", "per_student_expenditure"),
        ("生均一般公共预算公用经费支出为3216.80元。", "per_student_public_funding"),
        # (what the total includes, between its name and its number)
        ("一般公共预算教育经费(包括教育事业费和教育费附加)为1111.49亿元。", "education_expenditure"),
        ("适龄残疾儿童、少年义务教育入学率达95%。", "special_needs_enrollment_rate"),
        ("改扩建学校校舍面积1.2万平方米。", "new_floor_area"),
        ("普惠性民办园在园幼儿占比达45%。", "preschool_inclusive_rate"),
        ("发放国家助学金1200万元。", "student_aid_amount"),
        ("发放生源地助学贷款总金额3.6亿元。", None),  # a loan, no aid
        ("全镇在园学生1320人。", "kindergarten_enrollment"),
        ("全年新开工建设学校12所。", "schools_built"),
        ("全年免除学生学杂费1.2亿元。", "student_aid_amount"),
        ("发放教育精准扶贫资金350万元。", "student_aid_amount"),
        ("全区财政投入经费23.97亿元。", "education_investment"),
    ],
)
def test_an_indicator_is_read_from_its_subject_and_measured_noun(text: str, indicator: str | None) -> None:
    # the fallback by itself, as it reads wording no catalog name covers
    catalog = load_catalog()
    (mention,) = [m for m in find_mentions(text) if m.is_quantity and m.unit]
    named = _named_by_parts(catalog, text, mention, mention.unit)
    assert [item.id for _, item in named] == ([indicator] if indicator else [])
