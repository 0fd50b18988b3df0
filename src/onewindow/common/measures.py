"""Measures: the counts and sums a domain offers for indicators, declared in its ``Domain.measures``.

A domain that owns records (cases, ratings, demands, …) answers two questions about a period, with its
own tables and SQL ``GROUP BY``: how much of each measure per department × item (`counts`), and which
records make up one cell (`records`, whose values add up to the count — the drill-down). The
indicators package reads only this, so a domain built later plugs in by declaring its provider; an
indicator whose measure has no provider shows 「暂无数据来源」.

A provider whose measures all add up over time (each record counts in the one month of its date) also
offers `monthly`: the same counts over a span of months in one GROUP BY, each row carrying its Beijing
month, so 24 months and 8 quarters cost one scan of the table instead of 32 (a quarter is the sum of its
months). A measure that does not add up over months (distinct enterprises) offers `counts` only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlalchemy.orm import Session

from onewindow.common.time import day_start


@dataclass(frozen=True)
class Measure:
    name: str  # "cases.completed_on_time": the domain's package, a dot, its own name
    label: str  # Chinese: "按时办结件数"
    unit: str = "件"  # 件 / 天 / 分 (money in fen) / 家
    # A population every unit shares (the city's grade-A enterprises): counted once, without a department,
    # and each department's, county's or item's figure divides by that same whole.
    whole: bool = False


@dataclass(frozen=True)
class MeasureRow:
    measure: str
    department_id: int | None
    item_code: str | None
    value: float
    month: str | None = None  # "2026-05" in the rows of `monthly`


@dataclass(frozen=True)
class Record:
    """One record behind a figure, as a person reads it in a drill-down."""

    ref: str  # a case code, a rating id
    title: str
    department_id: int | None
    item_code: str | None
    on: date | None
    value: float = 1  # 1 for a count, the amount for a sum
    link: str = ""


@dataclass(frozen=True)
class MeasureProvider:
    source: str  # the package
    label: str  # "办件"
    measures: tuple[Measure, ...]
    # counts(session, *, period_start, period_end) -> rows grouped by department and item
    counts: Callable[..., Iterable[MeasureRow]]
    # records(session, *, measure, period_start, period_end, department_ids, item_code, limit) -> records
    records: Callable[..., Sequence[Record]]
    # monthly(session, *, period_start, period_end) -> the rows of `counts`, also grouped by `month`
    monthly: Callable[..., Iterable[MeasureRow]] | None = None


def utc_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[00:00 Beijing on `start`, 00:00 Beijing the day after `end`) as UTC moments, for timestamp columns."""
    return day_start(start), day_start(end + timedelta(days=1))


def month_key(session: Session, column, *, moment: bool = False):
    """SQL for the "YYYY-MM" of a date column, or of a timestamp column (`moment`) as a Beijing date."""
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column, "+8 hours") if moment else func.strftime("%Y-%m", column)
    return func.to_char(func.timezone("Asia/Shanghai", column) if moment else column, "YYYY-MM")
