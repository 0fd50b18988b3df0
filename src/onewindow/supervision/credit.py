"""Credit: the records counted for each enterprise, its grade under the rules in force, the dishonest and
abnormal-operation lists, and credit repair (信用修复: apply → review → the grade recomputed).

Sources: the credit registry's records in `sharing` (failed 告知承诺 post-checks and any other
department's entries), this package's entries (inspection results, penalties, 12345 complaints upheld via
`record_upheld_complaint`, 查无下落), and the registry's tax credit grade. A serious entry is also written
to the registry, so the 告知承诺 gate in cases refuses the enterprise until it is repaired; the registry
copy is marked with the reference "sup:<id>" and not counted twice.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from onewindow.common import audit, events
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.registry import SubjectFact
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.common.time import local_date, today
from onewindow.db import utcnow
from onewindow.sharing import service as sharing
from onewindow.supervision import rules as R
from onewindow.supervision.models import CreditEntry, CreditGrade, CreditRepair
from onewindow.supervision.states import GRADE_LABELS, REPAIR, SEVERITIES, SOURCES

RECORDERS = frozenset({Role.inspector, Role.supervisor, Role.admin})
REVIEWERS = frozenset({Role.supervisor, Role.admin})
REGISTRY_SEVERITY = {"一般": "general", "严重": "serious"}
MIRROR = "sup:"


def _registry_records(session: Session, usccs=None):
    return [r for r in sharing.enterprise_credit_records(session, usccs=usccs)
            if not (r.reference or "").startswith(MIRROR)]


def records_of(session: Session, *, enterprise_id: int) -> list[dict]:
    """Every record counted for the enterprise, newest first, as people read them."""
    facts = sharing.enterprise_facts(session, ids=[enterprise_id])
    if not facts:
        raise NotFound("企业不存在")
    uscc, on, rules = facts[0][1], today(), R.in_force(today())
    out = []
    for e in session.scalars(select(CreditEntry).where(CreditEntry.enterprise_id == enterprise_id)):
        out.append({"record": f"entry:{e.id}", "source": e.source, "severity": e.severity, "reason": e.reason,
                    "occurred_on": e.occurred_on, "repaired": e.repaired_at is not None})
    for r in _registry_records(session, [uscc]):
        out.append({"record": f"registry:{r.id}", "source": "registry", "severity": REGISTRY_SEVERITY[r.severity],
                    "reason": f"{r.source}：{r.reason}", "occurred_on": local_date(r.recorded_at),
                    "repaired": r.repaired_at is not None})
    for rec in out:
        rec["counts"] = R.counts(rules, severity=rec["severity"], occurred_on=rec["occurred_on"],
                                 repaired=rec["repaired"], on=on)
        # Published: the bad ones while they count; a minor one never after its 3 months.
        rec["published"] = rec["counts"] and rec["severity"] != "good"
        rec["source_label"], rec["severity_label"] = SOURCES[rec["source"]], SEVERITIES[rec["severity"]]
    return sorted(out, key=lambda r: r["occurred_on"], reverse=True)


def recompute(session: Session, *, enterprise_ids=None, on: date | None = None) -> int:
    """Grade the enterprises (all when None) under the rules in force; returns how many were graded."""
    on = on or today()
    rules = R.in_force(on)
    facts = sharing.enterprise_facts(session, ids=enterprise_ids)
    by_uscc = {f[1]: f[0] for f in facts}
    recs: dict[int, list] = defaultdict(list)
    abnormal: set[int] = set()
    stmt = select(CreditEntry.enterprise_id, CreditEntry.severity, CreditEntry.occurred_on, CreditEntry.repaired_at,
                  CreditEntry.source)
    if enterprise_ids is not None:
        stmt = stmt.where(CreditEntry.enterprise_id.in_(list(enterprise_ids)))
    for eid, severity, occurred, repaired, source in session.execute(stmt):
        if source == "abnormal":
            if repaired is None:
                abnormal.add(eid)
            continue
        recs[eid].append((severity, occurred, repaired is not None))
    for r in _registry_records(session, None if enterprise_ids is None else list(by_uscc)):
        if (eid := by_uscc.get(r.subject_key)) is not None:
            recs[eid].append((REGISTRY_SEVERITY.get(r.severity, "general"), local_date(r.recorded_at),
                              r.repaired_at is not None))
    ids = [f[0] for f in facts]
    if enterprise_ids is None:
        session.execute(delete(CreditGrade))
    else:
        session.execute(delete(CreditGrade).where(CreditGrade.enterprise_id.in_(ids)))
    rows = []
    for eid, _uscc, _n, _r, _i, _s, tax in facts:
        g = R.grade(rules, tax=tax, records=recs.get(eid, ()), on=on)
        rows.append({"enterprise_id": eid, "grade": g.grade, "score": g.score, "rules_version": rules.version,
                     "dishonest": g.dishonest, "abnormal": eid in abnormal, "computed_on": on})
    if rows:
        session.execute(CreditGrade.__table__.insert(), rows)
    return len(rows)


def recompute_all(session: Session) -> int:
    return recompute(session)


def grade_of(session: Session, *, enterprise_id: int) -> CreditGrade | None:
    return session.get(CreditGrade, enterprise_id)


GRADE_TONES = {"A": "ok", "B": "", "C": "warn", "D": "red"}


def subject_facts(session: Session, *, subject_kind: str, subject_key: str) -> list[SubjectFact]:
    """The enterprise's credit grade (letter and meaning) for the case pages and the 告知承诺 decision, which
    cases shows through the registry (Domain.subject_facts) since it cannot import supervision."""
    if subject_kind != "enterprise" or (eid := sharing.enterprise_id(session, uscc=subject_key)) is None:
        return []
    g = grade_of(session, enterprise_id=eid)
    if g is None:
        return [SubjectFact("credit_grade", "信用等级", "尚未评定")]
    lists = "、".join(n for n, on in (("失信名单", g.dishonest), ("经营异常名录", g.abnormal)) if on)
    return [SubjectFact("credit_grade", "信用等级", GRADE_LABELS[g.grade], GRADE_TONES[g.grade],
                        f"列入{lists}" if lists else f"{g.score}分，评价规则{g.rules_version}版")]


def grades_between(session: Session, *, first_id: int, last_id: int) -> dict[int, str]:
    """The grades of the graded enterprises with first_id <= id <= last_id: one range read per batch of the
    pool (plans.build_pool), instead of an IN list as long as the batch."""
    return dict(session.execute(select(CreditGrade.enterprise_id, CreditGrade.grade).where(
        CreditGrade.enterprise_id >= first_id, CreditGrade.enterprise_id <= last_id)).all())


def grades_for(session: Session, *, enterprise_ids) -> dict[int, str]:
    """Grades by enterprise id; ungraded enterprises count as B (基本守信) until first graded."""
    ids = list(enterprise_ids)
    got = dict(session.execute(select(CreditGrade.enterprise_id, CreditGrade.grade)
                               .where(CreditGrade.enterprise_id.in_(ids))).all()) if ids else {}
    return {i: got.get(i, "B") for i in ids}


def record_entry(session: Session, *, actor: Principal, enterprise_id: int, source: str, ref: str, severity: str,
                 reason: str, department_id: int | None = None, occurred_on: date | None = None) -> CreditEntry:
    """Record one supervision fact for the enterprise and regrade it; the same (source, ref) again is the
    entry already recorded. Emits "sup_credit.recorded"."""
    actor.require(*RECORDERS)
    if source not in SOURCES:
        raise ValidationFailed.one("信用记录来源不正确", field="source", label="来源")
    if severity not in SEVERITIES:
        raise ValidationFailed.one("请选择严重程度", field="severity", label="严重程度")
    if not (reason or "").strip():
        raise ValidationFailed.one("请填写事由", field="reason", label="事由")
    existing = session.scalar(select(CreditEntry).where(CreditEntry.source == source, CreditEntry.ref == str(ref)))
    if existing is not None:
        return existing
    facts = sharing.enterprise_facts(session, ids=[enterprise_id])
    if not facts:
        raise NotFound("企业不存在")
    entry = CreditEntry(enterprise_id=enterprise_id, source=source, ref=str(ref)[:64], severity=severity,
                        reason=reason.strip()[:2000], department_id=department_id, occurred_on=occurred_on or today())
    session.add(entry)
    session.flush()
    if severity == "serious":
        sharing.record_credit(session, actor=actor, subject_kind="enterprise", subject_key=facts[0][1],
                              subject_name=facts[0][2], severity="严重", reason=entry.reason, source="监管部门",
                              reference=f"{MIRROR}{entry.id}")
    audit.record(session, actor=actor, action="sup_credit.record", entity_type="sup_credit", entity_id=entry.id,
                 after={"enterprise_id": enterprise_id, "source": source, "severity": severity, "reason": entry.reason})
    recompute(session, enterprise_ids=[enterprise_id])
    events.emit(session, name="sup_credit.recorded", entity_type="sup_credit", entity_id=entry.id,
                payload={"enterprise_id": enterprise_id, "source": source, "severity": severity})
    return entry


def record_upheld_complaint(session: Session, *, actor: Principal, enterprise_id: int, complaint_ref: str,
                            reason: str, department_id: int | None = None) -> CreditEntry:
    """A 12345 complaint against the enterprise found true (查实): a general record. For the demands domain."""
    return record_entry(session, actor=actor, enterprise_id=enterprise_id, source="complaint", ref=complaint_ref,
                        severity="general", reason=reason, department_id=department_id)


def dishonest_list(session: Session) -> list[CreditGrade]:
    return list(session.scalars(select(CreditGrade).where(CreditGrade.dishonest.is_(True))
                                .order_by(CreditGrade.enterprise_id)))


def abnormal_list(session: Session) -> list[CreditGrade]:
    return list(session.scalars(select(CreditGrade).where(CreditGrade.abnormal.is_(True))
                                .order_by(CreditGrade.enterprise_id)))


def grade_counts(session: Session) -> dict[str, int]:
    from sqlalchemy import func

    return dict(session.execute(select(CreditGrade.grade, func.count()).group_by(CreditGrade.grade)).all())


# ---------------------------------------------------------------- repair

def apply_repair(session: Session, *, actor: Principal, enterprise_id: int, record: str, reason: str) -> CreditRepair:
    """The enterprise (an account acting for it) asks for one of its counted records to be repaired."""
    if enterprise_id not in sharing.enterprise_ids_for(session, actor=actor):
        raise Forbidden("只能为本企业申请信用修复")
    if not any(r["record"] == record and r["counts"] and r["severity"] != "good"
               for r in records_of(session, enterprise_id=enterprise_id)):
        raise ValidationFailed.one("该记录不可申请修复（不存在、已修复或已不计分）", field="record", label="信用记录")
    if not (reason or "").strip():
        raise ValidationFailed.one("请填写修复理由（已纠正失信行为的说明）", field="reason", label="修复理由")
    if session.scalar(select(CreditRepair.id).where(CreditRepair.record == record, CreditRepair.status == "pending")):
        raise Conflict("该记录已有待审核的信用修复申请")
    rep = CreditRepair(enterprise_id=enterprise_id, record=record, status="pending", reason=reason.strip()[:2000],
                       applied_by_id=actor.user_id, applied_at=utcnow())
    session.add(rep)
    session.flush()
    audit.record(session, actor=actor, action="credit_repair.apply", entity_type="credit_repair", entity_id=rep.id,
                 after={"record": record, "reason": rep.reason})
    return rep


def decide_repair(session: Session, *, actor: Principal, repair_id: int, grant: bool, decision: str = "",
                  version: int | None = None) -> CreditRepair:
    """Review: granted, the record is marked repaired (in the registry too) and the grade recomputed."""
    actor.require(*REVIEWERS)
    rep = session.get(CreditRepair, repair_id)
    if rep is None:
        raise NotFound("信用修复申请不存在")
    if not grant and not (decision or "").strip():
        raise ValidationFailed.one("不予修复须说明理由", field="decision", label="审核意见")
    REPAIR.move(session, rep, "grant" if grant else "refuse", actor=actor, version=version,
                values={"decision": (decision or "").strip()[:2000]})
    if grant:
        kind, _, rid = rep.record.partition(":")
        if kind == "entry":
            entry = session.get(CreditEntry, int(rid))
            entry.repaired_at = utcnow()
            uscc = sharing.enterprise_facts(session, ids=[rep.enterprise_id])[0][1]
            mirrors = [r for r in sharing.enterprise_credit_records(session, usccs=[uscc])
                       if r.reference == f"{MIRROR}{entry.id}" and r.repaired_at is None]
            for m in mirrors:
                sharing.repair_credit(session, actor=actor, record_id=m.id)
        else:
            sharing.repair_credit(session, actor=actor, record_id=int(rid))
        session.flush()
        recompute(session, enterprise_ids=[rep.enterprise_id])
    return rep


def repairs(session: Session, *, actor: Principal, status: str | None = None) -> list[CreditRepair]:
    stmt = select(CreditRepair).order_by(CreditRepair.id.desc())
    if actor.role not in REVIEWERS:
        stmt = stmt.where(CreditRepair.enterprise_id.in_(sharing.enterprise_ids_for(session, actor=actor) or [0]))
    if status:
        stmt = stmt.where(CreditRepair.status == status)
    return list(session.scalars(stmt.limit(500)))
