"""诉求 duplicate and hot-spot pages (issue 11 item 5): the desk's partial of candidate duplicates while
the agent types (htmx, like the knowledge suggestions) and the hot-spot list of topics and regions,
this week against last, with its xlsx. 并单 itself is a step of the demand page (pages.py)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from onewindow.common.http import DbSession, PageUser
from onewindow.common.roles import Role
from onewindow.common.web import render
from onewindow.demands import duplicates
from onewindow.demands.states import DEMAND

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/demands/desk/duplicates")
def desk_duplicates(request: Request, session: DbSession, principal: PageUser,
                    filer_phone: str = Query("", max_length=20), subject: str = Query("", max_length=200),
                    content: str = Query("", max_length=5000), location: str = Query("", max_length=200),
                    enterprise_uscc: str = Query("", max_length=18)):
    """The partial the desk swaps in: nothing until a phone or a subject has been typed."""
    principal.require(Role.agent, Role.admin)
    found = []
    if filer_phone.strip() or subject.strip():
        found = duplicates.candidates(session, actor=principal, phone=filer_phone, enterprise_uscc=enterprise_uscc,
                                      subject=subject, content=content, location=location)
    return render(request, "demands/_duplicates.html", {"found": found, "status": DEMAND.labels, "typed": bool(
        filer_phone.strip() or subject.strip())}, principal=principal)


@router.get("/demands/hotspots")
def hotspot_list(request: Request, session: DbSession, principal: PageUser):
    rows = duplicates.hotspots(session, actor=principal)
    return render(request, "demands/hotspots.html", {"rows": rows}, principal=principal)


@router.get("/demands/hotspots.xlsx")
def hotspot_xlsx(session: DbSession, principal: PageUser):
    rows = duplicates.hotspots(session, actor=principal)
    return Response(duplicates.export_hotspots(rows), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''demand-hotspots.xlsx"})
