"""Acceptance at the window (综合窗口受理): accept, 容缺受理, 告知承诺, one notice of everything
missing (一次性告知), refusal. Acceptance creates the case, its code (一件一码) and its tasks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.calendar import clock
from onewindow.calendar import service as calendar
from onewindow.cases.access import event, get_application, get_case
from onewindow.cases.applying import missing_materials, start_application, validate_form
from onewindow.cases.approval import activate_ready
from onewindow.cases.models import Application, Case, Commitment, Task, Verification
from onewindow.cases.states import APPLICATION, CASE
from onewindow.common import audit, outbox
from onewindow.common import time as beijing
from onewindow.common.errors import Conflict, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.db import utcnow
from onewindow.sharing import service as sharing

MODES = {"normal": "正常受理", "pending_materials": "容缺受理", "commitment": "告知承诺"}
# Default period for the post-check of a 告知承诺 approval, in working days from acceptance.
VERIFICATION_DAYS = 40


def queue(*, status: str = "submitted"):
    return select(Application).where(Application.status == status).order_by(Application.submitted_at)


def _for_window(session: Session, actor: Principal, application_id: int, move: str,
                version: int | None) -> Application:
    """The submitted application, locked, for the clerk's move (its state and the version the clerk saw)."""
    actor.require(Role.clerk)
    app = get_application(session, actor=actor, application_id=application_id, for_update=True)
    APPLICATION.check(app, move, version=version)
    return app


def _tell_applicant(session: Session, app: Application, subject: str, body: str, link: str | None = None) -> None:
    if app.applicant_id is not None:
        outbox.notify(session, recipient_id=app.applicant_id, subject=subject, body=body,
                      link=link or f"/my/applications/{app.id}")


def send_notice(session: Session, *, actor: Principal, application_id: int, items: list[str],
                version: int | None = None) -> Application:
    """一次性告知: everything that must be corrected, in one notice; the applicant resubmits."""
    app = _for_window(session, actor, application_id, "notice", version)
    items = [i.strip()[:500] for i in items if i and i.strip()]
    if not items:
        raise ValidationFailed.one("一次性告知须列出需补齐或更正的全部内容", field="items")
    APPLICATION.move(session, app, "notice", actor=actor, values={"notice": items, "returned_at": utcnow()},
                     after={"items": items})
    text = "；".join(f"{n}. {i}" for n, i in enumerate(items, 1))
    event(session, app=app, actor=actor, action="notice", message=f"一次性告知：{text}")
    _tell_applicant(session, app, f"「{app.title}」需补齐材料（一次性告知）", text)
    return app


def refuse(session: Session, *, actor: Principal, application_id: int, reason: str,
           version: int | None = None) -> Application:
    app = _for_window(session, actor, application_id, "refuse", version)
    if not (reason or "").strip():
        raise ValidationFailed.one("不予受理须写明理由", field="reason")
    why = reason.strip()[:2000]
    APPLICATION.move(session, app, "refuse", actor=actor, values={"refusal_reason": why, "decided_at": utcnow()},
                     after={"reason": why})
    event(session, app=app, actor=actor, action="refuse", message=f"不予受理：{app.refusal_reason}")
    _tell_applicant(session, app, f"「{app.title}」不予受理", app.refusal_reason)
    return app


def accept(session: Session, *, actor: Principal, application_id: int, mode: str = "normal",
           commitment_text: str = "", due_on: date | None = None, today: date | None = None,
           version: int | None = None) -> Case:
    """Accept into a case. `pending_materials` (容缺) needs a written commitment and a due date for the
    missing, 容缺-able materials; `commitment` (告知承诺) is refused to applicants with serious bad
    credit and creates a post-check for every item approved on it."""
    if mode not in MODES:
        raise ValidationFailed.one("受理方式须为 normal、pending_materials 或 commitment", field="mode")
    app = _for_window(session, actor, application_id, "accept", version)
    now = utcnow()
    today = today or beijing.local_date(now)
    errors = validate_form(app.plan, app.form_data, app.subject_kind)
    missing = missing_materials(app)
    commit_text = (commitment_text or "").strip()[:4000]
    if mode == "pending_materials":
        if not missing:
            errors.add("材料齐全，无需容缺受理", field="mode")
        for m in missing:
            if not m["pending_allowed"]:
                errors.add(f"「{m['name']}」是关键材料，不能容缺", field=f"materials.{m['code']}", label=m["name"])
        if not commit_text:
            errors.add("容缺受理须有申请人书面承诺", field="commitment_text")
        if due_on is None or due_on <= today:
            errors.add("须约定补齐材料的期限（晚于今天）", field="due_on")
    else:
        for m in missing:
            errors.add(f"缺少「{m['name']}」；可一次性告知，或对非关键材料容缺受理", field=f"materials.{m['code']}", label=m["name"])
    commitment_items = [i for i in app.plan["items"] if i["commitment_allowed"]]
    if mode == "commitment":
        if not commitment_items:
            errors.add("所申请事项均不适用告知承诺制", field="mode")
        if not commit_text:
            errors.add("告知承诺须有申请人签署的承诺书", field="commitment_text")
        if sharing.has_serious_bad_credit(session, subject_kind=app.subject_kind, subject_key=app.subject_key):
            errors.add("申请人有严重失信记录（或承诺不实未修复），不适用告知承诺制", field="mode")
    errors.raise_if_any("不能受理")

    cal = calendar.load_calendar(session)
    limit = app.plan["limit_days"]
    due = clock.deadline(cal, start=today, limit_days=limit, suspensions=(), today=today)
    # Linked through the relationship, not only the key: reading the materials above loaded `app.case`
    # (None then), and with expire_on_commit off that None would outlive the commit on the application
    # object — a later list in the same session would show an accepted application without its case.
    case = Case(code=case_code(app, today), application=app, title=app.title,
                lead_department_id=app.plan["lead_department_id"], status=CASE.states.running, acceptance_mode=mode,
                accepted_by_id=actor.user_id, accepted_at=now, accepted_on=today, limit_days=limit,
                deadline=due.due, deadline_estimated=bool(due.estimated_note),
                delivery_method=app.plan.get("delivery", {}).get("method", "window"),
                delivery_address=app.plan.get("delivery", {}).get("address") or None,
                tasks=[])  # an initialised collection: appending below must not lazy-load (and autoflush) it
    session.add(case)
    APPLICATION.move(session, app, "accept", actor=actor, values={"decided_at": now}, after={"case": case.code},
                     payload={"case_code": case.code})
    session.flush()
    on_commitment = {i["code"] for i in commitment_items} if mode == "commitment" else set()
    for pos, item in enumerate(app.plan["items"], 1):
        task = Task(case_id=case.id, position=pos, item_id=item["item_id"], item_code=item["code"],
                    item_name=item["name"], department_id=item["department_id"], depends_on=item["depends_on"],
                    status="waiting", commitment=item["code"] in on_commitment,
                    limit_days=item["promised_limit_days"])
        case.tasks.append(task)
    session.flush()
    activate_ready(session, case=case, actor=actor, today=today, cal=cal)
    if mode in ("pending_materials", "commitment"):
        session.add(Commitment(case_id=case.id, kind=mode, text=commit_text, signed_at=now,
                               material_codes=[m["code"] for m in missing] if mode == "pending_materials" else [],
                               due_on=due_on if mode == "pending_materials" else None))
    if mode == "commitment":
        check_due = cal.add_working_days(today, VERIFICATION_DAYS).value
        for task in case.tasks:
            if task.commitment:
                session.add(Verification(case_id=case.id, task_id=task.id, department_id=task.department_id,
                                         status="waiting", due_on=check_due))
    event(session, app=app, actor=actor, action="accept",
          message=f"{MODES[mode]}，办件编码 {case.code}，承诺时限 {limit} 个工作日，应于 {case.deadline} 前办结"
          + (f"（{due.estimated_note}）" if due.estimated_note else ""))
    audit.record(session, actor=actor, action="case.accept", entity_type="case", entity_id=case.code,
                 after={"application": app.id, "mode": mode, "deadline": str(case.deadline),
                        "tasks": [t.item_code for t in case.tasks]})
    _tell_applicant(session, app, f"「{app.title}」已受理，办件编码 {case.code}",
                    f"{MODES[mode]}；应于 {case.deadline} 前办结。", link=f"/my/applications/{app.id}")
    return case


def case_code(app: Application, today: date) -> str:
    """一件一码: date plus the application number — unique because the application is."""
    return f"BJ{today:%Y%m%d}{app.id:08d}"


def walk_in(session: Session, *, actor: Principal, **kwargs) -> Application:
    """A clerk enters an application for someone at the counter (线下申请，与线上同一办件)."""
    actor.require(Role.clerk)
    return start_application(session, actor=actor, **kwargs)


def record_delivery(session: Session, *, actor: Principal, code: str, method: str,
                    tracking_number: str | None = None, address: str | None = None) -> Case:
    """统一出件: results picked up at the window, or mailed with a tracking number."""
    actor.require(Role.clerk)
    case = get_case(session, actor=actor, code=code, for_update=True)
    if case.status != CASE.states.completed:
        raise Conflict("办件尚未办结，不能出件")
    if case.delivered_at is not None:
        raise Conflict("该办件已出件")
    if method not in ("window", "mail"):
        raise ValidationFailed.one("出件方式须为窗口领取（window）或邮寄（mail）", field="method")
    tracking = (tracking_number or "").strip()
    if method == "mail":
        if not (8 <= len(tracking) <= 40 and tracking.isalnum()):
            raise ValidationFailed.one("邮寄出件须填写8–40位字母数字的快递单号", field="tracking_number")
        case.delivery_address = (address or case.delivery_address or "").strip()[:300] or None
        if not case.delivery_address:
            raise ValidationFailed.one("邮寄出件须有收件地址", field="address")
    case.delivery_method, case.tracking_number, case.delivered_at = method, tracking or None, utcnow()
    message = f"已邮寄，快递单号 {tracking}" if method == "mail" else "申请人已在综合窗口领取全部结果"
    event(session, app=case.application, actor=actor, action="deliver", message=message)
    audit.record(session, actor=actor, action="case.deliver", entity_type="case", entity_id=case.code,
                 after={"method": method, "tracking_number": tracking or None})
    _tell_applicant(session, case.application, f"「{case.title}」{'已寄出' if method == 'mail' else '已领取'}", message)
    return case
