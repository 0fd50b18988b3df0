"""Deadlines on the official calendar, clock suspensions, 预警/超期, and the sweep (idempotent, leased)."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from onewindow.calendar import clock
from onewindow.calendar.service import WorkCalendar
from onewindow.cases import service
from onewindow.common import lease
from onewindow.common.models import OutboxMessage
from tests.cases.helpers import accepted_case, task_for

CAL = WorkCalendar()


def test_deadline_skips_national_day_and_counts_make_up_saturday():
    # 2026: 10-01..10-07 off; Saturday 10-10 is a make-up working day (调休)
    due = clock.deadline(CAL, start=date(2026, 9, 30), limit_days=1, suspensions=(), today=date(2026, 9, 30))
    assert due.due == date(2026, 10, 8) and due.estimated_note == ""
    due = clock.deadline(CAL, start=date(2026, 10, 9), limit_days=1, suspensions=(), today=date(2026, 10, 9))
    assert due.due == date(2026, 10, 10)


def test_suspension_stops_the_clock():
    # accepted Monday 2026-11-02, 3 working days → Thursday 11-05; 补正 from Tue to Thu stops Wed and Thu
    s = [clock.Suspension(date(2026, 11, 3), date(2026, 11, 5))]
    plain = clock.deadline(CAL, start=date(2026, 11, 2), limit_days=3, suspensions=(), today=date(2026, 11, 9))
    stopped = clock.deadline(CAL, start=date(2026, 11, 2), limit_days=3, suspensions=s, today=date(2026, 11, 9))
    assert plain.due == date(2026, 11, 5) and stopped.due == date(2026, 11, 9)


def test_open_suspension_runs_to_today():
    s = [clock.Suspension(date(2026, 11, 3), None)]
    due = clock.deadline(CAL, start=date(2026, 11, 2), limit_days=3, suspensions=s, today=date(2026, 11, 4))
    assert due.due == date(2026, 11, 6)


def test_unloaded_year_is_flagged_as_estimate():
    due = clock.deadline(CAL, start=date(2026, 12, 28), limit_days=10, suspensions=(), today=date(2026, 12, 28))
    assert due.due.year == 2027 and "2027" in due.estimated_note


def test_sla_states():
    due = date(2026, 11, 20)  # Friday
    assert clock.sla_state(CAL, due=due, limit_days=10, today=date(2026, 11, 16)) == clock.NORMAL
    assert clock.sla_state(CAL, due=due, limit_days=10, today=date(2026, 11, 18)) == clock.WARNING
    assert clock.sla_state(CAL, due=due, limit_days=1, today=date(2026, 11, 19)) == clock.NORMAL
    assert clock.sla_state(CAL, due=due, limit_days=1, today=due) == clock.WARNING
    assert clock.sla_state(CAL, due=due, limit_days=10, today=date(2026, 11, 23)) == clock.OVERDUE


def test_sweep_marks_overdue_once_and_notifies_once(session, world):
    case = accepted_case(session, world)
    task = task_for(case, "T-SCJG-0001")
    later = task.deadline + timedelta(days=10)
    first = service.sweep(session, today=later, holder="test-a")
    assert first.ran and first.tasks["overdue"] == 1 and first.cases["overdue"] == 1
    assert task.sla_state == "overdue" and case.sla_state == "overdue"
    count = session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.dedupe_key.like("sla:%"))) or 0
    assert count == 2
    again = service.sweep(session, today=later, holder="test-a")
    assert again.changed == 0 and again.notified == 0
    assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.dedupe_key.like("sla:%"))) == count
    overview = service.time_limit_overview(session, actor=world.supervisor)
    assert overview["cases"]["overdue"] == 1
    assert any(name.endswith("市场监督管理局") and n["overdue"] == 1 for name, n in overview["by_department"])
    assert any("T-SCJG-0001" in name for name, _ in overview["by_item"])


def test_sweep_skips_while_another_process_holds_the_lease(session, world):
    assert lease.acquire(session, name="cases.sweep", holder="other-process", ttl=timedelta(minutes=5))
    report = service.sweep(session, holder="me")
    assert not report.ran and "跳过" in report.summary()


def test_stopped_clock_is_not_overdue(session, world):
    case = accepted_case(session, world)
    task = task_for(case, "T-SCJG-0001")
    approver = world.approvers["SCJGJ"]
    service.request_supplement(session, actor=approver, task_id=task.id, text="补充材料")
    report = service.sweep(session, today=task.deadline + timedelta(days=10), holder="t")
    assert report.tasks["overdue"] == 0 and task.sla_state == "normal"
