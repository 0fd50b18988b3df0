"""Award amounts (issue 4, item 1): fixed money, formulas over enterprise data, exactness, rounding
down to the fen, negative results paying 0, unknown data, and errors with positions."""

import datetime as dt

import pytest

from onewindow.policies.rules.amounts import check_amount
from onewindow.policies.rules.core import Parameters, RuleError
from onewindow.policies.rules.profile import PROFILE_SCHEMA

D = dt.date


@pytest.fixture
def params() -> Parameters:
    p = Parameters()
    p.define("稳岗返还上限", "money", {"2020-01-01": "50万元", "2025-01-01": "30万元"})
    p.define("返还比例", "int", {"2020-01-01": 60})
    return p


def values(amount, profiles, as_of, params=None):
    """Both evaluators: per enterprise and Polars, which must agree."""
    one = [amount.evaluate(p, as_of, params) for p in profiles]
    many = PROFILE_SCHEMA.frame(profiles).select(amount.to_polars(as_of, params))["amount"].to_list()
    assert one == many
    return one


@pytest.mark.parametrize(("value", "fen", "described"), [("5万元", 5_000_000, "5万元"), ("1500元", 150_000, "1,500元"),
                                                         (1500, 1500, "15元"), ("0.5亿元", 5_000_000_000, "5,000万元")])
def test_fixed_amounts(value, fen, described):
    amount = check_amount(value)
    assert (amount.fixed, amount.is_formula, amount.fields, amount.describe()) == (fen, False, frozenset(), described)
    assert values(amount, [{}, {"employees": 3}], D(2025, 1, 1)) == [fen, fen]


def test_formula_reads_fields_by_label_and_describes_itself(params):
    amount = check_amount({"formula": "min(失业保险缴费 * 60%, 50万元)"}, params)
    assert amount.fixed is None and amount.is_formula
    assert amount.fields == {"unemployment_insurance_paid"}
    assert amount.describe() == "min(失业保险缴费 × 60%, 50万元)"
    profiles = [{"unemployment_insurance_paid": 100_000_000}, {"unemployment_insurance_paid": 12_345}, {}]
    # 60% of 100万元 is 60万元, capped at 50万元; 60% of 123.45元 is 74.07元; unknown data → unknown amount
    assert values(amount, profiles, D(2025, 1, 1)) == [50_000_000, 7_407, None]


def test_dated_parameters_in_a_formula(params):
    amount = check_amount({"formula": "min(unemployment_insurance_paid * $返还比例 / 100, $稳岗返还上限)"}, params)
    assert amount.parameter_names == {"返还比例", "稳岗返还上限"}
    assert amount.describe() == "min(失业保险缴费 × $返还比例 ÷ 100, $稳岗返还上限)"
    profile = [{"unemployment_insurance_paid": 100_000_000}]
    assert values(amount, profile, D(2024, 12, 31), params) == [50_000_000]
    assert values(amount, profile, D(2025, 1, 1), params) == [30_000_000]


def test_exact_arithmetic_floored_to_the_fen_once_at_the_end():
    amount = check_amount({"formula": "rd_expense * 7.5% / 3 + rd_expense * 7.5% / 3"})
    # 1001 × 0.075 / 3 = 25.025 fen each; exactly 50.05 in total → 50 (rounding each term first would give 50 too,
    # so also check a case where it differs: 1013 → 25.325 + 25.325 = 50.65 → 50, per-term rounding 25 + 25 = 50)
    assert values(amount, [{"rd_expense": 1001}, {"rd_expense": 1014}], D(2025, 1, 1)) == [50, 50]
    thirds = check_amount({"formula": "revenue / 3 + revenue / 3 + revenue / 3"})
    assert values(thirds, [{"revenue": 100}, {"revenue": 1}], D(2025, 1, 1)) == [100, 1]  # floats would give 99 / 0


def test_negative_results_pay_nothing_and_division_by_zero_is_unknown():
    amount = check_amount({"formula": "从业人数 * 1000元 - 裁员人数 * 2000元"})
    assert values(amount, [{"employees": 10, "layoffs": 2}, {"employees": 1, "layoffs": 5}], D(2025, 1, 1)) == [
        600_000,
        0,
    ]
    per_head = check_amount({"formula": "(revenue - tax_paid) / employees"})
    assert values(per_head, [{"revenue": 700, "tax_paid": 0, "employees": 0}, {"revenue": 700, "tax_paid": 0, "employees": 3}],
                  D(2025, 1, 1)) == [None, 233]


def test_age_in_a_formula_is_derived_on_the_date():
    amount = check_amount({"formula": "成立年限 * 1万元"})
    assert amount.fields == {"established_on"}
    assert values(amount, [{"established_on": D(2020, 2, 29)}], D(2023, 2, 28)) == [2_000_000]
    assert values(amount, [{"established_on": D(2020, 2, 29)}], D(2023, 3, 1)) == [3_000_000]


@pytest.mark.parametrize(
    ("value", "line", "column", "field", "message"),
    [
        ("-5万元", 1, 1, None, "金额不能为负数"),
        (-100, 1, 1, None, "金额不能为负数"),
        ({"formula": "0元 - 5万元"}, 1, 1, None, "金额不能为负数：「0元 - 5万元」的结果为 -5万元"),
        ("5", 1, 1, None, "须带单位：元、万元或亿元"),
        ("0.001元", 1, 1, None, "精确到分"),
        (1.5, 1, 1, None, "不能是小数"),
        (True, 1, 1, None, "金额应写作带单位的金额"),
        ({"formula": "min(失业保险缴费 * 60%, 50万元"}, 1, 23, None, "公式不完整，此处应为：「)」、「,」"),
        ({"formula": "失业保险缴费 ** 2"}, 1, 9, None, "此处不应出现「*」"),
        ({"formula": "失业保险缴费 * 失业保险缴费"}, 1, 1, "unemployment_insurance_paid", "两个金额不能相乘"),
        ({"formula": "min(失业保险缴纳 * 60%, 50万元)"}, 1, 5, None, "未知字段「失业保险缴纳」，是否为「失业保险缴费」？"),
        ({"formula": "从业人数 * 2"}, 1, 1, None, "金额公式的结果须为金额"),
        ({"formula": "失业保险缴费 + 500"}, 1, 1, "unemployment_insurance_paid", "「500」请写明单位"),
        ({"formula": "min(失业保险缴费, 2)"}, 1, 1, None, "须同为金额或同为数值"),
        ({"formula": "所属行业 * 1万元"}, 1, 1, "industry", "不能参与算术运算"),
        ({"formula": "round(失业保险缴费)"}, 1, 1, None, "未知函数「round」"),
        ({"formula": "失业保险缴费 / 0"}, 1, 10, None, "除数不能为 0"),
        ({"formula": "从业人数 * 裁员人数 * 招用高校毕业生人数 * 1元"}, 1, 1, None, "超出精确计算的范围"),
        ({"formula": "$稳岗返还上线"}, 1, 1, None, "未知参数「$稳岗返还上线」，是否为「$稳岗返还上限」？"),
        ({"formula": "(从业人数 > 3) * 1万元"}, 1, 2, None, "是条件，不能用作数值"),
        ({"formula": ""}, 1, 1, None, "公式为空"),
        ({"formula": 5}, 1, 1, None, "公式应为文本"),
        ({"stages": []}, 1, 1, None, "未知的键「stages」"),
    ],
)
def test_errors_name_the_position_and_field(value, line, column, field, message, params):
    with pytest.raises(RuleError) as err:
        check_amount(value, params)
    first = err.value.errors[0]
    assert (first.line, first.column, first.field) == (line, column, field), first
    assert message in first.message, first.message
    assert first.message.startswith(f"第{line}行第{column}列：")


def test_every_formula_error_is_listed(params):
    with pytest.raises(RuleError) as err:
        check_amount({"formula": "min(失业保险缴纳 * 60%, $上线) + 研发费 * 2%"}, params)
    assert [(e.column, e.text) for e in err.value.errors] == [(5, "失业保险缴纳"), (19, "$上线"), (26, "研发费")]
