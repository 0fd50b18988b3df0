"""The one transition mechanism (#10.1): allowed and forbidden moves, 409 on a stale version or a
concurrent change, audit record and domain event written with the move (and gone with a rollback),
labels declared once."""

from __future__ import annotations

import pytest
from sqlalchemy import Integer, String, func, select, update
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from onewindow.cases import service as cases
from onewindow.cases.checks import STATUS_LABELS as CHECK_LABELS
from onewindow.cases.states import TASK, VERIFICATION
from onewindow.common.errors import Conflict
from onewindow.common.models import AuditRecord, DomainEvent
from onewindow.common.security import SYSTEM
from onewindow.common.transitions import Machine, Move, State
from onewindow.db import UTCDateTime
from onewindow.policies.disbursement import core as disbursement


class _Base(DeclarativeBase):
    pass


class Door(_Base):
    """A throwaway entity, created inside the test's rolled-back transaction."""

    __tablename__ = "test_doors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(12))
    opened_at = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class DoorStatus(State):
    closed = "closed", "已关闭"
    open = "open", "已打开"
    locked = "locked", "已上锁"


DOOR = Machine(entity="door", noun="门", model=Door, states=DoorStatus, stale="门已被他人动过，请刷新",
               moves={"open": Move(("closed",), "open"), "lock": Move(("closed",), "locked")},
               stamps={"open": "opened_at"})


@pytest.fixture
def door(session):
    _Base.metadata.create_all(session.connection())
    d = Door(status="closed", version=1)
    session.add(d)
    session.flush()
    return d


def _count(session, model, *where):
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_issue10_allowed_move_writes_state_stamp_version_audit_and_event(session, door):
    prior = DOOR.move(session, door, "open", actor=SYSTEM, version=1, after={"why": "通风"})
    assert prior == "closed"
    session.expire_all()
    stored = session.get(Door, door.id)
    assert (stored.status, stored.version) == ("open", 2) and stored.opened_at is not None
    rec = session.scalar(select(AuditRecord).where(AuditRecord.entity_type == "door"))
    assert rec.action == "door.open" and '"closed"' in rec.before and '"通风"' in rec.after
    ev = session.scalar(select(DomainEvent).where(DomainEvent.name == "door.open"))
    assert ev.entity_id == str(door.id) and ev.payload["from"] == "closed" and ev.dispatched_at is None


def test_issue10_forbidden_move_is_a_409_naming_the_state_in_chinese(session, door):
    DOOR.move(session, door, "lock", actor=SYSTEM)
    with pytest.raises(Conflict, match="门当前为「已上锁」，不能执行此操作") as e:
        DOOR.move(session, door, "open", actor=SYSTEM)
    assert e.value.status_code == 409
    assert _count(session, DomainEvent, DomainEvent.name == "door.open") == 0


def test_issue10_stale_version_and_concurrent_change_are_409s_and_write_nothing(session, door):
    with pytest.raises(Conflict, match="门已被他人动过"):
        DOOR.move(session, door, "open", actor=SYSTEM, version=7)
    # Someone else moved the row after we read it: the conditional UPDATE matches nothing.
    session.execute(update(Door).where(Door.id == door.id).values(status="locked", version=2)
                    .execution_options(synchronize_session=False))
    with pytest.raises(Conflict, match="门已被他人动过"):
        DOOR.move(session, door, "open", actor=SYSTEM)
    assert session.get(Door, door.id).status == "locked"  # re-read, not overwritten
    assert _count(session, AuditRecord, AuditRecord.entity_type == "door") == 0
    assert _count(session, DomainEvent, DomainEvent.entity_type == "door") == 0


def test_issue10_a_rollback_takes_the_audit_record_and_the_event_with_the_move(session, door):
    session.commit()
    audits = _count(session, AuditRecord)
    DOOR.move(session, door, "open", actor=SYSTEM)
    session.rollback()
    assert session.get(Door, door.id).status == "closed"
    assert _count(session, AuditRecord) == audits
    assert _count(session, DomainEvent, DomainEvent.entity_type == "door") == 0


def test_issue10_labels_come_from_the_declared_states():
    assert DoorStatus.labels() == {"closed": "已关闭", "open": "已打开", "locked": "已上锁"}
    assert DoorStatus("open").label == "已打开" and DoorStatus.open == "open"
    assert cases.STATUS_LABELS is not None and TASK.labels == cases.STATUS_LABELS
    assert cases.STATUS_LABELS["in_review"] == "审查中" and VERIFICATION.labels == CHECK_LABELS
    assert disbursement.STATUS_LABELS == disbursement.BATCH.labels == {
        "draft": "待审核", "approved": "已审核", "paid": "已支付", "cancelled": "已作废"}
    for machine in (TASK, VERIFICATION, disbursement.BATCH):  # every move names declared states
        for mv in machine.moves.values():
            assert {*mv.sources, mv.target} <= set(machine.labels)
