"""A synthetic provincial library of award items (奖补事项) for the policy matching benchmark.

``library(n, regions=..., seed=...)`` returns ``n`` items (default 2,000) as a province's library
would hold them: about 60 measures modelled on the seeds' (新规上, 小升规, 限下转限上, 专精特新 tiers,
高新技术企业, technology leaders, R&D platforms, R&D subsidies, 稳岗返还 and 一次性扩岗补助 formulas,
staged listing awards, credit exclusions, industry subtrees, age, capital, revenue and employee
thresholds), each issued once by the province and then again by cities and counties, with the
issuer's region in the rule, its own amounts (round figures) and its own round thresholds. Tiers
sit in exclusivity groups, one group per issuer and ladder ("每家企业不重复奖，以最高标准为准").
Statistics thresholds are dated provincial parameters; each city also has dated parameters that
change on 2025-07-01 (graduates needed for the 扩岗 award, R&D needed for the tech-SME award), so
the ``as_of`` date changes results.

Everything is what ``engine.compile_item`` takes: rule *text* in our language, an amount spec, a
group code, and one :class:`~onewindow.policies.rules.Parameters`.

Regions are six-digit codes; a region's city is its first four digits (GB/T 2260). By default the
province is :data:`PROVINCE` — the demo city's three districts (the generator's default regions)
and ten more cities, 124 regions in all.

    .venv/bin/python bench/policy_items.py --items 2000     # summary of the library
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from onewindow.policies.rules.core import Parameters, check

try:  # the generator's default regions (the demo city) are part of the province
    from onewindow.demo.profiles import DEMO_REGIONS
except ImportError:  # pragma: no cover
    DEMO_REGIONS = {"149902": 0.42, "149903": 0.33, "149921": 0.25}


def _province() -> list[str]:
    """The demo city (1499) and ten more cities of 示范省, with districts (02…), counties (21…) and a
    county-level city (81) each."""
    regions = list(DEMO_REGIONS)
    for city, (districts, counties) in enumerate([(4, 8), (3, 9), (2, 10), (5, 6), (2, 9), (3, 11), (2, 6),
                                                  (4, 8), (3, 7), (2, 7)], start=1):
        prefix = f"14{city:02d}"
        regions += [f"{prefix}{k:02d}" for k in range(2, 2 + districts)]
        regions += [f"{prefix}{k:02d}" for k in range(21, 21 + counties)]
        regions.append(f"{prefix}81")
    return regions


PROVINCE = _province()


@dataclass
class Award:
    """One award item, as ``engine.compile_item`` takes it (and the OpenFisca side translates it)."""

    code: str
    title: str
    rule: str
    amount: Any  # "5万元" | {"formula": "..."} | {"stages": [{"name", "when", "amount"}]}
    group: str | None = None
    region: str = ""  # the issuer's region: "" for the province, a city (4 digits) or a county (6)


@dataclass
class Library:
    awards: list[Award]
    parameters: Parameters
    regions: list[str]
    groups: dict[str, list[str]] = field(default_factory=dict)  # code → item codes, in order


# --- the measures -----------------------------------------------------------------------------
#
# A measure is (key, title, [(tier title, rule, amount), …], grouped). ``{R}`` in a rule is the
# issuer's region condition (with " and "); ``{C}`` the issuer's city code for city parameters.
# Amounts in 万元 are scaled per issuer; ``{T…}`` placeholders are round thresholds drawn per issuer.

CLEAN = 'not credit_serious and tax_credit_grade in {"A", "B", "M"}'  # the usual credit exclusion

MEASURES: list[tuple[str, str, list[tuple[str, str, Any]], bool]] = [
    ("TJ", "入统奖励", [
        ("新升规上工业企业奖励", 'flags has "新升规上" and (industry under "B" or industry under "C" or industry under "D") '
         'and revenue >= $规上工业营收标准{R}', 10),
        ("小升规奖励", 'flags has "新升规上" and flags has "小微企业" and industry under "C" and employees >= 20{R}', 5),
    ], True),
    ("XS", "限下转限上奖励", [
        ("批发业限下转限上", 'flags has "新升限上" and industry under "F51" and revenue >= $限上批发业营收标准{R}', 2),
        ("零售业限下转限上", 'flags has "新升限上" and industry under "F52" and revenue >= $限上零售业营收标准{R}', 2),
        ("住宿餐饮业限下转限上", 'flags has "新升限上" and industry under "H" and revenue >= $限上住餐业营收标准{R}', 1),
    ], False),
    ("FW", "规上服务业入统奖励", [
        ("新升规上服务业奖励", 'flags has "新升规上服务业" and revenue >= $规上服务业营收标准 and ' + CLEAN + '{R}', 3),
    ], False),
    ("JZ", "资质内建筑业入统奖励", [
        ("新升资质内建筑业奖励", 'flags has "新升资质内建筑业" and industry under "E" and violations == 0{R}', 5),
    ], False),
    ("ZJ", "专精特新梯度培育奖励", [
        ('专精特新"小巨人"企业奖励', "certifications has '专精特新\"小巨人\"' and not credit_serious{R}", 60),
        ("省级专精特新中小企业奖励", 'certifications has "省级专精特新中小企业" and not credit_serious{R}', 30),
        ("市级专精特新中小企业奖励", 'certifications has "市级专精特新中小企业" and not credit_serious{R}', 10),
        ("创新型中小企业奖励", 'certifications has "创新型中小企业" and employees >= {T1} and not credit_serious{R}', 5),
    ], True),
    ("GX", "高新技术企业认定奖励", [
        ("高新技术企业认定奖励", 'certifications has "高新技术企业" and age_years >= 1 and ' + CLEAN + '{R}', 10),
        ("科技型中小企业入库奖励", 'certifications has "科技型中小企业" and rd_expense >= $科技型企业研发门槛{C} and '
         + CLEAN + '{R}', 2),
    ], True),
    ("LT", "科技领军企业奖励", [
        ("制造业单项冠军奖励", 'certifications has "制造业单项冠军" and industry under "C"{R}', 100),
        ("独角兽企业奖励", 'certifications has "独角兽企业"{R}', 100),
        ("技术创新示范企业奖励", 'certifications has "技术创新示范企业" and revenue >= {T2}{R}', 30),
        ("瞪羚企业奖励", 'certifications has "瞪羚企业" and ' + CLEAN + '{R}', 10),
        ("省级科技小巨人奖励", 'certifications has "省级科技小巨人" and rd_expense >= {T3}{R}', 10),
    ], True),
    ("PT", "创新平台奖励", [
        ("国家级技术中心奖励", 'certifications has "国家级技术中心"{R}', 100),
        ("国家级重点实验室奖励", 'certifications has "国家级重点实验室"{R}', 100),
        ("省级技术中心奖励", 'certifications has "省级技术中心"{R}', 50),
        ("省级重点实验室奖励", 'certifications has "省级重点实验室"{R}', 50),
        ("省级工程技术研究中心奖励", 'certifications has "省级工程技术研究中心"{R}', 30),
        ("省级新型研发机构奖励", 'certifications has "省级新型研发机构" and age_years <= 5{R}', 30),
        ("市级技术中心奖励", 'certifications has "市级技术中心"{R}', 5),
        ("市级工程技术研究中心奖励", 'certifications has "市级工程技术研究中心"{R}', 5),
    ], True),
    ("YF", "研发费用后补助", [
        ("企业研发费用后补助", '(industry under "C" or industry under "I" or industry under "M") and '
         'rd_expense >= $研发费用补助门槛 and ' + CLEAN + '{R}',
         {"formula": "min(rd_expense * 10%, {CAP})"}),
    ], False),
    ("YT", "规上企业研发投入奖励", [
        ("规上工业企业研发投入奖励", 'flags has "规上" and rd_expense >= {T4} and violations == 0{R}', 20),
    ], False),
    ("WG", "稳岗返还", [
        ("中小微企业失业保险稳岗返还", 'employees >= 1 and employees < 300 and layoffs <= $稳岗返还裁员上限 and '
         'unemployment_insurance_paid > 0元 and not credit_serious{R}',
         {"formula": "min(unemployment_insurance_paid * 60%, {CAP})"}),
        ("大型企业失业保险稳岗返还", 'employees >= 300 and layoffs <= {T5} and '
         'unemployment_insurance_paid > 0元 and not credit_serious{R}',
         {"formula": "min(unemployment_insurance_paid * 30%, {CAP})"}),
    ], False),
    ("KG", "一次性扩岗补助", [
        ("一次性扩岗补助", 'graduates_hired >= $扩岗补助人数门槛{C} and ' + CLEAN + '{R}',
         {"formula": "min(graduates_hired * 1500元, {CAP})"}),
    ], False),
    ("SB", "吸纳就业社保补贴", [
        ("小微企业吸纳高校毕业生社保补贴", 'flags has "小微企业" and graduates_hired >= 1 and layoffs == 0{R}',
         {"formula": "graduates_hired * {PER}"}),
    ], False),
    ("SS", "企业上市奖励", [
        ("企业上市分阶段奖励", '(flags has "上市辅导备案" or flags has "上市申报受理" or flags has "上市") and '
         'not credit_serious{R}',
         {"stages": [{"name": "辅导备案", "when": 'flags has "上市辅导备案"', "amount": "{S1}"},
                     {"name": "申报受理", "when": 'flags has "上市申报受理"', "amount": "{S2}"},
                     {"name": "成功上市", "when": 'flags has "上市"', "amount": "{S3}"}]}),
        ("新三板挂牌奖励", 'flags has "新三板" and not credit_serious{R}', 50),
    ], False),
    ("NS", "纳税贡献奖励", [
        ("纳税大户奖励（一档）", 'tax_paid >= 1亿元 and tax_credit_grade == "A"{R}', 100),
        ("纳税大户奖励（二档）", 'tax_paid >= 5000万元 and tax_credit_grade in {"A", "B"}{R}', 50),
        ("纳税大户奖励（三档）", 'tax_paid >= {T6} and tax_credit_grade in {"A", "B"}{R}', 10),
    ], True),
    ("YS", "营收跨越奖励", [
        ("营业收入首超十亿元奖励", 'revenue >= 10亿元 and flags has "规上" and violations == 0{R}', 50),
        ("营业收入首超五亿元奖励", 'revenue >= 5亿元 and flags has "规上" and violations == 0{R}', 20),
        ("营业收入首超一亿元奖励", 'revenue >= 1亿元 and (flags has "规上" or flags has "限上") and violations == 0{R}', 10),
    ], True),
    ("ZZ", "制造业技术改造奖励", [
        ("制造业技术改造奖励", 'industry under "C" and flags has "规上" and registered_capital >= {T7} and '
         'not (industry under "C25" or industry under "C31")' + ' and ' + CLEAN + '{R}', 20),
    ], False),
    ("SZ", "数字经济企业奖励", [
        ("软件和信息技术服务企业奖励", '(industry under "I64" or industry under "I65") and employees >= {T8} and '
         + CLEAN + '{R}', 10),
    ], False),
    ("XN", "新能源产业奖励", [
        ("新能源装备制造奖励", '(industry under "C38" or industry under "D44") and revenue >= {T2}{R}', 20),
    ], False),
    ("ZX", "传统产业转型奖励", [
        ("非煤产业转型奖励", 'industry under "B" and not industry under "B06" and revenue >= {T2} and violations == 0{R}', 10),
    ], False),
    ("NY", "现代农业经营主体奖励", [
        ("农业龙头企业奖励", 'industry under "A" and registered_capital >= {T9} and age_years >= 2 and ' + CLEAN + '{R}', 5),
    ], False),
    ("WL", "物流和文旅企业奖励", [
        ("物流企业提档奖励", '(industry under "G54" or industry under "G59") and employees >= {T8} and ' + CLEAN + '{R}', 5),
        ("文旅企业奖励", '(industry under "R" or industry under "H61") and revenue >= {T10} and ' + CLEAN + '{R}', 3),
    ], False),
    ("CY", "初创企业扶持", [
        ("初创企业一次性补贴", 'age_years <= 2 and employees >= {T11} and registered_capital >= 50万元 and '
         'not flags has "个体工商户" and ' + CLEAN + '{R}', 2),
        ("新落户企业奖励", 'established_on >= date("2024-01-01") and registered_capital >= {T7} and ' + CLEAN + '{R}', 10),
    ], False),
    ("WZ", "外资企业奖励", [
        ("外资企业增资奖励", 'flags has "外资" and registered_capital >= 1亿元 and violations == 0{R}', 50),
    ], False),
    ("JY", "吸纳就业奖励", [
        ("吸纳就业先进企业奖励", 'employees >= {T12} and layoffs == 0 and ' + CLEAN + '{R}', 5),
    ], False),
    ("GT", "个体工商户扶持", [
        ("个体工商户纾困补贴", 'flags has "个体工商户" and employees >= 1 and tax_credit_grade in {"A", "B"} and '
         'not credit_serious{R}', 0.2),
        ("个体工商户转企业奖励", 'flags has "个体工商户" and revenue >= {T10} and employees >= {T11} and violations == 0{R}', 1),
    ], False),
    ("LS", "商贸和建筑业稳增长奖励", [
        ("限上零售企业稳增长奖励", 'flags has "限上" and industry under "F52" and revenue >= 5000万元 and ' + CLEAN + '{R}', 5),
        ("限上住餐企业稳增长奖励", 'flags has "限上" and industry under "H" and revenue >= 1000万元 and ' + CLEAN + '{R}', 3),
        ("资质内建筑业产值奖励", 'flags has "资质内建筑业" and revenue >= 1亿元 and violations == 0{R}', 10),
    ], False),
    ("LZ", "绿色和特色产业奖励", [
        ("绿色制造企业奖励", 'industry under "C" and not (industry under "C25" or industry under "C26" or '
         'industry under "C30" or industry under "C31" or industry under "C32") and flags has "规上" and '
         'violations == 0{R}', 10),
        ("科技服务业高新企业奖励", 'industry under "M" and certifications has "高新技术企业" and employees >= {T11}{R}', 5),
        ("老字号企业传承奖励", 'age_years >= 30 and (industry under "C14" or industry under "C15" or '
         'industry under "H62" or industry under "F52") and violations == 0{R}', 5),
    ], False),
    ("XY", "诚信纳税企业奖励", [
        ("A级纳税人诚信奖励", 'tax_credit_grade == "A" and age_years >= 3 and tax_paid >= {T13} and violations == 0 '
         'and not credit_serious{R}', 2),
    ], False),
]

# Round thresholds drawn per issuer ({T…}); money in 万元 as written in rules.
THRESHOLDS = {
    "T1": ["10", "20", "30"],
    "T2": ["5000万元", "1亿元", "2亿元"],
    "T3": ["200万元", "300万元", "500万元"],
    "T4": ["300万元", "500万元", "1000万元"],
    "T5": ["10", "20", "50"],
    "T6": ["500万元", "1000万元", "2000万元"],
    "T7": ["500万元", "1000万元", "2000万元"],
    "T8": ["20", "30", "50"],
    "T9": ["100万元", "200万元", "500万元"],
    "T10": ["100万元", "200万元", "500万元"],
    "T11": ["3", "5", "10"],
    "T12": ["50", "100", "200"],
    "T13": ["10万元", "30万元", "50万元"],
}
CAPS = ["20万元", "30万元", "50万元", "100万元"]
PER_HEAD = ["1000元", "1500元", "2000元"]
SCALES = [0.5, 1, 1, 1.5, 2]  # an issuer's amounts against the provincial standard


def _money(wan: float) -> str:
    return f"{wan:g}万元"


def _parameters(cities: Sequence[str]) -> Parameters:
    p = Parameters()
    p.define("规上工业营收标准", "money", {"2011-01-01": "2000万元"}, label="规模以上工业企业主营业务收入标准")
    p.define("限上批发业营收标准", "money", {"2011-01-01": "2000万元"}, label="限额以上批发业主营业务收入标准")
    p.define("限上零售业营收标准", "money", {"2011-01-01": "500万元"}, label="限额以上零售业主营业务收入标准")
    p.define("限上住餐业营收标准", "money", {"2011-01-01": "200万元"}, label="限额以上住宿和餐饮业主营业务收入标准")
    p.define("规上服务业营收标准", "money", {"2011-01-01": "1000万元", "2025-01-01": "2000万元"},
             label="规模以上服务业营业收入标准")
    p.define("研发费用补助门槛", "money", {"2020-01-01": "100万元", "2025-07-01": "200万元"}, label="研发费用后补助起点")
    p.define("稳岗返还裁员上限", "int", {"2020-01-01": 5, "2025-01-01": 3}, label="稳岗返还：裁员人数上限")
    for city in cities:
        p.define(f"扩岗补助人数门槛_{city}", "int", {"2022-01-01": 5, "2025-07-01": 3},
                 label=f"{city} 一次性扩岗补助：招用高校毕业生人数下限")
        p.define(f"科技型企业研发门槛_{city}", "money", {"2022-01-01": "50万元", "2025-07-01": "100万元"},
                 label=f"{city} 科技型中小企业入库奖励：研发费用下限")
    return p


def _issuers(regions: Sequence[str]) -> tuple[list[str], list[str]]:
    cities = sorted({r[:4] for r in regions})
    return cities, sorted(set(regions))


def library(n: int = 2000, *, regions: Sequence[str] | None = None, seed: int = 7) -> Library:
    """``n`` award items, deterministic for the arguments: the province issues every measure once;
    then about a third of the rest are city issues (each city in turn issues every measure) and two
    thirds county issues (each county in turn issues its next measure, in an order of its own)."""
    regions = sorted(set(regions or PROVINCE))
    rng = random.Random(seed)
    by_city: dict[str, list[str]] = {}
    for r in regions:
        by_city.setdefault(r[:4], []).append(r)
    cities = sorted(by_city)
    params = _parameters(cities)
    out: list[Award] = []
    groups: dict[str, list[str]] = {}

    def issue(issuer: str, measure: tuple, version: int = 1) -> None:
        key, _name, tiers, grouped = measure
        if issuer == "":
            region_cond, city, label = "", cities[0], "省级"
        elif len(issuer) == 4:
            members = ", ".join(f'"{r}"' for r in by_city[issuer])
            region_cond, city, label = f" and region in {{{members}}}", issuer, f"{issuer}市级"
        else:
            region_cond, city, label = f' and region == "{issuer}"', issuer[:4], f"{issuer}县级"
        scale = 1 if issuer == "" else rng.choice(SCALES)
        picks = {name: rng.choice(values) for name, values in THRESHOLDS.items()}
        stem = f"{key}-{issuer or 'SF'}" + (f"-V{version}" if version > 1 else "")
        group = f"G-{stem}" if grouped and len(tiers) > 1 else None
        for k, (title, rule, amount) in enumerate(tiers, start=1):
            if len(out) >= n:
                return
            text = rule.replace("{R}", region_cond).replace("{C}", f"_{city}")
            for name, value in picks.items():
                text = text.replace("{" + name + "}", value)
            if isinstance(amount, (int, float)):
                spec: Any = _money(max(round(amount * scale, 1), 0.1))
            elif "formula" in amount:
                spec = {"formula": amount["formula"].replace("{CAP}", rng.choice(CAPS))
                        .replace("{PER}", rng.choice(PER_HEAD))}
            else:
                spec = {"stages": [{**s, "amount": _money(base * scale)}
                                   for s, base in zip(amount["stages"], (200, 300, 500), strict=True)]}
            code = f"{stem}-{k:02d}"
            out.append(Award(code, f"{title}（{label}）", text, spec, group, issuer))
            if group:
                groups.setdefault(group, []).append(code)

    for measure in MEASURES:
        issue("", measure)
    city_target = len(out) + (n - len(out)) // 3
    for city in cities:
        for measure in MEASURES:
            if len(out) >= city_target:
                break
            issue(city, measure)
    orders = {county: rng.sample(range(len(MEASURES)), len(MEASURES)) for county in regions}
    turn = 0
    while len(out) < n:
        for county in regions:
            if len(out) >= n:
                break
            order = orders[county]
            issue(county, MEASURES[order[turn % len(order)]], version=1 + turn // len(order))
        turn += 1
    assert len({a.code for a in out}) == len(out)
    return Library(out, params, regions, groups)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--items", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--check", action="store_true", help="type-check every rule (rules.check)")
    args = ap.parse_args(argv)
    lib = library(args.items, seed=args.seed)
    kinds = Counter("fixed" if isinstance(a.amount, str) else next(iter(a.amount)) for a in lib.awards)
    levels = Counter({0: "province", 4: "city", 6: "county"}[len(a.region)] for a in lib.awards)
    print(f"{len(lib.awards)} items, {len(lib.groups)} groups ({sum(map(len, lib.groups.values()))} grouped items), "
          f"{len(lib.regions)} regions, {len(lib.parameters.names())} parameters")
    print("amounts:", dict(kinds), " issuers:", dict(levels))
    if args.check:
        for award in lib.awards:
            check(award.rule, lib.parameters)
        print("every rule type-checks")
    for award in lib.awards[:3] + lib.awards[-2:]:
        print(f"  {award.code} [{award.group}] {award.title}: {award.rule}  →  {award.amount}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
