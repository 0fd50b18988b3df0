"""The SLA clock (时限): deadlines in working days or in working hours on the official calendar, minus
suspensions, and the 预警 / 超期 state of anything that carries one.

Working days: a suspension started on day S and ended on day E stops the clock for the days after S
up to and including E — the day a 补正 is requested still counts, the day the supplement arrives
does not. Deadlines count from the day after the start (受理当日不计入).

Working hours (12345: dispatch within 1 hour, reply within 2): only the office hours of working days
count (default 09:00–12:00 and 13:30–17:30, ONEWINDOW_OFFICE_HOURS), computed in Beijing time and
returned as UTC moments. A pause from moment P to moment R stops the clock for [P, R).

Either kind of deadline that runs into a year with no loaded holiday schedule carries a note saying
it is an estimate. The sweep over deadline-bearing rows is in ``calendar.sweep``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from onewindow.calendar.service import MAX_SPAN_DAYS, WorkCalendar, WorkingDayResult
from onewindow.common.errors import ValidationFailed
from onewindow.common.time import SHANGHAI
from onewindow.config import get_settings

NORMAL, WARNING, OVERDUE = "normal", "warning", "overdue"
SLA_LABELS = {NORMAL: "正常", WARNING: "预警", OVERDUE: "超期"}
WORKING_DAYS, WORKING_HOURS = "working_days", "working_hours"


# ---- configuration --------------------------------------------------------------------------

@dataclass(frozen=True)
class OfficeHours:
    """The periods of a working day the hour clock runs in (Beijing time), ascending."""

    periods: tuple[tuple[time, time], ...]

    @classmethod
    def configured(cls) -> OfficeHours:
        return cls(get_settings().office_hours)

    def on(self, day: date) -> list[tuple[datetime, datetime]]:
        return [(datetime.combine(day, a, SHANGHAI), datetime.combine(day, b, SHANGHAI)) for a, b in self.periods]


@dataclass(frozen=True)
class WarningPolicy:
    """预警 starts when `ratio` of the limit is left; day limits shorter than `min_days` warn only on
    the due day, or every case would be yellow from the moment it is accepted."""

    ratio: float = 0.2
    min_days: int = 3

    @classmethod
    def configured(cls) -> WarningPolicy:
        settings = get_settings()
        return cls(settings.sla_warning_ratio, settings.sla_warning_min_days)

    def days(self, limit_days: int) -> int:
        return math.ceil(limit_days * self.ratio) if limit_days >= self.min_days else 0

    def minutes(self, limit_minutes: int) -> int:
        return math.ceil(limit_minutes * self.ratio)


@dataclass(frozen=True)
class Limit:
    """A time limit: `amount` working days, or `amount` working minutes for an hour limit."""

    unit: str
    amount: int

    @classmethod
    def working_days(cls, days: int) -> Limit:
        return cls(WORKING_DAYS, days)

    @classmethod
    def working_hours(cls, hours: float) -> Limit:
        return cls(WORKING_HOURS, round(hours * 60))

    @property
    def label(self) -> str:
        if self.unit == WORKING_DAYS:
            return f"{self.amount}个工作日"
        hours, minutes = divmod(self.amount, 60)
        return f"{hours}个工作小时" if not minutes else f"{self.amount}分钟（工作时间）"


# ---- working days -------------------------------------------------------------------------

def warning_days(limit_days: int) -> int:
    """Working days left when 预警 starts (configured: a fifth of the limit by default)."""
    return WarningPolicy.configured().days(limit_days)


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
    due: date | datetime  # a Beijing date (working days) or a UTC moment (working hours)
    estimated_note: str  # "" unless a year on the way has no loaded holiday schedule


def deadline(cal: WorkCalendar, *, start: date, limit_days: int, suspensions: Iterable[Suspension],
             today: date) -> Deadline:
    stops = intervals(suspensions, today)
    result = cal.add_working_days(start, limit_days, stops)
    if limit_days == 0 and not cal.is_working_day(start):
        # 即办 received on a weekend or holiday is due on the next working day, never on a day off.
        result = cal.add_working_days(start, 1, stops)
    return Deadline(result.value, result.note)


def sla_state(cal: WorkCalendar, *, due: date, limit_days: int, today: date,
              policy: WarningPolicy | None = None) -> str:
    if today > due:
        return OVERDUE
    remaining = cal.working_days_between(today, due).value
    return WARNING if remaining <= (policy or WarningPolicy.configured()).days(limit_days) else NORMAL


# ---- working hours ------------------------------------------------------------------------

@dataclass(frozen=True)
class Pause:
    started_at: datetime
    ended_at: datetime | None  # None while the clock is still stopped


Span = tuple[datetime, datetime]


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _pauses(pauses: Iterable[Pause], now: datetime) -> list[Span]:
    out = [(_aware(p.started_at), _aware(p.ended_at or now)) for p in pauses]
    return sorted((a, b) for a, b in out if b > a)


def _minus(span: Span, pauses: Sequence[Span]) -> list[Span]:
    """The parts of `span` no pause covers, in order."""
    parts, (lo, hi) = [], span
    for a, b in pauses:
        if b <= lo or a >= hi:
            continue
        if a > lo:
            parts.append((lo, a))
        lo = max(lo, b)
        if lo >= hi:
            return parts
    parts.append((lo, hi))
    return parts


@dataclass
class _Walk:
    """Office-hour spans on working days from a moment on, with the years it passed through."""

    cal: WorkCalendar
    hours: OfficeHours
    years: set[int] = field(default_factory=set)

    def spans(self, start: datetime, pauses: Sequence[Span], end: datetime | None = None):
        day = start.astimezone(SHANGHAI).date()
        for _ in range(MAX_SPAN_DAYS + 1):
            self.years.add(day.year)
            if self.cal.is_working_day(day):
                for lo, hi in self.hours.on(day):
                    lo, hi = max(lo, start), hi if end is None else min(hi, end)
                    if lo < hi:
                        yield from _minus((lo, hi), pauses)
            day += timedelta(days=1)
            if end is not None and datetime.combine(day, time(), SHANGHAI) >= end:
                return
        raise ValidationFailed.one(f"时限超出{MAX_SPAN_DAYS}天范围", field="limit")

    def note(self) -> str:
        return WorkingDayResult(date.min, self.cal.estimated(self.years)).note


def deadline_in_hours(cal: WorkCalendar, *, start: datetime, limit_minutes: int, pauses: Iterable[Pause] = (),
                      now: datetime, hours: OfficeHours | None = None) -> Deadline:
    """The UTC moment `limit_minutes` of office time after `start` (paused time not counted). A start
    outside office hours counts from the next period; a deadline that fills a period exactly is due at
    its end (12:00, not 13:30)."""
    if limit_minutes < 0:
        raise ValidationFailed.one("时限不能为负数", field="limit")
    start = _aware(start)
    walk = _Walk(cal, hours or OfficeHours.configured())
    if limit_minutes == 0:
        return Deadline(start.astimezone(UTC), "")
    left = timedelta(minutes=limit_minutes)
    for lo, hi in walk.spans(start, _pauses(pauses, _aware(now))):
        if hi - lo >= left:
            return Deadline((lo + left).astimezone(UTC), walk.note())
        left -= hi - lo
    raise AssertionError("unreachable: spans() raises before running out")  # pragma: no cover


def working_minutes_between(cal: WorkCalendar, *, start: datetime, end: datetime, pauses: Iterable[Pause] = (),
                            hours: OfficeHours | None = None) -> int:
    """Office minutes in [start, end), paused time excluded; negative when end is before start."""
    start, end = _aware(start), _aware(end)
    if end < start:
        return -working_minutes_between(cal, start=end, end=start, pauses=pauses, hours=hours)
    walk = _Walk(cal, hours or OfficeHours.configured())
    total = sum((hi - lo for lo, hi in walk.spans(start, _pauses(pauses, end), end)), timedelta())
    return int(total.total_seconds() // 60)


def hour_sla_state(cal: WorkCalendar, *, due: datetime, limit_minutes: int, now: datetime,
                   hours: OfficeHours | None = None, policy: WarningPolicy | None = None) -> str:
    due, now = _aware(due), _aware(now)
    if now > due:
        return OVERDUE
    remaining = working_minutes_between(cal, start=now, end=due, hours=hours)
    return WARNING if remaining <= (policy or WarningPolicy.configured()).minutes(limit_minutes) else NORMAL


# ---- either kind --------------------------------------------------------------------------

def state(cal: WorkCalendar, *, due: date | datetime, limit: Limit, now: datetime, today: date,
          hours: OfficeHours | None = None, policy: WarningPolicy | None = None) -> str:
    """预警 / 超期 / 正常 of a deadline of either kind: days judged on `today`, hours at `now`."""
    if limit.unit == WORKING_HOURS:
        return hour_sla_state(cal, due=due, limit_minutes=limit.amount, now=now, hours=hours, policy=policy)
    return sla_state(cal, due=due, limit_days=limit.amount, today=today, policy=policy)
