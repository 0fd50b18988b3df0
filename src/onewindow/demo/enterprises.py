"""The demo city's 10,000 generated market entities: profiles from the policy generator
(demo/profiles.py, fixed seed) turned into registry rows — names, USCCs, legal persons, entity
types consistent with the flags, a few closed ones, and the credit records behind each profile's
violations — and bulk-inserted beside the 200 hand-written enterprises of registries.yaml.

The credit records are laid out so that a profile snapshot built as of ``AS_OF`` gives back exactly the
generated profile of every enterprise in business. Loading twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import polars as pl
import yaml
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from onewindow.common import time as beijing
from onewindow.common.ids import USCC_CHARS, with_id_check, with_uscc_check
from onewindow.demo.profiles import CLASSES_BY_CODE, profiles
from onewindow.sharing.models import CreditRecord, Enterprise

SEED = 20260102
COUNT = 10_000
AS_OF = date(2025, 12, 31)  # the figures are for the last full year
POOLS = Path(__file__).resolve().parent / "data" / "registries.yaml"  # surnames, given names, streets
INSERT_CHUNK = 2_000

REGION_NAMES = {"149902": "示范市东城区", "149903": "示范市西城区", "149921": "示范县"}
TOWNS = {"149921": ("青山镇", "河口乡", "城关镇")}
# Legal persons are born elsewhere in Shanxi (real county codes), so their ID numbers never meet the
# demo population registry's 1499xx numbers with another name.
BIRTHPLACES = ("140105", "140106", "140107", "140109", "140121", "140202", "140302", "140502", "140602",
               "140702", "140802", "140902", "141002", "141102")
# 字号: two characters, the first from one pool, the second from the other.
TRADE_FIRST = "鑫恒华金瑞宏汇天博盛永国安佳丰晋龙锦中润信康嘉远同泰鼎合新朗益德众冠星凯正晶青惠聚立景和兴隆昌万"
TRADE_SECOND = "源通晟诺丰达智成远昌泰顺禾泽阳程誉航创盛润民诚华辰方明畅兴利达鸿业信宇腾美安祥"
STATIC_FLAGS = {"个体工商户", "外资"}  # stated by the entity type, not held in stats_flags
LISTING = {"上市", "上市申报受理", "上市辅导备案", "新三板"}

# (reason, source) of ordinary credit records, and of serious ones (失信)
MINOR = (("未按规定期限公示年度报告", "示范市市场监督管理局"),
         ("未按期办理纳税申报", "国家税务总局示范市税务局"),
         ("产品质量监督抽查不合格", "示范市市场监督管理局"),
         ("未按规定为职工缴纳社会保险费", "示范市人力资源和社会保障局"),
         ("超标排放大气污染物", "示范市生态环境局"),
         ("食品经营场所卫生条件不符合要求", "示范市市场监督管理局"))
SERIOUS = (("拖欠农民工工资被列入失信联合惩戒名单", "示范市人力资源和社会保障局"),
           ("虚开增值税专用发票，被认定为重大税收违法失信主体", "国家税务总局示范市税务局"),
           ("以告知承诺方式取得许可后经核查不符合承诺条件，逾期未整改", "示范市市场监督管理局"))


@dataclass
class DemoEnterprises:
    enterprises: list[dict]
    credit_records: list[dict]
    profiles: pl.DataFrame  # the generated profiles, by row of ``enterprises``


def _at(day: date, rng: np.random.Generator) -> datetime:
    """A working-hours moment on a local day, in UTC."""
    local = datetime.combine(day, time(int(rng.integers(9, 17)), int(rng.integers(0, 60))), beijing.SHANGHAI)
    return local.astimezone(UTC)


def _org_code_check(digits: str) -> str:
    """GB 11714 check character of an 8-digit organisation code (the pre-2015 USCC body)."""
    total = sum(int(d) * w for d, w in zip(digits, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - total % 11
    return "X" if check == 10 else "0" if check == 11 else str(check)


def _uscc(index: int, *, seed: int, kind: str, region: str, recent: bool) -> str:
    """A distinct code for every index, by an affine bijection of the index. Codes since 2015 start
    "MA" as real ones do; the third character is never "0", which the hand-written and sharing-demo
    codes always use, so generated codes cannot collide with them."""
    if recent:
        space = 30 * 31**6
        value = (index * 548_500_363 + seed * 7_919) % space  # the multiplier is prime to 2, 3, 5 and 31
        body = USCC_CHARS[1 + value // 31**6]
        value %= 31**6
        for power in range(5, -1, -1):
            body += USCC_CHARS[value // 31**power]
            value %= 31**power
        body = "MA" + body
    else:
        digits = f"{(index * 61_803_397 + seed * 104_729) % 10**8:08d}"  # multiplier prime to 10: a bijection
        body = digits + _org_code_check(digits)
    return with_uscc_check(("92" if kind == "个体工商户" else "91") + region + body)


def _entity_type(flags: Iterable[str], capital_fen: int, roll: float) -> str:
    flags = set(flags)
    if "个体工商户" in flags:
        return "个体工商户"
    if "外资" in flags:
        return "有限责任公司（外商投资）"
    if flags & LISTING or (capital_fen >= 50_000_000_00 and roll < 0.3):
        return "股份有限公司"
    return ("有限责任公司" if roll < 0.78 else "有限责任公司（自然人独资）" if roll < 0.90
            else "个人独资企业" if roll < 0.96 else "合伙企业")


def _name(kind: str, code: str, region: str, trade: str, owner: str, capital_fen: int, roll: float) -> str:
    cls = CLASSES_BY_CODE[code]
    city = "示范县" if region == "149921" else "示范市"
    if kind == "个体工商户":
        return f"{REGION_NAMES[region]}{owner}{cls.shop_word}"
    if kind == "个人独资企业":
        return f"{city}{trade}{cls.firm_word}{'厂' if code.startswith('C') else '商行' if roll < 0.5 else '经营部'}"
    if kind == "合伙企业":
        return f"{city}{trade}{cls.firm_word}中心（有限合伙）"
    prefix = "山西" if capital_fen >= 100_000_000_00 and roll < 0.4 else city  # a province's name needs size
    return f"{prefix}{trade}{cls.firm_word}{'股份有限公司' if kind == '股份有限公司' else '有限公司'}"


def _another_trade(rng: np.random.Generator) -> str:
    """A 字号 after a clash: mostly three characters, which leaves ~100,000 per industry word and place."""
    first = TRADE_FIRST[rng.integers(len(TRADE_FIRST))]
    seconds = TRADE_SECOND[rng.integers(len(TRADE_SECOND))] + TRADE_SECOND[rng.integers(len(TRADE_SECOND))]
    return first + (seconds if rng.random() < 0.8 else seconds[0])


def demo_enterprises(count: int = COUNT, *, seed: int = SEED, as_of: date = AS_OF,
                     registry: Mapping[str, str] | None = None) -> DemoEnterprises:
    """Registry rows for ``count`` generated enterprises and their credit records. ``registry`` maps the
    USCCs already registered to their names; generated names avoid the others' names.

    Each row's draws are made up front, so a name clash changes only that row's name, never another
    row's code or type: the same rows come out whatever is already loaded, and loading is idempotent."""
    frame = profiles(count, seed=seed, as_of=as_of)
    pools = yaml.safe_load(POOLS.read_text(encoding="utf-8"))
    streets, surnames = pools["streets"], pools["surnames"]
    rng = np.random.default_rng(seed + 1)  # names and people, apart from the profile draws
    draws = {key: rng.random(count) for key in ("type", "status", "male", "owner", "style")}
    pick = {key: rng.integers(0, size, count) for key, size in (
        ("first", len(TRADE_FIRST)), ("second", len(TRADE_SECOND)), ("surname", len(surnames)),
        ("town", 3), ("street", len(streets)), ("number", 400), ("given", 1000), ("birthplace", len(BIRTHPLACES)),
        ("seq", 500), ("age", 36 * 365))}
    kinds = [_entity_type(f, c, r) for f, c, r in zip(frame["flags"], frame["registered_capital"], draws["type"],
                                                       strict=True)]
    codes = [_uscc(i, seed=seed, kind=kind, region=region, recent=established.year >= 2015)
             for i, (kind, region, established) in enumerate(zip(kinds, frame["region"], frame["established_on"],
                                                                  strict=True))]
    ours = set(codes)
    names = {name for code, name in (registry or {}).items() if code not in ours}
    ids: set[str] = set()
    rows: list[dict] = []
    credits: list[dict] = []
    window_days = (as_of - as_of.replace(year=as_of.year - 3)).days
    for i, p in enumerate(frame.iter_rows(named=True)):
        kind, uscc = kinds[i], codes[i]
        region, established, male = p["region"], p["established_on"], draws["male"][i] < 0.7
        surname = surnames[pick["surname"][i]]
        trade = TRADE_FIRST[pick["first"][i]] + TRADE_SECOND[pick["second"][i]]
        use_trade = draws["owner"][i] < 0.4
        for attempt in range(1000):  # a name nobody else in the registry has
            owner = trade if use_trade else f"老{surname}" if draws["style"][i] < 0.5 else f"{surname}记"
            if region in TOWNS and kind == "个体工商户":
                owner = TOWNS[region][pick["town"][i] % len(TOWNS[region])] + owner
            name = _name(kind, p["industry"], region, trade, owner, p["registered_capital"], draws["type"][i])
            if name not in names:
                names.add(name)
                break
            trade, use_trade = _another_trade(np.random.default_rng([seed, i, attempt])), True
        else:
            raise RuntimeError(f"第 {i + 1} 家演示企业找不到未被占用的名称")
        born = min(established - timedelta(days=22 * 365 + int(pick["age"][i])), as_of - timedelta(days=18 * 366))
        seq = int(pick["seq"][i])
        while True:
            id_number = with_id_check(f"{BIRTHPLACES[pick['birthplace'][i]]}{born:%Y%m%d}{seq * 2 + male:03d}")
            if id_number not in ids:
                ids.add(id_number)
                break
            seq = (seq + 1) % 500
        given = pools["given_male" if male else "given_female"]
        status = "注销" if draws["status"][i] < 0.04 else "吊销" if draws["status"][i] < 0.055 else "存续"
        rows.append({
            "uscc": uscc, "name": name, "entity_type": kind, "industry_code": p["industry"],
            "registered_capital_fen": p["registered_capital"], "established_on": established, "region_code": region,
            "address": f"{REGION_NAMES[region]}{streets[pick['street'][i]]}{pick['number'][i] + 1}号",
            "legal_person_name": surname + given[pick["given"][i] % len(given)], "legal_person_id_number": id_number,
            "status": status, "tax_credit_grade": "D" if status == "吊销" else p["tax_credit_grade"],
            "tax_paid_fen": p["tax_paid"], "insured_employees": 0 if status != "存续" else p["employees"],
            "certifications": p["certifications"], "stats_flags": sorted(set(p["flags"]) - STATIC_FLAGS),
            "revenue_fen": p["revenue"], "unemployment_insurance_fen": p["unemployment_insurance_paid"],
            "layoffs": p["layoffs"], "graduates_hired": p["graduates_hired"], "rd_expense_fen": p["rd_expense"],
        })
        if p["violations"] or p["credit_serious"]:
            credits += _credit_records(np.random.default_rng([seed, i, 1]), uscc, name, p["violations"],
                                       p["credit_serious"], as_of, window_days)
    return DemoEnterprises(rows, credits, frame)


def _credit_records(rng: np.random.Generator, uscc: str, name: str, violations: int, serious: bool,
                    as_of: date, window_days: int) -> list[dict]:
    """``violations`` records within the three years up to ``as_of``; when ``serious``, one of them (or
    an older one) is 严重 and unrepaired. Now and then an old serious record was repaired (信用修复)."""
    out = []
    for i in range(violations):
        day = as_of - timedelta(days=int(rng.integers(0, window_days - 1)))
        heavy = serious and i == 0
        repaired = not serious and rng.random() < 0.1
        reason, source = (SERIOUS if heavy or repaired else MINOR)[rng.integers(3 if heavy or repaired else 6)]
        recorded = _at(day, rng)
        out.append({"subject_kind": "enterprise", "subject_key": uscc, "subject_name": name,
                    "severity": "严重" if heavy or repaired else "一般", "reason": reason, "source": source,
                    "reference": None, "recorded_at": recorded,
                    "repaired_at": max(recorded, min(recorded + timedelta(days=int(rng.integers(60, 200))),
                                                     _at(as_of, rng))) if repaired else None})
    if serious and not violations:
        day = as_of - timedelta(days=window_days + int(rng.integers(30, 700)))
        reason, source = SERIOUS[rng.integers(3)]
        out.append({"subject_kind": "enterprise", "subject_key": uscc, "subject_name": name, "severity": "严重",
                    "reason": reason, "source": source, "reference": None, "recorded_at": _at(day, rng),
                    "repaired_at": None})
    return out


def load_enterprises(session: Session, *, count: int = COUNT, seed: int = SEED) -> int:
    """Insert the generated enterprises (and their credit records) that are not in the registry yet, in
    bulk. Returns how many were inserted."""
    have = dict(session.execute(select(Enterprise.uscc, Enterprise.name)).tuples().all())
    demo = demo_enterprises(count, seed=seed, registry=have)
    new = [row for row in demo.enterprises if row["uscc"] not in have]
    if not new:
        return 0
    added = {row["uscc"] for row in new}
    now = datetime.now(UTC)
    for start in range(0, len(new), INSERT_CHUNK):
        session.execute(insert(Enterprise), [{**row, "updated_at": now} for row in new[start:start + INSERT_CHUNK]])
    credits = [c for c in demo.credit_records if c["subject_key"] in added]
    for start in range(0, len(credits), INSERT_CHUNK):
        session.execute(insert(CreditRecord), credits[start:start + INSERT_CHUNK])
    session.flush()
    return len(new)


def enterprise_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Enterprise)) or 0
