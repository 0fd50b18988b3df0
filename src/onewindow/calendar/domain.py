"""calendar's registration: schedules, and the one periodic sweep over every deadline any domain declares."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from onewindow.common.registry import Domain, PeriodicJob, Registry


def _sweep(session: Session, registry: Registry) -> str:
    from onewindow.calendar import sweep

    return sweep.sweep(session, sources=registry.deadlines()).summary()


def _audit():
    from onewindow.common.audit_text import AuditVocabulary

    # A loaded year's before/after lists its days: the keys are dates, shown as they are.
    return AuditVocabulary(actions={"calendar.load": "载入年度工作日历"}, entities={"calendar_year": "年度工作日历"})

DOMAIN = Domain(
    package="calendar", label="工作日历", models="models", api=("api",), pages=("pages",), commands="commands",
    jobs=(PeriodicJob("calendar.deadlines", timedelta(minutes=5), _sweep, "巡检办理时限（预警、超期）"),), audit=_audit)
