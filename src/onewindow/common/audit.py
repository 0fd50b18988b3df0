"""The audit trail: every change and every reveal of personal data, hash-chained.

Appends lock the single `audit_head` row first (UPDATE … RETURNING), so concurrent writers
on PostgreSQL queue on that row and SQLite takes its write lock; the chain cannot fork.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from onewindow.common.models import AuditHead, AuditRecord
from onewindow.common.pagination import Page, paginate
from onewindow.common.roles import AUDIT_READERS
from onewindow.common.security import Principal
from onewindow.db import utcnow

GENESIS = "0" * 64


def canonical(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def _digest(*, seq: int, at: datetime, actor_id: int | None, actor_name: str, actor_role: str, action: str,
            entity_type: str, entity_id: str, before: str | None, after: str | None, prev_hash: str) -> str:
    payload = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), actor_id, actor_name, actor_role, action,
         entity_type, entity_id, before, after, prev_hash],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _record_digest(rec: AuditRecord) -> str:
    return _digest(seq=rec.seq, at=rec.at, actor_id=rec.actor_id, actor_name=rec.actor_name,
                   actor_role=rec.actor_role, action=rec.action, entity_type=rec.entity_type,
                   entity_id=rec.entity_id, before=rec.before, after=rec.after, prev_hash=rec.prev_hash)


def record(session: Session, *, actor: Principal, action: str, entity_type: str, entity_id: str | int,
           before: Any = None, after: Any = None) -> AuditRecord:
    """Append one record in the caller's transaction; it commits or rolls back with the change."""
    seq, prev_hash = session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=AuditHead.seq + 1)
        .returning(AuditHead.seq, AuditHead.hash)
    ).one()
    at = utcnow()  # microsecond precision, which both databases keep, so the hash survives a round trip
    rec = AuditRecord(
        seq=seq, at=at, actor_id=actor.user_id, actor_name=actor.username, actor_role=str(actor.role),
        action=action, entity_type=entity_type, entity_id=str(entity_id),
        before=canonical(before), after=canonical(after), prev_hash=prev_hash,
    )
    rec.hash = _record_digest(rec)
    session.add(rec)
    session.execute(update(AuditHead).where(AuditHead.id == 1).values(hash=rec.hash))
    return rec


@dataclass
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    reason: str | None = None
    head_hash: str | None = None  # the last record's hash, when the chain is whole


def verify(session: Session, *, batch: int = 5000) -> VerifyResult:
    """Walk the chain from the start; report the first record that was altered, deleted or inserted."""
    expected_seq, running = 1, GENESIS
    checked = 0
    while True:
        rows = session.scalars(
            select(AuditRecord).where(AuditRecord.seq >= expected_seq).order_by(AuditRecord.seq).limit(batch)
        ).all()
        if not rows:
            break
        for rec in rows:
            if rec.seq != expected_seq:
                return VerifyResult(False, checked, expected_seq, f"第{expected_seq}条记录缺失（已被删除）")
            if rec.prev_hash != running:
                return VerifyResult(False, checked, rec.seq, f"第{rec.seq}条记录的前序哈希与链不符")
            if _record_digest(rec) != rec.hash:
                return VerifyResult(False, checked, rec.seq, f"第{rec.seq}条记录内容已被篡改")
            running = rec.hash
            expected_seq += 1
            checked += 1
    head = session.get(AuditHead, 1)
    if head is None:
        return VerifyResult(False, checked, None, "审计链头缺失")
    if head.seq != checked or head.hash != running:
        return VerifyResult(False, checked, checked + 1, f"链尾之后的记录缺失：链头记为{head.seq}条，实有{checked}条")
    return VerifyResult(True, checked, head_hash=running)


def list_records(session: Session, *, actor: Principal, q: str | None = None, entity_type: str | None = None,
                 action: str | None = None, q_actions: list[str] | None = None, page: int = 1,
                 per_page: int = 50) -> Page:
    """Newest first; `q` matches the actor, the object's id or the action, and `q_actions` are further
    actions whose Chinese names matched it."""
    actor.require(*AUDIT_READERS)
    stmt = select(AuditRecord).order_by(AuditRecord.seq.desc())
    if entity_type:
        stmt = stmt.where(AuditRecord.entity_type == entity_type)
    if action:
        stmt = stmt.where(AuditRecord.action == action)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(AuditRecord.actor_name.like(like), AuditRecord.entity_id.like(like),
                              AuditRecord.action.like(like), AuditRecord.action.in_(q_actions or [])))
    return paginate(session, stmt, page=page, per_page=per_page)
