from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class Suspension(BaseModel):
    start: dt.date
    end: dt.date = Field(description="含当日；该区间内的日子不计入时限（补正、特别程序）")


class AddWorkingDaysIn(BaseModel):
    start: dt.date = Field(description="起算日（受理当日，不计入）")
    days: int = Field(ge=0, le=3660)
    suspensions: list[Suspension] = Field(default=[], max_length=100)


class BetweenIn(BaseModel):
    start: dt.date
    end: dt.date
    suspensions: list[Suspension] = Field(default=[], max_length=100)


class WorkingDayOut(BaseModel):
    date: dt.date | None = None
    days: int | None = None
    estimated: bool
    estimated_years: list[int]
    note: str


class YearOut(BaseModel):
    year: int
    source: str
    holidays: int
    workdays: int
    loaded_by: str | None


class DayOut(BaseModel):
    date: dt.date
    kind: str
    name: str


class ScheduleOut(BaseModel):
    year: int
    source: str
    days: list[DayOut]
