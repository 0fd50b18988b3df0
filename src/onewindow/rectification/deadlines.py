"""The deadline rectification declares to the calendar's sweep: items 整改中 against their working-day
limit. An item waiting for acceptance (待验收) is the supervisor's turn, so its clock is not offered."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.accounts import service as accounts
from onewindow.calendar.clock import OVERDUE, Limit
from onewindow.calendar.sweep import DeadlineSource, Notice, Tracked
from onewindow.common import audit, outbox
from onewindow.common.security import SYSTEM
from onewindow.rectification.models import RectificationItem


def _items(session: Session) -> Iterator[Tracked]:
    for item in session.scalars(select(RectificationItem).where(RectificationItem.status == "rectifying")):
        yield Tracked(key=f"rectification:{item.id}", due=item.deadline, limit=Limit.working_days(item.limit_days),
                      state=item.sla_state, row=item,
                      notice=Notice(subject=f"整改事项 {item.title}", body=f"应于 {item.deadline} 前完成整改",
                                    link=f"/rectification/{item.id}", department_id=item.department_id))


def _write(session: Session, tracked: Tracked, state: str) -> None:
    item = tracked.row
    item.sla_state = state
    if state == OVERDUE:  # 督办: the responsible unit and the supervisors hear of every overdue item, once
        audit.record(session, actor=SYSTEM, action="rectification.overdue", entity_type="rectification",
                     entity_id=item.id, after={"deadline": str(item.deadline)})
        outbox.supervise(session, subject=f"【督办】整改事项超期：{item.title}", link=f"/rectification/{item.id}",
                         body=f"应于 {item.deadline} 前完成整改，已超期，请立即办理", department_id=item.department_id,
                         dedupe_key=f"rectification:supervise:{item.id}",
                         recipients=accounts.duty_recipients(session, department_id=item.department_id))


ITEMS = DeadlineSource(name="rectification.items", label="整改事项", rows=_items, write=_write)
SOURCES = (ITEMS,)
