"""监管 endpoints: grades and repair, plans (announce, draw, publish, the pool and result documents), the
inspection gate, results, tolerance-list diffs and fee totals."""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from onewindow.common.api import ERRORS
from onewindow.common.errors import NotFound
from onewindow.common.http import CurrentUser, DbSession
from onewindow.common.schemas import MAX_ID
from onewindow.supervision import credit, fees, findings, gate, plans, tolerance
from onewindow.supervision.schemas import (
    AnnounceIn,
    DecisionIn,
    DiffOut,
    FeeTotalsOut,
    GradeOut,
    InspectionIn,
    InspectionOut,
    PickOut,
    PlanIn,
    PlanOut,
    RepairIn,
    ResultIn,
    UnapprovedVisitIn,
    UnapprovedVisitOut,
)
from onewindow.supervision.states import GRADE_LABELS, INSPECTION, PLAN

router = APIRouter(prefix="/supervision", tags=["监管"], responses=ERRORS)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]


def plan_out(p) -> dict:
    return {"id": p.id, "title": p.title, "status": p.status, "status_label": PLAN.label(p.status),
            "department_id": p.department_id, "period_start": p.period_start, "period_end": p.period_end,
            "pool_hash": p.pool_hash, "seed": p.seed, "public_value": p.public_value}


def inspection_out(i) -> dict:
    return {"id": i.id, "enterprise_id": i.enterprise_id, "kind": i.kind, "status": i.status,
            "status_label": INSPECTION.label(i.status), "visit_on": i.visit_on, "department_ids": i.department_ids,
            "matter_codes": i.matter_codes, "exception": i.exception, "exception_reason": i.exception_reason}


@router.get("/credit/{enterprise_id}", response_model=GradeOut)
def grade(enterprise_id: Id, session: DbSession, principal: CurrentUser):
    g = credit.grade_of(session, enterprise_id=enterprise_id)
    if g is None:
        raise NotFound("该企业尚未评定信用等级")
    return {**{c: getattr(g, c) for c in GradeOut.model_fields if hasattr(g, c)}, "grade_label": GRADE_LABELS[g.grade]}


@router.post("/credit/repairs", status_code=201)
def apply_repair(body: RepairIn, session: DbSession, principal: CurrentUser) -> dict:
    rep = credit.apply_repair(session, actor=principal, enterprise_id=body.enterprise_id, record=body.record,
                              reason=body.reason)
    session.commit()
    return {"id": rep.id, "status": rep.status}


@router.post("/plans", response_model=PlanOut, status_code=201)
def create_plan(body: PlanIn, session: DbSession, principal: CurrentUser):
    p = plans.create_plan(session, actor=principal, **body.model_dump())
    session.commit()
    return plan_out(p)


@router.post("/plans/{plan_id}/announce", response_model=PlanOut)
def announce(plan_id: Id, body: AnnounceIn, session: DbSession, principal: CurrentUser):
    p = plans.announce(session, actor=principal, plan_id=plan_id, public_value=body.public_value)
    session.commit()
    return plan_out(p)


@router.post("/plans/{plan_id}/draw", response_model=list[PickOut])
def run_draw(plan_id: Id, session: DbSession, principal: CurrentUser):
    plans.run_draw(session, actor=principal, plan_id=plan_id)
    session.commit()
    return plans.published_result(session, plan=plans.get_plan(session, plan_id=plan_id))


@router.post("/plans/{plan_id}/publish", response_model=PlanOut)
def publish(plan_id: Id, session: DbSession, principal: CurrentUser):
    p = plans.publish(session, actor=principal, plan_id=plan_id)
    session.commit()
    return plan_out(p)


def _announced(session, plan_id: int):
    p = plans.get_plan(session, plan_id=plan_id)
    if p.pool_json is None:
        raise NotFound("该计划尚未公告抽取名录")
    return p


@router.get("/public/plans/{plan_id}/pool.json", response_class=Response)
def pool_document(plan_id: Id, session: DbSession):
    """The announced pool, byte for byte as hashed (public, no login)."""
    return Response(_announced(session, plan_id).pool_json.encode("utf-8"), media_type="application/json")


@router.get("/public/plans/{plan_id}/result.json", response_class=Response)
def result_document(plan_id: Id, session: DbSession):
    p = _announced(session, plan_id)
    if p.status != "published":
        raise NotFound("抽取结果尚未公示")
    body = {"plan_id": p.id, "public_value": p.public_value, "pool_hash": p.pool_hash, "seed": p.seed,
            "picks": plans.published_result(session, plan=p)}
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json")


@router.post("/inspections", response_model=InspectionOut, status_code=201)
def request_inspection(body: InspectionIn, session: DbSession, principal: CurrentUser):
    i = gate.request(session, actor=principal, **body.model_dump())
    session.commit()
    return inspection_out(i)


@router.post("/inspections/{inspection_id}/decision", response_model=InspectionOut)
def decide(inspection_id: Id, body: DecisionIn, session: DbSession, principal: CurrentUser):
    i = gate.decide(session, actor=principal, inspection_id=inspection_id, approve=body.approve, decision=body.decision)
    session.commit()
    return inspection_out(i)


@router.post("/inspections/{inspection_id}/results", response_model=InspectionOut)
def results(inspection_id: Id, body: list[ResultIn], session: DbSession, principal: CurrentUser):
    findings.record_results(session, actor=principal, inspection_id=inspection_id,
                            results=[r.model_dump() for r in body])
    session.commit()
    return inspection_out(gate.get(session, inspection_id=inspection_id))


@router.post("/unapproved-visits", response_model=UnapprovedVisitOut, status_code=201)
def report_unapproved(body: UnapprovedVisitIn, session: DbSession, principal: CurrentUser):
    d = gate.report_unapproved_visit(session, actor=principal, **body.model_dump())
    session.commit()
    return {"code": d.code, "status_label": "已受理（保密）"}


@router.get("/tolerance/{code}/diff", response_model=DiffOut)
def tolerance_diff(code: Annotated[str, Path(max_length=32)], session: DbSession,
                   from_version: int = Query(..., ge=1, le=10000, alias="from"),
                   to_version: int = Query(..., ge=1, le=10000, alias="to")):
    return tolerance.diff_versions(session, code=code, from_version=from_version, to_version=to_version)


@router.get("/fees/totals", response_model=FeeTotalsOut)
def fee_totals(session: DbSession, principal: CurrentUser, start: date = Query(...), end: date = Query(...)):
    principal.require(*fees.OFFICE)
    return fees.totals(session, start=start, end=end)
