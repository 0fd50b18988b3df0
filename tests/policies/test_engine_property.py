"""Issue 4, item 10: the batch engine (match) agrees with an independent, straightforward evaluator —
the rule language's explain() per item, Amount.evaluate per stage, and the exclusivity and budget
rules written out in plain Python below — on random profiles with missing values and random rules,
amounts (fixed, formulas, stages), groups and budgets. explain_enterprise agrees with match on a
frame holding only that enterprise."""

import datetime as dt
import os

import polars as pl
from hypothesis import HealthCheck, given, settings, target
from hypothesis import strategies as st

from onewindow.policies.engine import bits as engine_bits
from onewindow.policies.engine import formula as engine_formula
from onewindow.policies.engine.core import compile_item, explain_enterprise, match
from onewindow.policies.rules.core import explain
from onewindow.policies.rules.profile import CERTIFICATIONS, FLAGS, PROFILE_SCHEMA, TAX_CREDIT_GRADES
from tests.policies.test_rules_property import AS_OF, FORMULAS, INDUSTRIES, MONEY_FEN, PARAMS, REGIONS, leaf

FIXED = ["0元", "0.01元", "3元", "5万元", "10万元", "60万元"]
DATES = [*AS_OF, dt.date(2024, 2, 29)]  # a leap day: ages counted to 28 February in common years
# establishment dates on and around each date's anniversaries, where whole years of age change
ANNIVERSARIES = sorted({
    d.replace(year=d.year - k, day=28 if (d.month, d.day) == (2, 29) else d.day) + dt.timedelta(days=delta)
    for d in DATES for k in range(0, 13) for delta in (-1, 0, 1)
})


def some(values):
    """One of ``values`` or unknown (None, listed last: Hypothesis favours early choices)."""
    return st.sampled_from([*values, None])


profiles = st.fixed_dictionaries({
    "industry": some(INDUSTRIES),
    "region": some(REGIONS),
    "registered_capital": some(MONEY_FEN),
    "established_on": some(ANNIVERSARIES),
    "employees": some([3, 20, 0, 1, 2, 4, 5, 10, 19, 21, 39, 50, 60]),
    "tax_paid": some(MONEY_FEN),
    "tax_credit_grade": some(TAX_CREDIT_GRADES),
    "certifications": st.one_of(st.frozensets(st.sampled_from(CERTIFICATIONS[:5]), min_size=1, max_size=3), st.just(frozenset()),
                                st.none()),
    "violations": some([0, 1, 2, 3, 4]),
    "credit_serious": some([False, True]),
    "flags": st.one_of(st.frozensets(st.sampled_from(FLAGS[:4]), min_size=1, max_size=3), st.just(frozenset()), st.none()),
    "revenue": some(MONEY_FEN),
    "layoffs": some([0, 1, 2, 3, 11, 12]),
    "graduates_hired": some([0, 1, 5, 30]),
    "rd_expense": some(MONEY_FEN),
    "unemployment_insurance_paid": some(MONEY_FEN),
})

rules = st.recursive(  # small rules, so that enterprises are often eligible
    leaf,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
        st.builds(lambda a, b: f"{a} or {b}", inner, inner),
        st.builds(lambda a: f"not ({a})", inner),
    ),
    max_leaves=3,
)

amounts = st.one_of(
    st.sampled_from(FIXED),
    st.sampled_from(FORMULAS).map(lambda f: {"formula": f}),
    st.lists(
        st.tuples(st.one_of(st.none(), leaf), st.one_of(st.sampled_from(FIXED), st.sampled_from(FORMULAS).map(lambda f: {"formula": f}))),
        min_size=1,
        max_size=3,
    ).map(lambda stages: {"stages": [{"name": f"S{i}", **({"when": w} if w else {}), "amount": a} for i, (w, a) in enumerate(stages)]}),
)

item_specs = st.lists(
    st.tuples(
        rules,
        amounts,
        st.sampled_from([None, "G1", "G2"]),
        st.one_of(st.none(), st.integers(0, 300_000), st.sampled_from([0, 1, 10_000_000])),
    ),
    min_size=1,
    max_size=6,
)


def compile_all(specs, codes):
    return [
        compile_item(code=code, title=code, rule=rule, amount=amount, parameters=PARAMS, group=group, budget_fen=budget)
        for code, (rule, amount, group, budget) in zip(codes, specs, strict=True)
    ]


def reference(people, items, as_of):
    """Straightforward evaluation: {(enterprise, code): (eligible, awarded, outcome, superseded_by, stages)}."""
    eligible = {}
    for eid, person in enumerate(people, start=1):
        for it in items:
            if not explain(it.rule, person, as_of).eligible:
                continue
            counted = []
            for stage in it.stages:
                if stage.when is None or explain(stage.when, person, as_of).eligible:
                    value = stage.amount.evaluate(person, as_of)
                    if value is not None:
                        counted.append({"stage": stage.name, "amount": value})
            total = sum(s["amount"] for s in counted)
            if total > 0:
                eligible[(eid, it.code)] = (total, counted)
    out = {}
    for (eid, code), (total, counted) in eligible.items():
        it = next(i for i in items if i.code == code)
        rivals = [(t, c) for (e, c), (t, _) in eligible.items() if e == eid and it.group is not None
                  and next(i for i in items if i.code == c).group == it.group]
        winner = min(rivals, key=lambda tc: (-tc[0], tc[1]))[1] if rivals else code
        out[(eid, code)] = [total, total if winner == code else 0, "awarded" if winner == code else "superseded",
                            None if winner == code else winner, counted]
    for it in items:
        awarded = {k: v for k, v in out.items() if k[1] == it.code and v[2] == "awarded"}
        spent = sum(v[1] for v in awarded.values())
        if it.budget_fen is not None and spent > it.budget_fen:
            for v in awarded.values():
                v[1], v[2] = v[1] * it.budget_fen // spent, "budget_reduced"
    return {k: tuple(v) for k, v in out.items()}


def match_with(df, items, as_of, few, narrow=True):
    """match(), with text fields compared directly (few = FEW) or always coded (few = 0), and
    formulas in numpy (narrow) or, as when 64 bits might overflow, in 128-bit Polars."""
    saved = engine_bits.FEW, engine_formula.LIMIT
    engine_bits.FEW, engine_formula.LIMIT = few, engine_formula.LIMIT if narrow else 0
    try:
        return match(df, items, as_of=as_of, parameters=PARAMS)
    finally:
        engine_bits.FEW, engine_formula.LIMIT = saved


def observed(result):
    return {(r["enterprise_id"], r["item_code"]): (r["eligible_amount"], r["awarded_amount"], r["outcome"], r["superseded_by"],
                                                   r["stage_amounts"]) for r in result.pairs().to_dicts()}


@settings(max_examples=int(os.environ.get("ENGINE_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(specs=item_specs, people=st.lists(profiles, min_size=1, max_size=12), as_of=st.sampled_from(DATES),
       code_order=st.permutations(["B7", "A1", "C3", "A10", "Z", "M5"]), few=st.sampled_from([engine_bits.FEW, 0]),
       narrow=st.booleans())
def test_match_agrees_with_a_straightforward_evaluator(specs, people, as_of, code_order, few, narrow):
    items = compile_all(specs, code_order[: len(specs)])
    df = PROFILE_SCHEMA.frame(people).with_columns(pl.Series("enterprise_id", range(1, len(people) + 1), dtype=pl.Int64))
    result = match_with(df, items, as_of, few, narrow)
    expected = reference(people, items, as_of)
    target(float(len(expected)), label="eligible pairs")
    target(float(sum(v[2] != "awarded" for v in expected.values())), label="superseded or reduced")
    assert observed(result) == expected
    summary = {r["item_code"]: r for r in result.summary().to_dicts()}
    for it in items:
        mine = [v for k, v in expected.items() if k[1] == it.code]
        row = summary[it.code]
        assert row["eligible_count"] == len(mine)
        assert row["eligible_total"] == sum(v[0] for v in mine)
        assert row["awarded_count"] == sum(v[2] != "superseded" for v in mine)
        assert row["awarded_total"] == sum(v[1] for v in mine)
    # one enterprise explained agrees with matching it alone
    alone = observed(match(df.head(1), items, as_of=as_of, parameters=PARAMS))
    for ex in explain_enterprise(people[0], items, as_of=as_of, parameters=PARAMS):
        if ex.eligible:
            counted = [{"stage": s.name, "amount": s.amount} for s in ex.stages if s.holds and s.amount is not None]
            assert alone[(1, ex.code)] == (ex.amount, ex.awarded_amount, ex.outcome, ex.superseded_by, counted)
        else:
            assert (1, ex.code) not in alone


@settings(max_examples=int(os.environ.get("ENGINE_EXAMPLES", "150")) // 2, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(base=st.lists(rules, min_size=1, max_size=3), people=st.lists(profiles, min_size=1, max_size=12),
       as_of=st.sampled_from(DATES), negate=st.booleans(), few=st.sampled_from([engine_bits.FEW, 0]))
def test_items_issued_by_many_regions_share_their_common_part(base, people, as_of, negate, few):
    """Like a province's library: each measure issued again per region, the rules differing only in the
    region condition, so the engine combines the shared conditions once (and under not, their F side)."""
    specs = []
    for rule in base:
        for region in ["", *REGIONS]:
            text = f"({rule})" + (f' and region == "{region}"' if region else "")
            specs.append((f"not ({text})" if negate else text, "3元", None, None))
    items = compile_all(specs, [f"I{k:02d}" for k in range(len(specs))])
    df = PROFILE_SCHEMA.frame(people).with_columns(pl.Series("enterprise_id", range(1, len(people) + 1), dtype=pl.Int64))
    assert observed(match_with(df, items, as_of, few)) == reference(people, items, as_of)
