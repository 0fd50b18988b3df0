"""#12.6 in Chromium on the demo city: an applicant rates a completed case 非常不满意 with a reason → the
responsible department calls back → the rectification is evidenced and accepted (销号) → the rater is told
and confirms. Each page is screenshotted and its text checked for internal keys and English statuses."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

# What a person must never read: state keys, rating levels and kinds as stored, English statuses.
INTERNAL = re.compile(r"\b(pending|rectifying|submitted|closed|told|satisfied|unsatisfied|very_\w+|window|"
                      r"rating_\w+|callback|None|null|true|false|Error|Traceback)\b")


def _matter(engine):
    """An unrated completed case of a demo applicant, the department's staff who call back, a supervisor."""
    from onewindow.accounts.models import User
    from onewindow.cases.models import Case
    from onewindow.common.roles import DEPARTMENT_ROLES, Role
    from onewindow.common.time import today
    from onewindow.db import session_scope
    from onewindow.ratings import service as ratings
    from onewindow.ratings.models import RatingMatter

    with session_scope(engine) as s:
        # The demo's completed cases are already rated: one department's task of a completed case becomes
        # rateable, as the "case.completed" handler makes a bundle's tasks (a single-item case has none).
        from onewindow.cases.models import Application, Task

        done = s.execute(select(Case, Application.applicant_id).join(Application, Application.id == Case.application_id)
                         .where(Case.status == "completed").order_by(Case.id)).first()
        task = s.scalar(select(Task).where(Task.case_id == done[0].id).order_by(Task.id))
        ratings._matter(s, kind="task", ref=f"e2e-{task.id}", title=f"{done[0].code} · 部门办理",
                        department_id=task.department_id, completed_on=today(), party_id=done[1],
                        item_code=task.item_code)
        s.flush()
        m, party = s.execute(select(RatingMatter, User.username).join(User, User.id == RatingMatter.party_id)
                             .where(RatingMatter.kind.in_(("case", "task")), RatingMatter.rated.is_(False))
                             .order_by(RatingMatter.id)).first()
        staff = s.scalar(select(User.username).where(User.department_id == m.department_id, User.active.is_(True),
                                                     User.role.in_([str(r) for r in DEPARTMENT_ROLES])))
        sup = s.scalar(select(User.username).where(User.role == str(Role.supervisor)))
        return m.id, party, staff, sup


def _callback_of(engine, matter_id):
    from onewindow.db import session_scope
    from onewindow.ratings.models import Callback, Rating

    with session_scope(engine) as s:
        return s.scalar(select(Callback.id).join(Rating, Rating.id == Callback.rating_id)
                        .where(Rating.matter_id == matter_id))


def _dispatch(engine):
    """What the events job does between requests: the accepted rectification tells the rater."""
    from onewindow.common import events
    from onewindow.db import session_scope
    from onewindow.domains import registry

    with session_scope(engine) as s:
        events.dispatch(s, registry().event_handlers())


def _as(page, username):
    page.context.clear_cookies()  # one browser, several people in turn
    sign_in(page, username)


def _readable(page, shots, name):
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert (shots / f"{name}.png").stat().st_size > 1000
    text = page.locator("main").inner_text()
    assert not INTERNAL.search(text), (name, INTERNAL.search(text)[0])
    return text


def test_a_very_unsatisfied_rating_is_called_back_rectified_and_confirmed(page, server, tmp_path):
    matter_id, party, staff, sup = _matter(server["engine"])
    _as(page, party)
    page.goto(f"/ratings/matters/{matter_id}")
    page.get_by_label("非常不满意").check()
    page.locator("input[name=reasons]").first.check()  # a reason from the list, required for 非常不满意
    page.fill("textarea[name=comment]", "材料交了三次才受理")
    with page.expect_navigation():
        page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#my-level")).to_contain_text("非常不满意")
    _readable(page, tmp_path, "1-rated")

    _as(page, staff)
    page.goto("/ratings/callbacks")
    _readable(page, tmp_path, "2-callbacks")
    callback_id = _callback_of(server["engine"], matter_id)
    expect(page.locator(f"a[href='/ratings/callbacks/{callback_id}']")).to_be_visible()
    page.goto(f"/ratings/callbacks/{callback_id}")
    callback_url = page.url
    page.fill("#call-form textarea[name=note]", "已电话回访，向办事人致歉并说明一次性告知要求")
    with page.expect_navigation():
        page.locator("#call-form button[type=submit]").click()
    page.goto(callback_url)
    _readable(page, tmp_path, "3-called")
    page.get_by_role("link", name="查看整改事项").click()
    page.wait_for_load_state("networkidle")
    item_url = page.url
    page.fill("#evidence-form textarea[name=text]", "已修订一次性告知单，组织窗口人员培训")
    with page.expect_navigation():
        page.locator("#evidence-form button[type=submit]").click()
    _readable(page, tmp_path, "4-evidence")

    _as(page, sup)
    page.goto(item_url)
    with page.expect_navigation():
        page.locator("#accept-form button[type=submit]").click()
    text = _readable(page, tmp_path, "5-closed")
    assert "已销号" in text
    _dispatch(server["engine"])

    _as(page, party)
    page.goto(callback_url)
    page.locator("#confirm-form input[name=satisfied][value='1']").check()
    with page.expect_navigation():
        page.locator("#confirm-form button[type=submit]").click()
    page.goto(callback_url)
    text = _readable(page, tmp_path, "6-confirmed")
    assert "评价人确认满意" in text
