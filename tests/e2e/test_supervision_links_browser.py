"""监管 linked to the rest, in Chromium on the demo city: the dashboard's 户均检查次数 by credit grade shows a
figure (supervision's measures), the enterprise reports an unapproved visit and is shown its 12345 code, the
clerk sees the applicant's credit grade on the case page, the supervisor's 结果公示 page lists the visits."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import sign_in
from tests.e2e.test_supervision_browser import _readable

pytestmark = pytest.mark.e2e


def _as(page, username):
    page.context.clear_cookies()
    sign_in(page, username)


def test_indicators_report_and_grade_in_chromium(page, server, tmp_path):
    from onewindow.common.time import today
    from onewindow.indicators import periods

    month = periods.month_of(today())
    _as(page, "supervisor")
    page.goto(f"/indicators?period={month}&code=JG_D")
    expect(page.locator("h1")).to_have_text("营商环境指标监测")
    text = _readable(page, tmp_path, "jg_d")
    assert "D级企业户均检查次数" in text and "暂无数据来源" not in text
    row = page.locator("tr", has_text=periods.label(month)).first  # the trend table's row of this month
    cells = row.locator("td").all_inner_texts()
    assert float(cells[1]) > 0, cells  # the demo's D 类 visits this month, over the D 类 enterprises
    page.screenshot(path="/tmp/supb_jg_d.png", full_page=False)

    page.goto("/supervision/publication")
    text = _readable(page, tmp_path, "publication")
    assert "待公示" in text and page.locator("#pending tbody tr").count() >= 1
    page.screenshot(path="/tmp/supb_publication.png", full_page=True)

    _as(page, "applicant")
    page.goto("/supervision/credit")
    form = page.locator("form[action='/supervision/credit/unapproved']")
    form.locator("input[name=visited_on]").fill(today().isoformat())
    form.locator("input[name=department_name]").fill("示范市某区城管局")
    form.locator("input[name=filer_phone]").fill("13912345678")
    form.locator("textarea[name=description]").fill("两名执法人员未出示营商环境局核准通知即入企检查")
    with page.expect_navigation():
        form.locator("button").click()
    done = page.locator(".success").inner_text()
    assert re.search(r"诉求编号 12345-\d{8}-\d{6}", done), done
    _readable(page, tmp_path, "reported")
    page.screenshot(path="/tmp/supb_reported.png", full_page=True)

    from onewindow.cases.models import Application
    from onewindow.db import session_scope

    with session_scope(server["engine"]) as s:
        app_id = s.scalar(select(Application.id).where(Application.subject_kind == "enterprise",
                                                       Application.status.in_(("submitted", "accepted")))
                          .order_by(Application.id))
    _as(page, "clerk")
    page.goto(f"/applications/{app_id}")
    expect(page.locator("#fact-credit-grade")).to_contain_text(re.compile(r"[ABCD]类（|尚未评定"))
    _readable(page, tmp_path, "case_grade")
    page.screenshot(path="/tmp/supb_case_grade.png", full_page=False)
