"""The rectification ledger's public face: other domains open items here and read their outcome; the
responsible unit records progress and submits evidence; the supervisor accepts (销号) or returns.

Row-level access: the supervisor and admin see every item; a department's staff only their unit's
items (another unit's answers 404, so ids reveal nothing); nobody else any.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from onewindow.calendar import service as calendar
from onewindow.catalog import service as catalog
from onewindow.common import audit
from onewindow.common.errors import Forbidden, NotFound, ValidationFailed
from onewindow.common.pagination import Page, paginate
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.common.time import today as beijing_today
from onewindow.common.uploads import sniff_content_type
from onewindow.config import get_settings
from onewindow.db import utcnow
from onewindow.rectification.models import RectificationItem, RectificationNote
from onewindow.rectification.states import ITEM, NOTE_KINDS, ItemStatus

SUPERVISORS = frozenset({Role.supervisor, Role.admin})
UNIT_ROLES = frozenset({Role.approver, Role.handler, Role.inspector})
SOURCE_LABELS = {"rating": "好差评", "demand": "诉求", "inspection": "督查检查", "indicator": "指标监测",
                 "review": "审议意见"}
STATUS_LABELS = ItemStatus.labels()
CLOSED = ItemStatus.closed.value
MAX_TEXT = 2000


@dataclass(frozen=True)
class ItemRef:
    """An item as other packages read it: plain values."""

    id: int
    status: str
    status_label: str
    deadline: date
    closed_on: date | None

    @property
    def closed(self) -> bool:
        return self.status == CLOSED

    @property
    def on_time(self) -> bool:
        return self.closed_on is not None and self.closed_on <= self.deadline


def _ref(item: RectificationItem) -> ItemRef:
    return ItemRef(item.id, item.status, ITEM.label(item.status), item.deadline, item.closed_on)


def source_label(kind: str) -> str:
    return SOURCE_LABELS.get(kind, kind)


def _text(value: str | None, *, field: str, label: str, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed.one(f"请填写{label}", field=field, label=label)
    if len(text) > MAX_TEXT:
        raise ValidationFailed.one(f"{label}不能超过 {MAX_TEXT} 字", field=field, label=label)
    return text


# ---------------------------------------------------------------- opening (other domains)

def open_item(session: Session, *, source_kind: str, source_ref: str, title: str, department_id: int,
              actor: Principal, limit_days: int | None = None) -> ItemRef:
    """Open a 整改事项 for the unit, due `limit_days` working days from today (the configured default).
    Opening the same source again returns the item already opened, so a retried handler makes one."""
    existing = session.scalar(select(RectificationItem).where(RectificationItem.source_kind == source_kind,
                                                              RectificationItem.source_ref == str(source_ref)))
    if existing is not None:
        return _ref(existing)
    if catalog.department_by_id(session, department_id=department_id) is None:
        raise ValidationFailed.one("责任单位不存在", field="department_id", label="责任单位")
    title = _text(title, field="title", label="整改事项")[:200]
    days = limit_days or get_settings().rectification_days
    start = beijing_today()
    due = calendar.add_working_days(session, start=start, days=days)
    item = RectificationItem(source_kind=source_kind, source_ref=str(source_ref), title=title,
                             department_id=department_id, status=ItemStatus.rectifying.value,
                             opened_by_id=actor.user_id, opened_on=start, limit_days=days, deadline=due.value,
                             deadline_estimated=due.estimated, sla_state="normal", created_at=utcnow(), version=1)
    session.add(item)
    session.flush()
    audit.record(session, actor=actor, action="rectification.open", entity_type="rectification", entity_id=item.id,
                 after={"source": f"{source_kind}:{source_ref}", "department_id": department_id,
                        "deadline": str(item.deadline)})
    from onewindow.common import outbox

    outbox.notify(session, subject=f"【整改】{title}", department_id=department_id, link=f"/rectification/{item.id}",
                  body=f"请于 {item.deadline} 前完成整改并提交整改材料", dedupe_key=f"rectification:open:{item.id}")
    return _ref(item)


def items_for_source(session: Session, *, source_kind: str, source_refs: list[str]) -> dict[str, ItemRef]:
    """The items opened for these sources, by source ref (for the source's own statistics)."""
    if not source_refs:
        return {}
    rows = session.scalars(select(RectificationItem).where(RectificationItem.source_kind == source_kind,
                                                           RectificationItem.source_ref.in_(source_refs)))
    return {r.source_ref: _ref(r) for r in rows}


def source_outcomes(*, source_kind: str):
    """A subquery a source's statistics join in SQL: per source ref, closed (1/0) and closed on time (1/0),
    so a GROUP BY over the source counts 整改销号 and 按时整改 without loading the items."""
    closed = RectificationItem.status == CLOSED
    return (select(RectificationItem.source_ref.label("source_ref"),
                   case((closed, 1), else_=0).label("closed"),
                   case((closed & (RectificationItem.closed_on <= RectificationItem.deadline), 1), else_=0)
                   .label("on_time"))
            .where(RectificationItem.source_kind == source_kind).subquery("outcomes"))


def item_ref(session: Session, *, item_id: int) -> ItemRef | None:
    item = session.get(RectificationItem, item_id)
    return _ref(item) if item else None


# ---------------------------------------------------------------- reading

def can_read(actor: Principal, item: RectificationItem) -> bool:
    if actor.role in SUPERVISORS:
        return True
    return actor.role in UNIT_ROLES and actor.department_id == item.department_id


def get_item(session: Session, *, actor: Principal, item_id: int) -> RectificationItem:
    item = session.get(RectificationItem, item_id)
    if item is None or not can_read(actor, item):
        raise NotFound(f"整改事项{item_id}不存在")
    return item


def _scope(actor: Principal, stmt):
    if actor.role in SUPERVISORS:
        return stmt
    if actor.role in UNIT_ROLES and actor.department_id is not None:
        return stmt.where(RectificationItem.department_id == actor.department_id)
    raise Forbidden("整改台账仅限营商环境局/督查及责任单位查看")


def list_items(session: Session, *, actor: Principal, department_id: int | None = None,
               source_kind: str | None = None, status: str | None = None, sla_state: str | None = None,
               page: int = 1, per_page: int = 20) -> Page:
    stmt = _scope(actor, select(RectificationItem))
    if department_id is not None:
        stmt = stmt.where(RectificationItem.department_id == department_id)
    if source_kind:
        stmt = stmt.where(RectificationItem.source_kind == source_kind)
    if status:
        stmt = stmt.where(RectificationItem.status == status)
    if sla_state:
        stmt = stmt.where(RectificationItem.sla_state == sla_state)
    return paginate(session, stmt.order_by(RectificationItem.deadline, RectificationItem.id), page=page,
                    per_page=per_page)


@dataclass
class UnitLine:
    """One unit's line of the supervisor's ledger (见人、见事、见结果)."""

    department_id: int
    department_name: str
    counts: dict[str, int]  # status -> items
    overdue: int
    on_time_closed: int

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def ledger(session: Session, *, actor: Principal, source_kind: str | None = None) -> list[UnitLine]:
    """Items by unit and state (and how many overdue / closed on time), for the supervisor."""
    stmt = _scope(actor, select(RectificationItem.department_id, RectificationItem.status,
                                RectificationItem.sla_state,
                                (RectificationItem.closed_on <= RectificationItem.deadline).label("on_time"),
                                func.count()))
    if source_kind:
        stmt = stmt.where(RectificationItem.source_kind == source_kind)
    stmt = stmt.group_by(RectificationItem.department_id, RectificationItem.status, RectificationItem.sla_state,
                         "on_time")
    lines: dict[int, UnitLine] = {}
    rows = session.execute(stmt).all()
    names = catalog.departments_by_id(session, ids={r[0] for r in rows})
    for dept, status, sla, on_time, n in rows:
        line = lines.setdefault(dept, UnitLine(dept, names[dept].name if dept in names else "—",
                                               dict.fromkeys(STATUS_LABELS, 0), 0, 0))
        line.counts[status] = line.counts.get(status, 0) + n
        if sla == "overdue" and status != CLOSED:
            line.overdue += n
        if status == CLOSED and on_time:
            line.on_time_closed += n
    return sorted(lines.values(), key=lambda u: (-u.overdue, -u.total, u.department_id))


def attachment(session: Session, *, actor: Principal, item_id: int, note_id: int) -> RectificationNote:
    item = get_item(session, actor=actor, item_id=item_id)
    note = session.get(RectificationNote, note_id)
    if note is None or note.item_id != item.id or note.content is None:
        raise NotFound("附件不存在")
    return note


# ---------------------------------------------------------------- the unit's work

def _unit(actor: Principal, item: RectificationItem) -> None:
    if not (actor.role in UNIT_ROLES and actor.department_id == item.department_id) and actor.role != Role.admin:
        raise Forbidden("仅责任单位可记录整改进展、提交整改材料")


def _note(session: Session, item: RectificationItem, *, actor: Principal, kind: str, text: str,
          file: tuple[str, bytes] | None = None) -> RectificationNote:
    note = RectificationNote(item_id=item.id, kind=kind, text=text, actor_id=actor.user_id,
                             actor_name=actor.display_name, at=utcnow())
    if file is not None:
        name, content = file
        if len(content) > get_settings().max_upload_bytes:
            raise ValidationFailed.one("附件过大", field="file", label="附件")
        note.filename, note.content = name[:200], content
        note.content_type, note.size = sniff_content_type(content), len(content)
        note.sha256 = hashlib.sha256(content).hexdigest()
    session.add(note)
    session.flush()
    if note not in item.notes:
        item.notes.append(note)
    return note


def add_progress(session: Session, *, actor: Principal, item_id: int, text: str,
                 file: tuple[str, bytes] | None = None) -> RectificationNote:
    item = get_item(session, actor=actor, item_id=item_id)
    _unit(actor, item)
    if item.status == CLOSED:
        raise ValidationFailed.one("整改事项已销号，不能再记录进展")
    note = _note(session, item, actor=actor, kind="progress", text=_text(text, field="text", label="整改进展"),
                 file=file)
    audit.record(session, actor=actor, action="rectification.progress", entity_type="rectification",
                 entity_id=item.id, after={"note_id": note.id, "file": note.filename})
    return note


def submit_evidence(session: Session, *, actor: Principal, item_id: int, text: str,
                    file: tuple[str, bytes] | None = None, version: int | None = None) -> RectificationItem:
    """The unit says it is done, with its evidence; the supervisor is told to check it."""
    item = get_item(session, actor=actor, item_id=item_id)
    _unit(actor, item)
    text = _text(text, field="text", label="整改情况说明")
    ITEM.check(item, "submit", version=version)
    _note(session, item, actor=actor, kind="evidence", text=text, file=file)
    ITEM.move(session, item, "submit", actor=actor, version=version)
    return item


def _supervisor(actor: Principal) -> None:
    actor.require(Role.supervisor, Role.admin)


def accept(session: Session, *, actor: Principal, item_id: int, text: str = "",
           version: int | None = None) -> RectificationItem:
    """销号: only on evidence submitted (待验收), by the supervisor. Emits "rectification.closed"."""
    _supervisor(actor)
    item = get_item(session, actor=actor, item_id=item_id)
    ITEM.check(item, "accept", version=version)
    _note(session, item, actor=actor, kind="closed", text=_text(text, field="text", label="验收意见",
                                                                required=False) or "验收通过，予以销号")
    ITEM.move(session, item, "accept", actor=actor, version=version, values={"closed_on": beijing_today()},
              payload={"source_kind": item.source_kind, "source_ref": item.source_ref})
    return item


def return_item(session: Session, *, actor: Principal, item_id: int, reason: str,
                version: int | None = None) -> RectificationItem:
    _supervisor(actor)
    item = get_item(session, actor=actor, item_id=item_id)
    reason = _text(reason, field="reason", label="退回原因")
    ITEM.check(item, "return", version=version)
    _note(session, item, actor=actor, kind="returned", text=reason)
    ITEM.move(session, item, "return", actor=actor, version=version, values={"return_reason": reason},
              after={"reason": reason})
    from onewindow.common import outbox

    outbox.notify(session, subject=f"【整改退回】{item.title}", body=f"退回原因：{reason}", link=f"/rectification/{item.id}",
                  department_id=item.department_id)
    return item


__all__ = ["measure_providers", "ITEM", "NOTE_KINDS", "STATUS_LABELS", "ItemRef", "UnitLine", "accept", "add_progress", "attachment",
           "get_item", "item_ref", "items_for_source", "ledger", "list_items", "open_item", "return_item", "source_outcomes",
           "source_label", "submit_evidence"]


def measure_providers() -> list:
    """What rectification offers the indicators (common.measures)."""
    from onewindow.rectification.measures import PROVIDER

    return [PROVIDER]
