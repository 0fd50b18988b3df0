"""好差评 pages: the party's matters and rating form, the window's QR rating page, the department's callbacks
and appeals, the supervisor's statistics (table, chart, xlsx, drill-down)."""

from __future__ import annotations

import json
from datetime import date, timedelta

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from onewindow.accounts import service as accounts
from onewindow.calendar.clock import SLA_LABELS
from onewindow.catalog import service as catalog
from onewindow.common import qr
from onewindow.common.errors import NotFound, ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, MaybeUser, PageUser
from onewindow.common.roles import Role
from onewindow.common.schemas import MAX_ID
from onewindow.common.uploads import read_upload
from onewindow.common.web import attempt, render
from onewindow.ratings import followup, stats
from onewindow.ratings import service as ratings
from onewindow.ratings.api import EVIDENCE, XLSX, RateLimited
from onewindow.ratings.states import APPEAL, BAD, CALLBACK, KIND_LABELS, LEVELS, REASONS

router = APIRouter()
LABELS = {"levels": LEVELS, "kinds": KIND_LABELS, "callback": CALLBACK.labels, "appeal": APPEAL.labels,
          "sla": SLA_LABELS, "dims": stats.DIMENSIONS}


def _date(value: str | None, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.one(f"{label}须为日期", label=label) from None


async def _form(request: Request) -> tuple[dict, list[str]]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}, [v for v in form.getlist("reasons") if isinstance(v, str)]


# ---------------------------------------------------------------- the party

@router.get("/ratings/mine")
def my_matters(request: Request, session: DbSession, principal: PageUser, page: int = Query(1, ge=1, le=100000)):
    result = ratings.my_matters(session, actor=principal, page=page)
    told = followup.my_callbacks(session, actor=principal)
    return render(request, "ratings/mine.html", {"page": result, "labels": LABELS, "told": told,
                                                 "mine": lambda m: ratings.mine(m, principal), "query": ""},
                  principal=principal)


def _rate_page(request: Request, session, matter, principal, *, action: str):
    """The rating form for one matter, whether reached from the party's list or a window's QR link."""
    clerk = accounts.display_names(session, {matter.clerk_id}).get(matter.clerk_id) if matter.kind == "window" \
        and matter.clerk_id else None
    return render(request, "ratings/rate.html", {"matter": matter, "mine": ratings.mine(matter, principal),
                                                 "labels": LABELS, "reasons": REASONS, "bad": BAD, "clerk": clerk,
                                                 "action": action}, principal=principal)


@router.get("/ratings/matters/{matter_id}")
def matter_page(request: Request, matter_id: int, session: DbSession, principal: PageUser):
    matter = ratings.get_matter(session, actor=principal, matter_id=matter_id)
    return _rate_page(request, session, matter, principal, action=f"/ratings/matters/{matter.id}")


@router.post("/ratings/matters/{matter_id}", dependencies=[CsrfChecked])
async def rate(request: Request, matter_id: int, session: DbSession, principal: PageUser):
    data, reasons = await _form(request)
    back = f"/ratings/matters/{matter_id}"

    def run():
        matter = ratings.get_matter(session, actor=principal, matter_id=matter_id)
        ratings.rate(session, actor=principal, matter=matter, level=data.get("level", ""), reasons=reasons,
                     comment=data.get("comment", ""))
        return RedirectResponse(back, status_code=303)

    return await attempt(request, session, run, back=back, done="感谢您的评价")


@router.get("/rate/{token}", dependencies=[RateLimited])
def visit_page(request: Request, token: str, session: DbSession, principal: MaybeUser):
    matter = ratings.matter_by_token(session, token=token[:64])
    return _rate_page(request, session, matter, principal, action=f"/rate/{matter.token}")


@router.post("/rate/{token}", dependencies=[RateLimited, CsrfChecked])
async def rate_visit(request: Request, token: str, session: DbSession, principal: MaybeUser):
    data, reasons = await _form(request)
    back = f"/rate/{token[:64]}"

    def run():
        matter = ratings.matter_by_token(session, token=token[:64])
        ratings.rate(session, actor=principal, matter=matter, level=data.get("level", ""), reasons=reasons,
                     comment=data.get("comment", ""))
        return RedirectResponse(back, status_code=303)

    return await attempt(request, session, run, back=back, done="感谢您的评价")


# ---------------------------------------------------------------- the window

@router.get("/ratings/visit")
def visit_form(request: Request, session: DbSession, principal: PageUser, token: str | None = Query(None, max_length=64)):
    principal.require(Role.clerk)
    code = Markup(qr.qr_svg(_rate_url(request, token), title="扫码评价本次服务", svgclass="rating-qr")) if token else None
    return render(request, "ratings/visit.html", {"departments": catalog.list_departments(session), "token": token,
                                                  "qr": code}, principal=principal)


@router.post("/ratings/visit", dependencies=[CsrfChecked])
async def open_visit(request: Request, session: DbSession, principal: PageUser):
    data, _ = await _form(request)

    def run():
        dept = data.get("department_id", "")
        if not dept.isdigit():
            raise ValidationFailed.one("请选择所办事项的部门", field="department_id", label="部门")
        m = ratings.open_visit(session, actor=principal, department_id=int(dept), title=data.get("title", ""))
        return RedirectResponse(f"/ratings/visit?token={m.token}", status_code=303)

    return await attempt(request, session, run, back="/ratings/visit", done="已生成本次服务的评价二维码")


def _rate_url(request: Request, token: str) -> str:
    """The absolute address a printed code carries, on this server."""
    return str(request.base_url).rstrip("/") + f"/rate/{token}"


@router.get("/ratings/qr")
def qr_sheet(request: Request, session: DbSession, principal: PageUser, clerk: int | None = Query(None, ge=1, le=MAX_ID)):
    """A printable sheet of the open window visits' rating codes, one block per window clerk."""
    visits = ratings.open_visits(session, actor=principal, clerk_id=clerk)
    departments = {d.id: d.name for d in catalog.list_departments(session)}
    by_clerk: dict[str, list[dict]] = {}
    for m, name in visits:
        by_clerk.setdefault(name, []).append({
            "matter": m, "department": departments.get(m.department_id, ""), "url": _rate_url(request, m.token),
            "svg": Markup(qr.qr_svg(_rate_url(request, m.token), title=f"扫码评价：{m.title}", svgclass="rating-qr"))})
    return render(request, "ratings/qr.html", {"by_clerk": by_clerk}, principal=principal)


@router.get("/ratings/qr/{token}.png")
def qr_png(request: Request, token: str, session: DbSession, principal: PageUser):
    """One visit's code as a PNG, for the counter's tablet or a download (the clerk's own visits)."""
    matter = next((m for m, _ in ratings.open_visits(session, actor=principal) if m.token == token[:64]), None)
    if matter is None:
        raise NotFound("评价二维码无效或已评价")
    return Response(qr.qr_png(_rate_url(request, matter.token)), media_type="image/png")


# ---------------------------------------------------------------- callbacks and appeals

@router.get("/ratings/callbacks")
def callbacks(request: Request, session: DbSession, principal: PageUser, status: str | None = Query(None, max_length=12),
              page: int = Query(1, ge=1, le=100000)):
    result = followup.list_callbacks(session, actor=principal, status=status or None, page=page)
    return render(request, "ratings/callbacks.html", {"page": result, "labels": LABELS, "status": status or "",
                                                      "query": f"status={status or ''}"}, principal=principal)


@router.get("/ratings/callbacks/{callback_id}")
def callback_page(request: Request, callback_id: int, session: DbSession, principal: PageUser):
    cb = followup.get_callback(session, actor=principal, callback_id=callback_id)
    return render(request, "ratings/callback.html", {
        "cb": cb, "rating": cb.rating, "labels": LABELS,
        "department": principal.role in followup.DEPARTMENT_ROLES and principal.department_id == cb.department_id,
        "rater": principal.role == Role.applicant and cb.rating.rater_id == principal.user_id}, principal=principal)


@router.post("/ratings/callbacks/{callback_id}/{step}", dependencies=[CsrfChecked])
async def callback_step(request: Request, callback_id: int, step: str, session: DbSession, principal: PageUser):
    data, _ = await _form(request)
    back = f"/ratings/callbacks/{callback_id}"
    version = int(data["version"]) if data.get("version", "").isdigit() else None

    def run():
        if step == "call":
            followup.record_callback(session, actor=principal, callback_id=callback_id, note=data.get("note", ""),
                                     version=version)
        else:
            followup.confirm(session, actor=principal, callback_id=callback_id, satisfied=data.get("satisfied") == "1",
                             comment=data.get("comment", ""), version=version)
        return RedirectResponse(back, status_code=303)

    return await attempt(request, session, run, back=back,
                         done="回访已登记，已转整改" if step == "call" else "感谢您的确认")


@router.get("/ratings/r/{rating_id}")
def rating_page(request: Request, rating_id: int, session: DbSession, principal: PageUser):
    rating = ratings.get_rating(session, actor=principal, rating_id=rating_id)
    appeals = [a for a in followup.list_appeals(session, actor=principal).items if a.rating_id == rating.id] \
        if principal.role != Role.applicant else []
    return render(request, "ratings/rating.html", {
        "rating": rating, "labels": LABELS, "appeal": appeals[0] if appeals else None, "bad": BAD,
        "callback": followup.callbacks_for(session, rating_ids=[rating.id]).get(rating.id),
        "department": principal.role in followup.DEPARTMENT_ROLES
        and principal.department_id == rating.matter.department_id}, principal=principal)


@router.post("/ratings/r/{rating_id}/appeal", dependencies=[CsrfChecked])
async def file_appeal(request: Request, rating_id: int, session: DbSession, principal: PageUser):
    form = await request.form()
    upload = form.get("file")
    back = f"/ratings/r/{rating_id}"
    try:
        evidence = await read_upload(upload, suffixes=EVIDENCE) if getattr(upload, "filename", None) else None
    except ValidationFailed as exc:
        evidence = exc
    reason = form.get("reason") if isinstance(form.get("reason"), str) else ""

    def run():
        if isinstance(evidence, Exception):
            raise evidence
        followup.file_appeal(session, actor=principal, rating_id=rating_id, reason=reason, file=evidence)
        return RedirectResponse(back, status_code=303)

    return await attempt(request, session, run, back=back, done="申诉已提交，等待营商环境局审核")


@router.get("/ratings/appeals")
def appeals(request: Request, session: DbSession, principal: PageUser, status: str | None = Query(None, max_length=12),
            page: int = Query(1, ge=1, le=100000)):
    result = followup.list_appeals(session, actor=principal, status=status or None, page=page)
    return render(request, "ratings/appeals.html", {"page": result, "labels": LABELS, "status": status or "",
                                                    "query": f"status={status or ''}",
                                                    "supervisor": principal.role in followup.SUPERVISORS},
                  principal=principal)


@router.post("/ratings/appeals/{appeal_id}", dependencies=[CsrfChecked])
async def decide(request: Request, appeal_id: int, session: DbSession, principal: PageUser):
    data, _ = await _form(request)

    def run():
        followup.decide_appeal(session, actor=principal, appeal_id=appeal_id, uphold=data.get("uphold") == "1",
                               decision=data.get("decision", ""))
        return RedirectResponse("/ratings/appeals", status_code=303)

    return await attempt(request, session, run, back="/ratings/appeals", done="申诉已审核")


# ---------------------------------------------------------------- statistics

def _stats_args(by: str, start: str | None, end: str | None):
    by = by if by in stats.DIMENSIONS else "department"
    return by, _date(start, "开始日期"), _date(end, "结束日期")


@router.get("/ratings/stats")
def statistics(request: Request, session: DbSession, principal: PageUser, by: str = Query("department", max_length=12),
               start: str | None = Query(None, max_length=10), end: str | None = Query(None, max_length=10)):
    by, d0, d1 = _stats_args(by, start, end)
    total, lines = stats.statistics(session, actor=principal, by=by, start=d0, end=d1)
    chart = json.dumps([{"label": x.label, "good": x.good, "bad": x.bad, "defaulted": x.defaulted}
                        for x in lines[:20]], ensure_ascii=False)
    query = f"by={by}&start={start or ''}&end={end or ''}"
    return render(request, "ratings/stats.html", {"total": total, "lines": lines, "by": by, "start": start or "",
                                                  "end": end or "", "labels": LABELS, "pct": stats.pct,
                                                  "chart": chart, "query": query}, principal=principal)


@router.get("/ratings/stats.xlsx")
def statistics_xlsx(session: DbSession, principal: PageUser, by: str = Query("department", max_length=12),
                    start: str | None = Query(None, max_length=10), end: str | None = Query(None, max_length=10)):
    by, d0, d1 = _stats_args(by, start, end)
    total, lines = stats.statistics(session, actor=principal, by=by, start=d0, end=d1)
    return Response(stats.export_xlsx(total, lines, by=by), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''%E5%A5%BD%E5%B7%AE%E8%AF%84%E7%BB%9F%E8%AE%A1.xlsx"})


@router.get("/ratings/list")
def drill_down(request: Request, session: DbSession, principal: PageUser, by: str = Query("", max_length=12),
               key: str = Query("", max_length=40), bad: bool = False, start: str | None = Query(None, max_length=10),
               end: str | None = Query(None, max_length=10), page: int = Query(1, ge=1, le=100000)):
    d0, d1 = _date(start, "开始日期"), _date(end, "结束日期")
    filters: dict = {}
    if by == "department" and key.isdigit():
        filters["department_id"] = int(key)
    elif by == "item" and key:
        filters["item_code"] = key
    elif by == "clerk" and key.isdigit():
        filters["clerk_id"] = int(key)
    elif by == "staff":
        filters.update({"staff_id": int(key)} if key.isdigit() else {"unassigned": True})
    elif by == "kind" and key in KIND_LABELS:
        filters["kind"] = key
    elif by == "month" and len(key) == 7:
        y, m = int(key[:4]), int(key[5:])
        first, last = date(y, m, 1), date(y + m // 12, m % 12 + 1, 1) - timedelta(days=1)
        d0, d1 = max(d0 or first, first), min(d1 or last, last)
    result = ratings.list_ratings(session, actor=principal, bad=bad, start=d0, end=d1, page=page, **filters)
    staff = accounts.display_names(session, {r.matter.staff_id for r in result.items if r.matter.staff_id})
    return render(request, "ratings/list.html", {
        "page": result, "labels": LABELS, "bad": BAD, "depts": {d.id: d.name for d in catalog.list_departments(session)},
        "staff": staff,
        "query": f"by={by}&key={key}&bad={'true' if bad else 'false'}&start={start or ''}&end={end or ''}"},
        principal=principal)
