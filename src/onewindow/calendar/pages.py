"""Calendar admin: which years are loaded, load a year, try a deadline."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import RedirectResponse

from onewindow.calendar import service
from onewindow.calendar.schedule import KIND_LABELS, parse_yaml
from onewindow.common import time as beijing
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.uploads import read_upload
from onewindow.common.web import render

router = APIRouter(prefix="/admin/calendar")

EXAMPLE = """year: 2027
holidays:
  - name: 元旦
    start: 2027-01-01
    end: 2027-01-03
workdays:
  - name: 春节调休
    date: 2027-02-06
"""


def _page(request: Request, session, principal, *, status_code: int = 200, **extra):
    today = beijing.today()
    years = service.list_years(session, around=today.year)
    year = extra.pop("year", None)
    detail = service.year_schedule(session, year=year) if year else None
    ctx = {"years": years, "labels": service.SOURCE_LABELS, "kind_labels": KIND_LABELS, "example": EXAMPLE,
           "detail": detail, "today": today, **extra}
    return render(request, "calendar/admin.html", ctx, principal=principal, status_code=status_code)


@router.get("")
def calendar_page(request: Request, session: DbSession, principal: PageUser,
                  year: int | None = Query(None, ge=2000, le=2100), start: date | None = None,
                  days: int | None = Query(None, ge=0, le=3660)):
    result = service.add_working_days(session, start=start, days=days) if start and days is not None else None
    return _page(request, session, principal, year=year, start=start, days=days, result=result)


@router.post("/upload", dependencies=[CsrfChecked])
async def upload(request: Request, session: DbSession, principal: PageUser, file: UploadFile):
    principal.require(*service.EDITORS)
    try:
        filename, content = await read_upload(file, suffixes=(".yaml", ".yml", ".xlsx"))
        schedule = service.parse_schedule(filename=filename, content=content)
        service.load_schedule(session, actor=principal, schedule=schedule, source=filename)
    except ValidationFailed as exc:
        session.rollback()
        return _page(request, session, principal, errors=exc.details, error_title=exc.message, status_code=422)
    return RedirectResponse(f"/admin/calendar?year={schedule.year}", status_code=303)


@router.post("/yaml", dependencies=[CsrfChecked])
def paste(request: Request, session: DbSession, principal: PageUser, text: str = Form(max_length=100_000)):
    principal.require(*service.EDITORS)
    try:
        schedule = parse_yaml(text)
        service.load_schedule(session, actor=principal, schedule=schedule, source="页面录入")
    except ValidationFailed as exc:
        session.rollback()
        return _page(request, session, principal, errors=exc.details, error_title=exc.message, pasted=text,
                     status_code=422)
    return RedirectResponse(f"/admin/calendar?year={schedule.year}", status_code=303)
