"""监管 pages: the public publication of plans, draws and results (no login, inspectors' names masked), the
enterprise's credit and visits, the office's gate, tolerance-list versions with their diff, fee problems."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse

from onewindow.catalog import service as catalog
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.kept import EMPTY, Kept
from onewindow.common.masking import mask_name
from onewindow.common.roles import Role
from onewindow.common.schemas import MAX_ID
from onewindow.common.web import attempt, flash_done, form_dict, render
from onewindow.sharing import service as sharing
from onewindow.supervision import credit, findings, gate, plans, tolerance
from onewindow.supervision import draw as D
from onewindow.supervision import states as S

router = APIRouter()
def _an_id():
    return Path(ge=1, le=MAX_ID)  # a fresh parameter per route: FastAPI names the one it is given

LABELS = {"grades": S.GRADE_LABELS, "plan": S.PLAN.labels, "inspection": S.INSPECTION.labels, "results": S.RESULTS,
          "kinds": S.KINDS, "exceptions": S.EXCEPTIONS, "tolerance": S.TOLERANCE_KINDS, "fee": S.FEE.labels,
          "leads": S.LEADS, "list": S.TOLERANCE.labels}


@router.get("/public/supervision")
def public_plans(request: Request, session: DbSession):
    return render(request, "supervision/public_plans.html",
                  {"plans": plans.list_plans(session, published_only=True), "labels": LABELS,
                   "departments": {d.id: d.name for d in catalog.list_departments(session)}})


@router.get("/public/supervision/plans/{plan_id}")
def public_plan(request: Request, plan_id: int, session: DbSession):
    plan = plans.get_plan(session, plan_id=plan_id)
    picks = plans.picks_of(session, plan_id=plan.id) if plan.status == "published" else []
    names = sharing.enterprise_names(session, ids=[p.enterprise_id for p in picks])
    people = {i.id: mask_name(i.name) for i in plans.inspectors_of(session)}
    visits = {i.id: i for i in gate.list_inspections(session, actor=_office())} if picks else {}
    results = {}
    for f in findings.findings_of(session, inspection_ids=[p.inspection_id for p in picks if p.inspection_id]):
        results.setdefault(f.inspection_id, []).append(f)
    return render(request, "supervision/public_plan.html",
                  {"plan": plan, "picks": picks, "names": names, "people": people, "labels": LABELS,
                   "visits": visits, "results": results})


def _office():
    from onewindow.common.security import SYSTEM

    return SYSTEM  # the publication reads every visit; it shows only published plans' ones


@router.get("/supervision/credit")
def my_credit(request: Request, session: DbSession, principal: PageUser):
    return _credit_page(request, session, principal)


def _credit_page(request: Request, session, principal, kept: Kept = EMPTY):
    rows = []
    for eid in sharing.enterprise_ids_for(session, actor=principal):
        rows.append((sharing.enterprise_names(session, ids=[eid]).get(eid, ""), eid,
                     credit.grade_of(session, enterprise_id=eid), credit.records_of(session, enterprise_id=eid)))
    visits = gate.list_inspections(session, actor=principal) if rows else []
    return render(request, "supervision/credit.html",
                  {"rows": rows, "labels": LABELS, "visits": visits,
                   "repairs": credit.repairs(session, actor=principal), "kept": kept,
                   "firms": [(str(eid), name) for name, eid, *_ in rows]},
                  principal=principal, status_code=422 if kept else 200)


@router.post("/supervision/credit/unapproved", dependencies=[CsrfChecked])
async def report_unapproved(request: Request, session: DbSession, principal: PageUser):
    """举报未经审批的入企检查: filed as a 12345 投诉; the enterprise is shown its tracking code."""
    data = await form_dict(request)

    def run():
        eid = (data.get("enterprise_id") or "").strip()
        demand = gate.report_unapproved_visit(
            session, actor=principal, enterprise_id=int(eid) if eid.isdigit() else 0,
            visited_on=_day(data.get("visited_on"), field="visited_on", label="检查日期"),
            department_name=data.get("department_name", ""), description=data.get("description", ""),
            phone=data.get("filer_phone", ""), idempotency_key=data.get("idempotency_key") or None)
        session.commit()
        flash_done(request, f"已作为12345投诉受理（保密），诉求编号 {demand.code}，可凭编号和联系电话查询办理进度")
        return RedirectResponse("/supervision/credit", status_code=303)

    return await attempt(request, session, run, back="/supervision/credit",
                         page=lambda kept: _credit_page(request, session, principal, kept))


@router.post("/supervision/credit/repair", dependencies=[CsrfChecked])
async def repair(request: Request, session: DbSession, principal: PageUser):
    data = await form_dict(request)

    def run():
        credit.apply_repair(session, actor=principal, enterprise_id=int(data.get("enterprise_id") or 0),
                            record=data.get("record", ""), reason=data.get("reason", ""))
        session.commit()
        return RedirectResponse("/supervision/credit", status_code=303)

    return await attempt(request, session, run, back="/supervision/credit", done="已提交信用修复申请")


def _inspections_page(request: Request, session, principal, status: str | None = None, kept: Kept = EMPTY):
    rows = gate.list_inspections(session, actor=principal, status=status or None)
    names = sharing.enterprise_names(session, ids=[r.enterprise_id for r in rows])
    return render(request, "supervision/inspections.html",
                  {"rows": rows, "names": names, "labels": LABELS, "office": principal.role in gate.OFFICE,
                   "quiet": gate.quiet_days(session), "recorder": principal.role in (Role.inspector, Role.admin),
                   "matters": {m.code: m for m in plans.matters_of(session)},
                   "lists": [t for t in tolerance.lists(session, published_only=True) if t.status == "published"],
                   "found": _by_visit(findings.findings_of(session, inspection_ids=[r.id for r in rows])),
                   "kept": kept, "requester": principal.role in gate.REQUESTERS},
                  principal=principal, status_code=kept.status_code if kept else 200)


@router.get("/supervision/inspections")
def inspections(request: Request, session: DbSession, principal: PageUser,
                status: str | None = Query(None, max_length=12)):
    return _inspections_page(request, session, principal, status)


def _by_visit(rows) -> dict:
    out: dict = {}
    for f in rows:
        out.setdefault(f.inspection_id, []).append(f)
    return out


@router.post("/supervision/inspections/{inspection_id}/decision", dependencies=[CsrfChecked])
async def decision(request: Request, inspection_id: int, session: DbSession, principal: PageUser):
    data = await form_dict(request)

    def run():
        gate.decide(session, actor=principal, inspection_id=inspection_id, approve=data.get("approve") == "1",
                    decision=data.get("decision", ""), version=_version(data))
        session.commit()
        return RedirectResponse("/supervision/inspections", status_code=303)

    return await attempt(request, session, run, back="/supervision/inspections", done="已处理入企检查申请")


@router.get("/supervision/tolerance")
def tolerance_lists(request: Request, session: DbSession, code: str | None = Query(None, max_length=32),
                    a: int | None = Query(None, ge=1, le=10000), b: int | None = Query(None, ge=1, le=10000)):
    shown = tolerance.lists(session, published_only=True)
    public = {(t.code, t.version_no) for t in shown}  # a draft is compared on the officers' page only
    diff = (tolerance.diff_versions(session, code=code, from_version=a, to_version=b)
            if code and a and b and {(code, a), (code, b)} <= public else None)
    return render(request, "supervision/tolerance.html", {"lists": shown, "diff": diff, "labels": LABELS})


# ---------------------------------------------------------------- 双随机 plans (the department's officer)

def _day(value: str | None, *, field: str, label: str) -> date:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValidationFailed.one(f"请填写{label}（年-月-日）", field=field, label=label) from None


def _version(data: dict) -> int | None:
    v = data.get("version", "")
    return int(v) if v.isdigit() and len(v) < 10 else None


def _plans_page(request: Request, session, principal, kept: Kept = EMPTY):
    principal.require(*plans.PLANNERS, Role.supervisor)
    own = principal.department_id if principal.role == Role.inspector else None
    departments = {d.id: d.name for d in catalog.list_departments(session)}
    rows = [p for p in plans.list_plans(session) if own is None or p.department_id == own]
    matters = plans.matters_of(session, department_id=own)
    return render(request, "supervision/plans.html",
                  {"rows": rows, "labels": LABELS, "departments": departments, "matters": matters, "own": own,
                   "planning": sorted({m.department_id for m in matters}), "grades": S.GRADES, "kept": kept},
                  principal=principal, status_code=422 if kept else 200)


@router.get("/supervision/plans")
def plan_list(request: Request, session: DbSession, principal: PageUser):
    return _plans_page(request, session, principal)


@router.post("/supervision/plans", dependencies=[CsrfChecked])
async def plan_create(request: Request, session: DbSession, principal: PageUser):
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    codes = [v for v in form.getlist("matter_codes") if isinstance(v, str)]

    def run():
        principal.require(*plans.PLANNERS, Role.supervisor)
        dept = data.get("department_id", "") if principal.role != Role.inspector else str(principal.department_id)
        if not dept.isdigit():
            raise ValidationFailed.one("请选择实施抽查的部门", field="department_id", label="部门")
        ratios = {}
        for g in S.GRADES:
            text = (data.get(f"ratio_{g}") or "0").strip()
            try:
                ratios[g] = float(text) / 100
            except ValueError:
                raise ValidationFailed.one(f"{g}类企业抽查比例须为数字（百分比）", field=f"ratio_{g}",
                                           label=f"{g}类比例") from None
        team = (data.get("team_size") or "").strip()
        if not team.isdigit():
            raise ValidationFailed.one("每组人数须为1–5的整数", field="team_size", label="每组人数")
        p = plans.create_plan(session, actor=principal, department_id=int(dept), title=data.get("title", ""),
                              period_start=_day(data.get("period_start"), field="period_start", label="开始日期"),
                              period_end=_day(data.get("period_end"), field="period_end", label="结束日期"),
                              matter_codes=codes, ratios=ratios, team_size=int(team),
                              region_prefix=data.get("region_prefix", ""),
                              industry_prefix=data.get("industry_prefix", ""))
        session.commit()
        return RedirectResponse(f"/supervision/plans/{p.id}", status_code=303)

    return await attempt(request, session, run, back="/supervision/plans", done="已创建抽查计划（草拟）",
                         page=lambda kept: _plans_page(request, session, principal, kept))


@router.get("/supervision/plans/{plan_id}")
def plan_page(request: Request, plan_id: int = _an_id(), *, session: DbSession, principal: PageUser):
    principal.require(*plans.PLANNERS, Role.supervisor)
    plan = plans.get_plan(session, plan_id=plan_id)
    picks = plans.picks_of(session, plan_id=plan.id)
    names = sharing.enterprise_names(session, ids=[p.enterprise_id for p in picks])
    people = {i.id: i.name for i in plans.inspectors_of(session, department_id=plan.department_id)}
    matters = {m.code: m.name for m in plans.matters_of(session, department_id=plan.department_id)}
    return render(request, "supervision/plan.html",
                  {"plan": plan, "picks": picks, "names": names, "people": people, "labels": LABELS,
                   "matters": matters, "counts": plans.plan_counts(session, plan_id=plan.id), "grades": S.GRADES,
                   "department": (catalog.department_by_id(session, department_id=plan.department_id) or {}),
                   "ppm": D.PPM}, principal=principal)


async def _plan_move(request: Request, session, principal, plan_id: int, move, done: str):
    data = await form_dict(request)
    back = f"/supervision/plans/{plan_id}"

    def run():
        move(data, _version(data))
        session.commit()
        return RedirectResponse(back, status_code=303)

    return await attempt(request, session, run, back=back, done=done)


@router.post("/supervision/plans/{plan_id}/announce", dependencies=[CsrfChecked])
async def plan_announce(request: Request, plan_id: int = _an_id(), *, session: DbSession, principal: PageUser):
    return await _plan_move(request, session, principal, plan_id, lambda d, v: plans.announce(
        session, actor=principal, plan_id=plan_id, public_value=d.get("public_value", ""), version=v),
        "已公告抽查计划：抽查名录和随机种子已固定并公开")


@router.post("/supervision/plans/{plan_id}/draw", dependencies=[CsrfChecked])
async def plan_draw(request: Request, plan_id: int = _an_id(), *, session: DbSession, principal: PageUser):
    return await _plan_move(request, session, principal, plan_id, lambda d, v: plans.run_draw(
        session, actor=principal, plan_id=plan_id, version=v), "已按公开的随机种子完成抽取")


@router.post("/supervision/plans/{plan_id}/publish", dependencies=[CsrfChecked])
async def plan_publish(request: Request, plan_id: int = _an_id(), *, session: DbSession, principal: PageUser):
    return await _plan_move(request, session, principal, plan_id, lambda d, v: plans.publish(
        session, actor=principal, plan_id=plan_id, version=v), "已公示抽取结果")


@router.post("/supervision/visits", dependencies=[CsrfChecked])
async def plan_visits(request: Request, session: DbSession, principal: PageUser):
    """Ask the gate for the visits of the ticked drawn plans; several departments' plans drawing the same
    enterprise become one joint visit (plans.request_visits)."""
    form = await request.form()
    ids = [int(v) for v in form.getlist("plan_ids") if isinstance(v, str) and v.isdigit() and len(v) < 10]

    def run():
        if not ids:
            raise ValidationFailed.one("请勾选已抽取的抽查计划", field="plan_ids", label="抽查计划")
        made = plans.request_visits(session, actor=principal, plan_ids=ids)
        session.commit()
        flash_done(request, f"已提交{len(made)}次入企检查申请，待营商环境局核准")
        return RedirectResponse("/supervision/inspections", status_code=303)

    return await attempt(request, session, run, back="/supervision/plans")


@router.post("/supervision/inspections/{inspection_id}/results", dependencies=[CsrfChecked])
async def visit_results(request: Request, inspection_id: int = _an_id(), *, session: DbSession, principal: PageUser):
    """One result per matter of the approved visit: the form posts result_<code>, note_<code>, and for
    不予处罚 the cited list (list_<code>) and item (item_<code>); 立案查处 may be marked serious."""
    data = await form_dict(request)
    insp = gate.get(session, inspection_id=inspection_id)
    codes = list(insp.matter_codes)
    # the service numbers results from 1 in the visit's matter order; each error goes beside its control
    names = {}
    for n, c in enumerate(codes, start=1):
        names |= {f"results.{n}.result": f"result_{c}", f"results.{n}.matter_code": f"result_{c}",
                  f"results.{n}.tolerance_list_id": f"list_{c}", f"results.{n}.tolerance_item": f"item_{c}"}

    def run():
        results = [{"matter_code": c, "result": data.get(f"result_{c}", ""), "note": data.get(f"note_{c}", ""),
                    "serious": data.get(f"serious_{c}") == "1",
                    "tolerance_list_id": _small_int(data.get(f"list_{c}", "")),
                    "tolerance_item": data.get(f"item_{c}", "")} for c in codes]
        findings.record_results(session, actor=principal, inspection_id=inspection_id, results=results,
                                version=_version(data))
        session.commit()
        return RedirectResponse("/supervision/inspections", status_code=303)

    return await attempt(request, session, run, back="/supervision/inspections", done="已登记检查结果", names=names,
                         page=lambda kept: _inspections_page(request, session, principal, kept=kept))


def _small_int(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 10 else 0
