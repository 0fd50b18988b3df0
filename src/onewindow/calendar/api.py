"""Working-day calendar endpoints."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Path, UploadFile

from onewindow.calendar import service
from onewindow.calendar.schemas import (
    AddWorkingDaysIn,
    BetweenIn,
    DayOut,
    ScheduleOut,
    WorkingDayOut,
    YearOut,
)
from onewindow.common import time as beijing
from onewindow.common.api import ERRORS
from onewindow.common.http import CurrentUser, DbSession
from onewindow.common.uploads import read_upload

router = APIRouter(prefix="/calendar", tags=["工作日历"], responses=ERRORS)


def _out(result: service.WorkingDayResult) -> WorkingDayOut:
    value = result.value
    return WorkingDayOut(date=value if isinstance(value, date) else None,
                         days=value if isinstance(value, int) else None, estimated=result.estimated,
                         estimated_years=list(result.estimated_years), note=result.note)


@router.get("/years", response_model=list[YearOut], summary="各年份放假安排来源")
def years(session: DbSession) -> list[YearOut]:
    return [YearOut(**vars(y)) for y in service.list_years(session, around=beijing.today().year)]


@router.get("/years/{year}", response_model=ScheduleOut, summary="某年放假与调休安排")
def year(session: DbSession, year: int = Path(ge=2000, le=2100)) -> ScheduleOut:
    cal = service.load_calendar(session)
    sched = service.year_schedule(session, year=year)
    return ScheduleOut(year=year, source=cal.source(year),
                       days=[DayOut(date=d, kind=k, name=n) for d, (k, n) in sorted(sched.days.items())])


@router.post("/schedules", response_model=YearOut, summary="导入一年的放假安排（YAML 或 xlsx，管理员）")
async def load(file: UploadFile, session: DbSession, actor: CurrentUser) -> YearOut:
    actor.require(*service.EDITORS)
    filename, content = await read_upload(file, suffixes=(".yaml", ".yml", ".xlsx"))
    schedule = service.parse_schedule(filename=filename, content=content)
    service.load_schedule(session, actor=actor, schedule=schedule, source=filename)
    info = next(y for y in service.list_years(session, around=schedule.year) if y.year == schedule.year)
    return YearOut(**vars(info))


@router.post("/add-working-days", response_model=WorkingDayOut, summary="起算日加若干工作日")
def add_working_days(body: AddWorkingDaysIn, session: DbSession) -> WorkingDayOut:
    return _out(service.add_working_days(session, start=body.start, days=body.days,
                                         suspensions=[(s.start, s.end) for s in body.suspensions]))


@router.post("/working-days-between", response_model=WorkingDayOut, summary="两日之间的工作日数")
def working_days_between(body: BetweenIn, session: DbSession) -> WorkingDayOut:
    return _out(service.working_days_between(session, start=body.start, end=body.end,
                                             suspensions=[(s.start, s.end) for s in body.suspensions]))
