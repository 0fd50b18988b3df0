"""Ratings tests: the case tests' world, and a completed 企业开办 bundle whose event has been handled."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onewindow.common import events
from onewindow.domains import registry
from onewindow.ratings.models import RatingMatter
from tests.cases.conftest import world  # noqa: F401 — a fixture
from tests.cases.helpers import accepted_case, approve


def dispatch(session):
    """What the events job does after a commit: every registered handler, once per event."""
    report = events.dispatch(session, registry().event_handlers())
    session.commit()
    return report


def complete_bundle(session, w, key="submit-key-0001"):
    case = accepted_case(session, w, key=key)
    for code in ("T-SCJG-0001", "T-RS-0001", "T-GA-0001", "T-SW-0001"):
        approve(session, w, case, code)
    assert case.status == "completed"
    dispatch(session)
    return case


@pytest.fixture
def completed(session, world):  # noqa: F811
    return complete_bundle(session, world)


def matter_of(session, case, kind="case", item_code=None):
    stmt = select(RatingMatter).where(RatingMatter.kind == kind)
    stmt = stmt.where(RatingMatter.ref == case.code) if kind == "case" else stmt.where(
        RatingMatter.ref == str(next(t.id for t in case.tasks if t.item_code == item_code)))
    return session.scalar(stmt)
