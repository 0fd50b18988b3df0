"""The inspection gate (入企检查核准) and 企业宁静日: every on-site visit, planned, joint or ad hoc, is asked
for here and needs the business-environment office's approval (营商环境局, role supervisor) before it
happens; a visit on a quiet day is refused unless it is one of the exceptions (complaint, safety,
law-mandated), with the reason recorded. Results are recorded only on approved visits (findings.py).
The enterprise sees every visit: who, when, on whose approval; an unapproved visit it reports with
`report_unapproved_visit`, which files a 12345 投诉 through demands' public service (demands is below
supervision, so the call points down the layers like the rectification ledger's) and gives back its code."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.common import audit
from onewindow.common.errors import Conflict, ErrorCollector, Forbidden, NotFound, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.common.time import today
from onewindow.db import utcnow
from onewindow.demands import service as demands
from onewindow.sharing import service as sharing
from onewindow.supervision.models import Inspection, QuietDays
from onewindow.supervision.states import EXCEPTIONS, INSPECTION, KINDS

OFFICE = frozenset({Role.supervisor, Role.admin})
REQUESTERS = frozenset({Role.inspector, Role.supervisor, Role.admin})
DEFAULT_QUIET = (1, 20)  # 上旬和中旬


def quiet_days(session: Session) -> tuple[int, int]:
    row = session.scalar(select(QuietDays).order_by(QuietDays.id))
    return (row.first_day, row.last_day) if row else DEFAULT_QUIET


def is_quiet(quiet: tuple[int, int], day: date) -> bool:
    return quiet[0] <= day.day <= quiet[1]


def set_quiet_days(session: Session, *, actor: Principal, first_day: int, last_day: int) -> tuple[int, int]:
    actor.require(*OFFICE)
    if not (1 <= first_day <= last_day <= 31):
        raise ValidationFailed.one("宁静日须为每月1–31日之间的连续日期，起始日不晚于截止日", field="first_day",
                                   label="宁静日")
    row = session.scalar(select(QuietDays).order_by(QuietDays.id)) or QuietDays()
    before = quiet_days(session)
    row.first_day, row.last_day = first_day, last_day
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="sup_quiet_days.set", entity_type="sup_quiet_days", entity_id=row.id,
                 before={"first_day": before[0], "last_day": before[1]},
                 after={"first_day": first_day, "last_day": last_day})
    return first_day, last_day


def _check_day(session: Session, visit_on: date, exception: str | None, reason: str | None) -> None:
    if exception is not None and exception not in EXCEPTIONS:
        raise ValidationFailed.one("宁静日例外情形不正确", field="exception", label="例外情形")
    if exception and not (reason or "").strip():
        raise ValidationFailed.one("适用宁静日例外须写明理由", field="exception_reason", label="例外理由")
    quiet = quiet_days(session)
    if is_quiet(quiet, visit_on) and not exception:
        raise ValidationFailed.one(
            f"{visit_on.isoformat()}是企业宁静日（每月{quiet[0]}日至{quiet[1]}日），除投诉举报核查、安全生产等重大风险、"
            "法律法规规定必须检查外不得入企检查", field="visit_on", label="检查日期")


def request(session: Session, *, actor: Principal, enterprise_id: int, visit_on: date, kind: str = "adhoc",
            department_ids: list[int] | None = None, plan_ids: list[int] = (), matter_codes: list[str] = (),
            inspector_ids: list[int] = (), purpose: str = "", exception: str | None = None,
            exception_reason: str | None = None) -> Inspection:
    """Ask the office for a visit (待营商办核准). Refused at once on a quiet day without an exception."""
    actor.require(*REQUESTERS)
    if kind not in KINDS:
        raise ValidationFailed.one("检查类型不正确", field="kind", label="检查类型")
    if not sharing.enterprise_facts(session, ids=[enterprise_id]):
        raise ValidationFailed.one("企业不存在", field="enterprise_id", label="企业")
    depts = list(department_ids or ([actor.department_id] if actor.department_id else []))
    if not depts:
        raise ValidationFailed.one("请指明检查部门", field="department_ids", label="检查部门")
    if actor.role == Role.inspector and actor.department_id not in depts:
        raise Forbidden("只能申请本部门参与的检查")
    if kind == "adhoc" and not (purpose or "").strip():
        raise ValidationFailed.one("请写明检查事由", field="purpose", label="检查事由")
    _check_day(session, visit_on, exception or None, exception_reason)
    insp = Inspection(enterprise_id=enterprise_id, kind=kind, department_ids=sorted(set(depts)),
                      plan_ids=list(plan_ids), matter_codes=list(matter_codes), inspector_ids=list(inspector_ids),
                      visit_on=visit_on, exception=exception or None,
                      exception_reason=(exception_reason or "").strip() or None, purpose=(purpose or "").strip()[:2000],
                      status="requested", requested_by_id=actor.user_id)
    session.add(insp)
    session.flush()
    audit.record(session, actor=actor, action="sup_inspection.request", entity_type="sup_inspection",
                 entity_id=insp.id, after={"enterprise_id": enterprise_id, "visit_on": visit_on.isoformat(),
                                           "exception": insp.exception, "exception_reason": insp.exception_reason})
    return insp


def get(session: Session, *, inspection_id: int) -> Inspection:
    insp = session.get(Inspection, inspection_id)
    if insp is None:
        raise NotFound("入企检查不存在")
    return insp


def decide(session: Session, *, actor: Principal, inspection_id: int, approve: bool, decision: str = "",
           version: int | None = None) -> Inspection:
    """The office approves (checking the day again: the quiet days may have changed) or refuses."""
    actor.require(*OFFICE)
    insp = get(session, inspection_id=inspection_id)
    if approve:
        _check_day(session, insp.visit_on, insp.exception, insp.exception_reason)
    elif not (decision or "").strip():
        raise ValidationFailed.one("不予核准须说明理由", field="decision", label="核准意见")
    INSPECTION.move(session, insp, "approve" if approve else "refuse", actor=actor, version=version,
                    values={"decision": (decision or "").strip()[:2000] or None, "approved_by_id": actor.user_id})
    return insp


def require_approved(insp: Inspection) -> None:
    if insp.status != "approved":
        raise Conflict("未经营商环境局核准，严禁入企检查：该检查当前为「"
                       f"{INSPECTION.label(insp.status)}」，不能登记检查结果")


def inspected_between(session: Session, *, department_id: int, start: date, end: date) -> list[int]:
    """Enterprises this department visited (or is approved to visit) in the period."""
    rows = session.execute(select(Inspection.enterprise_id, Inspection.department_ids).where(
        Inspection.visit_on >= start, Inspection.visit_on <= end,
        Inspection.status.in_(("approved", "visited"))))
    return sorted({eid for eid, depts in rows if department_id in (depts or [])})


def list_inspections(session: Session, *, actor: Principal, status: str | None = None) -> list[Inspection]:
    stmt = select(Inspection).order_by(Inspection.visit_on.desc(), Inspection.id.desc())
    if status:
        stmt = stmt.where(Inspection.status == status)
    if actor.role == Role.applicant:
        stmt = stmt.where(Inspection.enterprise_id.in_(sharing.enterprise_ids_for(session, actor=actor) or [0]))
    elif actor.role not in OFFICE:
        actor.require(*REQUESTERS)
        rows = list(session.scalars(stmt.limit(2000)))
        return [r for r in rows if actor.department_id in (r.department_ids or [])][:500]
    return list(session.scalars(stmt.limit(500)))


def report_unapproved_visit(session: Session, *, actor: Principal, enterprise_id: int, visited_on: date,
                            department_name: str, description: str, phone: str,
                            idempotency_key: str | None = None):
    """The enterprise reports a visit nobody approved: a 12345 投诉 is filed for it through demands' own
    intake (kept confidential: the enterprise reports the department that supervises it) and returned, so
    the enterprise holds its tracking code. A retry (same key, else the same report) is the demand the
    first call filed."""
    if enterprise_id not in sharing.enterprise_ids_for(session, actor=actor):
        raise Forbidden("只能为本企业反映未经核准的入企检查")
    errors = ErrorCollector()
    text, dept = (description or "").strip()[:2000], (department_name or "").strip()[:100]
    if visited_on > today():
        errors.add("检查日期不能晚于今天", field="visited_on", label="检查日期")
    if not dept:
        errors.add("请填写实施检查的部门", field="department_name", label="检查部门")
    if not text:
        errors.add("请描述检查经过（时间、人员、事由）", field="description", label="情况描述")
    errors.raise_if_any("反映内容有误")
    _, uscc, name, *_ = sharing.enterprise_facts(session, ids=[enterprise_id])[0]
    payload = {"enterprise_id": enterprise_id, "visited_on": visited_on.isoformat(), "department_name": dept,
               "description": text}
    digest = hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:32]
    key = f"sup-unapproved:{enterprise_id}:{(idempotency_key or '').strip()[:40] or digest}"
    # demands checks the phone (field filer_phone, as the form names it) and takes the retry by the key
    before = utcnow()
    demand = demands.file_demand(
        session, actor=actor, channel="web", kind="complaint", confidential=True, topic="涉企检查",
        subject=f"反映{dept}未经核准入企检查", filer_name=actor.display_name, filer_phone=phone,
        content=f"{visited_on.year}年{visited_on.month}月{visited_on.day}日，{dept}到{name}实施检查，"
                f"未见营商环境部门核准。企业反映：{text}",
        enterprise_name=name, enterprise_uscc=uscc, idempotency_key=key)
    if demand.received_at >= before:  # filed now, not the retry of an earlier report
        audit.record(session, actor=actor, action="sup_inspection.report_unapproved", entity_type="enterprise",
                     entity_id=enterprise_id, after={**payload, "demand": demand.code})
    return demand
