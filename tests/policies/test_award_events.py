"""An award settles on the "case.completed" event after the commit (#10.4): no polling of cases' rows,
and the retry (settle_completed_applications / the common.events job) never settles it twice."""

from __future__ import annotations

from sqlalchemy import func, select

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
