"""State transitions: one mechanism for every entity that moves through states.

An entity declares its states (a ``State`` enum: the stored key and its Chinese label) and its moves
(name → the states it may start from and the state it ends in) in a ``Machine``. ``Machine.move``
checks the current state (and the version the actor saw), then writes the new state, the timestamp
of that state, a bumped version, the audit record and a domain event ("<entity>.<state>") — all in
the caller's transaction.

One locking style: the write is a conditional ``UPDATE … WHERE id = :id AND status = :from AND
version = :v``. Whoever comes second — a stale version, or a concurrent move that committed first —
updates nothing and gets a 409 naming what happened, never a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from onewindow.common import audit, events
from onewindow.common.errors import Conflict
from onewindow.common.security import Principal
from onewindow.db import utcnow


class State(StrEnum):
    """A state: its value is what is stored, `label` what people read."""

    label: str

    def __new__(cls, value: str, label: str):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.label = label
        return obj

    @classmethod
    def labels(cls) -> dict[str, str]:
        return {s.value: s.label for s in cls}


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str
    # The audit action; None → "<entity>.<move name>"; "" → none here (the caller writes a fuller one).
    audit: str | None = None
    event: bool = True  # False for moves that only re-version the row (editing a draft batch)
    label: str = ""  # how the audit page names the move ("准予许可"); "" → the noun and the state reached


@dataclass(frozen=True)
class Machine:
    entity: str  # "task": the audit entity_type and the events' prefix
    noun: str  # "任务": how the 409s name it
    model: type  # the mapped class: id, status and (if versioned) version columns
    states: type[State]
    moves: Mapping[str, Move]
    stamps: Mapping[str, str] = field(default_factory=dict)  # state → the column stamped when first entered
    stale: str = "已被他人处理，请刷新后查看最新状态"  # the 409 when the row changed since it was read
    versioned: bool = True
    entity_id: Callable[[Any], str | int] = lambda row: row.id  # noqa: E731 — what audit and events call it

    @property
    def labels(self) -> dict[str, str]:
        return self.states.labels()

    def label(self, status: str) -> str:
        return self.states(status).label

    def vocabulary(self):
        """What the audit page needs to read this machine's records: its moves' names, its noun and states."""
        from onewindow.common.audit_text import AuditVocabulary

        actions = {mv.audit or f"{self.entity}.{name}": mv.label or f"{self.noun}转为「{self.label(mv.target)}」"
                   for name, mv in self.moves.items() if mv.audit != ""}
        return AuditVocabulary(actions=actions, entities={self.entity: self.noun},
                               values={f"{self.entity}.status": self.labels})

    def check(self, row: Any, move: str, *, version: int | None = None) -> Move:
        """Refuse a move the row cannot make now: a version other than the one read, or a wrong state."""
        mv = self.moves[move]
        if version is not None and self.versioned and version != row.version:
            raise Conflict(self.stale)
        if row.status not in mv.sources:
            raise Conflict(f"{self.noun}当前为「{self.label(row.status)}」，不能执行此操作")
        return mv

    def move(self, session: Session, row: Any, move: str, *, actor: Principal, version: int | None = None,
             values: Mapping[str, Any] | None = None, before: Mapping[str, Any] | None = None,
             after: Mapping[str, Any] | None = None, payload: Mapping[str, Any] | None = None) -> str:
        """Make the move; `values` are further columns written with the state. Returns the state left."""
        mv = self.check(row, move, version=version)
        session.flush()  # the row's pending changes first, so the version compared below is the stored one
        prior, now = row.status, utcnow()
        vals: dict[str, Any] = {"status": mv.target, **(values or {})}
        if (stamp := self.stamps.get(mv.target)) is not None and getattr(row, stamp) is None:
            vals.setdefault(stamp, now)  # when the state was first entered (a resumed review keeps its start)
        stmt = update(self.model).where(self.model.id == row.id, self.model.status == prior)
        if self.versioned:
            stmt = stmt.where(self.model.version == row.version)
            vals["version"] = row.version + 1
        done = session.execute(stmt.values(**vals).execution_options(synchronize_session=False)).rowcount
        if not done:
            session.expire(row)
            raise Conflict(self.stale)
        for key, value in vals.items():  # the row in memory now matches the stored one, as if loaded
            set_committed_value(row, key, value)
        entity_id = self.entity_id(row)
        if mv.audit != "":
            audit.record(session, actor=actor, action=mv.audit or f"{self.entity}.{move}", entity_type=self.entity,
                         entity_id=entity_id, before={"status": prior, **(before or {})},
                         after={"status": mv.target, **(after or {})})
        if mv.event:
            events.emit(session, name=f"{self.entity}.{mv.target}", entity_type=self.entity, entity_id=entity_id,
                        payload={"id": row.id, "from": prior, "to": mv.target, "move": move,
                                 "actor_id": actor.user_id, **(payload or {})})
        return prior
