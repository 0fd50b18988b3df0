"""涉企收费 checks: leads (demands, inspections, 12345) become problems with a responsible unit and the refund
owed in fen; a problem closes (销号) with evidence and the amount refunded; totals per period."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.catalog import service as catalog
from onewindow.common import audit
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.common.time import today
from onewindow.supervision.models import FeeProblem
from onewindow.supervision.states import FEE, LEADS

OFFICE = frozenset({Role.supervisor, Role.admin, Role.inspector})
CLOSERS = frozenset({Role.supervisor, Role.admin})  # 销号 is the office's


def open_problem(session: Session, *, actor: Principal, lead_kind: str, lead_ref: str, department_id: int,
                 description: str, refund_fen: int, enterprise_id: int | None = None,
                 found_on: date | None = None) -> FeeProblem:
    """Put a lead on the list; the same lead again is the problem already listed."""
    actor.require(*OFFICE)
    if lead_kind not in LEADS:
        raise ValidationFailed.one("线索来源须为诉求、检查或12345热线", field="lead_kind", label="线索来源")
    if not str(lead_ref or "").strip():
        raise ValidationFailed.one("请填写线索编号（诉求号、检查编号或热线工单号）", field="lead_ref", label="线索编号")
    existing = session.scalar(select(FeeProblem).where(FeeProblem.lead_kind == lead_kind,
                                                       FeeProblem.lead_ref == str(lead_ref).strip()[:64]))
    if existing is not None:
        return existing
    if catalog.department_by_id(session, department_id=department_id) is None:
        raise ValidationFailed.one("责任单位不存在", field="department_id", label="责任单位")
    if not (description or "").strip():
        raise ValidationFailed.one("请描述收费问题", field="description", label="问题描述")
    if not isinstance(refund_fen, int) or refund_fen < 0:
        raise ValidationFailed.one("应退金额须为不小于0的金额", field="refund_fen", label="应退金额")
    p = FeeProblem(lead_kind=lead_kind, lead_ref=str(lead_ref).strip()[:64], department_id=department_id,
                   enterprise_id=enterprise_id, description=description.strip()[:2000], refund_fen=refund_fen,
                   refunded_fen=0, found_on=found_on or today(), status="open")
    session.add(p)
    session.flush()
    audit.record(session, actor=actor, action="fee_problem.open", entity_type="fee_problem", entity_id=p.id,
                 after={"department_id": department_id, "refund_fen": refund_fen})
    return p


def get(session: Session, *, problem_id: int) -> FeeProblem:
    p = session.get(FeeProblem, problem_id)
    if p is None:
        raise NotFound("涉企收费问题不存在")
    return p


def _stale(p: FeeProblem, version: int | None) -> None:
    if version is not None and p.version != version:
        raise Conflict(FEE.stale)


def record_refund(session: Session, *, actor: Principal, problem_id: int, amount_fen: int, note: str = "",
                  version: int | None = None) -> FeeProblem:
    """A refund made to the enterprise while the problem is open: added to what was refunded. The office,
    or the responsible unit's own staff, records it."""
    actor.require(*OFFICE)
    p = get(session, problem_id=problem_id)
    if actor.role == Role.inspector and actor.department_id != p.department_id:
        raise Forbidden("只能登记本单位作为责任单位的退费")
    if p.status != "open":
        raise Conflict("该问题已销号，不能再登记退费")
    _stale(p, version)
    if not isinstance(amount_fen, int) or amount_fen <= 0:
        raise ValidationFailed.one("本次退费金额须大于0", field="amount", label="本次退费")
    before = p.refunded_fen
    p.refunded_fen = before + amount_fen
    session.flush()
    audit.record(session, actor=actor, action="fee_problem.refund", entity_type="fee_problem", entity_id=p.id,
                 before={"refunded_fen": before}, after={"refunded_fen": p.refunded_fen,
                                                        "note": (note or "").strip()[:200]})
    return p


def close(session: Session, *, actor: Principal, problem_id: int, evidence: str, refunded_fen: int,
          version: int | None = None, file: tuple[str, bytes] | None = None) -> FeeProblem:
    """销号 with the evidence (text, and the voucher uploaded when there is one) and the total refunded."""
    actor.require(*CLOSERS)
    p = get(session, problem_id=problem_id)
    if not (evidence or "").strip():
        raise ValidationFailed.one("销号须附整改证据（退费凭证等）", field="evidence", label="销号证据")
    if not isinstance(refunded_fen, int) or refunded_fen < 0:
        raise ValidationFailed.one("已退金额须为不小于0的金额", field="refunded_fen", label="已退金额")
    values = {"evidence": evidence.strip()[:2000], "refunded_fen": refunded_fen}
    if file is not None:
        values |= {"evidence_filename": file[0][:200], "evidence_content": file[1]}
    FEE.move(session, p, "close", actor=actor, version=version, values=values,
             after={"evidence": evidence.strip()[:200], "refunded_fen": refunded_fen,
                    "file": file[0][:200] if file else None})
    return p


def evidence_file(session: Session, *, actor: Principal, problem_id: int) -> tuple[str, bytes]:
    actor.require(*OFFICE)
    p = get(session, problem_id=problem_id)
    if not p.evidence_filename or p.evidence_content is None:
        raise NotFound("该问题销号时没有上传凭证")
    return p.evidence_filename, p.evidence_content


def problems(session: Session, *, status: str | None = None) -> list[FeeProblem]:
    stmt = select(FeeProblem).order_by(FeeProblem.found_on.desc(), FeeProblem.id.desc())
    if status:
        stmt = stmt.where(FeeProblem.status == status)
    return list(session.scalars(stmt.limit(500)))


def totals(session: Session, *, start: date, end: date) -> dict:
    """Cases found in the period, those closed, refunds owed and made (fen), enterprises affected."""
    rows = list(session.scalars(select(FeeProblem).where(FeeProblem.found_on >= start, FeeProblem.found_on <= end)))
    return {"start": start, "end": end, "cases": len(rows), "closed": sum(r.status == "closed" for r in rows),
            "refund_fen": sum(r.refund_fen for r in rows), "refunded_fen": sum(r.refunded_fen for r in rows),
            "enterprises": len({r.enterprise_id for r in rows if r.enterprise_id is not None})}
