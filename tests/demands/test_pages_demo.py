"""The demo city's demands: thousands, in every state, routed to units at three levels, loaded once,
reproducible, and shown by the pages (the supervisor's rates, a unit's inbox, the board)."""

from __future__ import annotations

from sqlalchemy import func, select

from onewindow.catalog.models import Department
from onewindow.demands.models import Assignment, Demand, Route
from onewindow.demo.loader import DEMO_PASSWORD
from tests.demands.test_pages import english_free


def test_demo_demands_in_every_state_and_the_pages_show_them(demo_session, demo_client, demo_report):
    session, client, report = demo_session, demo_client, demo_report  # a second load adds nothing: tests/test_demo.py
    assert report.demands >= 3000 and session.scalar(select(func.count()).select_from(Demand)) == report.demands
    states = dict(session.execute(select(Demand.status, func.count()).group_by(Demand.status)).tuples().all())
    assert set(states) == {"received", "dispatched", "handling", "returned", "replied", "closed"}
    assert set(session.scalars(select(Demand.closed_how).where(Demand.status == "closed"))) == {"direct", "callback",
                                                                                                 "timeout"}
    assert set(session.scalars(select(Demand.sla_state).where(Demand.status == "handling"))) == {"normal", "warning",
                                                                                                  "overdue"}
    # Every unit that has not signed carries its 签收 clock, as a real dispatch starts it, and the demo's
    # older ones are already judged overdue (the supervisor's 签收超期 list is not empty).
    pending = session.execute(select(Assignment.sign_due_at, Assignment.dispatched_at, Assignment.sign_sla_state)
                              .where(Assignment.status == "pending", Assignment.active.is_(True))).all()
    assert pending and all(due is not None and due > sent for due, sent, _ in pending)
    assert "overdue" in {state for *_, state in pending}
    levels = set(session.scalars(select(Department.level).join(Assignment, Assignment.department_id == Department.id)))
    assert {"市", "县", "乡"} <= levels
    assert session.scalar(select(func.count()).select_from(Route)) > 15
    first = session.scalars(select(Demand.subject).order_by(Demand.id).limit(50)).all()
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in s) for s in first)
    # reproducible: the fixed seed gives the same demands on every machine
    import random

    from onewindow.demo import demands as demo

    rng = random.Random(demo.SEED)
    assert demo._pick(rng, demo.STATES) == demo._pick(random.Random(demo.SEED), demo.STATES)

    from tests.demands.test_pages import sign_in

    sign_in(client, "supervisor", DEMO_PASSWORD)
    page = client.get("/demands/supervision")
    assert page.status_code == 200 and "全市合计" in page.text and "%" in page.text
    assert "暂无签收超期的诉求" not in page.text.split('id="sign-overdue"', 1)[1]
    english_free(page.text)
    sign_in(client, "handler", DEMO_PASSWORD)
    inbox = client.get("/demands/inbox")
    assert inbox.status_code == 200 and "12345-" in inbox.text
    sign_in(client, "agent", DEMO_PASSWORD)
    board = client.get("/demands/board")
    assert board.status_code == 200 and "已退单" in board.text and "批准延期" in board.text
    assert client.get("/demands", params={"status": "closed", "kind": "consult"}).status_code == 200


def test_a_units_inbox_total_is_its_open_demands_counted_the_long_way(demo_session):
    """The inbox's total comes from the unit's open-work index alone (service.open_work_count); it must be
    the count of the inbox's own statement, and of the unit's demands not 办结, for every unit of the demo."""
    from onewindow.accounts import service as accounts
    from onewindow.accounts.models import User
    from onewindow.common.pagination import paginate
    from onewindow.common.security import Principal
    from onewindow.demands import views

    session = demo_session
    handler = accounts.principal_for(session.scalar(select(User).where(User.username == "handler")))
    units = session.scalars(select(Assignment.department_id).where(Assignment.active.is_(True)).distinct()).all()
    assert len(units) > 5
    totals = []
    for dept in units:
        actor = Principal(user_id=handler.user_id, username="handler", display_name="承办", role=handler.role,
                          department_id=dept)
        page = views.listing(session, actor=actor, filters=views.Filters(open_only=True), due_first=True)
        slow = paginate(session, views.scoped(actor, views.Filters(open_only=True)), per_page=1).total
        open_ones = session.scalar(select(func.count(func.distinct(Demand.id))).join(Assignment).where(
            Assignment.department_id == dept, Assignment.active.is_(True), Demand.status != "closed"))
        assert page.total == slow == open_ones, dept
        totals.append(page.total)
    assert sum(totals) > 100


def test_a_large_inbox_read_by_walking_deadlines_gives_the_same_pages(demo_session, monkeypatch):
    """A unit with WALK_FROM open demands or more is read by the deadline-walk statement
    (service.open_work_by_deadline): every page is the one the plain statement gives."""
    from onewindow.accounts import service as accounts
    from onewindow.accounts.models import User
    from onewindow.common.security import Principal
    from onewindow.demands import service, views

    session = demo_session
    handler = accounts.principal_for(session.scalar(select(User).where(User.username == "handler")))
    dept = session.scalar(select(Assignment.department_id).where(Assignment.active.is_(True), Assignment.demand_open)
                          .group_by(Assignment.department_id).order_by(func.count().desc()).limit(1))
    actor = Principal(user_id=handler.user_id, username="handler", display_name="承办", role=handler.role,
                      department_id=dept)

    def pages():
        first = views.listing(session, actor=actor, filters=views.Filters(open_only=True), due_first=True, per_page=5)
        return first.total, [[d.id for d in views.listing(session, actor=actor, filters=views.Filters(open_only=True),
                                                            due_first=True, per_page=5, page=n).items]
                             for n in range(1, first.pages + 1)]

    plain = pages()
    monkeypatch.setattr(service, "WALK_FROM", 1)
    walked = pages()
    assert plain[0] >= 10 and walked == plain
