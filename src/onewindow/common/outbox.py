"""Notifications through the outbox: written with the change that causes them, delivered later.

A sender (the log sender here; SMTP or an SMS gateway in production) takes undelivered rows and
marks them sent; a crash between the two only re-sends, it never loses a message.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onewindow.common.models import OutboxMessage
from onewindow.common.pagination import Page, paginate
from onewindow.common.security import Principal
from onewindow.db import utcnow

log = logging.getLogger("onewindow.outbox")


def notify(session: Session, *, subject: str, body: str = "", recipient_id: int | None = None,
           department_id: int | None = None, link: str | None = None,
           dedupe_key: str | None = None) -> OutboxMessage | None:
    """Queue one message. With `dedupe_key`, a second call with the same key writes nothing, so
    periodic work can be re-run without telling anyone twice."""
    if dedupe_key is not None and session.scalar(
            select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)) is not None:
        return None
    msg = OutboxMessage(recipient_id=recipient_id, department_id=department_id, subject=subject[:200],
                        body=body, link=link, dedupe_key=dedupe_key, created_at=utcnow())
    session.add(msg)
    session.flush()
    return msg


def supervise(session: Session, *, subject: str, body: str, link: str, department_id: int, dedupe_key: str,
              recipients: list[int]) -> int:
    """督办: a notice that someone must act on. It goes, each as their own message, to every one of `recipients`
    (accounts.service.duty_recipients: the responsible unit's staff and every supervisor) — a message addressed
    to a department alone reaches no one's inbox. Returns how many were queued (none on a re-run)."""
    sent = 0
    for user_id in recipients:
        sent += notify(session, subject=subject, body=body, recipient_id=user_id, department_id=department_id,
                       link=link, dedupe_key=f"{dedupe_key}:{user_id}") is not None
    return sent


def my_messages(session: Session, *, actor: Principal, page: int = 1, per_page: int = 20) -> Page:
    stmt = select(OutboxMessage).where(OutboxMessage.recipient_id == actor.user_id).order_by(
        OutboxMessage.id.desc())
    return paginate(session, stmt, page=page, per_page=per_page)


def unread_count(session: Session, *, actor: Principal) -> int:
    if actor.user_id is None:
        return 0
    return session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient_id == actor.user_id, OutboxMessage.read_at.is_(None))) or 0


def mark_read(session: Session, *, actor: Principal) -> None:
    for msg in session.scalars(select(OutboxMessage).where(
            OutboxMessage.recipient_id == actor.user_id, OutboxMessage.read_at.is_(None))):
        msg.read_at = utcnow()


def deliver_pending(session: Session, *, send: Callable[[OutboxMessage], None] | None = None,
                    limit: int = 500) -> int:
    """Deliver undelivered messages with `send` (default: write to the log) and mark them sent."""
    send = send or (lambda m: log.info("通知 → 用户%s 部门%s：%s", m.recipient_id, m.department_id, m.subject))
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                           .order_by(OutboxMessage.id).limit(limit).with_for_update(skip_locked=True)).all()
    for msg in rows:
        send(msg)
        msg.sent_at = utcnow()
    return len(rows)
