"""网上办事 as a rated kind of its own (#12 item 1): an application submitted online through the applicant
portal is a rated matter of its lead department, opened by ratings' handler of the "application.submitted"
event (ratings reads cases only through cases.service.application_facts). Same five levels and reasons, one
rating per matter per rater, the default after 7 days, a line of its own in the statistics per kind."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onewindow.cases import service as cases
from onewindow.catalog import service as catalog
from onewindow.common.errors import Conflict, Forbidden, NotFound
from onewindow.common.models import OutboxMessage
from onewindow.common.time import today
from onewindow.db import utcnow
from onewindow.ratings import followup, stats
from onewindow.ratings import service as ratings
from onewindow.ratings.models import Rating, RatingMatter
from tests.cases.conftest import PDF
from tests.cases.helpers import submitted_bundle
from tests.conftest import csrf
from tests.ratings.conftest import dispatch
from tests.ratings.test_pages import sign_in


def _online(session, app_id):
    return session.scalar(select(RatingMatter).where(RatingMatter.kind == "online", RatingMatter.ref == str(app_id)))


def test_an_online_submission_opens_an_online_service_matter_once(session, world):
    app = submitted_bundle(session, world, key="online-0001")
    dispatch(session)
    matter = _online(session, app.id)
    assert matter is not None and matter.party_id == world.applicant.user_id and not matter.rated
    assert matter.title == f"网上办事：{app.title}" and matter.item_code == "T-YJS-KB"
    assert matter.department_id == catalog.department_id(session, code="SCJGJ")  # the bundle's lead department
    assert matter.default_due_on == today() + timedelta(days=7) and matter.staff_id is None
    ask = session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == world.applicant.user_id,
                                                     OutboxMessage.subject.contains("请评价网上办事服务")))
    assert ask is not None and ask.link == f"/ratings/matters/{matter.id}"
    # 一次性告知, then resubmitted: the same online service, still one matter.
    cases.send_notice(session, actor=world.clerk, application_id=app.id, items=["请补充住所证明"])
    cases.upload_material(session, actor=world.applicant, application_id=app.id, material_code="M-ADDRESS",
                          filename="住所证明.pdf", content=PDF, content_type="application/pdf")
    cases.submit(session, actor=world.applicant, application_id=app.id, idempotency_key="online-0001-again")
    session.commit()
    dispatch(session)
    assert session.query(RatingMatter).filter(RatingMatter.kind == "online").count() == 1


def test_an_application_entered_at_the_window_is_no_online_service(session, world):
    app = cases.walk_in(session, actor=world.clerk, target_kind="item", target_code="T-RS-0002",
                        subject_kind="person", subject_key=world.other_key, contact_phone="13912345678")
    cases.upload_material(session, actor=world.clerk, application_id=app.id, material_code="M-LABOR-CONTRACT",
                          filename="合同.pdf", content=PDF, content_type="application/pdf")
    cases.submit(session, actor=world.clerk, application_id=app.id, idempotency_key="walk-in-online-0001")
    session.commit()
    dispatch(session)
    assert _online(session, app.id) is None


def test_the_online_service_is_rated_like_any_matter(session, world):
    app = submitted_bundle(session, world, key="online-0002")
    dispatch(session)
    matter = _online(session, app.id)
    with pytest.raises(NotFound):  # only its party
        ratings.rate(session, actor=world.other_applicant, matter=matter, level="satisfied")
    with pytest.raises(Forbidden):  # staff take no part
        ratings.rate(session, actor=world.clerk, matter=matter, level="satisfied")
    bad = ratings.rate(session, actor=world.applicant, matter=matter, level="unsatisfied",
                       reasons=["材料要求不合理"], comment="网上表单重复填写")
    session.commit()
    cb = session.scalar(select(followup.Callback).where(followup.Callback.rating_id == bad.id))
    assert cb is not None and cb.department_id == matter.department_id  # 差评必回访, by the lead department
    bad.created_at = utcnow() - timedelta(hours=48)  # past the change window
    session.flush()
    with pytest.raises(Conflict, match="每件事项只能评价一次"):
        ratings.rate(session, actor=world.applicant, matter=matter, level="satisfied")
    total, lines = stats.statistics(session, actor=world.supervisor, by="kind")
    assert {x.label: (x.total, x.bad) for x in lines} == {"网上办事": (1, 1)}


def test_an_unrated_online_service_is_basic_by_default_and_counted_per_kind(session, world, completed):
    online = _online(session, completed.application_id)
    assert online is not None  # the bundle was submitted online before it was completed
    ratings.rate(session, actor=world.applicant, matter=online, level="very_satisfied")
    assert ratings.apply_defaults(session, on=today() + timedelta(days=7)) == 5  # the case and its four tasks
    total, lines = stats.statistics(session, actor=world.supervisor, by="kind")
    by = {x.label: (x.total, x.good, x.defaulted) for x in lines}
    assert by == {"网上办事": (1, 1, 0), "办件": (1, 1, 1), "部门办理": (4, 4, 4)} and total.total == 6
    kept = session.scalar(select(Rating).where(Rating.matter_id == online.id))
    assert kept.level == "very_satisfied" and not kept.is_default


def test_the_applicant_rates_the_online_service_on_the_pages(session, world, client):
    app = submitted_bundle(session, world, key="online-0003")
    dispatch(session)
    matter = _online(session, app.id)
    sign_in(client, "app1")
    mine = client.get("/ratings/mine")
    assert "网上办事" in mine.text and f"/ratings/matters/{matter.id}" in mine.text
    page = client.get(f"/ratings/matters/{matter.id}")
    assert page.status_code == 200 and "网上办事" in page.text
    client.post(f"/ratings/matters/{matter.id}", data={"csrf_token": csrf(page.text), "level": "very_satisfied"})
    assert session.scalar(select(Rating.level).where(Rating.matter_id == matter.id)) == "very_satisfied"
    sign_in(client, "sup1")
    by_kind = client.get("/ratings/stats?by=kind")
    assert "网上办事" in by_kind.text and "/ratings/list?by=kind&key=online" in by_kind.text
    assert "网上办事：" in client.get("/ratings/list?by=kind&key=online").text
