"""The deadline ratings declares to the calendar's sweep: callbacks of real-name 差评 (1 working day)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.calendar.clock import Limit
from onewindow.calendar.sweep import DeadlineSource, Notice, Tracked
from onewindow.ratings.models import Callback


def _callbacks(session: Session) -> Iterator[Tracked]:
    for cb in session.scalars(select(Callback).where(Callback.status == "pending")):
        yield Tracked(key=f"rating_callback:{cb.id}", due=cb.deadline, limit=Limit.working_days(cb.limit_days),
                      state=cb.sla_state, row=cb,
                      notice=Notice(subject=f"差评回访 {cb.rating.matter.title}", body=f"应于 {cb.deadline} 前回访评价人",
                                    link=f"/ratings/callbacks/{cb.id}", department_id=cb.department_id))


def _write(session: Session, tracked: Tracked, state: str) -> None:
    tracked.row.sla_state = state


CALLBACKS = DeadlineSource(name="ratings.callbacks", label="差评回访", rows=_callbacks, write=_write)
SOURCES = (CALLBACKS,)
