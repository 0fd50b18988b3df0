"""Window counters' standing rating codes: set up counters and go on duty at one, print the sheet of their
codes, and the scan itself — which opens the visit bound to the counter and the clerk on duty, then the
rating form (ratings.counters)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from onewindow.catalog import service as catalog
from onewindow.common import qr
from onewindow.common.errors import NotFound
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.kept import EMPTY, Kept
from onewindow.common.roles import Role
from onewindow.common.web import attempt, form_dict, render
from onewindow.ratings import counters
from onewindow.ratings.api import ScanLimited

router = APIRouter()
DEVICE_COOKIE = "ow_rater"
STEPS = {"duty": (counters.take_duty, "您已在此窗口值守，扫码评价将计入您的名下"),
         "leave": (counters.leave_duty, "已结束窗口值守"),
         "void": (counters.void_codes, "原二维码已作废，请重新打印并张贴")}


def scan_url(request: Request, counter) -> str:
    return str(request.base_url).rstrip("/") + f"/rate/c/{counters.code_of(counter)}"


def _page(request: Request, session, principal, kept: Kept = EMPTY):
    rows = counters.list_counters(session, actor=principal)
    return render(request, "ratings/counters.html", {
        "rows": rows, "departments": [(str(d.id), d.name) for d in catalog.list_departments(session)], "kept": kept,
        "manager": principal.role in counters.MANAGERS, "clerk": principal.role == Role.clerk,
        "me": principal.user_id}, principal=principal, status_code=422 if kept else 200)


@router.get("/ratings/counters")
def counter_list(request: Request, session: DbSession, principal: PageUser):
    return _page(request, session, principal)


@router.post("/ratings/counters", dependencies=[CsrfChecked])
async def create_counter(request: Request, session: DbSession, principal: PageUser):
    data = await form_dict(request)

    def run():
        dept = data.get("department_id", "")
        counters.create_counter(session, actor=principal, department_id=int(dept) if dept.isdigit() else 0,
                                name=data.get("name", ""))
        return RedirectResponse("/ratings/counters", status_code=303)

    return await attempt(request, session, run, back="/ratings/counters", done="窗口已添加",
                         page=lambda kept: _page(request, session, principal, kept))


@router.post("/ratings/counters/{counter_id}/{step}", dependencies=[CsrfChecked])
async def counter_step(request: Request, counter_id: int, step: str, session: DbSession, principal: PageUser):
    if step not in STEPS:
        raise NotFound("没有这项操作")
    action, done = STEPS[step]

    def run():
        action(session, actor=principal, counter_id=counter_id)
        return RedirectResponse("/ratings/counters", status_code=303)

    return await attempt(request, session, run, back="/ratings/counters", done=done)


@router.get("/ratings/counters/sheet")
def sheet(request: Request, session: DbSession, principal: PageUser):
    """The printable sheet: one standing code per counter, to stick on the desk."""
    cards = [{"counter": c, "department": dept, "clerk": clerk, "url": scan_url(request, c),
              "svg": Markup(qr.qr_svg(scan_url(request, c), title=f"扫码评价：{dept}{c.name}", svgclass="rating-qr",
                                      scale=5))}
             for c, dept, clerk in counters.list_counters(session, actor=principal)]
    return render(request, "ratings/counter_sheet.html", {"cards": cards}, principal=principal)


@router.get("/ratings/counters/{counter_id}.png")
def counter_png(request: Request, counter_id: int, session: DbSession, principal: PageUser):
    counter = next((c for c, _, _ in counters.list_counters(session, actor=principal) if c.id == counter_id), None)
    if counter is None:
        raise NotFound(f"窗口{counter_id}不存在")
    return Response(qr.qr_png(scan_url(request, counter)), media_type="image/png")


@router.get("/rate/c/{code}", dependencies=[ScanLimited])
def scan(request: Request, code: str, session: DbSession):
    """The scan: the visit (this device's recent one, or a new one), then its rating form."""
    device = request.cookies.get(DEVICE_COOKIE) or counters.new_device()
    matter = counters.visit_from_scan(session, code=code[:64], device=device[:64])
    response = RedirectResponse(f"/rate/{matter.token}", status_code=303)
    response.set_cookie(DEVICE_COOKIE, device[:64], max_age=365 * 86400, httponly=True, samesite="lax")
    return response
