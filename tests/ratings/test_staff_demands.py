"""A demand's rated handling counts for the staff member who replied (#12 item 2): ratings reads who replied
from the "demand.replied" event (common.events), not from demands' tables; a reopened demand counts for the
last replier."""

from __future__ import annotations

from sqlalchemy import select

from onewindow.common import events
from onewindow.common.roles import Role
from onewindow.demands import service as demands
from onewindow.domains import registry
from onewindow.ratings import stats
from onewindow.ratings.models import RatingMatter
from tests.conftest import make_user
from tests.demands.conftest import at, beijing, call, dispatched, world  # noqa: F401 — fixtures


def _matter(session, code):
    events.dispatch(session, registry().event_handlers())
    session.flush()
    return session.scalar(select(RatingMatter).where(RatingMatter.kind == "demand", RatingMatter.ref == code))


def test_the_replier_is_the_staff_member_of_a_rated_demand(session, world, at):  # noqa: F811
    w = world
    at(beijing(2026, 12, 7, 9, 0))
    second = make_user(session, role=Role.handler, username="dem_market2", department="SCJGJ")
    from tests.demands.conftest import principal

    market2 = principal(second)
    d = call(session, w)
    dispatched(session, w, d)
    demands.sign(session, actor=w["market"], code=d.code, version=d.version)
    demands.reply(session, actor=market2, code=d.code, version=d.version, text="已责令整改")
    demands.call_back(session, actor=w["agent"], code=d.code, version=d.version, satisfaction="satisfied",
                      resolved=True)
    matter = _matter(session, d.code)
    assert matter.staff_id == market2.user_id and market2.user_id in matter.staff_ids
    _, lines = stats.statistics(session, actor=w["supervisor"], by="staff")
    assert [(x.label, x.total, x.good) for x in lines] == [(market2.display_name, 1, 1)]
