"""The published credit-grading rules (data/credit_rules.yaml) and the one pure function that applies them.

A rule version is data: base score, points for the registry's tax credit grade, deductions per severity,
bonuses for good records, how long each severity counts (a minor record: 3 months, after which it is also
no longer published) and the grade thresholds. The version in force on a day is the latest whose
`effective_from` is not after it. Each version carries its own test cases, checked by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import yaml

RULES_FILE = Path(__file__).parent / "data" / "credit_rules.yaml"


@dataclass(frozen=True)
class Rules:
    version: str
    effective_from: date
    base: int
    tax: dict
    deduct: dict
    bonus: dict
    counts_months: dict
    grades: dict  # "A" → the lowest score of A, then B, C; below them D
    cases: tuple


@cache
def all_versions() -> tuple[Rules, ...]:
    raw = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))["versions"]
    out = [Rules(version=str(v["version"]), effective_from=v["effective_from"], base=int(v["base"]), tax=v["tax"],
                 deduct=v["deduct"], bonus=v.get("bonus", {}), counts_months=v["counts_months"], grades=v["grades"],
                 cases=tuple(v.get("cases", ()))) for v in raw]
    return tuple(sorted(out, key=lambda r: r.effective_from))


def in_force(on: date) -> Rules:
    versions = [r for r in all_versions() if r.effective_from <= on]
    return versions[-1] if versions else all_versions()[0]


def months_between(earlier: date, later: date) -> int:
    """Whole months from `earlier` to `later` (a record of 7 March is 3 months old on 7 June)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def counts(rules: Rules, *, severity: str, occurred_on: date, repaired: bool, on: date) -> bool:
    """Whether a record still counts (and, for the bad ones, is still published) on the day."""
    return not repaired and months_between(occurred_on, on) < int(rules.counts_months.get(severity, 0))


@dataclass(frozen=True)
class Grade:
    grade: str
    score: int
    dishonest: bool


def grade(rules: Rules, *, tax: str | None, records, on: date) -> Grade:
    """The grade from the tax grade and (severity, occurred_on, repaired) records."""
    score, serious = rules.base + int(rules.tax.get(tax, 0) if tax else 0), False
    for severity, occurred_on, repaired in records:
        if not counts(rules, severity=severity, occurred_on=occurred_on, repaired=repaired, on=on):
            continue
        score += int(rules.bonus.get(severity, 0)) - int(rules.deduct.get(severity, 0))
        serious = serious or severity == "serious"
    if serious:
        return Grade("D", score, True)
    for letter in ("A", "B", "C"):
        if score >= int(rules.grades[letter]):
            return Grade(letter, score, False)
    return Grade("D", score, False)
