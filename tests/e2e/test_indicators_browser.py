"""Indicators in real Chromium on the demo city: the supervisor opens the dashboard (charts drawn),
drills into the unit with most overdue cases, and generates and publishes the quarterly bulletin."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_supervisor_dashboard_drill_and_publish_bulletin(page: Page, server):
    from onewindow.common.time import today
    from onewindow.indicators import periods

    sign_in(page, "supervisor")
    last = periods.months_back(today(), 2)[0]
    page.goto(f"{server['url']}/indicators?period={last}&code=CQJS")
    expect(page.locator("h1")).to_have_text("营商环境指标监测")
    expect(page.locator(".ow-chart svg").first).to_be_visible()  # ECharts drew from the table
    ranking = page.locator("section", has_text="超期件数部门排名").first
    ranking.get_by_role("link", name="明细").first.click()
    expect(page.locator("#drill tbody tr").first).to_be_visible()
    total = page.locator("#drill-total").inner_text()
    assert float(total) == page.locator("#drill tbody tr").count()  # one overdue case per row
    page.goto(f"{server['url']}/indicators/reports")
    page.select_option("select[name=kind]", "quarterly")
    page.fill("input[name=period]", periods.quarter_of(today()))
    page.get_by_role("button", name="生成").click()
    expect(page.locator("h1")).to_contain_text("季通报")
    page.locator("#publish-report").click()
    expect(page.locator("body")).to_contain_text("通报已发布")
    expect(page.locator("body")).to_contain_text("已下发整改事项")
