"""The demo city's registries: the named enterprises and persons of demo/data/registries.yaml (linked to
the demo accounts) and the rest generated with a fixed seed, so every load produces the same rows.
Loading twice changes nothing. Licences are issued by `licences`, not here."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onewindow.accounts.models import User
from onewindow.common.ids import USCC_CHARS
from onewindow.common.ids import with_id_check as id_with_check
from onewindow.common.ids import with_uscc_check as uscc_with_check
from onewindow.sharing.models import CreditRecord, Enterprise, EnterpriseMember, Person

DATA = Path(__file__).resolve().parent.parent / "demo" / "data" / "registries.yaml"
MOBILE_PREFIXES = ("134", "135", "136", "137", "138", "139", "150", "151", "152", "157", "158", "159", "182",
                   "183", "187", "130", "131", "132", "155", "156", "185", "186", "133", "153", "180", "181",
                   "189", "177", "199")
TAX_GRADES = (("A", 30), ("B", 42), ("M", 18), ("C", 7), ("D", 3))




def _from_id(id_number: str) -> tuple[str, date]:
    return ("男" if int(id_number[16]) % 2 else "女"), date(int(id_number[6:10]), int(id_number[10:12]),
                                                          int(id_number[12:14]))


def _day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days + 1))


class _Generator:
    """Generated persons and enterprises; the seed alone decides them."""

    def __init__(self, data: dict):
        self.data = data
        self.rng = random.Random(data["seed"])
        self.regions = list(data["regions"].items())
        self.ids = {p["id_number"] for p in data["persons"]}
        self.usccs = {e["uscc"] for e in data["enterprises"]}
        self.names = {e["name"] for e in data["enterprises"]}

    def _address(self, region_name: str) -> str:
        return f"{region_name}{self.rng.choice(self.data['streets'])}{self.rng.randint(1, 320)}号"

    def person(self) -> dict:
        rng = self.rng
        region, region_name = rng.choice(self.regions)
        male = rng.random() < 0.5
        while True:
            born = _day(rng, date(1950, 1, 1), date(2006, 12, 31))
            seq = rng.randrange(500) * 2 + (1 if male else 0)
            number = id_with_check(f"{region}{born:%Y%m%d}{seq:03d}")
            if number not in self.ids:
                break
        self.ids.add(number)
        given = rng.choice(self.data["given_male" if male else "given_female"])
        age = 2026 - born.year
        marital = "未婚" if age < 24 else rng.choices(("已婚", "未婚", "离异", "丧偶"), (80, 10, 7, 3 if age > 55 else 0))[0]
        return {"id_number": number, "name": rng.choice(self.data["surnames"]) + given,
                "phone": rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}", "marital_status": marital,
                "address": self._address(region_name)}

    def _code(self, prefix: str, region: str, established: date) -> str:
        while True:
            if established.year >= 2015:  # codes issued since the reform start with MA
                body = "MA0" + "".join(self.rng.choice(USCC_CHARS) for _ in range(6))
            else:
                body = "".join(self.rng.choice("0123456789") for _ in range(9))
            code = uscc_with_check(f"{prefix}{region}{body}")
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def enterprise(self, legal_persons: list[dict]) -> dict:
        rng, data = self.rng, self.data
        region, region_name = rng.choice(self.regions)
        established = _day(rng, date(1998, 1, 1), date(2025, 12, 31))
        legal = rng.choice(legal_persons)
        sole_trader = rng.random() < 0.15
        if sole_trader:
            kind = rng.choice(data["sole_traders"])
            industry = {"code": kind["code"], "capital": [1, 30], "staff": [1, 6]}
            entity_type, prefix = "个体工商户", "92"
        else:
            industry = rng.choice(data["industries"])
            kind = {"word": industry["word"]}
            prefix = "91"
        while True:
            trade = rng.choice(data["trade_names"])
            if sole_trader:
                name = f"{region_name}{trade}{kind['word']}"
            else:
                name = f"{region_name[:3]}{trade}{kind['word']}有限公司"
            if name not in self.names:
                self.names.add(name)
                break
        capital_wan = rng.randint(*industry["capital"])
        if not sole_trader:
            entity_type = "股份有限公司" if capital_wan >= 10000 and rng.random() < 0.5 else "有限责任公司"
            if entity_type == "股份有限公司":
                name = name.replace("有限公司", "股份有限公司")
        roll = rng.random()
        status = "注销" if roll < 0.04 else "吊销" if roll < 0.06 else "存续"
        staff = rng.randint(*industry["staff"]) if status == "存续" else 0
        grade = rng.choices([g for g, _ in TAX_GRADES], [w for _, w in TAX_GRADES])[0]
        if established.year >= 2025:
            grade = "M"  # 新设立企业
        if status == "吊销":
            grade = "D"
        certifications = []
        if industry.get("tech") and status == "存续":
            if rng.random() < 0.4:
                certifications.append("高新技术企业")
            if rng.random() < 0.25:
                certifications.append('专精特新"小巨人"' if rng.random() < 0.2 else "专精特新中小企业")
            if rng.random() < 0.3:
                certifications.append("创新型中小企业")
        elif str(industry["code"]).startswith("C") and status == "存续" and rng.random() < 0.1:
            certifications.append("专精特新中小企业")
        return {
            "uscc": self._code(prefix, region, established), "name": name, "entity_type": entity_type,
            "industry_code": industry["code"], "registered_capital_fen": capital_wan * 10000 * 100,
            "established_on": established, "region_code": region, "address": self._address(region_name),
            "legal_person_id_number": legal["id_number"], "status": status, "tax_credit_grade": grade,
            "tax_paid_fen": staff * rng.randint(6000, 45000) * 100, "insured_employees": staff,
            "certifications": certifications,
        }

    def figures(self, e: dict) -> dict:
        """Last year's statistics, social-insurance and R&D figures of a generated enterprise, from its own
        random stream so the draws above (and every row they make) stay as they were."""
        rng = random.Random(f"{self.data['seed']}:{e['uscc']}")
        staff, code = e["insured_employees"], e["industry_code"]
        if e["status"] != "存续":
            return {"revenue_fen": None, "stats_flags": [], "unemployment_insurance_fen": None, "layoffs": None,
                    "graduates_hired": None, "rd_expense_fen": None}
        shop = e["entity_type"] == "个体工商户"
        revenue = (staff + 1) * rng.randint(80_000, 300_000 if shop else 800_000) * 100
        flags = [] if shop else [flag for flag, holds in (
            # 统计局 "四上" thresholds on revenue (fen): 规上工业 2000万; 限上 wholesale 2000万, retail 500万,
            # hotels and catering 200万; otherwise a small or micro enterprise
            ("规上", code[0] in "BCD" and revenue >= 2_000_000_000),
            ("限上", (code[:3] == "F51" and revenue >= 2_000_000_000) or (code[:3] == "F52" and revenue >= 500_000_000)
             or (code[0] == "H" and revenue >= 200_000_000)),
            ("小微企业", staff < 300 and revenue < 5_000_000_000)) if holds]
        tech = bool(e["certifications"])
        return {
            "revenue_fen": None if rng.random() < 0.05 else revenue,  # a few without a figure: unknown
            "stats_flags": flags,
            "unemployment_insurance_fen": staff * rng.randint(250, 450) * 100,  # 0.5 % of wages
            "layoffs": 0 if rng.random() < 0.85 else min(staff, rng.randint(1, 3)),
            "graduates_hired": 0 if shop else sum(rng.random() < (0.08 if tech else 0.02) for _ in range(staff)),
            "rd_expense_fen": None if shop else revenue * rng.randint(3, 8) // 100 if tech else 0,
        }


def registry_data() -> tuple[list[dict], list[dict], list[dict]]:
    """(persons, enterprises, credit records) of the demo city, the same on every call."""
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    gen = _Generator(data)
    persons = [dict(p) for p in data["persons"]]
    persons += [gen.person() for _ in range(data["totals"]["persons"] - len(persons))]
    adults = [p for p in persons[len(data["persons"]):] if int(p["id_number"][6:10]) <= 2000]
    enterprises = [dict(e) for e in data["enterprises"]]
    generated = [gen.enterprise(adults) for _ in range(data["totals"]["enterprises"] - len(enterprises))]
    enterprises += [{**e, **gen.figures(e)} for e in generated]
    for p in persons:
        p["gender"], p["birth_date"] = _from_id(p["id_number"])
        p["household_registration"] = p["address"]
    names = {p["id_number"]: p["name"] for p in persons}
    for e in enterprises:
        e["legal_person_name"] = names[e["legal_person_id_number"]]
    return persons, enterprises, [dict(c) for c in data["credit_records"]]


def load_registries(session: Session) -> dict[str, int]:
    """Insert what is missing; link the demo accounts. Returns the registries' row counts."""
    persons, enterprises, credits = registry_data()
    users = dict(session.execute(select(User.username, User.id)).all())

    have = set(session.scalars(select(Person.id_number)))
    accounts = {}
    for p in persons:
        if (account := p.pop("account", None)) in users:
            accounts[p["id_number"]] = users[account]
        if p["id_number"] not in have:
            session.add(Person(**p))
    session.flush()
    linked = set(session.scalars(select(Person.user_id).where(Person.user_id.is_not(None))))
    for row in session.scalars(select(Person).where(Person.id_number.in_(accounts), Person.user_id.is_(None))):
        if accounts[row.id_number] not in linked:  # an account is linked to one person at most
            row.user_id = accounts[row.id_number]

    have = set(session.scalars(select(Enterprise.uscc)))
    members = []
    for e in enterprises:
        for m in e.pop("members", []):
            members.append((e["uscc"], m["account"], m["relation"]))
        if e["uscc"] not in have:
            session.add(Enterprise(**e))
    session.flush()
    ids = dict(session.execute(select(Enterprise.uscc, Enterprise.id)).all())
    pairs = set(session.execute(select(EnterpriseMember.enterprise_id, EnterpriseMember.user_id)).tuples())
    for uscc, account, relation in members:
        if account in users and (ids[uscc], users[account]) not in pairs:
            session.add(EnterpriseMember(enterprise_id=ids[uscc], user_id=users[account], relation=relation))

    recorded = set(session.execute(select(CreditRecord.subject_kind, CreditRecord.subject_key,
                                          CreditRecord.reason)).tuples())
    for c in credits:
        if (c["subject_kind"], c["subject_key"], c["reason"]) not in recorded:
            session.add(CreditRecord(**c))
    session.flush()
    return {name: session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in (("enterprises", Enterprise), ("persons", Person), ("credit_records", CreditRecord),
                                ("enterprise_members", EnterpriseMember))}
