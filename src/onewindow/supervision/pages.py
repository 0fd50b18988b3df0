"""监管 pages: the public publication of plans, draws and results (no login, inspectors' names masked), the
enterprise's credit and visits, the office's gate, tolerance-list versions with their diff, fee problems."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse

from onewindow.catalog import service as catalog
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.masking import mask_name
from onewindow.common.web import attempt, form_dict, render
from onewindow.sharing import service as sharing
from onewindow.supervision import credit, fees, findings, gate, plans, tolerance
from onewindow.supervision import states as S

router = APIRouter()
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
    rows = []
    for eid in sharing.enterprise_ids_for(session, actor=principal):
        rows.append((sharing.enterprise_names(session, ids=[eid]).get(eid, ""), eid,
                     credit.grade_of(session, enterprise_id=eid), credit.records_of(session, enterprise_id=eid)))
    visits = gate.list_inspections(session, actor=principal) if rows else []
    return render(request, "supervision/credit.html",
                  {"rows": rows, "labels": LABELS, "visits": visits,
                   "repairs": credit.repairs(session, actor=principal)}, principal=principal)


@router.post("/supervision/credit/repair", dependencies=[CsrfChecked])
async def repair(request: Request, session: DbSession, principal: PageUser):
    data = await form_dict(request)

    def run():
        credit.apply_repair(session, actor=principal, enterprise_id=int(data.get("enterprise_id") or 0),
                            record=data.get("record", ""), reason=data.get("reason", ""))
        session.commit()
        return RedirectResponse("/supervision/credit", status_code=303)

    return await attempt(request, session, run, back="/supervision/credit", done="已提交信用修复申请")


@router.get("/supervision/inspections")
def inspections(request: Request, session: DbSession, principal: PageUser,
                status: str | None = Query(None, max_length=12)):
    rows = gate.list_inspections(session, actor=principal, status=status or None)
    names = sharing.enterprise_names(session, ids=[r.enterprise_id for r in rows])
    return render(request, "supervision/inspections.html",
                  {"rows": rows, "names": names, "labels": LABELS, "office": principal.role in gate.OFFICE,
                   "quiet": gate.quiet_days(session)}, principal=principal)


@router.post("/supervision/inspections/{inspection_id}/decision", dependencies=[CsrfChecked])
async def decision(request: Request, inspection_id: int, session: DbSession, principal: PageUser):
    data = await form_dict(request)

    def run():
        gate.decide(session, actor=principal, inspection_id=inspection_id, approve=data.get("approve") == "1",
                    decision=data.get("decision", ""))
        session.commit()
        return RedirectResponse("/supervision/inspections", status_code=303)

    return await attempt(request, session, run, back="/supervision/inspections", done="已处理入企检查申请")


@router.get("/supervision/tolerance")
def tolerance_lists(request: Request, session: DbSession, code: str | None = Query(None, max_length=32),
                    a: int | None = Query(None, ge=1, le=10000), b: int | None = Query(None, ge=1, le=10000)):
    diff = tolerance.diff_versions(session, code=code, from_version=a, to_version=b) if code and a and b else None
    return render(request, "supervision/tolerance.html",
                  {"lists": tolerance.lists(session, published_only=True), "diff": diff, "labels": LABELS})


@router.get("/supervision/fees")
def fee_list(request: Request, session: DbSession, principal: PageUser):
    principal.require(*fees.OFFICE)
    rows = fees.problems(session)
    return render(request, "supervision/fees.html",
                  {"rows": rows, "labels": LABELS,
                   "departments": {d.id: d.name for d in catalog.list_departments(session)}}, principal=principal)
