"""The deadlines cases declares to the calendar's sweep: department tasks and whole cases, in working
days. A stopped clock (补正, 特别程序) is simply not offered, so it is never judged 超期."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.calendar.clock import OVERDUE, Limit
from onewindow.calendar.sweep import DeadlineSource, Notice, Tracked
from onewindow.cases.access import event
from onewindow.cases.approval import OPEN
from onewindow.cases.models import Case, Task
from onewindow.common.security import SYSTEM

STOPPED = ("supplement", "suspended")


def _tasks(session: Session) -> Iterator[Tracked]:
    for task in session.scalars(select(Task).where(Task.status.in_(OPEN))):
        if task.deadline is None or task.status in STOPPED:
            continue
        yield Tracked(key=f"task:{task.id}", due=task.deadline, limit=Limit.working_days(task.limit_days),
                      state=task.sla_state, row=task,
                      notice=Notice(subject=task.item_name, body=f"办件 {task.case.code} 应于 {task.deadline} 前办结",
                                    link=f"/tasks/{task.id}", department_id=task.department_id))


def _cases(session: Session) -> Iterator[Tracked]:
    for case in session.scalars(select(Case).where(Case.status == "running")):
        yield Tracked(key=f"case:{case.id}", due=case.deadline, limit=Limit.working_days(case.limit_days),
                      state=case.sla_state, row=case,
                      notice=Notice(subject=f"办件 {case.code}", body=f"{case.title}，应于 {case.deadline} 前办结",
                                    link=f"/cases/{case.code}", department_id=case.lead_department_id))


def _write_task(session: Session, tracked: Tracked, state: str) -> None:
    tracked.row.sla_state = state


def _write_case(session: Session, tracked: Tracked, state: str) -> None:
    case = tracked.row
    case.sla_state = state
    if state == OVERDUE:
        event(session, app=case.application, actor=SYSTEM, action="overdue",
              message=f"办件已超过承诺时限（应于 {case.deadline} 前办结）")


TASKS = DeadlineSource(name="cases.tasks", label="任务", rows=_tasks, write=_write_task)
CASES = DeadlineSource(name="cases.cases", label="办件", rows=_cases, write=_write_case)
SOURCES = (TASKS, CASES)
