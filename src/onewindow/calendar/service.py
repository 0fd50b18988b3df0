"""Working days on the official calendar: weekends, public holidays and 调休 make-up days.

Sources, in order: a schedule an admin loaded for the year (it replaces everything else for that
year), then the maintained `chinesecalendar` package for the years it covers. A year known to
neither is counted by weekends only and every result that touched it is flagged as an estimate.

Deadlines count from the day after the start (受理当日不计入): `add_working_days(d, 1)` is the next
working day; `add_working_days(d, 0)` is d itself (即办).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from chinese_calendar import constants as official
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from onewindow.calendar.models import CalendarDay, CalendarYear
from onewindow.calendar.schedule import HOLIDAY, WORKDAY, Schedule, parse_xlsx, parse_yaml
from onewindow.common import audit, documents
from onewindow.common.errors import ErrorCollector, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal

EDITORS = (Role.admin,)
MAX_SPAN_DAYS = 3660  # ten years: no statutory limit comes close; a larger value is bad input

PACKAGE_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}
PACKAGE_YEARS = range(min(official.holidays).year, max(official.holidays).year + 1)

_PACKAGE_HOLIDAYS = Counter(d.year for d in official.holidays)
_PACKAGE_WORKDAYS = Counter(d.year for d in official.workdays)

Interval = tuple[date, date]  # inclusive; a clock suspension (补正, 特别程序) that does not count


@dataclass(frozen=True)
class WorkingDayResult:
    value: date | int
    estimated_years: tuple[int, ...] = ()

    @property
    def estimated(self) -> bool:
        return bool(self.estimated_years)

    @property
    def note(self) -> str:
        if not self.estimated:
            return ""
        years = "、".join(f"{y}年" for y in self.estimated_years)
        return f"估算值：{years}放假安排尚未加载，仅按周末计算"


@dataclass
class WorkCalendar:
    """A snapshot of the calendar; build one with `load_calendar` and reuse it for many dates."""

    loaded: dict[int, dict[date, str]] = field(default_factory=dict)  # year -> day -> kind

    def source(self, year: int) -> str:
        if year in self.loaded:
            return "loaded"
        return "package" if year in PACKAGE_YEARS else "missing"

    def is_working_day(self, day: date) -> bool:
        year_days = self.loaded.get(day.year)
        if year_days is not None:
            kind = year_days.get(day)
        elif day.year in PACKAGE_YEARS:
            kind = HOLIDAY if day in official.holidays else WORKDAY if day in official.workdays else None
        else:
            kind = None
        if kind is not None:
            return kind == WORKDAY
        return day.weekday() < 5

    def estimated(self, years: Iterable[int]) -> tuple[int, ...]:
        return tuple(sorted({y for y in years if self.source(y) == "missing"}))

    def add_working_days(self, start: date, days: int, suspensions: Sequence[Interval] = ()) -> WorkingDayResult:
        _check_range(start, "start")
        if not 0 <= days <= MAX_SPAN_DAYS:
            raise ValidationFailed.one(f"工作日数须在0–{MAX_SPAN_DAYS}之间", field="days")
        day, counted, years = start, 0, {start.year}
        while counted < days:
            day += timedelta(days=1)
            years.add(day.year)
            if self.is_working_day(day) and not _suspended(day, suspensions):
                counted += 1
        return WorkingDayResult(day, self.estimated(years))

    def working_days_between(self, start: date, end: date,
                             suspensions: Sequence[Interval] = ()) -> WorkingDayResult:
        """Working days d with start < d <= end, suspended days excluded; negative when end < start."""
        _check_range(start, "start")
        _check_range(end, "end")
        if abs((end - start).days) > MAX_SPAN_DAYS:
            raise ValidationFailed.one(f"起止日期相差不能超过{MAX_SPAN_DAYS}天", field="end")
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count, day, years = 0, start, {start.year, end.year}
        while day < end:
            day += timedelta(days=1)
            years.add(day.year)
            if self.is_working_day(day) and not _suspended(day, suspensions):
                count += 1
        return WorkingDayResult(sign * count, self.estimated(years))


EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)


def _check_range(day: date, name: str) -> None:
    if not EARLIEST <= day <= LATEST:
        raise ValidationFailed.one(f"日期须在{EARLIEST}至{LATEST}之间", field=name)


def _suspended(day: date, suspensions: Sequence[Interval]) -> bool:
    return any(lo <= day <= hi for lo, hi in suspensions)


def load_calendar(session: Session) -> WorkCalendar:
    cal = WorkCalendar()
    for year in session.scalars(select(CalendarYear.year)):
        cal.loaded[year] = {}
    for row in session.scalars(select(CalendarDay)):
        cal.loaded[row.year][row.day] = row.kind
    return cal


def add_working_days(session: Session, *, start: date, days: int,
                     suspensions: Sequence[Interval] = ()) -> WorkingDayResult:
    return load_calendar(session).add_working_days(start, days, suspensions)


def working_days_between(session: Session, *, start: date, end: date,
                         suspensions: Sequence[Interval] = ()) -> WorkingDayResult:
    return load_calendar(session).working_days_between(start, end, suspensions)


@dataclass(frozen=True)
class YearInfo:
    year: int
    source: str  # loaded | package | missing
    holidays: int
    workdays: int
    loaded_by: str | None = None


SOURCE_LABELS = {"loaded": "管理员导入", "package": "内置（chinesecalendar）", "missing": "未加载（按周末估算）"}


def year_schedule(session: Session, *, year: int) -> Schedule:
    """The schedule in force for a year, from whichever source supplies it."""
    schedule = Schedule(year=year)
    rows = session.scalars(select(CalendarDay).where(CalendarDay.year == year)).all()
    if session.get(CalendarYear, year) is not None:
        schedule.days = {r.day: (r.kind, r.name) for r in rows}
    elif year in PACKAGE_YEARS:
        for day, name in official.holidays.items():
            if day.year == year:
                schedule.days[day] = (HOLIDAY, PACKAGE_NAMES.get(name, name))
        for day, name in official.workdays.items():
            if day.year == year:
                schedule.days[day] = (WORKDAY, PACKAGE_NAMES.get(name, name) + "调休")
    return schedule


def list_years(session: Session, *, around: int) -> list[YearInfo]:
    """Every package year, every loaded year and the next two years after `around` (two queries)."""
    loaded = {y.year: y for y in session.scalars(select(CalendarYear))}
    cal = load_calendar(session)
    out = []
    for year in sorted(set(PACKAGE_YEARS) | set(loaded) | {around, around + 1, around + 2}, reverse=True):
        source = cal.source(year)
        if source == "loaded":
            kinds = list(cal.loaded[year].values())
            holidays, workdays = kinds.count(HOLIDAY), kinds.count(WORKDAY)
        else:  # package or missing (zero days)
            holidays, workdays = _PACKAGE_HOLIDAYS[year], _PACKAGE_WORKDAYS[year]
        out.append(YearInfo(year, source, holidays, workdays, loaded[year].loaded_by if year in loaded else None))
    return out


def parse_schedule(*, filename: str, content: bytes) -> Schedule:
    errors = ErrorCollector()
    kind = documents.kind_of(filename, errors)
    errors.raise_if_any("放假安排无法读取")
    return parse_xlsx(content) if kind == "xlsx" else parse_yaml(content)


def load_schedule(session: Session, *, actor: Principal, schedule: Schedule, source: str) -> CalendarYear:
    """Replace a year's schedule in one transaction; the previous one is kept in the audit trail."""
    actor.require(*EDITORS)
    before = year_schedule(session, year=schedule.year)
    session.execute(delete(CalendarDay).where(CalendarDay.year == schedule.year))
    row = session.get(CalendarYear, schedule.year)
    if row is None:
        row = CalendarYear(year=schedule.year, source=source[:200], loaded_by=actor.username)
        session.add(row)
    else:
        row.source, row.loaded_by = source[:200], actor.username
    session.flush()
    session.add_all(CalendarDay(day=d, year=schedule.year, kind=k, name=n) for d, (k, n) in schedule.days.items())
    audit.record(session, actor=actor, action="calendar.load", entity_type="calendar_year", entity_id=schedule.year,
                 before=_summary(before), after=_summary(schedule))
    return row


def _summary(schedule: Schedule) -> dict:
    return {str(d): f"{n}（{'放假' if k == HOLIDAY else '调休上班'}）" for d, (k, n) in sorted(schedule.days.items())}
