"""Parallel approval (并联审批): one task per item in its department, each moving on its own.

Every transition is one function that locks the case row and moves the task through the one
transition mechanism (states and moves in :mod:`.states`): the current state and the version the
approver saw are checked, the new state is written with its timestamp, the audit record and the
domain event, plus a timeline entry — all in the caller's transaction. The case completes, and every result is issued together,
when the last task is decided.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from onewindow.calendar import clock
from onewindow.calendar import service as calendar
from onewindow.calendar.service import WorkCalendar
from onewindow.cases.access import event, get_application, get_task, lock_case
from onewindow.cases.applying import add_upload
from onewindow.cases.models import Case, ClockSuspension, Task, Verification
from onewindow.cases.results import SYSTEM_ASSIGNED, check_result
from onewindow.cases.states import CASE, DECIDED, OPEN, TASK, VERIFICATION
from onewindow.common import outbox
from onewindow.common import time as beijing
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.db import utcnow
from onewindow.licences import service as licences
from onewindow.sharing import service as sharing

STATUS_LABELS = TASK.labels
__all__ = ["DECIDED", "OPEN", "STATUS_LABELS"]  # re-exported from .states for the pages and API
PROCEDURES = ("听证", "检验检测", "专家评审", "现场勘验", "鉴定", "公示")


def _suspensions(task: Task) -> list[clock.Suspension]:
    return [clock.Suspension(s.started_on, s.ended_on) for s in task.suspensions]


def refresh_deadline(task: Task, cal: WorkCalendar, today: date) -> None:
    if task.started_on is None:
        return
    due = clock.deadline(cal, start=task.started_on, limit_days=task.limit_days,
                         suspensions=_suspensions(task), today=today)
    task.deadline, task.deadline_estimated = due.due, bool(due.estimated_note)


def refresh_case_deadline(case: Case, cal: WorkCalendar, today: date) -> None:
    """The case clock stops while any of its tasks is stopped (补正 or special procedure)."""
    stops = [s for t in case.tasks for s in _suspensions(t)]
    due = clock.deadline(cal, start=case.accepted_on, limit_days=case.limit_days, suspensions=stops, today=today)
    case.deadline, case.deadline_estimated = due.due, bool(due.estimated_note)


def activate_ready(session: Session, *, case: Case, actor: Principal, today: date,
                   cal: WorkCalendar | None = None) -> list[Task]:
    """Start the clock of every waiting task whose prerequisites are all approved."""
    cal = cal or calendar.load_calendar(session)
    approved = {t.item_code for t in case.tasks if t.status == "approved"}
    started = []
    for task in case.tasks:
        if task.status == "waiting" and set(task.depends_on) <= approved:
            TASK.move(session, task, "route", actor=actor, values={"started_on": today})
            refresh_deadline(task, cal, today)
            started.append(task)
            event(session, app=case.application, actor=actor, task=task, action="route",
                  message=f"流转至{_dept(task)}，应于 {task.deadline} 前办结")
            outbox.notify(session, department_id=task.department_id, subject=f"新的审批任务：{task.item_name}",
                          body=f"办件 {case.code}", link=f"/tasks/{task.id}")
    return started


def _dept(task: Task) -> str:
    return next((i["department_name"] for i in task.case.application.plan["items"]
                 if i["code"] == task.item_code), "承办部门")


def _begin(session: Session, *, actor: Principal, task_id: int, move: str,
           version: int | None) -> tuple[Task, Case]:
    """Load the task for its department's approver, lock the case, and check the move can be made."""
    actor.require(Role.approver)
    task = get_task(session, actor=actor, task_id=task_id)
    if task.department_id != actor.department_id:
        raise Forbidden("只能办理本部门的任务")
    case = lock_case(session, task.case_id)
    TASK.check(task, move, version=version)
    return task, case


def start_review(session: Session, *, actor: Principal, task_id: int, version: int | None = None) -> Task:
    task, case = _begin(session, actor=actor, task_id=task_id, move="review", version=version)
    TASK.move(session, task, "review", actor=actor, version=version, values={"assignee_id": actor.user_id})
    event(session, app=case.application, actor=actor, task=task, action="review", message=f"{_dept(task)}开始审查")
    return task


def _stop_clock(session: Session, task: Task, kind: str, reason: str, procedure: str | None) -> None:
    now = utcnow()
    s = ClockSuspension(task_id=task.id, kind=kind, procedure=procedure, reason=reason, started_at=now,
                        started_on=beijing.local_date(now))
    session.add(s)
    task.suspensions.append(s)


def _restart_clock(session: Session, task: Task, case: Case) -> None:
    now = utcnow()
    today = beijing.local_date(now)
    for s in task.suspensions:
        if s.ended_at is None:
            s.ended_at, s.ended_on = now, today
    cal = calendar.load_calendar(session)
    refresh_deadline(task, cal, today)
    refresh_case_deadline(case, cal, today)


def request_supplement(session: Session, *, actor: Principal, task_id: int, text: str,
                       version: int | None = None) -> Task:
    """补正: the clock stops until the applicant supplements online."""
    if not (text or "").strip():
        raise ValidationFailed.one("请写明需要补正的全部内容", field="text")
    task, case = _begin(session, actor=actor, task_id=task_id, move="supplement_request", version=version)
    request = text.strip()[:4000]
    TASK.move(session, task, "supplement_request", actor=actor, version=version,
              values={"supplement_request": request}, after={"text": request})
    _stop_clock(session, task, "supplement", task.supplement_request, None)
    event(session, app=case.application, actor=actor, task=task, action="supplement_request",
          message=f"{_dept(task)}要求补正（暂停计时）：{task.supplement_request}")
    if case.application.applicant_id:
        outbox.notify(session, recipient_id=case.application.applicant_id,
                      subject=f"「{task.item_name}」需要补正", body=task.supplement_request,
                      link=f"/my/applications/{case.application_id}")
    return task


def supplement(session: Session, *, actor: Principal, task_id: int, message: str,
               files: list[tuple[str, str, str, bytes]] = ()) -> Task:
    """The applicant supplies what was asked — `files` as (material_code, filename, content_type, bytes) —
    and the clock restarts."""
    if actor.role not in (Role.applicant, Role.assistant):
        raise Forbidden("补正由申请人或其代办员提交")
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound(f"任务{task_id}不存在")
    app = get_application(session, actor=actor, application_id=task.case.application_id)  # 404 if not theirs
    case = lock_case(session, task.case_id)
    if task.status != "supplement":
        raise Conflict("该任务没有待补正的内容")
    if not (message or "").strip() and not files:
        raise ValidationFailed.one("请填写补正说明或上传补正材料", field="message")
    for code, name, ctype, content in files:
        for old in app.uploads:
            if old.material_code == code and not old.superseded:
                old.superseded = True
        add_upload(session, actor=actor, app=app, material_code=code, filename=name, content=content,
                   content_type=ctype, task_id=task.id)
    TASK.move(session, task, "supplement", actor=actor, after={"files": [n for _, n, _, _ in files]})
    _restart_clock(session, task, case)
    names = "、".join(n for _, n, _, _ in files)
    event(session, app=app, actor=actor, task=task, action="supplement",
          message=f"申请人已补正（恢复计时）：{(message or '').strip()[:500]}" + (f"；材料：{names}" if names else ""))
    outbox.notify(session, department_id=task.department_id, subject=f"申请人已补正：{task.item_name}",
                  body=f"办件 {case.code}", link=f"/tasks/{task.id}")
    return task


def suspend(session: Session, *, actor: Principal, task_id: int, procedure: str, reason: str,
            version: int | None = None) -> Task:
    """特别程序 (听证, 检验检测, 专家评审, 现场勘验 …): by law not counted, so the clock stops."""
    if procedure not in PROCEDURES:
        raise ValidationFailed.one(f"特别程序须为：{'、'.join(PROCEDURES)}", field="procedure")
    if not (reason or "").strip():
        raise ValidationFailed.one("请写明启动特别程序的理由", field="reason")
    task, case = _begin(session, actor=actor, task_id=task_id, move="suspend", version=version)
    TASK.move(session, task, "suspend", actor=actor, version=version, after={"procedure": procedure})
    _stop_clock(session, task, "special_procedure", reason.strip()[:2000], procedure)
    event(session, app=case.application, actor=actor, task=task, action="suspend",
          message=f"{_dept(task)}启动特别程序「{procedure}」（暂停计时）：{reason.strip()[:500]}")
    return task


def resume(session: Session, *, actor: Principal, task_id: int, version: int | None = None) -> Task:
    task, case = _begin(session, actor=actor, task_id=task_id, move="resume", version=version)
    TASK.move(session, task, "resume", actor=actor, version=version)
    _restart_clock(session, task, case)
    event(session, app=case.application, actor=actor, task=task, action="resume",
          message=f"{_dept(task)}特别程序结束，恢复计时")
    return task


def approve(session: Session, *, actor: Principal, task_id: int, result_data: dict | None = None,
            version: int | None = None) -> Task:
    task, case = _begin(session, actor=actor, task_id=task_id, move="approve", version=version)
    # Blank fields are not results: they must not hide what an earlier step decided (the USCC).
    data = {str(k)[:48]: str(v).strip()[:500] for k, v in (result_data or {}).items() if str(v or "").strip()}
    data = _checked_result(case, task, data)
    TASK.move(session, task, "approve", actor=actor, version=version, values={"result_data": data},
              after={"result": data})
    event(session, app=case.application, actor=actor, task=task, action="approve", message=f"{_dept(task)}准予许可")
    _register_if_established(session, case=case, task=task, actor=actor)
    _after_decision(session, case=case, actor=actor)
    return task


REGISTRATION_RESULTS = ("营业执照",)


def registers_enterprise(app, item: dict) -> bool:
    """设立登记 for a person: approving it creates the enterprise (and assigns its USCC)."""
    return app.subject_kind == "person" and item["result_name"] in REGISTRATION_RESULTS


def result_known(case: Case, task: Task) -> dict:
    """What a task's licence is filled from besides what the approver enters: the form, what earlier steps
    decided, and the holder."""
    kind, key, name = _holder(case)
    # The holder names the licence (经营者名称 may be a person's); its code is a USCC only for an enterprise.
    holder = {"holder_name": name, "enterprise_name": name, **({"uscc": key} if kind == "enterprise" else {})}
    return {**holder, **case.application.form_data, **decided_results(case)}


def _checked_result(case: Case, task: Task, data: dict) -> dict:
    app = case.application
    item = next(i for i in app.plan["items"] if i["code"] == task.item_code)
    template = licences.template_for(result_type=item["result_type"], result_name=item["result_name"])
    return check_result(template=template, data=data, known=result_known(case, task),
                        system_assigned=SYSTEM_ASSIGNED if registers_enterprise(app, item) else ())


def _register_if_established(session: Session, *, case: Case, task: Task, actor: Principal) -> None:
    """企业开办 by a person: approving 设立登记 creates the enterprise. It enters the registry with the
    applicant as its legal person, and the case's licences are issued to it, not to the person."""
    app = case.application
    item = next(i for i in app.plan["items"] if i["code"] == task.item_code)
    if not registers_enterprise(app, item):
        return
    source = {**app.form_data, **(task.result_data or {})}
    # The registry assigns the code (unique, check character right); the approval day is 成立日期.
    uscc = sharing.assign_uscc(session, entity_type=source.get("enterprise_type", ""),
                               region_code=source.get("region", ""))
    established_on = beijing.local_date(utcnow())
    enterprise = sharing.register_enterprise(
        session, actor=actor, uscc=uscc, name=source.get("enterprise_name", ""),
        entity_type=source.get("enterprise_type", ""), legal_person_name=app.subject_name,
        legal_person_id_number=app.subject_key, address=source.get("business_address", ""),
        region_code=source.get("region", ""), established_on=established_on,
        member_user_id=app.applicant_id)
    task.result_data = {**(task.result_data or {}), "uscc": enterprise.uscc,
                        "established_on": enterprise.established_on.isoformat()}
    event(session, app=app, actor=actor, task=task, action="register",
          message=f"{enterprise.name}登记成立（统一社会信用代码 {enterprise.uscc}），本件结果发给该企业")


def _holder(case: Case) -> tuple[str, str, str]:
    """Who the results belong to: the enterprise this case registered, else the applicant."""
    app = case.application
    for task in case.tasks:
        item = next(i for i in app.plan["items"] if i["code"] == task.item_code)
        if (task.status == "approved" and app.subject_kind == "person" and item["result_name"] in
                REGISTRATION_RESULTS and (task.result_data or {}).get("uscc")):
            name = (task.result_data or {}).get("enterprise_name") or app.form_data.get("enterprise_name", "")
            return "enterprise", task.result_data["uscc"], name
    return app.subject_kind, app.subject_key, app.subject_name


def refuse(session: Session, *, actor: Principal, task_id: int, reason: str, version: int | None = None) -> Task:
    """不予许可: items that depend on it, directly or not, are cancelled and the applicant told why."""
    if not (reason or "").strip():
        raise ValidationFailed.one("不予许可须写明理由和依据", field="reason")
    task, case = _begin(session, actor=actor, task_id=task_id, move="refuse", version=version)
    why = reason.strip()[:4000]
    TASK.move(session, task, "refuse", actor=actor, version=version, values={"reason": why}, after={"reason": why})
    event(session, app=case.application, actor=actor, task=task, action="refuse",
          message=f"{_dept(task)}不予许可：{task.reason}")
    stopped = {task.item_code}
    changed = True
    while changed:
        changed = False
        for t in case.tasks:
            if t.status not in DECIDED and stopped & set(t.depends_on):
                why = f"前置事项「{task.item_name}」不予许可（{task.reason}），本事项终止办理"
                TASK.move(session, t, "cancel", actor=actor, values={"reason": why}, after={"reason": why})
                stopped.add(t.item_code)
                changed = True
                event(session, app=case.application, actor=actor, task=t, action="cancel", message=t.reason)
    if case.application.applicant_id:
        outbox.notify(session, recipient_id=case.application.applicant_id,
                      subject=f"「{task.item_name}」不予许可", link=f"/my/applications/{case.application_id}",
                      body=task.reason + (f"；因此终止：{'、'.join(sorted(stopped - {task.item_code}))}"
                                          if len(stopped) > 1 else ""))
    _after_decision(session, case=case, actor=actor)
    return task


def _after_decision(session: Session, *, case: Case, actor: Principal) -> None:
    today = beijing.local_date(utcnow())
    activate_ready(session, case=case, actor=actor, today=today)
    if all(t.status in DECIDED for t in case.tasks):
        complete(session, case=case, actor=actor)


def complete(session: Session, *, case: Case, actor: Principal) -> None:
    """办结: every task decided. Results are issued together (统一出件); the caller holds the case lock."""
    CASE.check(case, "complete")  # before the results are issued: a completed case issues nothing twice
    now = utcnow()
    issued = issue_results(session, case=case, actor=actor)
    approved = [t for t in case.tasks if t.status == "approved"]
    summary = f"准予 {len(approved)} 项，不予/终止 {len(case.tasks) - len(approved)} 项，生成电子证照 {len(issued)} 份"
    # The "case.completed" event: other domains act on it after the commit (an award settles).
    CASE.move(session, case, "complete", actor=actor, values={"completed_at": now, "issued_at": now},
              after={"licences": [lic.code for lic in issued], "summary": summary},
              payload={"application_id": case.application_id, "licences": [lic.code for lic in issued]})
    event(session, app=case.application, actor=actor, action="complete", message=f"办结：{summary}")
    if case.application.applicant_id:
        where = "邮寄送达" if case.delivery_method == "mail" else "综合窗口统一领取，电子证照已存入证照夹"
        outbox.notify(session, recipient_id=case.application.applicant_id,
                      subject=f"「{case.title}」已办结", body=f"{summary}。{where}。",
                      link=f"/my/applications/{case.application_id}")


def decided_results(case: Case) -> dict:
    """What the approved steps of a case decided, in case order (the USCC assigned at registration …)."""
    return {k: v for t in case.tasks if t.status == "approved" for k, v in (t.result_data or {}).items() if v}


def issue_results(session: Session, *, case: Case, actor: Principal) -> list:
    """One e-licence per approved task whose item's result has a licence template, signed."""
    app = case.application
    items = {i["code"]: i for i in app.plan["items"]}
    # What one step decided (the USCC assigned at registration) fills the later steps' licences.
    results = decided_results(case)
    holder = _holder(case)
    issued = []
    for task in case.tasks:
        if task.status != "approved":
            continue
        item = items[task.item_code]
        template = licences.template_for(result_type=item["result_type"], result_name=item["result_name"])
        if template is None:
            continue
        source = {**app.form_data, **results, **(task.result_data or {})}
        data = {f.label: str(source.get(f.key, "")) for f in template.fields if source.get(f.key) not in (None, "")}
        data.setdefault("事项", task.item_name)
        issued_on = beijing.local_date(utcnow())
        valid_until = _years_later(issued_on, template.valid_years) if template.valid_years else None
        lic = licences.issue(session, actor=actor, licence_type=template.licence_type, holder_kind=holder[0],
                             holder_key=holder[1], holder_name=holder[2], data=data,
                             issuer_department_id=task.department_id, case_code=case.code,
                             item_code=task.item_code, issued_on=issued_on,
                             valid_until=valid_until)
        issued.append(lic)
        event(session, app=app, actor=actor, task=task, action="issue",
              message=f"生成电子证照「{lic.licence_type}」{lic.code}（已签章）")
        if task.commitment:
            for v in session.query(Verification).filter(Verification.task_id == task.id):
                v.licence_id = lic.id
    for v in session.query(Verification).filter(Verification.case_id == case.id,
                                                Verification.status == "waiting").all():
        task = next(t for t in case.tasks if t.id == v.task_id)
        VERIFICATION.move(session, v, "open" if task.status == "approved" else "close", actor=actor)
    return issued


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
