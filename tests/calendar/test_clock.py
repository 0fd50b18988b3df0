"""The SLA clock in working hours (12345's 1-hour and 2-hour limits) and the one deadline sweep (#10.2)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from onewindow.calendar import clock
from onewindow.calendar.service import WorkCalendar
from onewindow.calendar.sweep import DeadlineSource, Notice, Tracked, sweep
from onewindow.common.models import OutboxMessage
from onewindow.common.time import SHANGHAI
from onewindow.config import parse_office_hours

CAL = WorkCalendar()
HOURS = clock.OfficeHours(((time(9), time(12)), (time(13, 30), time(17, 30))))
POLICY = clock.WarningPolicy(ratio=0.2, min_days=3)


def bj(*args) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)


def due(start: datetime, minutes: int, **kw) -> clock.Deadline:
    return clock.deadline_in_hours(CAL, start=start, limit_minutes=minutes, now=kw.pop("now", start), hours=HOURS, **kw)


def test_issue10_hour_deadline_skips_lunch():
    d = due(bj(2026, 11, 2, 11, 30), 60)  # Monday: 30 minutes before lunch, 30 after
    assert d.due == bj(2026, 11, 2, 14, 0) and d.due.tzinfo == UTC and d.estimated_note == ""
    assert due(bj(2026, 11, 2, 11, 0), 60).due == bj(2026, 11, 2, 12, 0)  # filling a period exactly: its end
    assert due(bj(2026, 11, 2, 12, 40), 60).due == bj(2026, 11, 2, 14, 30)  # filed at lunch: counts from 13:30


def test_issue10_hour_deadline_skips_weekend_and_counts_from_next_morning():
    assert due(bj(2026, 11, 6, 16, 30), 120).due == bj(2026, 11, 9, 10, 0)  # Friday 16:30 + 2 h → Monday 10:00
    assert due(bj(2026, 11, 7, 10, 0), 60).due == bj(2026, 11, 9, 10, 0)  # filed on Saturday
    assert due(bj(2026, 11, 2, 20, 0), 60).due == bj(2026, 11, 3, 10, 0)  # filed in the evening


def test_issue10_hour_deadline_across_national_day_and_make_up_saturday():
    # 2026: 10-01..10-07 off; Saturday 10-10 is a 调休 working day
    assert due(bj(2026, 9, 30, 17, 0), 120).due == bj(2026, 10, 8, 10, 30)
    assert due(bj(2026, 10, 9, 17, 0), 60).due == bj(2026, 10, 10, 9, 30)
    assert due(bj(2026, 10, 10, 17, 0), 60).due == bj(2026, 10, 12, 9, 30)  # Sunday 10-11 is off again


def test_issue10_hour_deadline_into_unloaded_year_says_so():
    d = due(bj(2026, 12, 31, 17, 0), 120)
    assert d.due.astimezone(SHANGHAI).year == 2027 and "2027" in d.estimated_note and "估算" in d.estimated_note


def test_issue10_pause_stops_the_hour_clock():
    start = bj(2026, 11, 2, 9, 0)
    assert due(start, 120).due == bj(2026, 11, 2, 11, 0)
    paused = [clock.Pause(bj(2026, 11, 2, 9, 30), bj(2026, 11, 2, 10, 30))]
    assert due(start, 120, pauses=paused).due == bj(2026, 11, 2, 12, 0)
    still_open = [clock.Pause(bj(2026, 11, 2, 9, 30), None)]  # runs to now
    assert due(start, 120, pauses=still_open, now=bj(2026, 11, 2, 14, 0)).due == bj(2026, 11, 2, 15, 30)


def test_issue10_working_minutes_and_hour_states():
    m = clock.working_minutes_between(CAL, start=bj(2026, 11, 6, 17, 0), end=bj(2026, 11, 9, 9, 30), hours=HOURS)
    assert m == 60
    assert clock.working_minutes_between(CAL, start=bj(2026, 11, 9, 9, 30), end=bj(2026, 11, 6, 17, 0),
                                         hours=HOURS) == -60
    limit_due = bj(2026, 11, 2, 11, 0)
    state = lambda now: clock.hour_sla_state(CAL, due=limit_due, limit_minutes=60, now=now, hours=HOURS,  # noqa: E731
                                             policy=POLICY)
    assert state(bj(2026, 11, 2, 10, 30)) == clock.NORMAL
    assert state(bj(2026, 11, 2, 10, 50)) == clock.WARNING  # 10 working minutes left ≤ a fifth of 60
    assert state(bj(2026, 11, 2, 11, 1)) == clock.OVERDUE


def test_issue10_office_hours_and_warning_threshold_are_configurable(monkeypatch):
    from onewindow.config import get_settings

    assert parse_office_hours("08:30-12:00, 14:00-18:00") == ((time(8, 30), time(12)), (time(14), time(18)))
    with pytest.raises(ValueError, match="13:00-12:00"):
        parse_office_hours("09:00-12:00,13:00-12:00")
    with pytest.raises(ValueError, match="九点"):
        parse_office_hours("九点-12:00")
    monkeypatch.setenv("ONEWINDOW_OFFICE_HOURS", "08:00-12:00")
    monkeypatch.setenv("ONEWINDOW_SLA_WARNING_RATIO", "0.5")
    get_settings.cache_clear()
    try:
        d = clock.deadline_in_hours(CAL, start=bj(2026, 11, 2, 11, 0), limit_minutes=120, now=bj(2026, 11, 2, 11, 0))
        assert d.due == bj(2026, 11, 3, 9, 0)
        assert clock.warning_days(10) == 5
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert clock.warning_days(10) == 2 and clock.warning_days(2) == 0


def test_issue10_limit_labels():
    assert clock.Limit.working_hours(2) == clock.Limit(clock.WORKING_HOURS, 120)
    assert clock.Limit.working_hours(2).label == "2个工作小时"
    assert clock.Limit.working_days(7).label == "7个工作日"


@dataclass
class Callback:
    """A row of a domain that is not cases: an hour-limited callback (回访), its state kept on it."""

    id: int
    due: datetime
    sla_state: str = clock.NORMAL


def test_issue10_one_sweep_judges_any_declared_source_once(session):
    rows = [Callback(1, bj(2026, 11, 2, 11, 0)), Callback(2, bj(2026, 11, 2, 16, 0))]
    source = DeadlineSource(
        name="test.callbacks", label="回访",
        rows=lambda s: [Tracked(key=f"callback:{r.id}", due=r.due, limit=clock.Limit.working_hours(2),
                                state=r.sla_state, row=r,
                                notice=Notice(subject=f"回访 {r.id}", body="请按时回访", link=f"/callbacks/{r.id}"))
                        for r in rows],
        write=lambda s, tracked, state: setattr(tracked.row, "sla_state", state))
    now = bj(2026, 11, 2, 15, 40)  # #1 is past due, #2 has 20 working minutes left (≤ 24)
    first = sweep(session, sources=[source], now=now)
    assert [r.sla_state for r in rows] == [clock.OVERDUE, clock.WARNING]
    assert first.of("test.callbacks") == {clock.WARNING: 1, clock.OVERDUE: 1} and first.notified == 2
    assert "回访：预警 1、超期 1" in first.summary()
    subjects = set(session.scalars(select(OutboxMessage.subject).where(OutboxMessage.dedupe_key.like("sla:callback:%"))))
    assert subjects == {"【超期】回访 1", "【预警】回访 2"}
    again = sweep(session, sources=[source], now=now)
    assert again.changed == 0 and again.notified == 0


def test_issue10_day_limits_still_judged_on_the_beijing_date():
    # a task due Friday 2026-11-20: at 16:30 UTC that Friday it is already Saturday in Beijing
    now = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)  # Saturday 00:30 Beijing
    assert clock.state(CAL, due=date(2026, 11, 20), limit=clock.Limit.working_days(10), now=now,
                       today=now.astimezone(SHANGHAI).date()) == clock.OVERDUE
