"""Time limits (办理时限): deadlines in working days on the official calendar, minus clock suspensions,
and the 预警 / 超期 state of a task or a case on a given day.

A suspension started on day S and ended on day E stops the clock for the days after S up to and
including E: the day a 补正 is requested still counts, the day the supplement arrives does not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from onewindow.calendar.service import WorkCalendar

LOCAL = ZoneInfo("Asia/Shanghai")
NORMAL, WARNING, OVERDUE = "normal", "warning", "overdue"
SLA_LABELS = {NORMAL: "正常", WARNING: "预警", OVERDUE: "超期"}


def local_date(moment: datetime) -> date:
    return moment.astimezone(LOCAL).date()


def warning_days(limit_days: int) -> int:
    """Working days left when 预警 starts: a fifth of the limit (default). Short limits (1–2 days)
    warn only on the due day, or every case would be yellow from the moment it is accepted."""
    return math.ceil(limit_days * 0.2) if limit_days >= 3 else 0


@dataclass(frozen=True)
class Suspension:
    started_on: date
    ended_on: date | None  # None while the clock is still stopped


def intervals(suspensions: Iterable[Suspension], today: date) -> list[tuple[date, date]]:
    """The stopped days as inclusive intervals; an open suspension runs to `today`."""
    out = []
    for s in suspensions:
        end = s.ended_on or today
        if end > s.started_on:
            out.append((s.started_on + timedelta(days=1), end))
    return out


@dataclass(frozen=True)
class Deadline:
    due: date
    estimated_note: str  # "" unless a year on the way has no loaded holiday schedule


def deadline(cal: WorkCalendar, *, start: date, limit_days: int, suspensions: Iterable[Suspension],
             today: date) -> Deadline:
    result = cal.add_working_days(start, limit_days, intervals(suspensions, today))
    return Deadline(result.value, result.note)


def sla_state(cal: WorkCalendar, *, due: date, limit_days: int, today: date) -> str:
    if today > due:
        return OVERDUE
    remaining = cal.working_days_between(today, due).value
    return WARNING if remaining <= warning_days(limit_days) else NORMAL
