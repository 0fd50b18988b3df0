"""Staff pages: the window (queue, walk-in, acceptance, delivery), department tasks, post-checks,
and the supervisor's time-limit and case lists."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from onewindow.cases import service
from onewindow.cases.api import COUNT_CAP
from onewindow.cases.approval import PROCEDURES, registers_enterprise, result_known
from onewindow.cases.pages import LABELS, application_again, application_context
from onewindow.cases.results import SYSTEM_ASSIGNED
from onewindow.cases.states import VERIFICATION
from onewindow.catalog import service as catalog
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.pagination import paginate
from onewindow.common.roles import Role
from onewindow.common.web import attempt, form_dict, render
from onewindow.licences import service as licences

router = APIRouter()


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return date.min  # rejected by the service with the field named


def _version(data: dict) -> int | None:
    """The version of the row the form showed: a move on a row changed since answers 409."""
    return int(data["version"]) if data.get("version", "").isdigit() else None


# ---------------------------------------------------------------- the window

@router.get("/window")
def window(request: Request, session: DbSession, principal: PageUser, page: int = Query(1, ge=1)):
    principal.require(*service.WINDOW_ROLES)
    result = paginate(session, service.queue(), page=page, per_page=20)
    return render(request, "cases/window.html", {"page": result, "labels": LABELS}, principal=principal)


@router.get("/window/walk-in")
def walk_in(request: Request, session: DbSession, principal: PageUser, q: str | None = Query(None, max_length=50)):
    principal.require(*service.WINDOW_ROLES)
    bundles = [b for b in catalog.list_bundles(session, actor=principal) if b.status == "published"]
    items = catalog.search_items(session, q=q, page=1, per_page=20).items if q else []
    return render(request, "cases/apply.html", {"bundles": bundles, "items": items, "q": q or "", "subjects": [],
                                                "walk_in": True}, principal=principal)


@router.post("/applications/{application_id}/accept", dependencies=[CsrfChecked])
async def accept(request: Request, application_id: int, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    back = f"/applications/{application_id}"

    def run():
        case = service.accept(session, actor=principal, application_id=application_id, mode=data.get("mode", "normal"),
                              commitment_text=data.get("commitment_text", ""), due_on=_date(data.get("due_on")),
                              version=_version(data))
        return RedirectResponse(f"/cases/{case.code}", status_code=303)

    return await attempt(request, session, run, back=back, done="已受理，办件已分送各部门并联审批",
                         page=lambda kept: application_again(request, session, principal, application_id, kept))


@router.post("/applications/{application_id}/notice", dependencies=[CsrfChecked])
async def notice(request: Request, application_id: int, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    back = f"/applications/{application_id}"
    items = [line for line in data.get("items", "").splitlines() if line.strip()]
    return await attempt(request, session, lambda: (service.send_notice(
        session, actor=principal, application_id=application_id, items=items, version=_version(data)),
        RedirectResponse("/window", status_code=303))[1], back=back, done="已一次性告知申请人",
        page=lambda kept: application_again(request, session, principal, application_id, kept))


@router.post("/applications/{application_id}/refuse", dependencies=[CsrfChecked])
async def refuse_application(request: Request, application_id: int, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    back = f"/applications/{application_id}"
    return await attempt(request, session, lambda: (service.refuse_application(
        session, actor=principal, application_id=application_id, reason=data.get("reason", ""),
        version=_version(data)),
        RedirectResponse("/window", status_code=303))[1], back=back, done="已作出不予受理决定",
        page=lambda kept: application_again(request, session, principal, application_id, kept))


@router.post("/cases/{code}/delivery", dependencies=[CsrfChecked])
async def delivery(request: Request, code: str, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    back = f"/cases/{code}"
    return await attempt(request, session, lambda: (service.record_delivery(
        session, actor=principal, code=code, method=data.get("method", "window"),
        tracking_number=data.get("tracking_number"), address=data.get("address")),
        RedirectResponse(back, status_code=303))[1], back=back, done="已出件")


# ---------------------------------------------------------------- department tasks

@router.get("/tasks")
def tasks(request: Request, session: DbSession, principal: PageUser, status: str = Query("open", max_length=12),
          sla_state: str | None = Query(None, max_length=8), page: int = Query(1, ge=1)):
    stmt = service.task_list(actor=principal, status=status or None, sla_state=sla_state or None)
    result = paginate(session, stmt, page=page, per_page=20)
    return render(request, "cases/tasks.html", {"page": result, "labels": LABELS, "status": status,
                                                "sla_state": sla_state or ""}, principal=principal)


@router.get("/tasks/{task_id}")
def task_page(request: Request, task_id: int, session: DbSession, principal: PageUser):
    return _task_page(request, session, principal, task_id)


def _task_page(request: Request, session, principal, task_id: int, kept=None):
    """A department's task; after a failed action, with what was typed kept and the errors beside it."""
    task = service.get_task(session, actor=principal, task_id=task_id)
    app = task.case.application
    ctx = application_context(session, app, principal)
    item = next(i for i in app.plan["items"] if i["code"] == task.item_code)
    template = licences.template_for(result_type=item["result_type"], result_name=item["result_name"])
    known = result_known(task.case, task)
    prefill = {f.key: known.get(f.key, "") for f in template.fields} if template else {}
    assigned = SYSTEM_ASSIGNED if registers_enterprise(app, item) else ()
    ctx.update(task=task, template=template, prefill=prefill, procedures=PROCEDURES, assigned=assigned,
               mine=principal.role == Role.approver and task.department_id == principal.department_id,
               prerequisites=[ctx["item_names"].get(code, code) for code in task.depends_on or []])
    if kept is not None:
        ctx["kept"] = kept
    return render(request, "cases/task.html", ctx, principal=principal,
                  status_code=kept.status_code if kept is not None else 200)


ACTIONS = {"review": "已开始审查", "supplement-request": "已要求补正，计时暂停", "suspend": "已启动特别程序，计时暂停",
           "resume": "已恢复计时", "approve": "已准予许可", "refuse": "已作出不予许可决定"}


@router.post("/tasks/{task_id}/{action}", dependencies=[CsrfChecked])
async def task_action(request: Request, task_id: int, action: str, session: DbSession, principal: PageUser):
    data = await form_dict(request)
    back = f"/tasks/{task_id}"
    common = {"actor": principal, "task_id": task_id, "version": _version(data)}

    def run():
        match action:
            case "review":
                service.start_review(session, **common)
            case "supplement-request":
                service.request_supplement(session, text=data.get("text", ""), **common)
            case "suspend":
                service.suspend(session, procedure=data.get("procedure", ""), reason=data.get("reason", ""), **common)
            case "resume":
                service.resume(session, **common)
            case "approve":
                result = {k.removeprefix("r_"): v for k, v in data.items() if k.startswith("r_")}
                service.approve(session, result_data=result, **common)
            case "refuse":
                service.refuse(session, reason=data.get("reason", ""), **common)
        return RedirectResponse(back, status_code=303)

    if action not in ACTIONS:
        return RedirectResponse(back, status_code=303)
    return await attempt(request, session, run, back=back, done=ACTIONS[action], names={"result_data.": "r_"},
                         page=lambda kept: _task_page(request, session, principal, task_id, kept))


# ---------------------------------------------------------------- post-checks

@router.get("/verifications")
def verifications(request: Request, session: DbSession, principal: PageUser,
                  status: str | None = Query(None, max_length=12), page: int = Query(1, ge=1)):
    result = paginate(session, service.due_list(actor=principal, status=status or None), page=page, per_page=20)
    return render(request, "cases/verifications.html", {"page": result, "labels": VERIFICATION.labels,
                                                        "status": status or ""}, principal=principal)


@router.get("/verifications/{verification_id}")
def verification(request: Request, verification_id: int, session: DbSession, principal: PageUser):
    v = service.get_verification(session, actor=principal, verification_id=verification_id)
    task = service.get_task(session, actor=principal, task_id=v.task_id)
    return render(request, "cases/verification.html", {"v": v, "task": task, "case": task.case,
                                                       "labels": VERIFICATION.labels}, principal=principal)


@router.post("/verifications/{verification_id}/{step}", dependencies=[CsrfChecked])
async def verification_step(request: Request, verification_id: int, step: str, session: DbSession,
                            principal: PageUser):
    data = await form_dict(request)
    back = f"/verifications/{verification_id}"

    def run():
        if step == "result":
            service.record_result(session, actor=principal, verification_id=verification_id,
                                  passed=data.get("passed") == "1", result=data.get("result", ""),
                                  rectification_due_on=_date(data.get("rectification_due_on")))
        else:
            service.record_rectification(session, actor=principal, verification_id=verification_id,
                                         rectified=data.get("rectified") == "1", result=data.get("result", ""))
        return RedirectResponse(back, status_code=303)

    return await attempt(request, session, run, back=back, done="核查结果已登记")


# ---------------------------------------------------------------- supervision

@router.get("/supervision/time-limits")
def time_limits(request: Request, session: DbSession, principal: PageUser):
    overview = service.time_limit_overview(session, actor=principal)
    return render(request, "cases/time_limits.html", {"o": overview, "labels": LABELS}, principal=principal)


@router.post("/supervision/sweep", dependencies=[CsrfChecked])
async def sweep_now(request: Request, session: DbSession, principal: PageUser):
    def run():
        principal.require(*service.SWEEP_ROLES)
        report = service.sweep(session)
        request.session["done"] = report.summary()
        return RedirectResponse("/supervision/time-limits", status_code=303)

    return await attempt(request, session, run, back="/supervision/time-limits")


@router.get("/cases")
def case_list(request: Request, session: DbSession, principal: PageUser,
              status: str | None = Query(None, max_length=12), department_id: str | None = Query(None, max_length=12),
              overdue: str | None = Query(None, max_length=5), sla_state: str | None = Query(None, max_length=8),
              page: int = Query(1, ge=1, le=100000)):
    dept = int(department_id) if department_id and department_id.isdigit() else None
    stmt = service.case_list(session, actor=principal, status=status or None, department_id=dept,
                             sla_state=sla_state or None, overdue=overdue in ("1", "true", "on"))
    result = paginate(session, stmt, page=page, per_page=20, max_count=COUNT_CAP)
    return render(request, "cases/case_list.html", {
        "page": result, "labels": LABELS, "departments": catalog.list_departments(session),
        "status": status or "", "department_id": dept, "overdue": overdue in ("1", "true", "on"),
        "sla_state": sla_state or ""}, principal=principal)
