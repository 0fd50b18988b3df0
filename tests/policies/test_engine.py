"""The matching engine (issue 4, items 5 and 9): compiling items with every error located, and the
semantics of match — eligibility under missing data, staged and formula amounts, exclusivity groups
with ties, budgets scaled pro rata — on small frames, with explain_enterprise agreeing."""

import datetime as dt

import polars as pl
import pytest

from onewindow.policies.engine.core import compile_item, explain_enterprise, match
from onewindow.policies.rules.core import Parameters, RuleError
from onewindow.policies.rules.profile import PROFILE_SCHEMA

AS_OF = dt.date(2025, 6, 30)


@pytest.fixture
def params() -> Parameters:
    p = Parameters()
    p.define("规上营收门槛", "money", {"2011-01-01": "2000万元", "2025-07-01": "3000万元"})
    p.define("稳岗上限", "money", {"2020-01-01": "50万元"})
    return p


def frame(profiles: list[dict], ids: list[int] | None = None) -> pl.DataFrame:
    ids = ids or list(range(1, len(profiles) + 1))
    return PROFILE_SCHEMA.frame(profiles).with_columns(pl.Series("enterprise_id", ids, dtype=pl.Int64))


def item(params, code, rule, amount, **kw):
    return compile_item(code=code, title=f"事项{code}", rule=rule, amount=amount, parameters=params, **kw)


def pairs(result) -> dict:
    rows = result.pairs().to_dicts()
    return {(r["enterprise_id"], r["item_code"]): r for r in rows}


# --- compiling ------------------------------------------------------------------------------------


def test_compile_item_fixed_formula_and_stages(params):
    fixed = item(params, "A", 'flags has "新升规上"', "5万元", group="G", budget_fen=10_000_000, auto_grant=True)
    assert [(s.name, s.amount.fixed, s.when) for s in fixed.stages] == [("", 5_000_000, None)]
    assert (fixed.group, fixed.budget_fen, fixed.auto_grant) == ("G", 10_000_000, True)
    formula = item(params, "B", "employees >= 1", {"formula": "min(失业保险缴费 * 60%, $稳岗上限)"})
    assert formula.stages[0].amount.describe() == "min(失业保险缴费 × 60%, $稳岗上限)"
    staged = item(params, "C", 'flags has "上市辅导备案" or flags has "上市申报受理"', {"stages": [
        {"name": "辅导备案", "when": 'flags has "上市辅导备案"', "amount": "200万元"},
        {"name": "申报受理", "when": 'flags has "上市申报受理"', "amount": "300万元"},
    ]})
    assert [(s.name, s.amount.fixed, s.when.text) for s in staged.stages] == [
        ("辅导备案", 2_000_000_00, 'flags has "上市辅导备案"'),
        ("申报受理", 3_000_000_00, 'flags has "上市申报受理"'),
    ]


def test_compile_item_lists_every_error_with_its_part(params):
    with pytest.raises(RuleError) as err:
        item(params, "X", "employes >= 20 and\n  revenue >= 5", {"stages": [
            {"name": "辅导备案", "when": 'flags has "辅导"', "amount": "200万元"},
            {"name": "申报受理", "when": "flags has", "amount": {"formula": "营业收入 * 纳税额"}},
            {"name": "辅导备案", "amount": "-3万元", "extra": 1},
            {"when": "true", "amount": "1万元"},
        ]}, budget_fen=-1)
    got = [(e.part, e.line, e.column, e.field) for e in err.value.errors]
    assert got == [
        ("资格条件", 1, 1, None),  # employes: unknown field
        ("资格条件", 2, 14, "revenue"),  # 5 needs a unit
        ("第1阶段「辅导备案」条件", 1, 11, "flags"),  # 辅导 is not a flag
        ("第2阶段「申报受理」条件", 1, 10, None),  # incomplete
        ("第2阶段「申报受理」金额", 1, 1, "revenue"),  # money × money
        ("第3阶段「辅导备案」", 1, 1, None),  # duplicate name
        ("第3阶段「辅导备案」", 1, 1, None),  # unknown key
        ("第3阶段「辅导备案」金额", 1, 1, None),  # negative
        ("第4阶段", 1, 1, None),  # no name
        ("预算", 1, 1, None),
    ]
    messages = [e.message for e in err.value.errors]
    assert messages[0] == "资格条件第1行第1列：未知字段「employes」，是否为「employees」？"
    assert messages[2].startswith("第1阶段「辅导备案」条件第1行第11列：「flags」（企业标识）没有「辅导」这一项")
    assert messages[4].startswith("第2阶段「申报受理」金额第1行第1列：两个金额不能相乘")
    assert "阶段名称「辅导备案」重复" in messages[5]
    assert "未知的键「extra」" in messages[6]
    assert messages[7] == "第3阶段「辅导备案」金额第1行第1列：金额不能为负数"
    assert "阶段名称 name 不能为空" in messages[8]
    assert "预算应为非负的整数分" in messages[9]
    assert err.value.errors[0].as_dict()["part"] == "资格条件"


@pytest.mark.parametrize(("amount", "part", "message"), [
    ({"stages": []}, "金额", "stages 应为非空列表"),
    ({"stages": [{"name": "a", "amount": "1万元"}], "formula": "x"}, "金额", "不能同时写「formula」"),
    ({"formula": "从业人数 * 2"}, "金额", "金额公式的结果须为金额"),
    (-5, "金额", "金额不能为负数"),
    ({"stages": ["200万元"]}, "第1阶段", "每个阶段应写作"),
    ({"stages": [{"name": "a", "when": 3, "amount": "1万元"}]}, "第1阶段「a」条件", "条件应为规则文本"),
    ({"stages": [{"name": "a"}]}, "第1阶段「a」金额", "缺少金额 amount"),
])
def test_compile_item_amount_errors(params, amount, part, message):
    with pytest.raises(RuleError) as err:
        item(params, "X", "true", amount)
    assert err.value.errors[0].part == part
    assert message in err.value.errors[0].message


# --- eligibility and amounts ----------------------------------------------------------------------


def test_eligible_only_when_definitely_true_and_amount_known_and_positive(params):
    items = [
        item(params, "REV", "revenue >= $规上营收门槛 or certifications has \"高新技术企业\"", "5万元"),
        item(params, "ZERO", "true", "0元"),
        item(params, "WG", "employees >= 1", {"formula": "min(失业保险缴费 * 60%, $稳岗上限)"}),
    ]
    profiles = [
        {"revenue": 2_500_000_000, "employees": 10, "unemployment_insurance_paid": 100_000},
        {"revenue": None, "certifications": ["高新技术企业"], "employees": 10},  # or with unknown: true
        {"revenue": None, "certifications": [], "employees": None},  # unknown: not eligible
        {"revenue": 100, "employees": 3, "unemployment_insurance_paid": 0},  # amount 0: not eligible
    ]
    result = match(frame(profiles), items, as_of=AS_OF, parameters=params)
    got = {k: v["eligible_amount"] for k, v in pairs(result).items()}
    assert got == {(1, "REV"): 5_000_000, (2, "REV"): 5_000_000, (1, "WG"): 60_000}
    summary = {r["item_code"]: r for r in result.summary().to_dicts()}
    assert summary["ZERO"]["eligible_count"] == 0
    assert (summary["WG"]["eligible_count"], summary["WG"]["eligible_total"]) == (1, 60_000)
    # the threshold changes on 2025-07-01: 2500万元 is no longer enough
    later = match(frame(profiles), items, as_of=dt.date(2025, 7, 1), parameters=params)
    assert (1, "REV") not in pairs(later)


def test_stages_sum_those_that_hold_and_skip_unknown_amounts(params):
    staged = item(params, "SS", "not credit_serious", {"stages": [
        {"name": "辅导备案", "when": 'flags has "上市辅导备案"', "amount": "200万元"},
        {"name": "申报受理", "when": 'flags has "上市申报受理"', "amount": "300万元"},
        {"name": "研发", "when": "rd_expense > 0元", "amount": {"formula": "研发费用 * 10%"}},
    ]})
    profiles = [
        {"credit_serious": False, "flags": ["上市辅导备案", "上市申报受理"], "rd_expense": 1000},
        {"credit_serious": False, "flags": ["上市申报受理"], "rd_expense": None},  # research stage unknown: not counted
        {"credit_serious": False, "flags": [], "rd_expense": 0},  # no stage holds: not eligible
        {"credit_serious": True, "flags": ["上市辅导备案"]},
    ]
    result = match(frame(profiles), [staged], as_of=AS_OF, parameters=params)
    rows = pairs(result)
    assert set(rows) == {(1, "SS"), (2, "SS")}
    assert rows[(1, "SS")]["eligible_amount"] == 500_000_000 + 100
    assert rows[(1, "SS")]["stage_amounts"] == [
        {"stage": "辅导备案", "amount": 200_000_000}, {"stage": "申报受理", "amount": 300_000_000},
        {"stage": "研发", "amount": 100},
    ]
    assert rows[(2, "SS")]["stage_amounts"] == [{"stage": "申报受理", "amount": 300_000_000}]
    explained = [explain_enterprise(p, [staged], as_of=AS_OF, parameters=params)[0] for p in profiles]
    assert [(e.eligible, e.amount, e.status) for e in explained] == [
        (True, 500_000_100, "eligible"), (True, 300_000_000, "eligible"), (False, None, "ineligible"),
        (False, None, "ineligible"),
    ]
    assert [(s.name, s.holds, s.amount) for s in explained[1].stages] == [
        ("辅导备案", False, None), ("申报受理", True, 300_000_000), ("研发", None, None)]


# --- exclusivity and budgets ----------------------------------------------------------------------


def test_highest_award_in_a_group_wins_and_ties_go_to_the_smallest_code(params):
    items = [
        item(params, "ZJ-3", 'certifications has "市级专精特新中小企业"', "10万元", group="G"),
        item(params, "ZJ-1", "certifications has '专精特新\"小巨人\"'", "60万元", group="G"),
        item(params, "ZJ-2", 'certifications has "省级专精特新中小企业"', "10万元", group="G"),
        item(params, "GX", 'certifications has "高新技术企业"', "10万元"),  # not in the group
    ]
    every = ['专精特新"小巨人"', "省级专精特新中小企业", "市级专精特新中小企业", "高新技术企业"]
    profiles = [
        {"certifications": every},
        {"certifications": ["省级专精特新中小企业", "市级专精特新中小企业"]},  # tie at 10万元: ZJ-2 < ZJ-3
        {"certifications": ["市级专精特新中小企业"]},
    ]
    result = match(frame(profiles), items, as_of=AS_OF, parameters=params)
    got = {k: (v["outcome"], v["awarded_amount"], v["superseded_by"]) for k, v in pairs(result).items()}
    assert got == {
        (1, "ZJ-1"): ("awarded", 60_000_000, None),
        (1, "ZJ-2"): ("superseded", 0, "ZJ-1"),
        (1, "ZJ-3"): ("superseded", 0, "ZJ-1"),
        (1, "GX"): ("awarded", 10_000_000, None),
        (2, "ZJ-2"): ("awarded", 10_000_000, None),
        (2, "ZJ-3"): ("superseded", 0, "ZJ-2"),
        (3, "ZJ-3"): ("awarded", 10_000_000, None),
    }
    summary = {r["item_code"]: (r["eligible_count"], r["awarded_count"], r["awarded_total"]) for r in result.summary().to_dicts()}
    assert summary == {"ZJ-3": (3, 1, 10_000_000), "ZJ-1": (1, 1, 60_000_000), "ZJ-2": (2, 1, 10_000_000),
                       "GX": (1, 1, 10_000_000)}
    for i, profile in enumerate(profiles, start=1):
        for ex in explain_enterprise(profile, items, as_of=AS_OF, parameters=params):
            if ex.eligible:
                assert (ex.outcome, ex.awarded_amount, ex.superseded_by) == got[(i, ex.code)]


def test_group_with_formula_amounts_compares_each_enterprise_amount(params):
    items = [
        item(params, "KG", "graduates_hired >= 1", {"formula": "graduates_hired * 1500元"}, group="G"),
        item(params, "JY", "employees >= 50", "1万元", group="G"),
    ]
    profiles = [{"graduates_hired": 10, "employees": 60}, {"graduates_hired": 2, "employees": 60}, {"graduates_hired": 3}]
    got = {k: (v["outcome"], v["superseded_by"]) for k, v in pairs(match(frame(profiles), items, as_of=AS_OF, parameters=params)).items()}
    assert got == {(1, "KG"): ("awarded", None), (1, "JY"): ("superseded", "KG"), (2, "JY"): ("awarded", None),
                   (2, "KG"): ("superseded", "JY"), (3, "KG"): ("awarded", None)}


def test_budget_scales_every_award_pro_rata_floored_to_the_fen(params):
    items = [
        item(params, "A", "employees >= 1", {"formula": "employees * 1元"}, budget_fen=1000),
        item(params, "B", "employees >= 1", "3元", budget_fen=700),
        item(params, "C", "employees >= 1", "3元", budget_fen=900),  # exactly the total: unchanged
    ]
    profiles = [{"employees": 100}, {"employees": 200}, {"employees": 1}]
    result = match(frame(profiles), items, as_of=AS_OF, parameters=params)
    rows = pairs(result)
    # A: 10000 + 20000 + 100 = 30100 fen against 1000: each × 1000/30100, floored
    assert [rows[(i, "A")]["awarded_amount"] for i in (1, 2, 3)] == [332, 664, 3]
    assert [rows[(i, "B")]["awarded_amount"] for i in (1, 2, 3)] == [233, 233, 233]
    assert {rows[(i, "A")]["outcome"] for i in (1, 2, 3)} == {"budget_reduced"}
    assert {rows[(i, "C")]["outcome"] for i in (1, 2, 3)} == {"awarded"}
    summary = {r["item_code"]: r for r in result.summary().to_dicts()}
    assert (summary["A"]["eligible_total"], summary["A"]["awarded_total"], summary["A"]["budget_fen"]) == (30_100, 999, 1000)
    assert summary["B"]["awarded_total"] == 699 and summary["C"]["awarded_total"] == 900


def test_budget_applies_after_exclusivity(params):
    items = [
        item(params, "HI", "employees >= 10", "10元", group="G"),
        item(params, "LO", "employees >= 1", "5元", group="G", budget_fen=500),
    ]
    profiles = [{"employees": 20}] * 50 + [{"employees": 5}] * 100  # LO wins only for the 100 small ones
    summary = {r["item_code"]: r for r in match(frame(profiles), items, as_of=AS_OF, parameters=params).summary().to_dicts()}
    assert (summary["LO"]["eligible_count"], summary["LO"]["awarded_count"]) == (150, 100)
    assert summary["LO"]["awarded_total"] == 100 * (500 * 500 // 50_000)  # 5元 each → 5 fen each


# --- subsets, frames, explanations ---------------------------------------------------------------


def test_match_on_a_subset_of_enterprises_or_items_agrees(params):
    items = [
        item(params, "A", "employees >= 10", "10元", group="G"),
        item(params, "B", "employees >= 1", "5元", group="G"),
        item(params, "C", 'industry under "C"', {"formula": "employees * 1元"}),
    ]
    profiles = [{"employees": e, "industry": ind} for e, ind in [(20, "C3011"), (5, "F5211"), (None, "C1311"), (1, "C3011")]]
    whole = pairs(match(frame(profiles, [7, 8, 9, 10]), items, as_of=AS_OF, parameters=params))
    some = frame(profiles, [7, 8, 9, 10])[[1, 3]]
    part = pairs(match(some, items, as_of=AS_OF, parameters=params))
    assert part == {k: v for k, v in whole.items() if k[0] in (8, 10)}
    group_only = pairs(match(frame(profiles, [7, 8, 9, 10]), items[:2], as_of=AS_OF, parameters=params))
    assert group_only == {k: v for k, v in whole.items() if k[1] != "C"}


def test_pairs_and_summary_shapes(params):
    items = [item(params, "A", "employees >= 1", "1元")]
    result = match(frame([{"employees": 0}]), items, as_of=AS_OF, parameters=params)
    assert result.pairs().schema == pl.Schema({
        "enterprise_id": pl.Int64, "item_code": pl.Utf8, "eligible_amount": pl.Int64, "awarded_amount": pl.Int64,
        "outcome": pl.Utf8, "superseded_by": pl.Utf8,
        "stage_amounts": pl.List(pl.Struct({"stage": pl.Utf8, "amount": pl.Int64})),
    })
    assert result.pairs().height == 0
    assert "stage_amounts" not in result.pairs(stages=False).columns
    assert result.summary().to_dicts() == [{"item_code": "A", "eligible_count": 0, "awarded_count": 0,
                                           "eligible_total": 0, "awarded_total": 0, "budget_fen": None}]
    empty = frame([{"employees": 1}]).clear()
    assert match(empty, items, as_of=AS_OF, parameters=params).pairs().height == 0


def test_bad_calls_are_refused(params):
    items = [item(params, "A", "employees >= 1", "1元")]
    with pytest.raises(ValueError, match="事项编码重复：A"):
        match(frame([{}]), items * 2, as_of=AS_OF, parameters=params)
    with pytest.raises(ValueError, match="缺少 enterprise_id"):
        match(PROFILE_SCHEMA.frame([{}]), items, as_of=AS_OF, parameters=params)
    with pytest.raises(ValueError, match="画像数据缺少字段「employees」"):
        match(frame([{}]).drop("employees"), items, as_of=AS_OF, parameters=params)


def test_explain_enterprise_gives_reasons_and_missing_data(params):
    items = [
        item(params, "REV", 'industry under "C" and revenue >= $规上营收门槛', "5万元"),
        item(params, "WG", "employees >= 1", {"formula": "min(失业保险缴费 * 60%, $稳岗上限)"}),
    ]
    rev, wg = explain_enterprise({"industry": "F5211", "employees": 3}, items, as_of="2025-06-30", parameters=params)
    assert (rev.eligible, rev.status, rev.amount, rev.outcome) == (False, "ineligible", None, None)
    assert [(c.text, c.outcome, c.actual, c.required) for c in rev.conditions] == [
        ('industry under "C"', "failed", "所属行业：F5211（批发和零售业）", "所属行业 属于行业 C（制造业）"),
        ("revenue >= $规上营收门槛", "missing", "营业收入：缺失", "营业收入 ≥ 2,000万元（$规上营收门槛）"),
    ]
    assert [m.field for m in rev.missing] == ["revenue"]
    # the rule holds but the formula's data is missing: undetermined, and the missing field is named
    assert (wg.eligible, wg.status, wg.amount) == (False, "undetermined", None)
    assert wg.conditions == []
    assert [(m.field, m.condition) for m in wg.missing] == [("unemployment_insurance_paid", "min(失业保险缴费 * 60%, $稳岗上限)")]
