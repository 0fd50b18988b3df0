"""Periods: a month "2026-05" or a quarter "2026-Q2", their dates, and the units figures are kept for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.common.errors import ValidationFailed

PERIOD = re.compile(r"^(\d{4})-(?:(0[1-9]|1[0-2])|Q([1-4]))$")
UNIT_KINDS = {"all": "全市", "department": "部门", "county": "县（市、区）", "item": "事项"}
CITY = "city"  # the county key of the municipal departments: 市本级


def bounds(period: str) -> tuple[date, date]:
    m = PERIOD.match(period or "")
    if not m:
        raise ValidationFailed.one(f"期次「{period}」应为 2026-05 或 2026-Q2", field="period", label="期次")
    year = int(m[1])
    first = int(m[2]) if m[2] else (int(m[3]) - 1) * 3 + 1
    last = first if m[2] else first + 2
    end = date(year + (last == 12), last % 12 + 1, 1) - timedelta(days=1)
    return date(year, first, 1), end


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def quarter_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def months_back(day: date, n: int) -> list[str]:
    """The n months up to and including `day`'s, oldest first."""
    y, m, out = day.year, day.month, []
    for _ in range(n):
        out.append(f"{y}-{m:02d}")
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)
    return out[::-1]


def previous(period: str) -> str:
    start, _ = bounds(period)
    before = start - timedelta(days=1)
    return quarter_of(before) if "Q" in period else month_of(before)


def label(period: str) -> str:
    m = PERIOD.match(period)
    return f"{m[1]}年第{m[3]}季度" if m and m[3] else (f"{m[1]}年{int(m[2])}月" if m else period)


@dataclass(frozen=True)
class Units:
    """Departments' names and the county (the highest 县-level department above, else 市本级) of each."""

    names: dict[int, str]
    county_of: dict[int, str]
    county_names: dict[str, str]

    def members(self, county: str) -> list[int]:
        return [d for d, c in self.county_of.items() if c == county]


def units(session: Session) -> Units:
    tree = catalog.department_tree(session)
    by_id = {d.id: d for _, d in tree}
    names, county_of, county_names = {}, {}, {CITY: "市本级"}
    for d in by_id.values():
        names[d.id] = d.name
        # the county is the highest 县-level department on the way up (its bureaus are 县-level too)
        node, walk = None, d
        while walk is not None:
            if walk.level == "县":
                node = walk
            walk = by_id.get(walk.parent_id) if walk.parent_id else None
        county_of[d.id] = str(node.id) if node is not None else CITY
        if node is not None:
            county_names[str(node.id)] = node.name
    return Units(names, county_of, county_names)
