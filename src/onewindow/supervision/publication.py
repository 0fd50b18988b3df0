"""一公开 of results: a visit's results are published (public page /public/supervision/results) within
`sup_publish_days` working days after the visit (ONEWINDOW_SUP_PUBLISH_DAYS, default 20: 国办发〔2019〕5号 and
the market-regulation rules publish 抽查检查结果 within 20 个工作日 of the inspection's end). The deadline is
counted on the official calendar from the visit day; the calendar's one sweep (DeadlineSource below) marks
unpublished results 预警 / 超期 and tells the first department of the visit once per state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.calendar import clock
from onewindow.calendar.service import load_calendar
from onewindow.calendar.sweep import DeadlineSource, Notice, Tracked
from onewindow.common import audit
from onewindow.common.errors import Conflict, Forbidden
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.common.time import today
from onewindow.config import get_settings
from onewindow.db import utcnow
from onewindow.sharing import service as sharing
from onewindow.supervision import gate
from onewindow.supervision.models import Inspection

PUBLISHERS = frozenset({Role.inspector, Role.supervisor, Role.admin})


def limit_days() -> int:
    return get_settings().sup_publish_days


def due_of(cal, insp: Inspection) -> date:
    return clock.deadline(cal, start=insp.visit_on, limit_days=limit_days(), suspensions=(), today=insp.visit_on).due


@dataclass(frozen=True)
class Row:
    inspection: Inspection
    enterprise: str
    due_on: date


def _unpublished(session: Session):
    return select(Inspection).where(Inspection.status == "visited", Inspection.results_published_at.is_(None))


def rows(session: Session, *, actor: Principal, published: bool = False, limit: int = 500) -> list[Row]:
    """Visits with results, unpublished (overdue first) or published (newest first); a department's own only."""
    actor.require(*PUBLISHERS)
    stmt = (select(Inspection).where(Inspection.status == "visited", Inspection.results_published_at.is_not(None))
            .order_by(Inspection.results_published_at.desc()) if published
            else _unpublished(session).order_by(Inspection.visit_on, Inspection.id))
    found = [i for i in session.scalars(stmt.limit(limit * 4))
             if actor.role != Role.inspector or actor.department_id in (i.department_ids or [])][:limit]
    cal, names = load_calendar(session), sharing.enterprise_names(session, ids=[i.enterprise_id for i in found])
    out = [Row(i, names.get(i.enterprise_id, ""), due_of(cal, i)) for i in found]
    order = {clock.OVERDUE: 0, clock.WARNING: 1, clock.NORMAL: 2}
    return out if published else sorted(out, key=lambda r: (order.get(r.inspection.publish_state, 2), r.due_on))


def publish_results(session: Session, *, actor: Principal, inspection_id: int) -> Inspection:
    """Publish one visit's results; publishing again changes nothing (a retried form)."""
    actor.require(*PUBLISHERS)
    insp = gate.get(session, inspection_id=inspection_id)
    if actor.role == Role.inspector and actor.department_id not in (insp.department_ids or []):
        raise Forbidden("只能公示本部门参与的检查结果")
    if insp.status != "visited":
        raise Conflict("尚未登记检查结果，不能公示")
    if insp.results_published_at is not None:
        return insp
    due = due_of(load_calendar(session), insp)
    insp.results_published_at = utcnow()
    if due < today():  # published late: it stays 超期 on the record, whether or not the sweep ran
        insp.publish_state = clock.OVERDUE
    session.flush()
    audit.record(session, actor=actor, action="sup_inspection.publish_results", entity_type="sup_inspection",
                 entity_id=insp.id, after={"visit_on": insp.visit_on.isoformat(), "due_on": due.isoformat(),
                                           "publish_state": insp.publish_state})
    return insp


def published(session: Session, *, limit: int = 500) -> list[Inspection]:
    """What the public page lists: published results, newest first."""
    return list(session.scalars(select(Inspection).where(Inspection.results_published_at.is_not(None))
                                .order_by(Inspection.results_published_at.desc()).limit(limit)))


# ---------------------------------------------------------------- the calendar's sweep

def _tracked(session: Session) -> Iterator[Tracked]:
    cal, limit = load_calendar(session), clock.Limit.working_days(limit_days())
    rows_ = list(session.scalars(_unpublished(session)))
    names = sharing.enterprise_names(session, ids=[i.enterprise_id for i in rows_])
    for i in rows_:
        due = due_of(cal, i)
        yield Tracked(key=f"sup_publication:{i.id}", due=due, limit=limit, state=i.publish_state, row=i,
                      notice=Notice(subject=f"检查结果公示：{names.get(i.enterprise_id, '')}",
                                    body=f"{i.visit_on}的检查结果应于{due}前公示", link="/supervision/publication",
                                    department_id=(i.department_ids or [None])[0]))


def _write(session: Session, tracked: Tracked, state: str) -> None:
    tracked.row.publish_state = state


SOURCES = (DeadlineSource(name="supervision.publication", label="检查结果公示", rows=_tracked, write=_write),)
