"""The case-handling API other packages and the routes use. The work is done in the modules named
after each stage: applying, window (acceptance and delivery), approval, checks (post-checks),
sweep (time limits), queries (lists, timelines, masked data)."""

from dataclasses import dataclass
from datetime import datetime

from onewindow.cases.access import get_application, get_case, get_task
from onewindow.cases.annotations import add_system_fields, annotate, check_authorisation, find_applications
from onewindow.cases.applying import (
    list_applications,
    material_states,
    remove_upload,
    save_form,
    start_application,
    submit,
    upload_material,
)
from onewindow.cases.approval import (
    PROCEDURES,
    STATUS_LABELS,
    approve,
    refuse,
    request_supplement,
    resume,
    start_review,
    supplement,
    suspend,
)
from onewindow.cases.backfill import emit_missing_completions
from onewindow.cases.checks import due_list, get_verification, record_rectification, record_result
from onewindow.cases.measures import measure_counts, measure_records
from onewindow.cases.queries import (
    case_list,
    masked_subject,
    reveal,
    task_list,
    time_limit_overview,
    timeline,
    visible_form,
)
from onewindow.cases.sweep import SweepReport, sweep
from onewindow.cases.window import MODES, accept, queue, record_delivery, send_notice, walk_in
from onewindow.cases.window import refuse as refuse_application
from onewindow.common.roles import Role

WINDOW_ROLES = (Role.clerk,)


def received_earlier(session, *, case, received_on) -> None:
    """For loaders of cases received before this system held them (the demo city): the case and its
    started tasks count from `received_on`; deadlines are recomputed by the SLA clock. Not a transition:
    the states stay as they are, and the next sweep sets 预警 / 超期."""
    from onewindow.calendar import service as calendar
    from onewindow.cases.approval import refresh_case_deadline, refresh_deadline
    from onewindow.common import time as beijing

    cal, today = calendar.load_calendar(session), beijing.today()
    case.accepted_on = received_on
    for task in case.tasks:
        if task.started_on is not None:
            task.started_on = received_on
            refresh_deadline(task, cal, today)
    refresh_case_deadline(case, cal, today)
SWEEP_ROLES = (Role.admin, Role.supervisor)


@dataclass(frozen=True)
class TaskFacts:
    id: int
    item_code: str
    item_name: str
    department_id: int
    status: str
    assignee_id: int | None


@dataclass(frozen=True)
class CaseFacts:
    """A case as other packages (ratings) read it: plain values, who was its party and who handled it."""

    code: str
    title: str
    target_kind: str  # item / bundle
    target_code: str
    status: str
    lead_department_id: int
    applicant_id: int | None  # the party's account (None when entered for someone without one)
    accepted_by_id: int | None
    completed_at: datetime | None
    tasks: tuple[TaskFacts, ...]

    @property
    def staff_ids(self) -> set[int]:
        return {i for i in (self.accepted_by_id, *(t.assignee_id for t in self.tasks)) if i is not None}


def case_facts(session, *, code: str) -> CaseFacts | None:
    """What ratings needs of a case: no actor, because it runs on the case's own "case.completed" event."""
    from sqlalchemy import select

    from onewindow.cases.models import Case

    case = session.scalar(select(Case).where(Case.code == code))
    if case is None:
        return None
    app = case.application
    return CaseFacts(code=case.code, title=case.title, target_kind=app.target_kind, target_code=app.target_code,
                     status=case.status, lead_department_id=case.lead_department_id, applicant_id=app.applicant_id,
                     accepted_by_id=case.accepted_by_id, completed_at=case.completed_at,
                     tasks=tuple(TaskFacts(t.id, t.item_code, t.item_name, t.department_id, t.status, t.assignee_id)
                                 for t in case.tasks))


@dataclass(frozen=True)
class ApplicationFacts:
    """An application as other packages (ratings' 网上办事 rating) read it: plain values."""

    id: int
    channel: str  # online / assisted / window
    status: str
    title: str
    target_kind: str
    target_code: str
    lead_department_id: int | None
    applicant_id: int | None
    created_by_id: int
    submitted_at: datetime | None


def application_facts(session, *, application_id: int) -> ApplicationFacts | None:
    """What ratings needs of an application: no actor, because it runs on the "application.submitted" event."""
    from onewindow.cases.models import Application

    app = session.get(Application, application_id)
    if app is None:
        return None
    return ApplicationFacts(id=app.id, channel=app.channel, status=app.status, title=app.title,
                            target_kind=app.target_kind, target_code=app.target_code,
                            lead_department_id=(app.plan or {}).get("lead_department_id"),
                            applicant_id=app.applicant_id, created_by_id=app.created_by_id,
                            submitted_at=app.submitted_at)


def measure_providers() -> list:
    """What cases offer the indicators: counts per department × item and the cases behind each."""
    from onewindow.cases.measures import PROVIDER

    return [PROVIDER]

__all__ = [
    "measure_counts", "measure_records", "measure_providers",
    "ApplicationFacts", "application_facts", "CaseFacts", "TaskFacts", "add_system_fields", "annotate", "case_facts", "check_authorisation", "emit_missing_completions", "find_applications",
    "MODES", "PROCEDURES", "SWEEP_ROLES", "WINDOW_ROLES", "STATUS_LABELS", "SweepReport", "accept", "approve", "case_list", "due_list",
    "get_application", "get_case", "get_task", "get_verification", "list_applications", "masked_subject",
    "material_states", "queue", "received_earlier", "record_delivery", "record_rectification", "record_result", "refuse",
    "refuse_application", "remove_upload", "request_supplement", "resume", "reveal", "save_form",
    "send_notice", "start_application", "start_review", "submit", "supplement", "suspend", "sweep",
    "task_list", "time_limit_overview", "timeline", "upload_material", "visible_form", "walk_in",
]
