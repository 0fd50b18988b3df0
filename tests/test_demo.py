"""The demo city 示范市 as the issue asks: 25+ departments, 150+ items, the seeds' bundles, every role."""

from sqlalchemy import func, select

from onewindow.accounts.models import User
from onewindow.catalog import service, transfer
from onewindow.catalog.models import Department, ServiceItem
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM
from onewindow.demo import loader


def test_demo_city_loads_twice_and_meets_the_brief(demo_session, demo_report):
    session = demo_session
    report = loader.load_demo(session)  # the second load (demo_city made the first) adds nothing
    assert (report.applications, report.demands) == (demo_report.applications, demo_report.demands)
    assert report.departments >= 25 and report.items >= 150 and report.bundles >= 6
    assert {u.role for u in session.scalars(select(User))} == set(Role)
    assert session.scalar(select(func.count()).select_from(User)) == len(loader.ACCOUNTS)
    levels = set(session.scalars(select(Department.level)))
    assert {"市", "县", "乡"} <= levels
    names = {b.name for b in service.list_bundles(session)}
    for wanted in ("企业开办", "餐饮", "工程建设", "新生儿", "身后"):
        assert any(wanted in n for n in names), wanted
    assert any("个转企" in n or "注销" in n for n in names)
    for bundle in service.list_bundles(session):
        plan, _ = service.bundle_plan(session, bundle=bundle)
        assert plan.reductions["materials"].bundled <= plan.reductions["materials"].separate
        assert plan.reductions["time"].bundled <= plan.reductions["time"].separate
    kb = service.get_bundle(session, code="YJS-QYKB")
    assert len(kb.items) >= 7
    # 惠企政策: the library imported with its test cases passing, 10,000+ enterprises, one full match
    assert report.policies >= 12 and report.award_items >= 60
    assert report.registries["enterprises"] >= 10_000 and report.matched_enterprises >= 1_000
    assert session.scalar(select(func.count()).select_from(ServiceItem).where(ServiceItem.status == "draft")) >= 1
    # 好差评 (issue 12): ratings of the completed cases and window visits, defaults, 差评 followed up in every state
    from onewindow.ratings.models import Appeal, Callback, Rating
    from onewindow.rectification.models import RectificationItem

    assert report.ratings >= 60 and session.scalar(select(func.count()).where(Rating.is_default.is_(True))) >= 1
    assert set(session.scalars(select(Callback.status))) == {"pending", "rectifying", "satisfied"}
    assert set(session.scalars(select(RectificationItem.status))) == {"rectifying", "submitted", "closed"}
    assert session.scalar(select(Appeal.status)) == "pending"


def test_engineering_bundle_meets_the_seed_limits(session):
    path = loader.DATA / "catalog.yaml"  # the catalogue alone: registries and policies play no part here
    transfer.import_catalog(session, actor=SYSTEM, filename=path.name, content=path.read_bytes())
    bundle = next(b for b in service.list_bundles(session) if "工程建设" in b.name)
    plan, _ = service.bundle_plan(session, bundle=bundle)
    assert plan.reductions["time"].bundled <= 60  # 工程建设项目审批 ≤ 60 working days
    assert len(plan.stages) >= 4


def test_issue_9_demo_shows_the_supervisor_running_cases_and_counts_match(demo_session, demo_client, demo_report):
    """#9.9: cases in every state, some in 预警 and 超期, and a start-up message that matches the pages."""
    from onewindow.accounts import service as accounts
    from onewindow.cases import service as cases
    from onewindow.licences import service as licences

    session, client, report = demo_session, demo_client, demo_report
    supervisor = accounts.principal_for(session.scalar(select(User).where(User.username == "supervisor")))
    apps = session.scalars(cases.list_applications(session, actor=supervisor)).all()
    assert "submitted" in {a.status for a in apps}
    statuses = {t.status for a in apps if a.case for t in a.case.tasks}
    assert {"pending", "in_review", "supplement", "suspended", "approved", "refused"} <= statuses
    overview = cases.time_limit_overview(session, actor=supervisor)
    assert overview["cases"]["warning"] >= 1 and overview["cases"]["overdue"] >= 1
    assert report.cases["warning"] == overview["cases"]["warning"]
    assert report.cases["overdue"] == overview["cases"]["overdue"]
    assert report.applications == len(apps)
    # the message counts what the pages show: published bundles (drafts apart), items in the guide
    assert report.bundles == len(service.list_bundles(session)) and report.draft_bundles >= 1
    assert report.items == service.search_items(session, per_page=1).total
    held = licences.wallet(session, actor=accounts.principal_for(
        session.scalar(select(User).where(User.username == "applicant"))))
    assert report.registries["licences"] >= len(held) >= 2  # the held 营业执照 and the demo case's result
    summary = report.summary()
    assert f"一件事 {report.bundles} 个（另有草稿 {report.draft_bundles} 个）" in summary
    assert f"预警 {report.cases['warning']}、超期 {report.cases['overdue']}" in summary
    # the supervisor's page is not empty on a fresh demo
    from tests.conftest import csrf

    c = client
    r = c.post("/login", data={"username": "supervisor", "password": loader.DEMO_PASSWORD,
                               "csrf_token": csrf(c.get("/login").text), "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    page = c.get("/supervision/time-limits").text
    assert "超期" in page and any(t.case.code in page for t in overview["tasks"])


def test_indicators_demo_has_twelve_months_and_both_reports(demo_session):
    """Issue 14 item 6: twelve published months with figures, a 月调度 and a 季通报 published."""
    from onewindow.indicators import reports
    from onewindow.indicators import service as indicators

    session = demo_session
    published = [p for p in indicators.published_periods(session) if "Q" not in p]
    assert len(published) >= 12
    for p in published[-12:]:
        assert indicators.figure(session, code="ASBJ", period=p).value is not None
    kinds = {r.kind for r in reports.list_reports(session, published_only=True)}
    assert kinds == {"monthly", "quarterly"}
