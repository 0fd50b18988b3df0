"""Arithmetic operands in rule comparisons (issue 4, item 2): exact comparison at the boundary in
both evaluators, explanations that show the formula and its value, division by zero as unknown."""

import datetime as dt

import pytest

from onewindow.policies.rules.core import Parameters, RuleError, check, explain, to_polars
from onewindow.policies.rules.profile import PROFILE_SCHEMA

D = dt.date(2025, 6, 30)


def both(rule, profiles):
    one = [explain(rule, p, D).eligible for p in profiles]
    many = PROFILE_SCHEMA.frame(profiles).select(to_polars(rule, D))["eligible"].to_list()
    assert one == many
    return one


def test_layoff_ratio_is_compared_exactly_at_the_boundary():
    # 稳岗返还: layoffs at most 5.5% of the workforce; 200 × 5.5% = 11 exactly, 100 × 5.5% = 5.5
    rule = check("裁员人数 <= 从业人数 * 5.5%")
    profiles = [{"employees": 200, "layoffs": 11}, {"employees": 200, "layoffs": 12}, {"employees": 100, "layoffs": 5},
                {"employees": 100, "layoffs": 6}, {"employees": 100}]
    assert both(rule, profiles) == [True, False, True, False, False]


def test_ratio_of_two_money_fields_and_division_by_zero():
    rule = check("研发费用 / 营业收入 >= 3%")
    profiles = [{"rd_expense": 300, "revenue": 10_000}, {"rd_expense": 299, "revenue": 10_000}, {"rd_expense": 1, "revenue": 0}]
    assert both(rule, profiles) == [True, False, False]
    assert explain(rule, profiles[2], D).status == "undetermined"  # 0 revenue: the ratio is unknown, not an error
    negated = check("not (研发费用 / 营业收入 < 3%)")
    assert both(negated, profiles) == [True, False, False]


def test_explanation_shows_the_formula_with_its_value():
    rule = check("裁员人数 <= 从业人数 * 5.5%")
    [condition] = explain(rule, {"employees": 100, "layoffs": 6}, D).conditions
    assert condition.actual == "裁员人数：6；从业人数：100"
    assert condition.required == "裁员人数 ≤ 从业人数 × 5.5%（=5.5）"
    [missing] = explain(rule, {"employees": 100}, D).missing
    assert (missing.field, missing.condition) == ("layoffs", "裁员人数 <= 从业人数 * 5.5%")


def test_min_max_decimals_parameters_and_constant_folding():
    params = Parameters()
    params.define("倍数", "int", {"2020-01-01": 2, "2025-06-01": 3})
    rule = check("max(营业收入, 纳税额 * $倍数) >= 100万元 and 从业人数 * 1.5 > 3 and 1 / 3 + 1 / 3 + 1 / 3 == 1", params)
    base = {"revenue": 0, "tax_paid": 40_000_000, "employees": 3}  # 40万元 × 3 ≥ 100万元 from June 2025
    assert both(rule, [base, base | {"tax_paid": 30_000_000}, base | {"employees": 2}]) == [True, False, False]


def test_arithmetic_is_typed():
    with pytest.raises(RuleError) as err:
        check("营业收入 * 纳税额 > 1元 or 从业人数 + 营业收入 > 1元 or 营业收入 > 1.5")
    messages = [e.message for e in err.value.errors]
    assert "两个金额不能相乘" in messages[0]
    assert "不能相加：金额只能与金额相加减" in messages[1]
    assert "「1.5」请写明单位" in messages[2]
