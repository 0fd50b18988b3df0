"""An award settles on the "case.completed" event after the commit (#10.4): no polling of cases' rows,
and the retry (settle_completed_applications / the common.events job) never settles it twice."""

from __future__ import annotations

from sqlalchemy import delete, func, select
from typer.testing import CliRunner

from onewindow.cli import app
from onewindow.common import events
from onewindow.common.models import DomainEvent, HandledEvent
from onewindow.domains import registry
from onewindow.policies.disbursement import applying
from onewindow.policies.models import AwardLedger
from tests.policies.test_applying import gq, start, through_approval  # noqa: F401 — gq is a fixture


def test_issue10_case_completed_settles_the_award_after_the_commit_once(session, session_factory, gq):  # noqa: F811
    w = gq
    case = through_approval(session, w, start(session, w))  # commits: the completion wrote the event
    ev = session.scalar(select(DomainEvent).where(DomainEvent.name == "case.completed",
                                                  DomainEvent.entity_id == case.code))
    assert ev is not None and ev.payload["to"] == "completed"
    assert session.scalar(select(func.count()).select_from(AwardLedger)) == 0  # nothing before dispatch
    report = events.dispatch_written(session, registry().event_handlers(), factory=session_factory)
    assert report.ran >= 1 and report.failed == 0
    with session_factory() as s:
        rows = s.scalars(select(AwardLedger)).all()
        assert [(r.case_code, r.amount_fen, r.source) for r in rows] == [(case.code, 10_000_000, "application")]
        assert s.get(HandledEvent, (ev.id, "policies.settle_award")) is not None
        assert applying.settle_completed_applications(s) == 0  # the retry finds it handled
        events.dispatch(s, registry().event_handlers())
        s.commit()
        assert s.scalar(select(func.count()).select_from(AwardLedger)) == 1


def _older_database(session, case):
    """As a database completed before migration 0008 holds it: the case completed, no event of it."""
    session.execute(delete(HandledEvent))
    session.execute(delete(DomainEvent).where(DomainEvent.name == "case.completed",
                                              DomainEvent.entity_id == case.code))
    session.commit()


def test_issue10_backfill_settles_an_award_completed_before_events_existed_and_twice_changes_nothing(
        session, gq):  # noqa: F811
    w = gq
    case = through_approval(session, w, start(session, w))
    _older_database(session, case)
    assert applying.settle_completed_applications(session) == 0  # the handler has nothing to run on
    assert session.scalar(select(func.count()).select_from(AwardLedger)) == 0
    assert applying.settle_backfill(session) == (1, 1)
    session.commit()
    rows = session.scalars(select(AwardLedger)).all()
    assert [(r.case_code, r.amount_fen, r.source) for r in rows] == [(case.code, 10_000_000, "application")]
    ev = session.scalar(select(DomainEvent).where(DomainEvent.name == "case.completed",
                                                  DomainEvent.entity_id == case.code))
    assert ev.payload["backfilled"] is True and ev.payload["to"] == "completed"
    assert session.get(HandledEvent, (ev.id, "policies.settle_award")) is not None
    assert applying.settle_backfill(session) == (0, 0)  # again: no event written, nothing settled
    events.dispatch(session, registry().event_handlers())  # nor by any other path
    assert session.scalar(select(func.count()).select_from(AwardLedger)) == 1
    assert session.scalar(select(func.count()).select_from(DomainEvent).where(
        DomainEvent.name == "case.completed", DomainEvent.entity_id == case.code)) == 1


def test_issue10_settle_backfill_command_is_idempotent(cli_session, gq):  # noqa: F811
    session, w = cli_session, gq
    settled = through_approval(session, w, start(session, w))  # an award already settled: not paid twice
    events.dispatch(session, registry().event_handlers())
    _older_database(session, settled)
    late = through_approval(session, w, start(session, w, name="乙", code="PT-ZJ-01"))
    _older_database(session, late)
    first = CliRunner().invoke(app, ["policies", "settle-backfill"])
    assert first.exit_code == 0, first.output
    assert "补记办结事件 2 个，奖补入账 1 件" in first.output
    assert sorted(r.case_code for r in session.scalars(select(AwardLedger))) == sorted([settled.code, late.code])
    again = CliRunner().invoke(app, ["policies", "settle-backfill"])
    assert again.exit_code == 0 and "无需补记" in again.output
    assert session.scalar(select(func.count()).select_from(AwardLedger)) == 2
