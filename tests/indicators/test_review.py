"""审议意见: recorded, split into problems assigned as 整改事项, and their closing reported."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from onewindow.common.errors import ValidationFailed
from onewindow.indicators import review
from onewindow.indicators.models import ReviewOpinion
from onewindow.rectification.models import RectificationItem


def test_opinion_split_into_rectification_items_and_closing_reported(session, fx):
    o = review.record(session, actor=fx.supervisor, title="关于优化营商环境工作情况的审议意见", source="人大审议",
                      received_on=date(2026, 5, 6), text="……",
                      problems=[("部分事项网办深度不足", fx.city_dept), ("县级窗口超期件较多", fx.county_dept)])
    session.commit()
    items = session.scalars(select(RectificationItem).where(RectificationItem.source_kind == "review")).all()
    assert {i.department_id for i in items} == {fx.city_dept, fx.county_dept}
    item = next(i for i in items if i.department_id == fx.city_dept)
    item.status, item.closed_on = "closed", item.deadline  # 销号 (the ledger's own flow is tested there)
    session.commit()
    _, lines, closed = review.closing_report(session, actor=fx.supervisor, opinion_id=o.id)
    assert closed == 1 and [x.on_time for x in lines] == [True, False]


def test_bad_opinion_writes_nothing(session, fx):
    with pytest.raises(ValidationFailed) as e:
        review.record(session, actor=fx.supervisor, title="", source="其他", received_on=None, text="",
                      problems=[("无单位的问题", None)])
    fields = {d.field for d in e.value.details}
    assert {"title", "source", "department_1"} <= fields
    assert session.scalar(select(ReviewOpinion.id)) is None


def test_review_pages(session, fx, browser_as):
    from onewindow.common.roles import Role
    from tests.conftest import csrf

    c = browser_as(Role.supervisor)
    page = c.get("/indicators/reviews")
    assert page.status_code == 200
    r = c.post("/indicators/reviews", data={"csrf_token": csrf(page.text), "title": "督查回访意见", "source": "督查回访",
                                            "problem_1": "材料重复提交", "department_1": str(fx.city_dept)},
               follow_redirects=True)
    assert r.status_code == 200 and "材料重复提交" in r.text and "整改中" in r.text
