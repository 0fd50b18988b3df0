"""Lists and views: department task lists, case lists for supervisors, the 预警/超期 overview,
timelines, and revealing masked personal data (audited)."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from onewindow.cases.access import STAFF_READERS, get_application, my_subject_keys
from onewindow.cases.models import Application, Case, CaseEvent, Task
from onewindow.catalog import service as catalog
from onewindow.common import audit
from onewindow.common.errors import Forbidden, ValidationFailed
from onewindow.common.masking import mask_id_number, mask_phone
from onewindow.common.roles import Role
from onewindow.common.security import Principal

PERSONAL_TYPES = {"id_number": mask_id_number, "phone": mask_phone}
PERSONAL_SOURCES = {"person.id_number": mask_id_number, "enterprise.legal_person_id_number": mask_id_number,
                    "person.phone": mask_phone}
# Roles that see personal data only masked, and reveal one value at a time (audited).
MASKED_ROLES = frozenset({Role.clerk, Role.approver, Role.inspector, Role.supervisor, Role.admin})


def task_list(*, actor: Principal, status: str | None = None, sla_state: str | None = None) -> Select:
    """An approver's list: its own department's tasks only."""
    if actor.role in (Role.approver, Role.inspector):
        stmt = select(Task).where(Task.department_id == actor.department_id)
    elif actor.role in (Role.supervisor, Role.admin):
        stmt = select(Task)
    else:
        raise Forbidden("无权查看部门审批任务")
    if status == "open":
        stmt = stmt.where(Task.status.in_(("pending", "in_review", "supplement", "suspended")))
    elif status:
        stmt = stmt.where(Task.status == status)
    if sla_state:
        stmt = stmt.where(Task.sla_state == sla_state)
    return stmt.options(selectinload(Task.case)).order_by(Task.deadline.is_(None), Task.deadline, Task.id)


def case_list(session: Session, *, actor: Principal, status: str | None = None, department_id: int | None = None,
              sla_state: str | None = None, overdue: bool | None = None) -> Select:
    """Cases by status, department (any task in it) and 预警/超期, newest first. Row-level by role."""
    stmt = select(Case)
    if actor.role == Role.applicant:
        stmt = stmt.join(Application).where((Application.applicant_id == actor.user_id)
                                            | Application.subject_key.in_(my_subject_keys(session, actor)))
    elif actor.role == Role.assistant:
        stmt = stmt.join(Application).where(Application.created_by_id == actor.user_id)
    elif actor.role in (Role.approver, Role.inspector):
        department_id = actor.department_id
    elif actor.role not in STAFF_READERS:
        raise Forbidden("无权查看办件")
    if department_id is not None:
        stmt = stmt.where(Case.id.in_(select(Task.case_id).where(Task.department_id == department_id)))
    if status:
        stmt = stmt.where(Case.status == status)
    if overdue:
        sla_state = "overdue"
    if sla_state:
        stmt = stmt.where(Case.sla_state == sla_state)
    return stmt.order_by(Case.accepted_at.desc(), Case.id.desc())


def time_limit_overview(session: Session, *, actor: Principal) -> dict:
    """预警 and 超期 open tasks counted by department and by item, and the cases behind them."""
    actor.require(Role.supervisor, Role.admin)
    open_states = ("pending", "in_review", "supplement", "suspended")
    flagged = select(Task).where(Task.status.in_(open_states), Task.sla_state.in_(("warning", "overdue")))
    departments = {d.id: d.name for d in catalog.list_departments(session)}
    by_dept: dict[int, dict[str, int]] = {}
    by_item: dict[tuple[str, str], dict[str, int]] = {}
    rows = session.execute(select(Task.department_id, Task.item_code, Task.item_name, Task.sla_state, func.count())
                           .where(Task.status.in_(open_states), Task.sla_state.in_(("warning", "overdue")))
                           .group_by(Task.department_id, Task.item_code, Task.item_name, Task.sla_state)).all()
    for dept_id, code, name, state, n in rows:
        by_dept.setdefault(dept_id, {"warning": 0, "overdue": 0})[state] += n
        by_item.setdefault((code, name), {"warning": 0, "overdue": 0})[state] += n
    tasks = session.scalars(flagged.options(selectinload(Task.case)).order_by(Task.sla_state.desc(), Task.deadline)
                            .limit(500)).all()
    return {
        "by_department": sorted(((departments.get(k, str(k)), v) for k, v in by_dept.items()),
                                key=lambda kv: (-kv[1]["overdue"], -kv[1]["warning"], kv[0])),
        "by_item": sorted(((f"{c} {n}", v) for (c, n), v in by_item.items()),
                          key=lambda kv: (-kv[1]["overdue"], -kv[1]["warning"], kv[0])),
        "tasks": tasks, "departments": departments,
        "cases": {s: session.scalar(select(func.count()).select_from(Case).where(
            Case.status == "running", Case.sla_state == s)) or 0 for s in ("warning", "overdue")},
    }


def timeline(session: Session, *, app: Application) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(CaseEvent.application_id == app.id)
                                .order_by(CaseEvent.at, CaseEvent.id)))


def _masker(field: dict):
    return PERSONAL_SOURCES.get(field.get("shared_source") or "") or PERSONAL_TYPES.get(field["type"])


def visible_form(app: Application, actor: Principal) -> list[dict]:
    """The form as this actor may see it: ID and phone numbers masked for staff."""
    out = []
    for f in app.plan["fields"]:
        value = app.form_data.get(f["key"], "")
        mask = _masker(f) if actor.role in MASKED_ROLES else None
        shown = mask(str(value)) if mask and value else value
        out.append({**f, "value": shown, "masked": bool(mask and value),
                    "prefilled": f["key"] in (app.prefilled or {}).get("fields", {})})
    return out


REVEAL_DENIED = "无权查看该项完整个人信息：仅办理该事项的部门、综合窗口人员可查看，督查人员须说明理由"


def _may_reveal(app: Application, actor: Principal, used_by: list[str] | None, purpose: str) -> None:
    """A full value only for whom the field's items need it: the departments handling those items, the
    front desk that accepts any item (无差别受理), or a supervisor who states why (the reason is audited).
    Everyone else, administrators included, gets 403."""
    if actor.role not in MASKED_ROLES:
        return  # applicants and their assistants see their own data unmasked anyway
    if actor.role == Role.clerk:
        return
    if actor.role in (Role.approver, Role.inspector):
        codes = set(used_by or []) or {i["code"] for i in app.plan["items"]}
        departments = {i["department_id"] for i in app.plan["items"] if i["code"] in codes}
        if actor.department_id is not None and actor.department_id in departments:
            return
        raise Forbidden(REVEAL_DENIED)
    if actor.role == Role.supervisor:
        if len(purpose.strip()) < 4:
            raise ValidationFailed.one("督查人员查看完整个人信息须填写查看理由（至少4个字）", field="purpose")
        return
    raise Forbidden(REVEAL_DENIED)


# The application's own personal data (not a form field), by its label on the page.
OWN_FIELDS = {"contact_phone": "联系电话", "subject_key": "申请主体证件号"}


def reveal(session: Session, *, actor: Principal, application_id: int, field: str, purpose: str = "") -> str:
    """Show one masked value in full, to whom may see it, and record who saw it, when and why."""
    app = get_application(session, actor=actor, application_id=application_id)
    spec = next((f for f in app.plan["fields"] if f["key"] == field), None)
    purpose = (purpose or "").strip()
    # The application's own contact and subject serve every item, unless the form declares who uses them.
    used_by = spec.get("used_by") if spec else None
    if field == "contact_phone":
        value = app.contact_phone
    elif field == "subject_key":
        value = app.subject_key
    elif spec is None or _masker(spec) is None:
        raise ValidationFailed.one("该项不是需要脱敏的个人信息", field="field")
    else:
        value = str(app.form_data.get(field, ""))
    _may_reveal(app, actor, used_by, purpose)
    # The record names the item by its Chinese label as the form shows it: a person reads the audit
    # page, and a form's field keys are the catalogue's, not words anyone would recognise (#9.3).
    label = OWN_FIELDS.get(field) or (spec or {}).get("label") or "个人信息"
    audit.record(session, actor=actor, action="personal_data.reveal", entity_type="application",
                 entity_id=app.id, after={"field": label, "purpose": purpose[:200]})
    return value


def masked_subject(app: Application, actor: Principal) -> str:
    if actor.role in MASKED_ROLES and app.subject_kind == "person":
        return mask_id_number(app.subject_key)
    return app.subject_key
