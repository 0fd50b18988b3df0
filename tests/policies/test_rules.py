"""Rule language: parsing, type errors with positions, money, dated parameters, explain, Polars."""

import datetime as dt

import pytest

from onewindow.policies.rules.core import (
    ParameterError,
    Parameters,
    RuleError,
    check,
    explain,
    format_money,
    parse_money,
    to_polars,
)
from onewindow.policies.rules.profile import PROFILE_SCHEMA, age_in_years

D = dt.date


@pytest.fixture
def params() -> Parameters:
    p = Parameters()
    # 规上 revenue threshold: 2000万元, raised to 3000万元 from 2025 (a threshold that changes on a date)
    p.define("规上营收门槛", "money", {"2011-01-01": "2000万元", "2025-01-01": "3000万元"}, label="规上工业营收门槛")
    p.define("试点地区", "set", {"2024-01-01": ["140105", "140106"]})
    p.define("最少人数", "int", [(D(2020, 1, 1), 20)])
    return p


EXAMPLES = [
    'industry under "C" and employees >= 20 and revenue >= $规上营收门槛',
    '"高新技术企业" in certifications and age_years <= 5 and not credit_serious',
    'tax_credit_grade in {"A", "B"} and region in {"140100", "140105"} and established_on >= date("2020-01-01")',
    '(flags has "规上" or revenue >= 2000万元) and violations == 0',
]

GOOD = {
    "industry": "C3011",
    "region": "140105",
    "registered_capital": 500_000_000,
    "established_on": D(2021, 3, 1),
    "employees": 35,
    "tax_paid": 12_000_000,
    "tax_credit_grade": "A",
    "certifications": {"高新技术企业"},
    "violations": 0,
    "credit_serious": False,
    "flags": {"规上"},
    "revenue": 2_500_000_000,
}


@pytest.mark.parametrize("text", EXAMPLES)
def test_example_rules_check_and_hold_for_a_good_profile(text, params):
    rule = check(text, params)
    assert explain(rule, GOOD, D(2024, 6, 30)).eligible
    df = PROFILE_SCHEMA.frame([GOOD])
    assert df.select(to_polars(rule, D(2024, 6, 30)))["eligible"].to_list() == [True]


def test_rule_records_what_it_reads(params):
    rule = check(EXAMPLES[0], params)
    assert rule.fields == {"industry", "employees", "revenue"}
    assert rule.parameter_names == {"规上营收门槛"}
    assert check(EXAMPLES[1], params).fields == {"certifications", "established_on", "credit_serious"}


def test_readable_variants_chinese_labels_full_width_symbols_comments(params):
    text = "（从业人数 ≥ $最少人数）  # 人数门槛\nand 资质认定 has '专精特新\"小巨人\"'"
    rule = check(text, params)
    assert explain(rule, GOOD | {"certifications": ['专精特新"小巨人"']}, D(2024, 1, 1)).eligible
    assert check('employees = 20 and violations ≠ 1 and employees ≤ 30', params)


@pytest.mark.parametrize(
    ("text", "fen"),
    [("1.5亿元", 15_000_000_000), ("2000万元", 2_000_000_000), ("500元", 50_000), ("0.01元", 1), ("3万", 3_000_000), ("2亿", 20_000_000_000)],
)
def test_money_literals_are_exact_fen(text, fen):
    assert parse_money(text) == fen
    rule = check(f"revenue == {text}")
    assert explain(rule, {"revenue": fen}, D(2025, 1, 1)).eligible
    assert not explain(rule, {"revenue": fen + 1}, D(2025, 1, 1)).eligible


def test_money_finer_than_a_fen_is_an_error():
    with pytest.raises(RuleError) as err:
        check("revenue >= 0.001元")
    assert err.value.errors[0].message == "第1行第12列：金额「0.001元」须为非负数且精确到分"


def test_format_money():
    assert format_money(2_000_000_000) == "2,000万元"
    assert format_money(15_000_000_000) == "15,000万元"
    assert format_money(1_500_000) == "1.5万元"
    assert format_money(50_050) == "500.50元"
    assert format_money(0) == "0元"


@pytest.mark.parametrize(
    ("text", "line", "column", "field", "message"),
    [
        ("employes >= 20", 1, 1, None, "第1行第1列：未知字段「employes」，是否为「employees」？"),
        ("employees >= 20 and\n  revnue >= 1万元", 2, 3, None, "第2行第3列：未知字段「revnue」，是否为「revenue」？"),
        ("revenue >= 2000", 1, 12, "revenue", "「revenue」（营业收入，金额）须与带单位的金额比较"),
        ("employees >= 2000万元", 1, 14, "employees", "「employees」（从业人数，整数）不能与金额「2000万元」比较"),
        ("certifications < 3", 1, 1, "certifications", "集合字段请用 has 或 in"),
        ('region under "C"', 1, 1, "region", "「region」（所在地区，文本）不是行业字段"),
        ('industry under "C99"', 1, 16, "industry", "无效的行业代码「C99」：门类 C（制造业）的大类为 13–43"),
        ('industry == "C30"', 1, 13, "industry", "精确比较须用四位小类代码"),
        ("revenue >= $规上营收", 1, 12, None, "未知参数「$规上营收」，是否为「$规上营收门槛」？"),
        ("employees >= $规上营收门槛", 1, 14, "employees", "不能与参数「$规上营收门槛」（金额）比较"),
        ('tax_credit_grade < "A"', 1, 1, "tax_credit_grade", "不能用「<」比较大小，可用 in {…}"),
        ('tax_credit_grade == "E"', 1, 21, "tax_credit_grade", "的取值应为 A/B/M/C/D 之一，而不是「E」"),
        ('flags has "规上企业"', 1, 11, "flags", "没有「规上企业」这一项，是否为「规上」？"),
        ('"高企" in certifications', 1, 1, "certifications", "没有「高企」这一项"),
        ("employees", 1, 1, "employees", "不是是/否条件"),
        ("employees in 3", 1, 14, "employees", "in 的右边须为集合"),
        ('certifications in {"A"}', 1, 1, "certifications", "判断是否包含某值请用 has"),
        ("established_on >= \"2020-01-01\"", 1, 19, "established_on", "不能与文本「\"2020-01-01\"」比较"),
        ('established_on >= date("2020-02-30")', 1, 19, None, "无效的日期「2020-02-30」"),
        ("revenue >= 1.5", 1, 12, "revenue", "须与带单位的金额比较，「1.5」请写明单位"),
        ("revenue >= 5%", 1, 12, "revenue", "须与带单位的金额比较"),
        ("region in {}", 1, 11, None, "集合不能为空"),
        ("employees >= ", 1, 13, None, "第1行第13列：规则不完整"),
        ("employees >= 20 and )", 1, 21, None, "第1行第21列：此处不应出现「)」"),
        ("employees @ 20", 1, 11, None, "第1行第11列：无法识别的字符「@」"),
        ("", 1, 1, None, "规则为空"),
    ],
)
def test_errors_point_at_the_position_and_name_the_field(text, line, column, field, message, params):
    with pytest.raises(RuleError) as err:
        check(text, params)
    first = err.value.errors[0]
    assert (first.line, first.column, first.field) == (line, column, field), first
    assert message in first.message
    assert first.message.startswith(f"第{line}行第{column}列：")


def test_every_error_is_reported_not_just_the_first(params):
    with pytest.raises(RuleError) as err:
        check('employes >= 20 and revenue >= 5 and flags has "x"', params)
    assert [e.column for e in err.value.errors] == [1, 31, 47]
    assert [e.text for e in err.value.errors] == ["employes", "5", '"x"']
    assert err.value.errors[0].as_dict()["field"] is None


def test_dated_parameter_gives_different_answers_before_and_after(params):
    rule = check("revenue >= $规上营收门槛", params)
    profile = {"revenue": 2_500_000_000}  # 2500万元
    assert explain(rule, profile, D(2024, 12, 31)).eligible
    assert not explain(rule, profile, D(2025, 1, 1)).eligible
    df = PROFILE_SCHEMA.frame([profile])
    assert df.select(to_polars(rule, D(2024, 12, 31)))["eligible"].to_list() == [True]
    assert df.select(to_polars(rule, D(2025, 1, 1)))["eligible"].to_list() == [False]
    with pytest.raises(ParameterError, match="在 2010-12-31 尚无生效的值"):
        explain(rule, profile, D(2010, 12, 31))


def test_set_parameter_and_parameter_errors(params):
    rule = check("region in $试点地区", params)
    assert explain(rule, {"region": "140106"}, D(2024, 2, 1)).eligible
    with pytest.raises(ParameterError, match="类型「float」无效"):
        params.define("x", "float")
    with pytest.raises(ParameterError, match="是金额"):
        params.define("y", "money", {"2020-01-01": 1.5})
    loaded = Parameters.from_dict({"门槛": {"type": "money", "values": [{"from": "2020-01-01", "value": "1.5亿元"}]}})
    assert loaded.value_at("门槛", D(2021, 1, 1)) == 15_000_000_000


def test_age_is_derived_on_the_evaluation_date():
    rule = check("age_years >= 1")
    feb29 = {"established_on": D(2020, 2, 29), "age_years": 99}  # a stored age is ignored
    assert age_in_years(D(2020, 2, 29), D(2021, 2, 28)) == 0
    assert not explain(rule, feb29, D(2021, 2, 28)).eligible
    assert explain(rule, feb29, D(2021, 3, 1)).eligible
    df = PROFILE_SCHEMA.frame([feb29])
    assert df.select(to_polars(rule, D(2021, 2, 28)))["eligible"].to_list() == [False]
    assert df.select(to_polars(rule, D(2021, 3, 1)))["eligible"].to_list() == [True]


def test_explain_lists_failed_conditions_with_actual_and_required(params):
    rule = check(EXAMPLES[0], params)
    profile = GOOD | {"industry": "F5211", "employees": 12}
    result = explain(rule, profile, D(2025, 6, 30))
    assert (result.eligible, result.status) == (False, "ineligible")
    assert [(c.field, c.outcome, c.actual, c.required) for c in result.conditions] == [
        ("industry", "failed", "所属行业：F5211（批发和零售业）", "所属行业 属于行业 C（制造业）"),
        ("employees", "failed", "从业人数：12", "从业人数 ≥ 20"),
        ("revenue", "failed", "营业收入：2,500万元", "营业收入 ≥ 3,000万元（$规上营收门槛）"),
    ]
    assert result.conditions[0].text == 'industry under "C"'
    assert result.missing == []


def test_explain_negated_and_missing(params):
    rule = check(EXAMPLES[1], params)
    result = explain(rule, GOOD | {"credit_serious": True, "established_on": None}, D(2024, 6, 30))
    assert result.status == "ineligible"  # false and unknown = false
    by_text = {c.text: c for c in result.conditions}
    serious = by_text["credit_serious"]
    assert (serious.outcome, serious.negated, serious.actual, serious.required) == ("failed", True, "严重失信：是", "严重失信：否")
    age = by_text["age_years <= 5"]
    assert (age.outcome, age.actual) == ("missing", "成立年限：缺失（成立日期未知）")
    assert [(m.field, m.label, m.condition) for m in result.missing] == [("established_on", "成立日期", "age_years <= 5")]


def test_missing_data_is_undetermined_and_not_eligible_in_both_engines(params):
    rule = check("not (employees < 20) or violations == 0", params)
    profiles = [{"employees": None, "violations": 1}, {"employees": None, "violations": 0}, {}]
    assert [explain(rule, p, D(2025, 1, 1)).status for p in profiles] == ["undetermined", "eligible", "undetermined"]
    df = PROFILE_SCHEMA.frame(profiles)
    assert df.select(to_polars(rule, D(2025, 1, 1)))["eligible"].to_list() == [False, True, False]
    result = explain(rule, profiles[0], D(2025, 1, 1))
    assert [(c.text, c.outcome, c.required) for c in result.conditions] == [
        ("employees < 20", "missing", "从业人数 ≥ 20"),
        ("violations == 0", "failed", "近三年违法违规次数 = 0"),
    ]


def test_set_membership_and_industry_in_polars(params):
    rule = check(
        'industry under "C30" and not ("专精特新中小企业" in certifications) and tax_credit_grade not in {"C", "D"}', params
    )
    profiles = [
        GOOD,
        GOOD | {"industry": "C3111"},
        GOOD | {"certifications": ["专精特新中小企业"]},
        GOOD | {"tax_credit_grade": "D"},
        GOOD | {"certifications": None},
        GOOD | {"certifications": []},
    ]
    expected = [True, False, False, False, False, True]
    assert [explain(rule, p, D(2025, 1, 1)).eligible for p in profiles] == expected
    df = PROFILE_SCHEMA.frame(profiles)
    assert df.select(to_polars(rule, D(2025, 1, 1)))["eligible"].to_list() == expected


def test_profile_values_are_type_checked():
    with pytest.raises(ValueError, match="「employees」（从业人数）应为整数"):
        PROFILE_SCHEMA.coerce({"employees": "12"})
    with pytest.raises(ValueError, match="应为 A/B/M/C/D 之一"):
        PROFILE_SCHEMA.coerce({"tax_credit_grade": "E"})
    assert PROFILE_SCHEMA.coerce({"established_on": "2020-01-02"})["established_on"] == D(2020, 1, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("false and false or true", True), ("not true or true", True), ("not (true or true)", False), ("true or true and false", True)],
)
def test_precedence_not_then_and_then_or(text, expected):
    rule = check(text)
    assert explain(rule, {}, D(2025, 1, 1)).eligible is expected
    assert PROFILE_SCHEMA.frame([{}, {}]).select(to_polars(rule, D(2025, 1, 1)))["eligible"].to_list() == [expected] * 2


def test_rule_text_is_parsed_never_evaluated():
    for text in ['__import__("os").system("true")', "employees.__class__ == 1", "exec('1')"]:
        with pytest.raises(RuleError):
            check(text)
