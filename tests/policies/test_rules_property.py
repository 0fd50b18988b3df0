"""Issue 4, item 10: the vectorised engine (to_polars) agrees with the per-enterprise evaluator
(explain) on random well-typed rules and random profiles, missing values included; arithmetic
operands (percents, decimals, division by zero, min/max) included, and amount formulas' Polars
form agrees with Amount.evaluate."""

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from onewindow.policies.rules.amounts import check_amount
from onewindow.policies.rules.core import Parameters, check, explain, to_polars
from onewindow.policies.rules.profile import CERTIFICATIONS, FLAGS, PROFILE_SCHEMA, TAX_CREDIT_GRADES

PARAMS = Parameters()
PARAMS.define("门槛", "money", {"2020-01-01": "100万元", "2025-01-01": "2000万元"})
PARAMS.define("人数", "int", {"2020-01-01": 10, "2024-07-01": 50})
PARAMS.define("起始日", "date", {"2020-01-01": "2018-01-01", "2025-01-01": "2021-06-30"})
PARAMS.define("地区", "set", {"2020-01-01": ["140105", "140106"]})
PARAMS.define("开关", "bool", {"2020-01-01": True, "2025-01-01": False})
PARAMS.define("零", "int", {"2020-01-01": 0, "2025-01-01": 4})  # a divisor that is zero until 2025
PARAMS.define("上限", "money", {"2020-01-01": "50万元", "2025-01-01": "0.07元"})

INDUSTRIES = ["C3011", "C3012", "C3111", "F5211", "I6510", "A0111"]
INDUSTRY_PREFIXES = ["A", "C", "C30", "C301", "C3011", "F", "F52", "I65"]
REGIONS = ["140100", "140105", "140106", "141102"]
MONEY = ["0元", "500元", "1万元", "100万元", "2000万元", "1.5亿元", "0.01元"]
MONEY_FEN = [0, 1, 50_000, 1_000_000, 100_000_000, 2_000_000_000, 15_000_000_000]
DATES = ["2015-06-30", "2018-01-01", "2020-02-29", "2021-06-30", "2024-12-31"]
CMP = ["==", "!=", "<", "<=", ">", ">="]


def q(text):
    return "'" + text + "'" if '"' in text else '"' + text + '"'


def many(values):
    return st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True).map(
        lambda xs: "{" + ", ".join(xs) + "}"
    )


cmp = st.sampled_from(CMP)
leaf = st.one_of(
    st.builds(lambda p: f"industry under {q(p)}", st.sampled_from(INDUSTRY_PREFIXES)),
    st.builds(lambda c: f"industry == {q(c)}", st.sampled_from(INDUSTRIES)),
    st.builds(lambda s: f"industry in {s}", many([q(c) for c in INDUSTRIES])),
    st.builds(lambda op, r: f"region {op} {q(r)}", st.sampled_from(["==", "!="]), st.sampled_from(REGIONS)),
    st.builds(lambda s, neg: f"region {neg}in {s}", many([q(r) for r in REGIONS]), st.sampled_from(["", "not "])),
    st.just("region in $地区"),
    st.builds(
        lambda f, op, m: f"{f} {op} {m}",
        st.sampled_from(["registered_capital", "tax_paid", "revenue"]),
        cmp,
        st.sampled_from([*MONEY, "$门槛"]),
    ),
    st.builds(lambda op: f"tax_paid {op} revenue", cmp),
    st.builds(lambda op, d: f"established_on {op} {d}", cmp, st.sampled_from([*(f'date("{d}")' for d in DATES), "$起始日"])),
    st.builds(lambda op, n: f"age_years {op} {n}", cmp, st.integers(-1, 12)),
    st.builds(lambda f, op, n: f"{f} {op} {n}", st.sampled_from(["employees", "violations"]), cmp, st.sampled_from(["0", "1", "3", "20", "$人数"])),
    st.builds(lambda op: f"employees {op} violations", cmp),
    st.builds(lambda g: f"tax_credit_grade == {q(g)}", st.sampled_from(TAX_CREDIT_GRADES)),
    st.builds(lambda s: f"tax_credit_grade in {s}", many([q(g) for g in TAX_CREDIT_GRADES])),
    st.builds(lambda c: f"certifications has {q(c)}", st.sampled_from(CERTIFICATIONS[:5])),
    st.builds(lambda c, neg: f"{q(c)} {neg}in certifications", st.sampled_from(CERTIFICATIONS[:5]), st.sampled_from(["", "not "])),
    st.builds(lambda c: f"flags has {q(c)}", st.sampled_from(FLAGS[:4])),
    st.sampled_from(["credit_serious", "credit_serious == true", "credit_serious != false", "true", "false", "$开关"]),
    st.builds(lambda n: f"{n} < 3", st.integers(0, 5)),  # constants only
    # arithmetic operands, compared exactly (percents, decimals, division, min/max, unknown divisors)
    st.builds(lambda op, r: f"layoffs {op} employees * {r}", cmp, st.sampled_from(["5.5%", "20%", "0.5", "1", "3 / 7"])),
    st.builds(lambda op, r: f"rd_expense / revenue {op} {r}", cmp, st.sampled_from(["3%", "0.5", "1"])),
    st.builds(lambda f, op, m: f"{f}(revenue, tax_paid * 2) {op} {m}", st.sampled_from(["min", "max"]), cmp, st.sampled_from([*MONEY, "$门槛"])),
    st.builds(lambda op: f"(layoffs + 1) * 3 / 2 {op} employees - violations", cmp),
    st.builds(lambda op, m: f"revenue - tax_paid / 3 {op} {m}", cmp, st.sampled_from(["0元", "100万元", "$门槛"])),
    st.builds(lambda op: f"employees / $零 {op} 1", cmp),
    st.builds(lambda s: f"employees * 2 - 1 in {s}", many(["1", "3", "5", "39"])),
    st.builds(lambda op, n: f"age_years * 12 {op} {n}", cmp, st.sampled_from(["30", "36.5", "$人数"])),
    st.builds(lambda op, r: f"employees {op} {r}", cmp, st.sampled_from(["1.5", "20%", "2 / 3 * 30"])),
    st.builds(lambda op: f"graduates_hired * 1000元 {op} unemployment_insurance_paid * 60%", cmp),
)

rules = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a}) and ({b})", inner, inner),
        st.builds(lambda a, b: f"{a} or {b}", inner, inner),
        st.builds(lambda a: f"not ({a})", inner),
    ),
    max_leaves=8,
)


def maybe(strategy):
    return st.one_of(st.none(), strategy)


profiles = st.fixed_dictionaries(
    {
        "industry": maybe(st.sampled_from(INDUSTRIES)),
        "region": maybe(st.sampled_from(REGIONS)),
        "registered_capital": maybe(st.sampled_from(MONEY_FEN) | st.integers(0, 20_000_000_000)),
        "established_on": maybe(st.sampled_from([dt.date.fromisoformat(d) for d in DATES]) | st.dates(dt.date(2000, 1, 1), dt.date(2025, 12, 31))),
        "employees": maybe(st.integers(0, 60)),
        "tax_paid": maybe(st.sampled_from(MONEY_FEN)),
        "tax_credit_grade": maybe(st.sampled_from(TAX_CREDIT_GRADES)),
        "certifications": maybe(st.frozensets(st.sampled_from(CERTIFICATIONS[:5]), max_size=3)),
        "violations": maybe(st.integers(0, 4)),
        "credit_serious": maybe(st.booleans()),
        "flags": maybe(st.frozensets(st.sampled_from(FLAGS[:4]), max_size=3)),
        "revenue": maybe(st.sampled_from(MONEY_FEN) | st.integers(0, 20_000_000_000)),
        "layoffs": maybe(st.integers(0, 12)),
        "graduates_hired": maybe(st.integers(0, 30)),
        "rd_expense": maybe(st.sampled_from(MONEY_FEN) | st.integers(0, 1_000_000_000)),
        "unemployment_insurance_paid": maybe(st.sampled_from(MONEY_FEN) | st.integers(0, 100_000_000)),
    }
)

AS_OF = [dt.date(2021, 2, 28), dt.date(2024, 6, 30), dt.date(2024, 12, 31), dt.date(2025, 1, 1), dt.date(2025, 6, 30)]


@settings(max_examples=int(__import__("os").environ.get("RULES_EXAMPLES", "200")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=rules, people=st.lists(profiles, min_size=1, max_size=8), as_of=st.sampled_from(AS_OF))
def test_polars_engine_agrees_with_explain(text, people, as_of):
    rule = check(text, PARAMS)
    expected = [explain(rule, person, as_of).eligible for person in people]
    frame = PROFILE_SCHEMA.frame(people)
    got = frame.select(to_polars(rule, as_of))["eligible"].to_list()
    assert got == expected, text


FORMULAS = [
    "min(unemployment_insurance_paid * 60%, 50万元)",
    "min(失业保险缴费 * 60%, $上限)",
    "graduates_hired * 1500元 + max(0元, 1万元 - layoffs * 2000元)",
    "rd_expense * 7.5% / 3",
    "(revenue - tax_paid) / employees",  # unknown where employees = 0; negative → 0
    "max(revenue, tax_paid) * 0.001 - 0.01元",
]


@settings(max_examples=int(__import__("os").environ.get("RULES_EXAMPLES", "200")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.sampled_from(FORMULAS), people=st.lists(profiles, min_size=1, max_size=8), as_of=st.sampled_from(AS_OF))
def test_polars_amount_agrees_with_evaluate(text, people, as_of):
    amount = check_amount({"formula": text}, PARAMS)
    expected = [amount.evaluate(person, as_of) for person in people]
    got = PROFILE_SCHEMA.frame(people).select(amount.to_polars(as_of))["amount"].to_list()
    assert got == expected, text
