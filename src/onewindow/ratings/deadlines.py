"""The deadline ratings declares to the calendar's sweep: callbacks of real-name 差评 (1 working day)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.accounts import service as accounts
from onewindow.calendar.clock import OVERDUE, Limit
from onewindow.calendar.sweep import DeadlineSource, Notice, Tracked
from onewindow.common import outbox
from onewindow.ratings.models import Callback


def _callbacks(session: Session) -> Iterator[Tracked]:
    for cb in session.scalars(select(Callback).where(Callback.status == "pending")):
        yield Tracked(key=f"rating_callback:{cb.id}", due=cb.deadline, limit=Limit.working_days(cb.limit_days),
                      state=cb.sla_state, row=cb,
                      notice=Notice(subject=f"差评回访 {cb.rating.matter.title}", body=f"应于 {cb.deadline} 前回访评价人",
                                    link=f"/ratings/callbacks/{cb.id}", department_id=cb.department_id))


def _write(session: Session, tracked: Tracked, state: str) -> None:
    cb = tracked.row
    cb.sla_state = state
    if state == OVERDUE:  # 督办: 差评必回访 — an overdue callback goes to the unit's staff and the supervisors
        outbox.supervise(session, subject=f"【督办】差评回访超期：{cb.rating.matter.title}",
                         body=f"应于 {cb.deadline} 前回访评价人，已超期，请立即回访", link=f"/ratings/callbacks/{cb.id}",
                         department_id=cb.department_id, dedupe_key=f"rating_callback:supervise:{cb.id}",
                         recipients=accounts.duty_recipients(session, department_id=cb.department_id))


CALLBACKS = DeadlineSource(name="ratings.callbacks", label="差评回访", rows=_callbacks, write=_write)
SOURCES = (CALLBACKS,)
