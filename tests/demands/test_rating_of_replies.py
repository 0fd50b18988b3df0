"""Issue 12 item 1: a demand's reply is rated — the 12345 callback's satisfaction is its 好差评, and a
不满意 is a 差评 with the ratings' own callback (差评必回访) for the lead unit."""

from __future__ import annotations

from sqlalchemy import select

from onewindow.common import events
from onewindow.demands import service as demands
from onewindow.domains import registry
from onewindow.ratings.models import Callback, Rating, RatingMatter
from tests.demands.conftest import beijing, call, dispatched


def _handled(session):
    report = events.dispatch(session, registry().event_handlers())
    session.flush()
    return report


def _replied(session, w, **kw):
    d = call(session, w, **kw)
    dispatched(session, w, d)
    demands.sign(session, actor=w["market"], code=d.code, version=d.version)
    demands.reply(session, actor=w["market"], code=d.code, version=d.version, text="已责令整改")
    return d


def test_the_callback_satisfaction_is_the_rating_of_the_lead_unit(session, world, at):
    w = world
    at(beijing(2026, 12, 7, 9, 0))
    d = _replied(session, w)
    demands.call_back(session, actor=w["agent"], code=d.code, version=d.version, satisfaction="satisfied",
                      resolved=True)
    _handled(session)
    matter = session.scalar(select(RatingMatter).where(RatingMatter.kind == "demand", RatingMatter.ref == d.code))
    assert matter is not None and matter.department_id == w["dept"]["SCJGJ"] and matter.rated
    rating = session.scalar(select(Rating).where(Rating.matter_id == matter.id))
    assert (rating.level, rating.real_name, rating.is_default) == ("satisfied", True, False)
    assert "12345" in rating.rater_name
    _handled(session)  # a re-run handler rates nothing twice
    assert len(session.scalars(select(Rating).where(Rating.matter_id == matter.id)).all()) == 1


def test_an_unsatisfied_callback_is_a_bad_rating_called_back_by_the_unit(session, world, at):
    w = world
    at(beijing(2026, 12, 7, 9, 0))
    d = _replied(session, w, subject="食品店无证经营")
    demands.call_back(session, actor=w["agent"], code=d.code, version=d.version, satisfaction="unsatisfied",
                      resolved=False)
    _handled(session)
    matter = session.scalar(select(RatingMatter).where(RatingMatter.kind == "demand", RatingMatter.ref == d.code))
    assert "食品店无证经营" in matter.title
    rating = session.scalar(select(Rating).where(Rating.matter_id == matter.id))
    assert rating.level == "unsatisfied"
    cb = session.scalar(select(Callback).where(Callback.rating_id == rating.id))
    assert cb is not None and cb.department_id == w["dept"]["SCJGJ"] and cb.status == "pending"


def test_a_timed_out_callback_leaves_the_reply_to_be_rated(session, world, at):
    w = world
    at(beijing(2026, 12, 7, 9, 0))
    d = _replied(session, w)
    assert demands.close_timed_out_callbacks(session, now=beijing(2026, 12, 20, 9, 0)) == 1
    _handled(session)
    matter = session.scalar(select(RatingMatter).where(RatingMatter.kind == "demand", RatingMatter.ref == d.code))
    assert matter is not None and not matter.rated  # the default (基本满意) comes after the usual days
