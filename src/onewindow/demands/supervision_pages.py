"""督办 pages (issue 11 item 3): a handling unit's open supervision orders with their own deadlines, one
order's page where the unit writes and submits its answer (an error shown beside the field, the text
kept), read-only for the 12345 desk and supervisors. Mounted before pages.py, whose /demands/{code}
would otherwise take "supervisions" for a demand code."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from onewindow.calendar.clock import SLA_LABELS
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.kept import EMPTY, Kept
from onewindow.common.roles import Role
from onewindow.common.web import attempt, form_dict, render
from onewindow.demands import service, views
from onewindow.demands.states import SUPERVISION

router = APIRouter()
OPEN = ("open", "escalated")


@router.get("/demands/supervisions")
def orders(request: Request, session: DbSession, principal: PageUser):
    rows = views.supervision_orders(session, actor=principal, open_only=request.query_params.get("all") != "1")
    return render(request, "demands/supervisions.html", {
        "rows": rows, "status": SUPERVISION.labels, "sla": SLA_LABELS, "units": views.unit_names(session),
        "all": request.query_params.get("all") == "1"}, principal=principal)


def _order_page(request, session, principal, supervision_id: int, kept: Kept = EMPTY):
    order, demand = views.supervision_order(session, actor=principal, supervision_id=supervision_id)
    may_answer = (principal.role == Role.handler and principal.department_id == order.department_id
                  and order.status in OPEN)
    return render(request, "demands/supervision_order.html", {
        "o": order, "d": service.demand_view(session, actor=principal, demand=demand), "status": SUPERVISION.labels,
        "sla": SLA_LABELS, "units": views.unit_names(session), "may_answer": may_answer, "kept": kept},
        principal=principal, status_code=422 if kept else 200)


@router.get("/demands/supervisions/{supervision_id}")
def order_page(request: Request, supervision_id: int, session: DbSession, principal: PageUser):
    return _order_page(request, session, principal, supervision_id)


@router.post("/demands/supervisions/{supervision_id}/answer", dependencies=[CsrfChecked])
async def answer(request: Request, supervision_id: int, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    version = int(data["version"]) if data.get("version", "").isdigit() else 0

    def run():
        service.answer_supervision(session, actor=principal, supervision_id=supervision_id, version=version,
                                   response=data.get("response", "")[:2000])
        return RedirectResponse("/demands/supervisions", status_code=303)

    return await attempt(request, session, run, back=f"/demands/supervisions/{supervision_id}", done="督办已反馈",
                         page=lambda kept: _order_page(request, session, principal, supervision_id, kept))
