"""cases' registration: applications and tasks (their deadlines go to the calendar's sweep), and the
periodic check of 容缺 commitments and post-checks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from onewindow.common.registry import Domain, PeriodicJob, Registry


def _deadlines():
    from onewindow.cases.deadlines import SOURCES

    return SOURCES


def _commitments(session: Session, registry: Registry) -> str:
    from onewindow.cases.sweep import commitments
    from onewindow.common.time import today

    overdue, notified, revoked = commitments(session, today=today())
    return f"容缺逾期 {overdue}；新通知 {notified}；逾期未整改撤销 {revoked}"


DOMAIN = Domain(
    package="cases", label="办件", models="models", api=("api",), pages=("pages", "staff_pages"),
    jobs=(PeriodicJob("cases.commitments", timedelta(minutes=5), _commitments, "容缺承诺与承诺核查到期"),),
    deadlines=_deadlines,
)
