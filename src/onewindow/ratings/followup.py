"""After a real-name 差评: the department's callback (回访, 1 working day), the rectification it opens in the
ledger, the rater told when the item closes (销号) and asked to confirm; and departments' appeals (申诉)
to the supervisor, who upholds (the rating leaves the statistics, never the record) or rejects."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.calendar import service as calendar
from onewindow.common import audit, outbox
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.pagination import Page, paginate
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM, Principal
from onewindow.common.time import today
from onewindow.common.uploads import sniff_content_type
from onewindow.config import get_settings
from onewindow.ratings.models import Appeal, Callback, Rating
from onewindow.ratings.states import APPEAL, BAD, CALLBACK, LEVELS
from onewindow.rectification import service as rectification

DEPARTMENT_ROLES = frozenset({Role.approver, Role.handler, Role.inspector})
SUPERVISORS = frozenset({Role.supervisor, Role.admin})


def _text(value: str | None, *, field: str, label: str, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed.one(f"请填写{label}", field=field, label=label)
    if len(text) > 2000:
        raise ValidationFailed.one(f"{label}不能超过 2000 字", field=field, label=label)
    return text


def _of_department(actor: Principal, department_id: int | None) -> None:
    if actor.role == Role.admin:
        return
    if actor.role not in DEPARTMENT_ROLES or actor.department_id != department_id:
        raise Forbidden("仅责任部门可办理")


# ---------------------------------------------------------------- callbacks

def open_callback(session: Session, *, rating: Rating) -> Callback | None:
    """A real-name 差评: the responsible department must call the rater back within the limit."""
    dept = rating.matter.department_id
    if dept is None or session.scalar(select(Callback.id).where(Callback.rating_id == rating.id)) is not None:
        return None
    days = get_settings().rating_callback_days
    start = today()
    cb = Callback(rating_id=rating.id, department_id=dept, status="pending", opened_on=start, limit_days=days,
                  deadline=calendar.add_working_days(session, start=start, days=days).value, sla_state="normal",
                  version=1)
    session.add(cb)
    session.flush()
    audit.record(session, actor=SYSTEM, action="rating_callback.open", entity_type="rating_callback", entity_id=cb.id,
                 after={"rating_id": rating.id, "deadline": str(cb.deadline)})
    outbox.notify(session, department_id=dept, subject=f"【差评回访】{rating.matter.title}",
                  body=f"收到实名差评（{LEVELS[rating.level]}：{'、'.join(rating.reasons)}），请于 {cb.deadline} 前回访",
                  link=f"/ratings/callbacks/{cb.id}", dedupe_key=f"rating:callback:{cb.id}")
    return cb


def get_callback(session: Session, *, actor: Principal, callback_id: int) -> Callback:
    cb = session.get(Callback, callback_id)
    if cb is None or not (actor.role in SUPERVISORS or (actor.role in DEPARTMENT_ROLES
                                                        and actor.department_id == cb.department_id)
                          or (actor.role == Role.applicant and cb.rating.rater_id == actor.user_id)):
        raise NotFound(f"回访{callback_id}不存在")
    return cb


def list_callbacks(session: Session, *, actor: Principal, status: str | None = None, page: int = 1,
                   per_page: int = 20) -> Page:
    stmt = select(Callback)
    if actor.role not in SUPERVISORS:
        if actor.role not in DEPARTMENT_ROLES or actor.department_id is None:
            raise Forbidden("差评回访仅限营商环境局/督查及责任部门查看")
        stmt = stmt.where(Callback.department_id == actor.department_id)
    if status:
        stmt = stmt.where(Callback.status == status)
    return paginate(session, stmt.order_by(Callback.deadline, Callback.id), page=page, per_page=per_page)


def my_callbacks(session: Session, *, actor: Principal) -> list[Callback]:
    """The rater's own 差评 follow-ups (what was done, and the confirmation asked of them)."""
    if actor.role != Role.applicant:
        return []
    return list(session.scalars(select(Callback).join(Rating, Callback.rating_id == Rating.id)
                                .where(Rating.rater_id == actor.user_id).order_by(Callback.id.desc()).limit(50)))


def record_callback(session: Session, *, actor: Principal, callback_id: int, note: str,
                    version: int | None = None) -> Callback:
    """The department called the rater back: it records what it found, and the rectification opens."""
    cb = get_callback(session, actor=actor, callback_id=callback_id)
    _of_department(actor, cb.department_id)
    note = _text(note, field="note", label="回访情况")
    CALLBACK.check(cb, "call", version=version)
    rating = cb.rating
    item = rectification.open_item(session, source_kind="rating", source_ref=str(rating.id),
                                   title=f"差评整改：{rating.matter.title}（{'、'.join(rating.reasons)}）"[:200],
                                   department_id=cb.department_id, actor=actor)
    CALLBACK.move(session, cb, "call", actor=actor, version=version,
                  values={"note": note, "rectification_id": item.id}, after={"rectification_id": item.id})
    return cb


def on_rectification_closed(session: Session, event) -> bool:
    """The "rectification.closed" handler: a rating's item was closed (销号); the rater is told and asked."""
    payload = event.payload or {}
    if payload.get("source_kind") != "rating":
        return False
    cb = session.scalar(select(Callback).where(Callback.rating_id == int(payload["source_ref"])))
    if cb is None or cb.status != "rectifying":
        return False
    CALLBACK.move(session, cb, "rectified", actor=SYSTEM)
    rating = cb.rating
    if rating.rater_id is not None:
        outbox.notify(session, recipient_id=rating.rater_id, subject=f"您的差评已整改完毕：{rating.matter.title}",
                      body="责任部门已完成整改并经验收销号，请确认您是否满意", link=f"/ratings/callbacks/{cb.id}",
                      dedupe_key=f"rating:told:{cb.id}")
    return True


def confirm(session: Session, *, actor: Principal, callback_id: int, satisfied: bool, comment: str = "",
            version: int | None = None) -> Callback:
    """The rater's word on the outcome: satisfied, or still not."""
    cb = get_callback(session, actor=actor, callback_id=callback_id)
    if actor.role != Role.applicant or cb.rating.rater_id != actor.user_id:
        raise Forbidden("仅评价人本人可确认整改结果")
    move = "satisfied" if satisfied else "unsatisfied"
    CALLBACK.move(session, cb, move, actor=actor, version=version,
                  values={"confirmation": _text(comment, field="comment", label="意见", required=False)})
    return cb


# ---------------------------------------------------------------- appeals

def file_appeal(session: Session, *, actor: Principal, rating_id: int, reason: str,
                file: tuple[str, bytes] | None = None) -> Appeal:
    rating = session.get(Rating, rating_id)
    if rating is None or not (actor.role in DEPARTMENT_ROLES and actor.department_id == rating.matter.department_id):
        raise NotFound(f"评价{rating_id}不存在")
    if rating.level not in BAD:
        raise ValidationFailed.one("只能对差评提出申诉")
    if session.scalar(select(Appeal.id).where(Appeal.rating_id == rating.id)) is not None:
        raise Conflict("该评价已提出过申诉，不能重复申诉")
    reason = _text(reason, field="reason", label="申诉理由")
    appeal = Appeal(rating_id=rating.id, department_id=rating.matter.department_id, status="pending", reason=reason,
                    filed_by_id=actor.user_id, version=1)
    if file is not None:
        appeal.filename, appeal.content = file[0][:200], file[1]
        appeal.content_type, appeal.sha256 = sniff_content_type(file[1]), hashlib.sha256(file[1]).hexdigest()
    session.add(appeal)
    session.flush()
    audit.record(session, actor=actor, action="rating_appeal.file", entity_type="rating_appeal", entity_id=appeal.id,
                 after={"rating_id": rating.id, "evidence": appeal.filename})
    return appeal


def get_appeal(session: Session, *, actor: Principal, appeal_id: int) -> Appeal:
    appeal = session.get(Appeal, appeal_id)
    if appeal is None or not (actor.role in SUPERVISORS or (actor.role in DEPARTMENT_ROLES
                                                            and actor.department_id == appeal.department_id)):
        raise NotFound(f"申诉{appeal_id}不存在")
    return appeal


def list_appeals(session: Session, *, actor: Principal, status: str | None = None, page: int = 1) -> Page:
    stmt = select(Appeal)
    if actor.role not in SUPERVISORS:
        if actor.role not in DEPARTMENT_ROLES:
            raise Forbidden("申诉仅限营商环境局/督查及责任部门查看")
        stmt = stmt.where(Appeal.department_id == actor.department_id)
    if status:
        stmt = stmt.where(Appeal.status == status)
    return paginate(session, stmt.order_by(Appeal.id.desc()), page=page, per_page=20)


def decide_appeal(session: Session, *, actor: Principal, appeal_id: int, uphold: bool, decision: str = "",
                  version: int | None = None) -> Appeal:
    """Upheld: the rating is excluded from every statistic — it stays in the record, and in the audit."""
    actor.require(Role.supervisor, Role.admin)
    appeal = get_appeal(session, actor=actor, appeal_id=appeal_id)
    decision = _text(decision, field="decision", label="审核意见", required=not uphold) or "申诉成立"
    APPEAL.move(session, appeal, "uphold" if uphold else "reject", actor=actor, version=version,
                values={"decision": decision, "decided_by_id": actor.user_id})
    if uphold:
        appeal.rating.excluded = True
        audit.record(session, actor=actor, action="rating.exclude", entity_type="rating", entity_id=appeal.rating_id,
                     before={"excluded": False}, after={"excluded": True, "appeal_id": appeal.id})
    return appeal


def callbacks_for(session: Session, *, rating_ids: list[int]) -> dict[int, Callback]:
    if not rating_ids:
        return {}
    return {c.rating_id: c for c in session.scalars(select(Callback).where(Callback.rating_id.in_(rating_ids)))}
