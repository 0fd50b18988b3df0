"""诉求 pages: the 12345 agent's desk (fast call-taking, knowledge suggestions, 直办, my queue), the
dispatcher's board (派单/改派, 延期 approvals), a handling unit's inbox, the callback list, one demand's
page with the steps the reader may take, the filer's tracking page (code + phone), the 办不成事 window
form, the 码上监督 short form from a scan, and the supervisor's rates and overdue list. Every list is
filterable and exports to xlsx. Routes are thin: the service decides, views.py reads."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from onewindow.calendar.clock import SLA_LABELS
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, MaybeUser, PageUser, client_address
from onewindow.common.kept import EMPTY, Kept
from onewindow.common.roles import Role
from onewindow.common.web import attempt, form_dict, render
from onewindow.demands import duplicates, service, views
from onewindow.demands.states import (
    ASSIGNMENT_STATUS,
    CHANNELS,
    DEMAND,
    EXTENSION,
    KINDS,
    ROLES,
    SATISFACTION,
    SUPERVISION,
    URGENCIES,
)
from onewindow.knowledge import service as knowledge

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LABELS = {"kinds": KINDS, "urgencies": URGENCIES, "channels": CHANNELS, "status": DEMAND.labels, "sla": SLA_LABELS,
          "roles": ROLES, "assignment": ASSIGNMENT_STATUS, "satisfaction": SATISFACTION, "extension": EXTENSION.labels,
          "stages": {"dispatch": "派单", "reply": "答复", "callback": "回访"}}
FILTER_KEYS = ("status", "kind", "channel", "urgency", "sla_state", "department_id", "q", "start", "end")
INTAKE = ("kind", "urgency", "subject", "content", "topic", "region", "location", "filer_name", "filer_phone",
          "filer_id_number", "enterprise_name", "enterprise_uscc", "item_code", "case_code")


def _date(value: str | None, label: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed.one(f"{label}须为日期（年-月-日）", field=label, label=label) from None


def _filters(request: Request, **fixed) -> tuple[views.Filters, dict]:
    """The list filters from the query string (unknown values ignored, never a 500) and their echo."""
    q = {k: (request.query_params.get(k) or "")[:50] for k in FILTER_KEYS}
    dept = q["department_id"]
    chosen = {"status": q["status"] if q["status"] in DEMAND.labels else "",
              "kind": q["kind"] if q["kind"] in KINDS else "",
              "channel": q["channel"] if q["channel"] in CHANNELS else "",
              "urgency": q["urgency"] if q["urgency"] in URGENCIES else "",
              "sla_state": q["sla_state"] if q["sla_state"] in SLA_LABELS else "",
              "department_id": int(dept) if dept.isdigit() else None, "q": q["q"],
              "start": _date(q["start"], "开始日期"), "end": _date(q["end"], "结束日期")}
    f = views.Filters(**(chosen | fixed))  # a page's own restriction wins over the query string
    return f, q


def _page_no(request: Request) -> int:
    raw = request.query_params.get("page", "1")
    return min(int(raw), 100000) if raw.isdigit() and int(raw) > 0 else 1


def _list_page(request, session, principal, *, template: str, title: str, export: str, fixed: dict | None = None,
               due_first: bool = False, extra: dict | None = None):
    f, q = _filters(request, **(fixed or {}))
    result = views.listing(session, actor=principal, filters=f, page=_page_no(request), due_first=due_first)
    shown = [service.demand_view(session, actor=principal, demand=d) for d in result.items]
    ctx = {"page": result, "rows": shown, "labels": LABELS, "f": q, "title": title, "export": export,
           "query": urlencode({k: v for k, v in q.items() if v}), "units": views.unit_names(session)}
    ctx.update(extra or {})
    return render(request, template, ctx, principal=principal)


def _xlsx(session, principal, request, name: str, signing: bool = False, **fixed) -> Response:
    f, _ = _filters(request, **fixed)
    body = views.export_list(session, actor=principal, filters=f, signing=signing)
    return Response(body, media_type=XLSX, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}.xlsx"})


# ---------------------------------------------------------------- the agent's desk

def _desk(request, session, principal, kept: Kept = EMPTY):
    principal.require(Role.agent, Role.admin)
    f, q = _filters(request, mine=True)
    mine = views.listing(session, actor=principal, filters=f, page=_page_no(request))
    return render(request, "demands/desk.html", {
        "labels": LABELS, "kept": kept, "page": mine, "f": q, "units": views.unit_names(session), "query": urlencode({k: v for k, v in q.items() if v}),
        "rows": [service.demand_view(session, actor=principal, demand=d) for d in mine.items]},
        principal=principal, status_code=422 if kept else 200)


@router.get("/demands/desk")
def desk(request: Request, session: DbSession, principal: PageUser):
    return _desk(request, session, principal)


@router.get("/demands/desk/suggest")
def desk_suggest(principal: PageUser, subject: str = Query("", max_length=200), content: str = Query("", max_length=5000)):
    """What the agent typed, handed to the knowledge base's own suggestion partial (htmx follows the redirect)."""
    principal.require(Role.agent, Role.admin)
    text = f"{subject} {content}".strip()[:500]
    return RedirectResponse(f"/knowledge/suggest?{urlencode({'text': text})}", status_code=303)


@router.get("/demands/desk.xlsx")
def desk_xlsx(request: Request, session: DbSession, principal: PageUser):
    principal.require(Role.agent, Role.admin)
    return _xlsx(session, principal, request, "my-demands", mine=True)


@router.post("/demands/desk", dependencies=[CsrfChecked])
async def take_call(request: Request, session: DbSession, principal: PageUser):
    data = await form_dict(request)

    def run():
        d = service.file_demand(session, actor=principal, channel="hotline", confidential=data.get("confidential") == "on",
                                idempotency_key=(data.get("idempotency_key") or None),
                                **{k: data.get(k, "") for k in INTAKE})
        return RedirectResponse(f"/demands/{d.code}", status_code=303)

    return await attempt(request, session, run, back="/demands/desk", done="诉求已受理",
                         page=lambda kept: _desk(request, session, principal, kept))


# ---------------------------------------------------------------- boards and lists

@router.get("/demands")
def all_demands(request: Request, session: DbSession, principal: PageUser):
    return _list_page(request, session, principal, template="demands/list.html", title="诉求查询",
                      export="/demands.xlsx")


@router.get("/demands.xlsx")
def all_xlsx(request: Request, session: DbSession, principal: PageUser):
    return _xlsx(session, principal, request, "demands")


@router.get("/demands/board")
def board(request: Request, session: DbSession, principal: PageUser):
    principal.require(Role.agent, Role.admin)
    return _list_page(request, session, principal, template="demands/board.html", title="派单台",
                      export="/demands/board.xlsx", fixed={"statuses": ("received", "returned")}, due_first=True,
                      extra={"extensions": views.pending_extensions(session, actor=principal)})


@router.get("/demands/board.xlsx")
def board_xlsx(request: Request, session: DbSession, principal: PageUser):
    principal.require(Role.agent, Role.admin)
    return _xlsx(session, principal, request, "board", statuses=("received", "returned"))


@router.get("/demands/inbox")
def inbox(request: Request, session: DbSession, principal: PageUser):
    principal.require(Role.handler)
    return _list_page(request, session, principal, template="demands/list.html", title="本单位诉求",
                      export="/demands/inbox.xlsx", fixed={"open_only": True}, due_first=True,
                      extra={"sign_col": True})


@router.get("/demands/inbox.xlsx")
def inbox_xlsx(request: Request, session: DbSession, principal: PageUser):
    principal.require(Role.handler)
    return _xlsx(session, principal, request, "inbox", open_only=True)


@router.get("/demands/callbacks")
def callbacks(request: Request, session: DbSession, principal: PageUser):
    principal.require(Role.agent, Role.admin)
    return _list_page(request, session, principal, template="demands/list.html", title="待回访",
                      export="/demands/callbacks.xlsx", fixed={"statuses": ("replied",)}, due_first=True)


@router.get("/demands/callbacks.xlsx")
def callbacks_xlsx(request: Request, session: DbSession, principal: PageUser):
    principal.require(Role.agent, Role.admin)
    return _xlsx(session, principal, request, "callbacks", statuses=("replied",))


@router.get("/demands/supervision")
def supervision(request: Request, session: DbSession, principal: PageUser, start: str | None = Query(None, max_length=10),
                end: str | None = Query(None, max_length=10)):
    total, lines = views.rates_by_unit(session, actor=principal, start=_date(start, "开始日期"), end=_date(end, "结束日期"))
    f = views.Filters(sla_state="overdue", open_only=True)
    overdue = views.listing(session, actor=principal, filters=f, page=_page_no(request), due_first=True)
    return render(request, "demands/supervision.html", {
        "total": total, "lines": lines, "pct": views.pct, "labels": LABELS, "start": start or "", "end": end or "",
        "page": overdue, "rows": [service.demand_view(session, actor=principal, demand=d) for d in overdue.items],
        "unsigned": views.overdue_signing(session, actor=principal),
        "units": views.unit_names(session), "query": urlencode({"start": start or "", "end": end or ""})},
        principal=principal)


@router.get("/demands/supervision.xlsx")
def supervision_xlsx(session: DbSession, principal: PageUser, start: str | None = Query(None, max_length=10),
                     end: str | None = Query(None, max_length=10)):
    total, lines = views.rates_by_unit(session, actor=principal, start=_date(start, "开始日期"), end=_date(end, "结束日期"))
    return Response(views.export_rates(total, lines), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename*=UTF-8''demand-rates.xlsx"})


@router.get("/demands/overdue.xlsx")
def overdue_xlsx(request: Request, session: DbSession, principal: PageUser):
    principal.require(Role.supervisor, Role.admin, Role.agent)
    return _xlsx(session, principal, request, "overdue", signing=True, sla_state="overdue", open_only=True)


# ---------------------------------------------------------------- without an account / at a window

@router.get("/demands/track")
def track_form(request: Request, principal: MaybeUser, code: str = Query("", max_length=32)):
    return render(request, "demands/track.html", {"code": code, "view": None}, principal=principal)


@router.post("/demands/track", dependencies=[CsrfChecked])
async def track(request: Request, session: DbSession, principal: MaybeUser):
    data = await form_dict(request)
    found = service.track(session, code=data.get("code", "")[:32], phone=data.get("phone", "")[:20],
                          client_key=client_address(request))
    session.commit()  # the throttle's count stands even when the look-up fails
    return render(request, "demands/track.html", {"code": data.get("code", "")[:32], "view": found.view,
                                                  "error": found.error.message if found.error else ""},
                  principal=principal, status_code=200 if found.view else getattr(found.error, "status_code", 404))


def _window(request, principal, kept: Kept = EMPTY):
    principal.require(Role.clerk)
    return render(request, "demands/window.html", {"labels": LABELS, "kept": kept}, principal=principal,
                  status_code=422 if kept else 200)


@router.get("/demands/window")
def window_form(request: Request, principal: PageUser):
    return _window(request, principal)


@router.post("/demands/window", dependencies=[CsrfChecked])
async def window_file(request: Request, session: DbSession, principal: PageUser):
    data = await form_dict(request)

    def run():
        d = service.file_demand(session, actor=principal, channel="window", urgency="general",
                                window_department_id=principal.department_id,
                                idempotency_key=(data.get("idempotency_key") or None),
                                **{k: data.get(k, "") for k in INTAKE if k != "urgency"})
        return RedirectResponse(f"/demands/{d.code}", status_code=303)

    return await attempt(request, session, run, back="/demands/window", done="「办不成事」诉求已登记",
                         page=lambda kept: _window(request, principal, kept))


def _bound(request: Request) -> dict:
    p = request.query_params
    window = (p.get("window") or "")[:12]
    return {"window_department_id": int(window) if window.isdigit() else None,
            "enterprise_name": (p.get("enterprise") or "")[:200], "enterprise_uscc": (p.get("uscc") or "")[:18],
            "item_code": (p.get("item") or "")[:40]}


def _scan(request, session, principal, kept: Kept = EMPTY, done: str = ""):
    bound = _bound(request)
    units = views.unit_names(session)
    return render(request, "demands/scan.html", {
        "labels": LABELS, "kept": kept, "bound": bound, "window_name": units.get(bound["window_department_id"], ""),
        "action": f"/demands/scan?{request.url.query}", "filed": done}, principal=principal,
        status_code=422 if kept else 200)


@router.get("/demands/scan")
def scan_form(request: Request, session: DbSession, principal: MaybeUser):
    return _scan(request, session, principal)


@router.post("/demands/scan", dependencies=[CsrfChecked])
async def scan_file(request: Request, session: DbSession, principal: MaybeUser):
    data = await form_dict(request)

    def run():
        d = service.file_demand(session, actor=principal, channel="scan", kind=data.get("kind", ""), urgency="general",
                                subject=data.get("subject", "") or data.get("content", "")[:30],
                                content=data.get("content", ""), filer_name=data.get("filer_name", ""),
                                filer_phone=data.get("filer_phone", ""), anonymous=data.get("anonymous") == "on",
                                idempotency_key=(data.get("idempotency_key") or None),
                                client_key=client_address(request), **_bound(request))
        session.commit()
        return _scan(request, session, principal, done=d.code)

    return await attempt(request, session, run, back=f"/demands/scan?{request.url.query}",
                         page=lambda kept: _scan(request, session, principal, kept))


# ---------------------------------------------------------------- one demand and its steps

def _demand_page(request, session, principal, code: str, kept: Kept = EMPTY):
    demand = service.get_demand(session, actor=principal, code=code[:32])
    view = service.demand_view(session, actor=principal, demand=demand)
    units = views.unit_names(session)
    mine = principal.role == Role.handler and any(a["active"] and a["department_id"] == principal.department_id
                                                  for a in view["assignments"])
    lead = mine and any(a["active"] and a["role"] == "lead" and a["department_id"] == principal.department_id
                        for a in view["assignments"])
    pending = next((a for a in demand.assignments if a.active and a.department_id == principal.department_id
                    and a.status == "pending"), None) if mine else None
    suggestion = service.suggest_units(session, kind=demand.kind, topic=demand.topic, region=demand.region) \
        if principal.role in (Role.agent, Role.admin) and demand.status in ("received", "returned") else None
    dispatcher = principal.role in (Role.agent, Role.admin)
    return render(request, "demands/demand.html", {
        "merged_into": duplicates.merged_into(session, demand), "merged": duplicates.merged_ones(session, demand),
        "merges": duplicates.merges_of(session, demand),
        "candidates": duplicates.candidates_of(session, actor=principal, demand=demand)
        if dispatcher and demand.status != "closed" else [],
        "d": view, "labels": LABELS, "units": units, "kept": kept, "mine": mine, "lead": lead, "pending": pending,
        "dispatcher": dispatcher, "suggestion": suggestion,
        "supervisor": principal.role in (Role.supervisor, Role.admin),
        "history": service.history(session, actor=principal, code=demand.code),
        "articles": knowledge.suggest(session, text=f"{demand.subject} {demand.content}"[:500], limit=5)
        if principal.role in (Role.agent, Role.admin) and demand.status == "received" else [],
        "extensions": views.extensions_of(session, demand_id=demand.id),
        "orders": views.supervisions_of(session, actor=principal, demand_id=demand.id),
        "order_status": SUPERVISION.labels},
        principal=principal, status_code=422 if kept else 200)


@router.get("/demands/{code}")
def demand_page(request: Request, code: str, session: DbSession, principal: PageUser):
    return _demand_page(request, session, principal, code)


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if isinstance(v, str) and v.isdigit()]


def _unit(value: str) -> int:
    if not (value or "").isdigit():
        raise ValidationFailed.one("请选择主办单位", field="lead_department_id", label="主办单位")
    return int(value)


def _whole(value: str) -> int:
    value = (value or "").strip()
    return int(value) if value.isdigit() else 0


STEPS_DONE = {"answer": "已直办答复并办结", "dispatch": "已派单", "redispatch": "已改派", "sign": "已签收",
              "return": "已退单", "extend": "延期申请已提交", "reply": "已答复", "callback": "回访已登记", "supervise": "已发出督办", "merge": "已并单", "unmerge": "已撤销并单，诉求恢复单独办理",
              "reveal": "已显示完整号码（已记入审计）"}


@router.post("/demands/extensions/{extension_id}", dependencies=[CsrfChecked])
async def decide_extension(request: Request, extension_id: int, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    version = int(data["version"]) if data.get("version", "").isdigit() else 0

    def run():
        service.decide_extension(session, actor=principal, extension_id=extension_id, version=version,
                                 approve=data.get("approve") == "1", decision=data.get("decision", ""))
        return RedirectResponse("/demands/board", status_code=303)

    return await attempt(request, session, run, back="/demands/board", done="延期申请已审批")


@router.post("/demands/{code}/{step}", dependencies=[CsrfChecked])
async def demand_step(request: Request, code: str, step: str, session: DbSession, principal: PageUser):
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    code = code[:32]
    back = f"/demands/{code}"
    version = int(data["version"]) if data.get("version", "").isdigit() else 0
    revealed: dict = {}

    def run():
        if step == "answer":
            article = data.get("article_id", "")
            if not article.isdigit():
                raise ValidationFailed.one("请选择所依据的知识条目", field="article_id", label="知识条目")
            service.answer_directly(session, actor=principal, code=code, version=version, article_id=int(article),
                                    text=data.get("text", ""))
        elif step in ("dispatch", "redispatch"):
            move = service.dispatch if step == "dispatch" else service.redispatch
            move(session, actor=principal, code=code, version=version, lead_department_id=_unit(data.get("lead_department_id", "")),
                 assist_department_ids=_ids(form.getlist("assist_department_ids")), note=data.get("note", ""))
        elif step == "sign":
            service.sign(session, actor=principal, code=code, version=version or None)
        elif step == "return":
            service.return_demand(session, actor=principal, code=code, version=version, reason=data.get("reason", ""))
        elif step == "extend":
            service.request_extension(session, actor=principal, code=code, reason=data.get("reason", ""),
                                      days=_whole(data.get("days", "")), hours=_whole(data.get("hours", "")))
        elif step == "reply":
            service.reply(session, actor=principal, code=code, version=version, text=data.get("text", ""))
        elif step == "callback":
            service.call_back(session, actor=principal, code=code, version=version,
                              satisfaction=data.get("satisfaction", ""), resolved=data.get("resolved") == "1",
                              note=data.get("note", ""), reopen=data.get("reopen") == "on",
                              reasons=data.get("reasons", ""))
        elif step == "supervise":
            service.supervise(session, actor=principal, code=code, reason=data.get("reason", ""),
                              days=_whole(data.get("days", "")))
        elif step == "merge":
            duplicates.merge(session, actor=principal, code=code, version=version, into_code=data.get("into_code", ""))
        elif step == "unmerge":
            duplicates.unmerge(session, actor=principal, code=code, version=version, reason=data.get("reason", ""))
        elif step == "reveal":
            revealed.update(service.reveal_identity(session, actor=principal, code=code, reason=data.get("reason", "")))
            session.commit()  # the reveal's audit line stands
            return render(request, "demands/revealed.html", {"code": code, "who": revealed}, principal=principal)
        else:
            raise ValidationFailed.one("未知的操作", label="操作")
        return RedirectResponse(back, status_code=303)

    return await attempt(request, session, run, back=back, done=STEPS_DONE.get(step),
                         page=lambda kept: _demand_page(request, session, principal, code, kept))
