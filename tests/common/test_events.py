"""Domain events (#10.4): written with the change, handled after the commit, each (event, handler)
exactly once — a failure is retried by the periodic job, a handler that finished never runs again."""

from __future__ import annotations

from sqlalchemy import func, select

from onewindow.common import events, outbox
from onewindow.common.domain import DOMAIN as COMMON
from onewindow.common.models import DomainEvent, HandledEvent, OutboxMessage
from onewindow.common.registry import Domain, EventHandler, Registry


def _job(name: str):
    return next(j for j in COMMON.jobs if j.name == name)


class Recorder:
    """A handler whose work is real (a notification row), so a failed run's work is seen to roll back."""

    def __init__(self, name: str, fail_times: int = 0):
        self.name, self.fail_times, self.calls = name, fail_times, []

    def __call__(self, session, ev):
        self.calls.append(ev.id)
        outbox.notify(session, subject=f"{self.name}:{ev.entity_id}:{len(self.calls)}")
        if len(self.calls) <= self.fail_times:
            raise RuntimeError("下游暂时不可用")
        return True

    def handler(self) -> EventHandler:
        return EventHandler("test.happened", self.name, self)


def _notes(session, name):
    return session.scalars(select(OutboxMessage.subject).where(OutboxMessage.subject.like(f"{name}:%"))).all()


def test_issue10_handler_runs_once_after_commit_and_never_again(session, session_factory):
    rec = Recorder("test.once")
    ev = events.emit(session, name="test.happened", entity_type="thing", entity_id=1)
    assert rec.calls == []  # nothing runs before the commit
    session.commit()
    report = events.dispatch_written(session, [rec.handler()], factory=session_factory)
    assert (report.ran, report.done, rec.calls) == (1, 1, [ev.id])
    registry = Registry((Domain(package="test", label="测试", handlers=(rec.handler(),)),))
    with session_factory() as s:
        _job("common.events").run(s, registry)  # the retry job finds nothing left to do
        s.commit()
        assert rec.calls == [ev.id]
        assert s.get(HandledEvent, (ev.id, "test.once")) is not None
        assert s.get(DomainEvent, ev.id).dispatched_at is not None
        assert _notes(s, "test.once") == ["test.once:1:1"]


def test_issue10_a_rolled_back_change_writes_no_event(session, session_factory):
    rec = Recorder("test.rollback")
    before = session.scalar(select(func.count()).select_from(DomainEvent))
    events.emit(session, name="test.happened", entity_type="thing", entity_id=2)
    session.rollback()
    events.discard_written(session)
    assert session.scalar(select(func.count()).select_from(DomainEvent)) == before
    assert events.dispatch(session, [rec.handler()]).ran == 0 and rec.calls == []


def test_issue10_a_failed_handler_is_retried_by_the_job_and_a_done_one_is_not_rerun(session, session_factory):
    flaky, steady = Recorder("test.flaky", fail_times=1), Recorder("test.steady")
    handlers = [flaky.handler(), steady.handler()]
    ev = events.emit(session, name="test.happened", entity_type="thing", entity_id=3)
    session.commit()
    first = events.dispatch_written(session, handlers, factory=session_factory)
    assert (first.ran, first.failed, first.done) == (1, 1, 0)
    with session_factory() as s:
        stored = s.get(DomainEvent, ev.id)
        assert stored.attempts == 1 and "下游暂时不可用" in stored.last_error and stored.dispatched_at is None
        assert _notes(s, "test.flaky") == []  # the failed run's work rolled back with it
    registry = Registry((Domain(package="test", label="测试", handlers=tuple(handlers)),))
    with session_factory() as s:
        summary = _job("common.events").run(s, registry)
        s.commit()
    assert "失败 0 次" in summary
    assert flaky.calls == [ev.id, ev.id] and steady.calls == [ev.id]  # steady had finished: not run again
    with session_factory() as s:
        _job("common.events").run(s, registry)
        s.commit()
        assert flaky.calls == [ev.id, ev.id] and steady.calls == [ev.id]
        assert _notes(s, "test.flaky") == ["test.flaky:3:2"] and _notes(s, "test.steady") == ["test.steady:3:1"]
        assert s.get(DomainEvent, ev.id).dispatched_at is not None


def test_issue10_a_pair_handled_elsewhere_is_skipped(session):
    rec = Recorder("test.elsewhere")
    ev = events.emit(session, name="test.happened", entity_type="thing", entity_id=4)
    session.add(HandledEvent(event_id=ev.id, handler="test.elsewhere"))  # another process ran it
    session.flush()
    assert events.dispatch(session, [rec.handler()], event_ids=[ev.id]).done == 1 and rec.calls == []
