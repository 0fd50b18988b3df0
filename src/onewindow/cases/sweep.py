"""The cases' sweep: 预警 / 超期 of tasks and cases (through the calendar's one deadline sweep), overdue
容缺 commitments and post-check due dates. Idempotent (a state is notified once, by a dedupe key) and
guarded by a database lease so two app processes never sweep at the same time. The periodic jobs
run the same parts: the calendar's job sweeps every declared deadline, `commitments` the rest."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.calendar import clock
from onewindow.calendar.sweep import sweep as sweep_deadlines
from onewindow.cases.checks import revoke_approval
from onewindow.cases.deadlines import CASES, SOURCES, TASKS
from onewindow.cases.models import Case, Commitment, Verification
from onewindow.common import lease, outbox
from onewindow.common.security import SYSTEM
from onewindow.common.time import local_date
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
    today = today or local_date(utcnow())
    deadlines = sweep_deadlines(session, sources=SOURCES, today=today)
    report = SweepReport(tasks=deadlines.of(TASKS.name), cases=deadlines.of(CASES.name), changed=deadlines.changed,
                         notified=deadlines.notified)
    report.commitments_overdue, notified, report.revoked = commitments(session, today=today)
    report.notified += notified
    return report


def commitments(session: Session, *, today: date) -> tuple[int, int, int]:
    """Overdue 容缺 commitments (the applicant is reminded once), post-checks falling due (the department
    is told once) and rectifications past their deadline (the approval is revoked): the counts of each."""
    overdue = notified = revoked = 0
    for c in session.scalars(select(Commitment).where(Commitment.kind == "pending_materials",
                                                      Commitment.fulfilled_at.is_(None), Commitment.due_on < today)):
        overdue += 1
        app = session.get(Case, c.case_id).application
        if app.applicant_id and _notify(session, f"pending:{c.id}:{c.due_on}", recipient_id=app.applicant_id,
                                        subject=f"容缺材料已逾期：{app.title}",
                                        body=f"承诺于 {c.due_on} 前补齐的材料尚未提交", link=f"/my/applications/{app.id}"):
            notified += 1
    for v in session.scalars(select(Verification).where(Verification.status == "due", Verification.due_on <= today)):
        if _notify(session, f"verification:{v.id}:due", department_id=v.department_id,
                   subject="告知承诺核查到期", body=f"核查应于 {v.due_on} 前完成", link=f"/verifications/{v.id}"):
            notified += 1
    for v in session.scalars(select(Verification).where(Verification.status == "rectifying",
                                                        Verification.rectification_due_on < today)):
        revoke_approval(session, actor=SYSTEM, verification=v, reason=f"整改期限 {v.rectification_due_on} 已过，未见整改")
        revoked += 1
    return overdue, notified, revoked


def _notify(session: Session, key: str, **kwargs) -> bool:
    return outbox.notify(session, dedupe_key=key, **kwargs) is not None
