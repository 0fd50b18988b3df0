"""Demands' clocks on the official calendar, and what they declare to the calendar's one sweep.

A demand carries one running clock at a time (`due_stage`): 派单 (from intake, working minutes), 答复
(from dispatch: working hours for urgent ones, working days otherwise) or 回访 (from the reply, working
days). Stopped stages (直办, 办结) carry none. Beside it, each dispatched unit has its own 签收 clock
(working minutes from dispatch, on its assignment) while it has not signed; 督办 orders carry their
own, in working days. All of them are judged by the calendar's one sweep.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.calendar import clock
from onewindow.calendar.service import load_calendar
from onewindow.calendar.sweep import DeadlineSource, Notice, Tracked
from onewindow.common.time import local_date
from onewindow.db import utcnow
from onewindow.demands.models import Assignment, Demand, Limit, Supervision
from onewindow.demands.states import STAGES

DEFAULTS = {"urgent": (60, clock.WORKING_HOURS, 120, 1), "general": (120, clock.WORKING_DAYS, 7, 2),
            "complex": (120, clock.WORKING_DAYS, 15, 2)}  # the migration seeds the same rows
# 签收 in working minutes: the seeds give no figure, so urgent demands half a working hour (well inside
# the 2-hour reply), the others 2 working hours (a unit signs the same half-day). Migration 0015 too.
SIGN_DEFAULTS = {"urgent": 30, "general": 120, "complex": 120}


def limits_for(session: Session, *, kind: str, urgency: str) -> Limit:
    """The limits row of this type × urgency, else of any type ("*") with this urgency, else the default."""
    rows = {r.kind: r for r in session.scalars(select(Limit).where(Limit.urgency == urgency,
                                                                   Limit.kind.in_([kind, "*"])))}
    if row := rows.get(kind) or rows.get("*"):
        return row
    minutes, unit, amount, callback = DEFAULTS.get(urgency, DEFAULTS["general"])
    return Limit(kind="*", urgency=urgency, dispatch_minutes=minutes, reply_unit=unit, reply_amount=amount,
                 callback_days=callback, sign_minutes=SIGN_DEFAULTS.get(urgency, 120))


def start_sign_clock(session: Session, assignment: Assignment, *, minutes: int, start: datetime) -> None:
    """The unit's 签收 deadline: `minutes` of office time after dispatch on the official calendar."""
    d = due(session, start=start, limit=clock.Limit(clock.WORKING_HOURS, minutes))
    assignment.sign_minutes, assignment.sign_due_at, assignment.sign_sla_state = minutes, d.due, clock.NORMAL


def resumed(session: Session, *, deadline: date | datetime, unit: str, paused_at: datetime,
            now: datetime | None = None) -> date | datetime:
    """A deadline whose clock stood still from `paused_at` until now (a wrongly merged demand): the
    working time that was left at the pause is left again from now. Already past at the pause: unchanged."""
    now, cal = now or utcnow(), load_calendar(session)
    if unit == clock.WORKING_HOURS:
        left = clock.working_minutes_between(cal, start=paused_at, end=deadline)
        return deadline if left <= 0 else clock.deadline_in_hours(cal, start=now, limit_minutes=left, now=now).due
    left = cal.working_days_between(local_date(paused_at), deadline).value
    return deadline if left <= 0 else cal.add_working_days(local_date(now), left).value


def due(session: Session, *, start: datetime, limit: clock.Limit) -> clock.Deadline:
    """The deadline `limit` after `start` on the official calendar (a UTC moment or a Beijing date)."""
    cal = load_calendar(session)
    if limit.unit == clock.WORKING_HOURS:
        return clock.deadline_in_hours(cal, start=start, limit_minutes=limit.amount, now=utcnow())
    day = local_date(start)
    return clock.deadline(cal, start=day, limit_days=limit.amount, suspensions=(), today=day)


def start_clock(session: Session, demand: Demand, *, stage: str, limit: clock.Limit,
                start: datetime | None = None) -> None:
    """Set the demand's running clock (not a state change: the move that caused it writes the state)."""
    d = due(session, start=start or utcnow(), limit=limit)
    set_due(demand, stage=stage, limit=limit, deadline=d.due, note=d.estimated_note)


def set_due(demand: Demand, *, stage: str | None, limit: clock.Limit | None, deadline: date | datetime | None,
            note: str = "") -> None:
    demand.due_stage = stage
    demand.due_unit, demand.due_amount = (limit.unit, limit.amount) if limit else (None, None)
    demand.due_at = deadline if isinstance(deadline, datetime) else None
    demand.due_on = deadline if isinstance(deadline, date) and not isinstance(deadline, datetime) else None
    demand.due_note = note[:200]
    demand.sla_state = clock.NORMAL


def stop_clock(demand: Demand) -> None:
    set_due(demand, stage=None, limit=None, deadline=None)


def deadline_of(demand: Demand) -> date | datetime | None:
    return demand.due_at if demand.due_unit == clock.WORKING_HOURS else demand.due_on


def _demands(session: Session) -> Iterator[Tracked]:
    stmt = select(Demand).where(Demand.due_stage.is_not(None), Demand.status != "closed")
    for d in session.scalars(stmt):
        when = deadline_of(d)
        if when is None:
            continue
        stage = STAGES.get(d.due_stage or "", "办理")
        yield Tracked(key=f"demand:{d.id}:{d.due_stage}", due=when, limit=clock.Limit(d.due_unit, d.due_amount),
                      state=d.sla_state, row=d,
                      notice=Notice(subject=f"诉求 {d.code}（{stage}）", body=f"{d.subject}：应于 {_show(when)} 前{stage}",
                                    link=f"/demands/{d.code}",
                                    department_id=d.lead_department_id if d.due_stage == "reply" else None))


def _show(when: date | datetime) -> str:
    if isinstance(when, datetime):
        from onewindow.common.time import SHANGHAI

        return when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return str(when)


def _write_demand(session: Session, tracked: Tracked, state: str) -> None:
    demand = tracked.row
    demand.sla_state = state
    if state == clock.OVERDUE and demand.due_stage in ("dispatch", "reply"):
        demand.overdue_ever = True  # 按时办结率 counts demands that were never overdue


def _signing(session: Session) -> Iterator[Tracked]:
    """Each dispatched unit that has not signed yet, on its own 签收 clock (the reply clock runs apart)."""
    stmt = (select(Assignment, Demand).join(Demand, Demand.id == Assignment.demand_id)
            .where(Assignment.active.is_(True), Assignment.status == "pending", Assignment.sign_due_at.is_not(None),
                   Demand.status != "closed"))
    for a, d in session.execute(stmt):
        yield Tracked(key=f"demand_sign:{a.id}", due=a.sign_due_at, limit=clock.Limit(clock.WORKING_HOURS,
                                                                                       a.sign_minutes or 0),
                      state=a.sign_sla_state, row=a,
                      notice=Notice(subject=f"诉求 {d.code}（签收）", body=f"{d.subject}：应于 {_show(a.sign_due_at)} 前签收",
                                    link=f"/demands/{d.code}", department_id=a.department_id))


def _write_sign(session: Session, tracked: Tracked, state: str) -> None:
    tracked.row.sign_sla_state = state


def _supervisions(session: Session) -> Iterator[Tracked]:
    for s in session.scalars(select(Supervision).where(Supervision.status == "open")):
        yield Tracked(key=f"demand_supervision:{s.id}", due=s.due_on, limit=clock.Limit.working_days(s.limit_days),
                      state=s.sla_state, row=s,
                      notice=Notice(subject="督办单", body=f"督办事项应于 {s.due_on} 前反馈", link=f"/demands/supervisions/{s.id}",
                                    department_id=s.department_id))


def _write_supervision(session: Session, tracked: Tracked, state: str) -> None:
    order = tracked.row
    order.sla_state = state
    if state == clock.OVERDUE:
        from onewindow.demands import handling

        handling.escalate(session, order=order)


DEMANDS = DeadlineSource(name="demands.demands", label="诉求", rows=_demands, write=_write_demand)
SUPERVISIONS = DeadlineSource(name="demands.supervisions", label="诉求督办", rows=_supervisions,
                              write=_write_supervision)
SIGNING = DeadlineSource(name="demands.signing", label="诉求签收", rows=_signing, write=_write_sign)
SOURCES = (DEMANDS, SIGNING, SUPERVISIONS)
