"""惠企政策 in real Chromium on the demo city: the enterprise account sees 可享政策 with amounts and applies
for an award that is not 免申即享; the policy officer generates a 免申即享 batch, excludes one enterprise
with a reason, approves and records the payment; the enterprise is told and sees it in its ledger."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

APPLICANT_ENTERPRISE = "示范市晨光商贸有限公司"
PAYMENT_REFERENCE = "GK-E2E-20260701"


@pytest.fixture(scope="module")
def matched(server) -> dict:
    """The demo's policy library, matched against the demo's enterprises. Loaded here when the demo
    loader has not done it (the loader owns this; the step is idempotent either way)."""
    from sqlalchemy import select

    from onewindow.accounts import service as accounts
    from onewindow.accounts.models import User
    from onewindow.common.security import SYSTEM
    from onewindow.db import session_scope
    from onewindow.demo import loader
    from onewindow.policies import service as library
    from onewindow.policies.disbursement import core as disbursement
    from onewindow.policies.matching import core as matching
    from onewindow.policies.models import MatchRun

    with session_scope(server["engine"]) as session:
        if library.search_policies(session).total == 0:
            path = Path(loader.__file__).parent / "data" / "policies.yaml"
            library.import_library(session, actor=SYSTEM, filename=path.name, content=path.read_bytes())
    with session_scope(server["engine"]) as session:
        if session.scalar(select(MatchRun.id).limit(1)) is None:
            matching.run_full(session, actor=SYSTEM)
    with session_scope(server["engine"]) as session:
        actor = accounts.principal_for(session.scalar(select(User).where(User.username == "applicant")))
        [enterprise_id] = disbursement.my_enterprise_ids(session, actor)
        mine = matching.matches_for_enterprise(session, actor=actor, enterprise_id=enterprise_id)
        auto = next(m for m in mine if m.auto_grant and m.awarded_amount_fen > 0 and not m.paid)
        to_apply = next(m for m in mine if not m.auto_grant and m.awarded_amount_fen > 0)
        return {"auto": auto, "apply": to_apply, "count": len([m for m in mine if m.awarded_amount_fen > 0])}


def _money(fen: int) -> str:
    from onewindow.policies.rules.core import format_money

    return format_money(fen)


def test_enterprise_sees_its_policies_and_applies(page: Page, matched):
    auto, to_apply = matched["auto"], matched["apply"]
    sign_in(page, "applicant")
    page.click("header nav >> text=可享政策")
    expect(page.locator("h1")).to_have_text("可享政策")
    expect(page.locator("#matched-count")).to_have_text(str(matched["count"]))
    row = page.locator(f'#matches tr[data-item="{auto.item_code}"]')
    expect(row).to_contain_text(auto.title)
    expect(row).to_contain_text(_money(auto.awarded_amount_fen))
    expect(row).to_contain_text("无需申请，符合条件将直接兑付")
    expect(row.locator("button")).to_have_count(0)
    # why not: the other items, each failed condition with what is required and what the enterprise has
    expect(page.locator("#why-not details").first).to_be_visible()
    page.locator("#why-not details").first.locator("summary").click()
    expect(page.locator("#why-not details").first).to_contain_text("要求：")
    # an award that is not 免申即享 is applied for through the case machinery
    row = page.locator(f'#matches tr[data-item="{to_apply.item_code}"]')
    expect(row).to_contain_text(_money(to_apply.awarded_amount_fen))
    row.locator("button", has_text="申请").click()
    page.wait_for_url(re.compile(r"/applications/\d+$"))
    expect(page.locator(".success")).to_contain_text("已生成奖补申请")
    expect(page.locator("#f_award_title")).to_have_value(to_apply.title)
    page.goto("/my/policies")
    expect(page.locator(f'#matches tr[data-item="{to_apply.item_code}"]')).to_contain_text("申请编号")


def test_officer_pays_a_mianshen_batch_and_the_enterprise_sees_it(browser, server, matched):
    auto = matched["auto"]
    context = browser.new_context(base_url=server["url"], locale="zh-CN", viewport={"width": 1360, "height": 900})
    officer = context.new_page()
    officer.set_default_timeout(15000)
    sign_in(officer, "policy_officer")
    officer.click("header nav >> text=政策兑现")
    expect(officer.locator("#item-stats")).to_contain_text(auto.title)
    expect(officer.locator("#policy-chart canvas")).to_have_count(1)  # ECharts drew the chart
    officer.click("#admin-nav >> text=免申即享批次")
    officer.select_option("#generate-form select[name=item_code]", auto.item_code)
    officer.click("#generate-form button")
    officer.wait_for_url(re.compile(r"/policy-admin/batches/\d+$"))
    expect(officer.locator("#batch-status")).to_have_text("待审核")
    lines = officer.locator("#lines tbody tr")
    assert lines.count() >= 2, "the demo item should pay more than the applicant's enterprise"
    expect(officer.locator(f'#lines tr[data-enterprise="{APPLICANT_ENTERPRISE}"]')).to_contain_text("拟拨付")
    total_before = officer.locator("#batch-total").inner_text()

    other = officer.locator(f'#lines tr:not([data-enterprise="{APPLICANT_ENTERPRISE}"]) form.exclude-form').first
    excluded_name = other.locator("xpath=ancestor::tr").get_attribute("data-enterprise")
    other.locator("input[name=reason]").fill("经核查该企业已迁出本市")
    other.locator("button").click()
    expect(officer.locator(".success")).to_contain_text("已剔除该企业")
    excluded_row = officer.locator(f'#lines tr[data-enterprise="{excluded_name}"]')
    expect(excluded_row).to_contain_text("已剔除")
    expect(excluded_row).to_contain_text("理由：经核查该企业已迁出本市")
    expect(officer.locator("#batch-total")).not_to_have_text(total_before)

    officer.click("#approve-form button")
    expect(officer.locator("#batch-status")).to_have_text("已审核")
    officer.fill("#pay-form input[name=payment_reference]", PAYMENT_REFERENCE)
    officer.click("#pay-form button")
    expect(officer.locator("#batch-status")).to_have_text("已支付")
    expect(officer.locator("#payment-reference")).to_have_text(PAYMENT_REFERENCE)
    expect(officer.locator(f'#lines tr[data-enterprise="{APPLICANT_ENTERPRISE}"]')).to_contain_text("已拨付")
    expect(excluded_row).to_contain_text("已剔除")
    officer.click("#admin-nav >> text=奖补台账")
    expect(officer.locator("#ledger")).to_contain_text(APPLICANT_ENTERPRISE)
    expect(officer.locator("#ledger")).not_to_contain_text(excluded_name)
    context.close()

    enterprise = browser.new_context(base_url=server["url"], locale="zh-CN").new_page()
    enterprise.set_default_timeout(15000)
    sign_in(enterprise, "applicant")
    enterprise.click("header nav >> text=消息")
    expect(enterprise.locator("#notifications")).to_contain_text(f"「{auto.title}」奖补资金已拨付")
    expect(enterprise.locator("#notifications")).to_contain_text(PAYMENT_REFERENCE)
    enterprise.click("header nav >> text=可享政策")
    expect(enterprise.locator(f'#matches tr[data-item="{auto.item_code}"]')).to_contain_text("已兑现")
    expect(enterprise.locator("#my-ledger")).to_contain_text(PAYMENT_REFERENCE)
    expect(enterprise.locator("#my-ledger")).to_contain_text(_money(auto.awarded_amount_fen))
    enterprise.context.close()
