"""Row-level access to applications, cases and tasks, checked here and nowhere else.

Applicants reach their own (and their enterprises') applications; assistants what they entered;
the window (无差别受理) and supervisors every application; an approver only its department's tasks
and the cases that have one. A row someone may not see answers 404, so guessing ids reveals nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.cases.models import Application, Case, CaseEvent, Task
from onewindow.common.errors import NotFound
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.db import utcnow
from onewindow.sharing import service as sharing

STAFF_READERS = frozenset({Role.clerk, Role.supervisor, Role.admin})
DEPARTMENT_STAFF = frozenset({Role.approver, Role.inspector})


def my_subject_keys(session: Session, actor: Principal) -> list[str]:
    return [s.key for s in sharing.subjects_for(session, actor=actor)]


def can_read_application(session: Session, actor: Principal, app: Application) -> bool:
    if actor.role in STAFF_READERS:
        return True
    if actor.role == Role.applicant:
        return app.applicant_id == actor.user_id or app.subject_key in my_subject_keys(session, actor)
    if actor.role == Role.assistant:
        return app.created_by_id == actor.user_id
    if actor.role in DEPARTMENT_STAFF and app.case is not None:
        return any(t.department_id == actor.department_id for t in app.case.tasks)
    return False


def get_application(session: Session, *, actor: Principal, application_id: int,
                    for_update: bool = False) -> Application:
    stmt = select(Application).where(Application.id == application_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    app = session.scalar(stmt)
    if app is None or not can_read_application(session, actor, app):
        raise NotFound(f"申请{application_id}不存在")
    return app


def get_case(session: Session, *, actor: Principal, code: str, for_update: bool = False) -> Case:
    stmt = select(Case).where(Case.code == code)
    if for_update:
        stmt = stmt.with_for_update(of=Case).execution_options(populate_existing=True)
    case = session.scalar(stmt)
    if case is None or not can_read_application(session, actor, case.application):
        raise NotFound(f"办件{code}不存在")
    return case


def lock_case(session: Session, case_id: int) -> Case:
    """Serialise every transition of one case on its row (SELECT … FOR UPDATE on PostgreSQL, the
    write lock on SQLite), then re-read its tasks: whoever decides the last task sees all the
    others decided, so the case completes exactly once."""
    case = session.scalar(select(Case).where(Case.id == case_id).with_for_update(of=Case)
                          .execution_options(populate_existing=True))
    session.scalars(select(Task).where(Task.case_id == case_id)
                    .execution_options(populate_existing=True)).all()
    return case


def get_task(session: Session, *, actor: Principal, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None or not can_read_task(actor, task):
        raise NotFound(f"任务{task_id}不存在")
    return task


def can_read_task(actor: Principal, task: Task) -> bool:
    if actor.role in (Role.supervisor, Role.admin, Role.clerk):
        return True
    return actor.role in DEPARTMENT_STAFF and task.department_id == actor.department_id


def event(session: Session, *, app: Application, actor: Principal, action: str, message: str = "",
          task: Task | None = None) -> None:
    session.add(CaseEvent(application_id=app.id, task_id=task.id if task else None,
                          department_id=task.department_id if task else None, at=utcnow(),
                          actor_name=actor.display_name, action=action, message=message))
