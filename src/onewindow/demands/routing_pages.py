"""The 分派规则 pages for dispatchers and supervisors: the rules in the order they are weighed, a trial
(试算) of what they suggest for a type, topic and region, and the form to add, change, disable or
enable a rule (errors beside the fields, what was typed kept). Mounted before pages.py so
/demands/routes is not read as a demand's code."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from onewindow.catalog import service as catalog
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.kept import EMPTY, Kept
from onewindow.common.web import attempt, render
from onewindow.demands import routing, service, views
from onewindow.demands.states import KINDS

router = APIRouter()
LEVEL_NAMES = {"市": "市级", "县": "县级", "乡": "乡镇级", "村": "村级"}


def _units(session) -> list[tuple[int, str]]:
    return [(d.id, "　" * depth + d.name) for depth, d in catalog.department_tree(session)]


def _trial(request: Request, session) -> dict | None:
    p = request.query_params
    if "try" not in p:
        return None
    asked = {"kind": (p.get("kind") or "")[:12], "topic": (p.get("topic") or "")[:40].strip(),
             "region": (p.get("region") or "")[:40].strip()}
    kind = asked["kind"] if asked["kind"] in KINDS else "consult"
    s = service.suggest_units(session, kind=kind, topic=asked["topic"], region=asked["region"])
    return {"asked": asked | {"kind": kind}, "suggestion": s}


@router.get("/demands/routes")
def routes_page(request: Request, session: DbSession, principal: PageUser):
    lines = routing.list_routes(session, actor=principal)
    return render(request, "demands/routes.html", {
        "lines": lines, "kinds": KINDS, "trial": _trial(request, session), "units": views.unit_names(session),
        "levels": LEVEL_NAMES}, principal=principal)


def _form(request, session, principal, route=None, kept: Kept = EMPTY):
    return render(request, "demands/route_form.html", {
        "route": route, "kinds": KINDS, "unit_options": _units(session), "kept": kept,
        "labels": routing.LABELS}, principal=principal, status_code=422 if kept else 200)


@router.get("/demands/routes/new")
def new_route(request: Request, session: DbSession, principal: PageUser):
    principal.require(*routing.KEEPERS)
    return _form(request, session, principal)


@router.get("/demands/routes/{route_id}")
def edit_route(request: Request, route_id: int, session: DbSession, principal: PageUser):
    return _form(request, session, principal, routing.get_route(session, actor=principal, route_id=route_id))


async def _posted(request: Request) -> dict:
    form = await request.form()
    lead = str(form.get("department_id") or "")
    return {"kind": str(form.get("kind") or ""), "topic": str(form.get("topic") or ""),
            "region": str(form.get("region") or ""), "department_id": int(lead) if lead.isdigit() else None,
            "assist_ids": [int(v) for v in form.getlist("assist_ids") if isinstance(v, str) and v.isdigit()],
            "priority": str(form.get("priority") or ""), "active": form.get("active") == "on"}


@router.post("/demands/routes", dependencies=[CsrfChecked])
async def create_route(request: Request, session: DbSession, principal: PageUser):
    data = await _posted(request)

    def run():
        routing.create_route(session, actor=principal, **data)
        return RedirectResponse("/demands/routes", status_code=303)

    return await attempt(request, session, run, back="/demands/routes/new", done="分派规则已新增",
                         page=lambda kept: _form(request, session, principal, kept=kept))


@router.post("/demands/routes/{route_id}", dependencies=[CsrfChecked])
async def update_route(request: Request, route_id: int, session: DbSession, principal: PageUser):
    data = await _posted(request)

    def run():
        routing.update_route(session, actor=principal, route_id=route_id, changes=data)
        return RedirectResponse("/demands/routes", status_code=303)

    return await attempt(request, session, run, back=f"/demands/routes/{route_id}", done="分派规则已保存",
                         page=lambda kept: _form(request, session, principal,
                                                 routing.get_route(session, actor=principal, route_id=route_id),
                                                 kept=kept))


@router.post("/demands/routes/{route_id}/active", dependencies=[CsrfChecked])
async def switch_route(request: Request, route_id: int, session: DbSession, principal: PageUser):
    on = (await request.form()).get("active") == "1"

    def run():
        routing.update_route(session, actor=principal, route_id=route_id, changes={"active": on})
        return RedirectResponse("/demands/routes", status_code=303)

    return await attempt(request, session, run, back="/demands/routes", done="分派规则已启用" if on else "分派规则已停用")
