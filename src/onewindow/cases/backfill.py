"""The "case.completed" events of cases completed before domain events existed (migration 0008).

Since 0008 the completion writes the event in its own transaction (``CASE.move``); an older database
holds completed cases without one, so nothing that listens for it (settling an award) ever hears of
them. ``emit_missing_completions`` writes, through ``common.events``, the event each such case would
have written — then the outbox's once-only guarantee applies to it like to any other. A case that has
its event is skipped, so running it again writes nothing."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from onewindow.cases.models import Case
from onewindow.cases.states import CASE, CaseStatus
from onewindow.common import events
from onewindow.common.models import DomainEvent

COMPLETED = f"{CASE.entity}.{CaseStatus.completed.value}"  # the name CASE.move gives the completion's event


def _without_event():
    has_event = exists().where(DomainEvent.name == COMPLETED, DomainEvent.entity_type == CASE.entity,
                               DomainEvent.entity_id == Case.code)
    return select(Case).where(Case.status == CaseStatus.completed.value, ~has_event).order_by(Case.id)


def emit_missing_completions(session: Session, *, limit: int = 500) -> list[int]:
    """One batch: the ids of the "case.completed" events written for completed cases that had none
    (oldest cases first); empty once every completed case has its event."""
    written = []
    for case in session.scalars(_without_event().limit(limit)).all():
        # The payload CASE.move writes, as far as it is known now; `backfilled` tells a handler that
        # the completion happened long ago (at `completed_at`), not just now.
        ev = events.emit(session, name=COMPLETED, entity_type=CASE.entity, entity_id=CASE.entity_id(case),
                         payload={"id": case.id, "from": CaseStatus.running.value, "to": CaseStatus.completed.value,
                                  "move": "complete", "actor_id": None, "application_id": case.application_id,
                                  "completed_at": case.completed_at.isoformat() if case.completed_at else None,
                                  "backfilled": True})
        written.append(ev.id)
    return written
