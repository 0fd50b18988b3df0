"""Domain events: what happened in one domain ("case.completed"), for handlers other domains register.

An event is a row written in the same transaction as the change (outbox style): a rollback leaves no
event, a commit cannot lose one. After the commit that wrote it (the request's, through
``dispatch_written``) and on every run of the ``common.events`` periodic job, each handler registered
for its name (``Domain.handlers``) runs in a savepoint of its own that first writes the (event,
handler) pair: the handler's work and that pair commit together, so a retry — after a failure or a
crash — finds the pair and never runs a handler twice, and a handler that failed runs again next time.
Two dispatchers racing on one pair queue on its primary key; the second finds it taken and skips.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from onewindow.common.models import DomainEvent, HandledEvent
from onewindow.common.registry import EventHandler
from onewindow.db import for_writing, session_scope, utcnow

log = logging.getLogger("onewindow.events")
WRITTEN = "onewindow.events.written"  # session.info key: ids of the events this session wrote


def emit(session: Session, *, name: str, entity_type: str, entity_id: str | int,
         payload: dict | None = None) -> DomainEvent:
    """Write one event in the caller's transaction; it commits or rolls back with the change."""
    ev = DomainEvent(name=name, entity_type=entity_type, entity_id=str(entity_id), payload=payload or {},
                     created_at=utcnow(), attempts=0)
    session.add(ev)
    session.flush()
    session.info.setdefault(WRITTEN, []).append(ev.id)
    return ev


def last_payload(session: Session, *, name: str, entity_type: str, entity_id: str | int) -> dict | None:
    """The payload of the latest event of that name about that entity (None: there was none) — for a handler
    that needs a fact an earlier event carried (who replied, before the "closed" it handles)."""
    return session.scalar(select(DomainEvent.payload).where(
        DomainEvent.name == name, DomainEvent.entity_type == entity_type, DomainEvent.entity_id == str(entity_id))
        .order_by(DomainEvent.id.desc()).limit(1))


@dataclass
class DispatchReport:
    ran: int = 0  # handler runs that committed
    failed: int = 0  # handler runs that raised (rolled back; retried next time)
    done: int = 0  # events every handler has now handled
    results: list = field(default_factory=list)  # what each successful run returned

    def summary(self) -> str:
        return f"处理领域事件 {self.done} 个，执行处理程序 {self.ran} 次，失败 {self.failed} 次（下次重试）"


def dispatch(session: Session, handlers: Sequence[EventHandler], *, event_ids: Iterable[int] | None = None,
             only: str | None = None, limit: int = 500) -> DispatchReport:
    """Run every handler due for the pending events, oldest first, in the caller's transaction (which the
    caller commits). With `only`, run just the handler of that name, and leave the events pending for
    the others."""
    by_event: dict[str, list[EventHandler]] = {}
    for h in handlers:
        if only is None or h.name == only:
            by_event.setdefault(h.event, []).append(h)
    stmt = select(DomainEvent).where(DomainEvent.dispatched_at.is_(None)).order_by(DomainEvent.id).limit(limit)
    if only is not None:
        stmt = stmt.where(DomainEvent.name.in_(list(by_event)))
    if event_ids is not None:
        stmt = stmt.where(DomainEvent.id.in_(list(event_ids)))
    pending = session.scalars(stmt).all()
    if not pending:
        return DispatchReport()
    handled = set(session.execute(select(HandledEvent.event_id, HandledEvent.handler)
                                  .where(HandledEvent.event_id.in_([e.id for e in pending]))).all())
    report = DispatchReport()
    for ev in pending:
        complete = True
        for h in by_event.get(ev.name, ()):
            if (ev.id, h.name) not in handled and not _run(session, h, ev, report):
                complete = False
        if complete and only is None:
            ev.dispatched_at = utcnow()
            report.done += 1
    session.flush()
    return report


class _Taken(Exception):
    pass


def _run(session: Session, handler: EventHandler, ev: DomainEvent, report: DispatchReport) -> bool:
    """One handler on one event in one savepoint: the pair first (so a concurrent dispatcher waits on
    it, then finds it taken), then the handler's work. False when the handler failed."""
    try:
        with session.begin_nested():
            session.add(HandledEvent(event_id=ev.id, handler=handler.name, handled_at=utcnow()))
            try:
                session.flush()
            except IntegrityError:
                raise _Taken from None
            result = handler.run(session, ev)
            session.flush()
    except _Taken:
        return True  # another dispatcher ran it and committed
    except Exception as exc:  # a failing handler must not stop the others; the next dispatch retries it
        log.exception("领域事件 %s #%s 的处理程序 %s 失败", ev.name, ev.id, handler.name)
        session.execute(update(DomainEvent).where(DomainEvent.id == ev.id)
                        .values(attempts=DomainEvent.attempts + 1,
                                last_error=f"{handler.name}: {type(exc).__name__}: {exc}"[:2000])
                        .execution_options(synchronize_session=False))
        report.failed += 1
        return False
    report.ran += 1
    report.results.append(result)
    return True


def dispatch_written(session: Session, handlers: Sequence[EventHandler], *,
                     factory: sessionmaker[Session]) -> DispatchReport | None:
    """After `session` committed: run the handlers of the events it wrote, in a transaction of their own.
    Never raises — what fails here stays pending for the periodic job."""
    ids = session.info.pop(WRITTEN, None)
    if not ids or not handlers:
        return None
    try:
        with session_scope(factory=factory) as s:
            return dispatch(for_writing(s), handlers, event_ids=ids)
    except Exception:
        log.exception("提交后处理领域事件失败，留待定时任务重试")
        return None


def discard_written(session: Session) -> None:
    """The transaction rolled back: its events are gone, forget their ids."""
    session.info.pop(WRITTEN, None)
