"""Post-checks of 告知承诺 approvals (事中事后核查).

States and moves are declared in :mod:`.states` (VERIFICATION). due → passed; or due → rectifying (failed, ordered to rectify by a deadline) → rectified, or →
revoked: the licence is revoked (verification then says so) and a 严重 credit record is written
against the holder, which also bars the commitment route until the credit is repaired.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from onewindow.cases.access import event
from onewindow.cases.models import Case, Task, Verification
from onewindow.cases.states import VERIFICATION
from onewindow.common import outbox
from onewindow.common import time as beijing
from onewindow.common.errors import Forbidden, NotFound, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.db import utcnow
from onewindow.licences import service as licences
from onewindow.sharing import service as sharing

CHECKERS = (Role.approver, Role.inspector)
STATUS_LABELS = VERIFICATION.labels


def due_list(*, actor: Principal, status: str | None = None) -> Select:
    """The department's post-checks, the earliest due first."""
    if actor.role in CHECKERS:
        stmt = select(Verification).where(Verification.department_id == actor.department_id)
    elif actor.role in (Role.supervisor, Role.admin):
        stmt = select(Verification)
    else:
        raise Forbidden("无权查看承诺核查")
    if status:
        stmt = stmt.where(Verification.status == status)
    else:
        stmt = stmt.where(Verification.status.in_(("due", "rectifying")))
    return stmt.order_by(Verification.due_on, Verification.id)


def get_verification(session: Session, *, actor: Principal, verification_id: int,
                     for_update: bool = False) -> Verification:
    stmt = select(Verification).where(Verification.id == verification_id)
    if for_update:
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    v = session.scalar(stmt)
    readable = v is not None and (actor.role in (Role.supervisor, Role.admin) or
                                  (actor.role in CHECKERS and v.department_id == actor.department_id))
    if not readable:
        raise NotFound(f"核查{verification_id}不存在")
    return v


def _begin(session: Session, actor: Principal, verification_id: int, move: str,
           version: int | None) -> Verification:
    actor.require(*CHECKERS)
    v = get_verification(session, actor=actor, verification_id=verification_id, for_update=True)
    VERIFICATION.check(v, move, version=version)
    return v


def record_result(session: Session, *, actor: Principal, verification_id: int, passed: bool, result: str,
                  rectification_due_on: date | None = None, version: int | None = None,
                  today: date | None = None) -> Verification:
    if not (result or "").strip():
        raise ValidationFailed.one("请填写核查情况", field="result")
    v = _begin(session, actor, verification_id, "pass" if passed else "fail", version)
    today = today or beijing.local_date(utcnow())
    text = result.strip()[:4000]
    if not passed and (rectification_due_on is None or rectification_due_on <= today):
        raise ValidationFailed.one("核查不通过须责令限期整改（晚于今天的日期）", field="rectification_due_on")
    values = {"result": text, "checked_at": utcnow(), "checked_by_id": actor.user_id}
    if not passed:
        values["rectification_due_on"] = rectification_due_on
    VERIFICATION.move(session, v, "pass" if passed else "fail", actor=actor, version=version, values=values,
                      after={"result": text, "rectification_due_on": str(rectification_due_on or "")})
    case, task = session.get(Case, v.case_id), session.get(Task, v.task_id)
    if passed:
        message = f"告知承诺核查通过：{v.result}"
    else:
        message = f"告知承诺核查不通过，责令于 {rectification_due_on} 前整改：{v.result}"
        if case.application.applicant_id:
            outbox.notify(session, recipient_id=case.application.applicant_id,
                          subject=f"「{task.item_name}」承诺核查不通过，请限期整改", body=message,
                          link=f"/my/applications/{case.application_id}")
    event(session, app=case.application, actor=actor, task=task, action="verify", message=message)
    return v


def record_rectification(session: Session, *, actor: Principal, verification_id: int, rectified: bool,
                         result: str, version: int | None = None) -> Verification:
    """Rectified closes the check; not rectified revokes the approval."""
    if not (result or "").strip():
        raise ValidationFailed.one("请填写整改核查情况", field="result")
    v = _begin(session, actor, verification_id, "rectified" if rectified else "revoke", version)
    if rectified:
        now = utcnow()
        VERIFICATION.move(session, v, "rectified", actor=actor, version=version, values={
            "closed_at": now, "rectified_at": now, "result": f"{v.result}\n整改复查：{result.strip()[:2000]}"})
        case, task = session.get(Case, v.case_id), session.get(Task, v.task_id)
        event(session, app=case.application, actor=actor, task=task, action="rectified",
              message=f"整改完成：{result.strip()[:500]}")
        return v
    return revoke_approval(session, actor=actor, verification=v, reason=result.strip()[:2000], version=version)


def revoke_approval(session: Session, *, actor: Principal, verification: Verification, reason: str,
                    version: int | None = None) -> Verification:
    """承诺不实且逾期未整改: revoke the licence, record 严重 credit against the holder."""
    v = verification
    VERIFICATION.move(session, v, "revoke", actor=actor, version=version, after={"reason": reason},
                      values={"result": f"{v.result or ''}\n撤销：{reason}".strip()})
    case, task = session.get(Case, v.case_id), session.get(Task, v.task_id)
    app = case.application
    full = f"告知承诺不实，逾期未整改，撤销「{task.item_name}」许可：{reason}"
    holder = (app.subject_kind, app.subject_key, app.subject_name)
    if v.licence_id is not None:
        lic = sharing.licence_by_id(session, licence_id=v.licence_id)
        licences.revoke(session, actor=actor, code=lic.code, reason=full)
        holder = (lic.holder_kind, lic.holder_key, lic.holder_name)  # the enterprise that made the commitment
    sharing.record_credit(session, actor=actor, subject_kind=holder[0], subject_key=holder[1],
                          subject_name=holder[2], severity="严重", reason=full,
                          source="告知承诺事中事后核查", reference=case.code)
    event(session, app=app, actor=actor, task=task, action="revoke", message=full)
    if app.applicant_id:
        outbox.notify(session, recipient_id=app.applicant_id, subject=f"「{task.item_name}」许可已撤销", body=full,
                      link=f"/my/applications/{app.id}")
    return v

