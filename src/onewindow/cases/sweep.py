"""The periodic sweep: 预警 / 超期 states of tasks and cases, overdue 容缺 commitments and
rectification deadlines. Idempotent (a state is notified once, by a dedupe key) and guarded by a
database lease so two app processes never sweep at the same time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.calendar import service as calendar
from onewindow.cases import clock
from onewindow.cases.access import event
from onewindow.cases.approval import OPEN
from onewindow.cases.checks import revoke_approval
from onewindow.cases.models import Case, Commitment, Task, Verification
from onewindow.common import lease, outbox
from onewindow.common.security import SYSTEM
from onewindow.db import utcnow

LEASE = "cases.sweep"
LEASE_TTL = timedelta(minutes=10)


@dataclass
class SweepReport:
    ran: bool = True
    tasks: dict[str, int] = field(default_factory=lambda: {clock.WARNING: 0, clock.OVERDUE: 0})
    cases: dict[str, int] = field(default_factory=lambda: {clock.WARNING: 0, clock.OVERDUE: 0})
    changed: int = 0
    notified: int = 0
    commitments_overdue: int = 0
    revoked: int = 0

    def summary(self) -> str:
        if not self.ran:
            return "另一进程正在巡检（租约未到期），本次跳过"
        return (f"任务：预警 {self.tasks['warning']}、超期 {self.tasks['overdue']}；办件：预警 {self.cases['warning']}、"
                f"超期 {self.cases['overdue']}；状态变化 {self.changed}，新通知 {self.notified}；"
                f"容缺逾期 {self.commitments_overdue}；逾期未整改撤销 {self.revoked}")


def sweep(session: Session, *, today: date | None = None, holder: str | None = None) -> SweepReport:
    holder = holder or lease.default_holder()
    if not lease.acquire(session, name=LEASE, holder=holder, ttl=LEASE_TTL):
        return SweepReport(ran=False)
    today = today or clock.local_date(utcnow())
    cal = calendar.load_calendar(session)
    report = SweepReport()
    for task in session.scalars(select(Task).where(Task.status.in_(OPEN))):
        if task.deadline is None or task.status in ("supplement", "suspended"):
            continue  # the clock is stopped
        _mark(session, cal, today, report, report.tasks, task, key=f"task:{task.id}",
              department_id=task.department_id, what=task.item_name,
              body=f"办件 {task.case.code} 应于 {task.deadline} 前办结", link=f"/tasks/{task.id}")
    for case in session.scalars(select(Case).where(Case.status == "running")):
        if _mark(session, cal, today, report, report.cases, case, key=f"case:{case.id}",
                 department_id=case.lead_department_id, what=f"办件 {case.code}",
                 body=f"{case.title}，应于 {case.deadline} 前办结", link=f"/cases/{case.code}") == clock.OVERDUE:
            event(session, app=case.application, actor=SYSTEM, action="overdue",
                  message=f"办件已超过承诺时限（应于 {case.deadline} 前办结）")
    for c in session.scalars(select(Commitment).where(Commitment.kind == "pending_materials",
                                                      Commitment.fulfilled_at.is_(None), Commitment.due_on < today)):
        report.commitments_overdue += 1
        app = session.get(Case, c.case_id).application
        if app.applicant_id and _notify(session, f"pending:{c.id}:{c.due_on}", recipient_id=app.applicant_id,
                                        subject=f"容缺材料已逾期：{app.title}",
                                        body=f"承诺于 {c.due_on} 前补齐的材料尚未提交", link=f"/my/applications/{app.id}"):
            report.notified += 1
    for v in session.scalars(select(Verification).where(Verification.status == "due", Verification.due_on <= today)):
        if _notify(session, f"verification:{v.id}:due", department_id=v.department_id,
                   subject="告知承诺核查到期", body=f"核查应于 {v.due_on} 前完成", link=f"/verifications/{v.id}"):
            report.notified += 1
    for v in session.scalars(select(Verification).where(Verification.status == "rectifying",
                                                        Verification.rectification_due_on < today)):
        revoke_approval(session, actor=SYSTEM, verification=v, reason=f"整改期限 {v.rectification_due_on} 已过，未见整改")
        report.revoked += 1
    return report


def _mark(session: Session, cal, today: date, report: SweepReport, counts: dict, row, *, key: str,
          department_id: int, what: str, body: str, link: str) -> str | None:
    """Set a task's or case's 预警/超期 state; tell its department once per state and deadline.
    Returns the state when it changed."""
    state = clock.sla_state(cal, due=row.deadline, limit_days=row.limit_days, today=today)
    if state != clock.NORMAL:
        counts[state] += 1
    if state == row.sla_state:
        return None
    row.sla_state = state
    report.changed += 1
    if state != clock.NORMAL and _notify(session, f"sla:{key}:{state}:{row.deadline}", department_id=department_id,
                                         subject=f"【{clock.SLA_LABELS[state]}】{what}", body=body, link=link):
        report.notified += 1
    return state


def _notify(session: Session, key: str, **kwargs) -> bool:
    return outbox.notify(session, dedupe_key=key, **kwargs) is not None
