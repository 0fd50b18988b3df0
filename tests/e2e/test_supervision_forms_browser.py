"""监管's officer forms in Chromium on the demo city: the 市场监管局 inspector drafts version 3 of the
demo 首违不罚清单 (a blank item refused beside its field, then an item changed, one removed, one added),
publishes it and compares it with version 2 field by field; the business-environment office registers a
涉企收费 problem (a bad amount refused beside the field, everything typed kept), records a refund and closes
it (销号) with a voucher uploaded, and the period's totals show the refunds as money.
Each page is screenshotted and its text checked for internal keys and English statuses."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

INTERNAL = re.compile(r"\b(draft|published|superseded|first|minor|open|closed|hotline|inspection|demand|"
                      r"None|null|true|false|Error|Traceback)\b")
VOUCHER = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _as(page, username):
    page.context.clear_cookies()
    sign_in(page, username)


def _readable(page, shots, name):
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert (shots / f"{name}.png").stat().st_size > 1000
    text = page.locator("main").inner_text()
    assert not INTERNAL.search(text), (name, INTERNAL.search(text)[0])
    return text


def _submit(page, form):
    with page.expect_navigation():
        form.locator("button[type=submit]").first.click()


def test_a_tolerance_list_version_published_and_compared(page, server, tmp_path):
    _as(page, "inspector")
    page.goto("/supervision/tolerance/manage")
    row = page.locator("#list-SCJG-SWBF")
    expect(row).to_contain_text("第2版（3项）")
    _submit(page, row.locator("form[action='/supervision/tolerance/versions']"))
    assert re.search(r"/supervision/tolerance/versions/\d+$", page.url), page.url
    expect(page.locator("#list-status")).to_have_text("草稿")
    draft_url = page.url

    form = page.locator("#item-form")
    form.locator("input[name=no]").fill("5")
    form.locator("textarea[name=basis]").fill("《消费者权益保护法》第二十条")
    form.locator("textarea[name=conditions]").fill("首次且当场改正")
    _submit(page, form)
    expect(page.locator("#conduct-error")).to_contain_text("违法行为")  # beside the blank field
    expect(page.locator("#item-form textarea[name=basis]")).to_have_value("《消费者权益保护法》第二十条")
    _readable(page, tmp_path, "1-item-error")
    page.locator("#item-form textarea[name=conduct]").fill("未按规定标明商品产地")
    _submit(page, page.locator("#item-form"))
    expect(page.locator("#item-5")).to_contain_text("未按规定标明商品产地")

    page.locator("#item-3 a", has_text="修改").click()
    page.locator("#item-form textarea[name=conditions]").fill("首次、未造成危害后果且当场改正")
    _submit(page, page.locator("#item-form"))
    expect(page.locator("#item-3")).to_contain_text("首次、未造成危害后果且当场改正")
    with page.expect_navigation():
        page.locator("#item-4 button", has_text="删除").click()
    expect(page.locator("#item-4")).to_have_count(0)
    expect(page.locator("#diff h2")).to_have_text("第2版 → 第3版：新增1项、修改1项、删除1项")
    _readable(page, tmp_path, "2-draft-edited")

    _submit(page, page.locator("#publish-form"))
    expect(page.locator("#list-status")).to_have_text("已发布")
    assert page.url == draft_url

    page.goto("/supervision/tolerance/manage")
    compare = page.locator("#list-SCJG-SWBF form.compare-form")
    compare.locator("select[name=a]").select_option("1")
    compare.locator("select[name=b]").select_option("3")
    _submit(page, compare)
    changed = page.locator("#changed")
    expect(changed).to_contain_text("不予处罚条件")
    expect(changed).to_contain_text("首次违法、及时改正且未造成危害后果")
    expect(page.locator("#removed")).to_contain_text("未按时报送年度报告")
    text = _readable(page, tmp_path, "3-compare-1-3")
    assert "新增1项、修改2项、删除1项" in text  # against version 1: 5 added, 1 and 3 changed, 2 removed
    page.goto("/supervision/tolerance")
    text = _readable(page, tmp_path, "4-public-lists")
    assert "已被新版本替代" in text and "已发布" in text


def test_a_fee_problem_registered_refunded_and_closed_with_a_voucher(page, server, tmp_path):
    _as(page, "supervisor")
    page.goto("/supervision/fees")
    form = page.locator("#fee-form")
    form.locator("select[name=lead_kind]").select_option(label="12345热线")
    form.locator("input[name=lead_ref]").fill("12345-E2E-0001")
    form.locator("select[name=department_id]").select_option(label="示范市人力资源和社会保障局")
    form.locator("textarea[name=description]").fill("职业技能培训中心违规收取考试费")
    form.locator("input[name=refund]").fill("2,345.678")
    _submit(page, form)
    expect(page.locator("#refund-error")).to_contain_text("最多精确到分")
    expect(page.locator("#fee-form textarea[name=description]")).to_have_value("职业技能培训中心违规收取考试费")
    expect(page.locator("#fee-form input[name=lead_ref]")).to_have_value("12345-E2E-0001")
    _readable(page, tmp_path, "5-fee-error")
    page.locator("#fee-form input[name=refund]").fill("2,345.60")
    _submit(page, page.locator("#fee-form"))
    row = page.locator("tr", has_text="职业技能培训中心违规收取考试费")
    expect(row).to_contain_text("2,345.60元")
    expect(row).to_contain_text("整改中")
    pid = row.get_attribute("id").split("-")[1]

    refund = page.locator(f"#refund-{pid}")
    refund.locator(f"input[name=amount_{pid}]").fill("345.60")
    _submit(page, refund)
    row = page.locator(f"#fee-{pid}")
    expect(row).to_contain_text("345.60元")
    close = page.locator(f"#close-{pid}")
    expect(close.locator(f"input[name=refunded_{pid}]")).to_have_value("345.60")
    close.locator(f"input[name=evidence_{pid}]").fill("已全额退还考试费，附银行回单")
    close.locator(f"input[name=refunded_{pid}]").fill("2345.60")
    close.locator(f"input[name=file_{pid}]").set_input_files(
        {"name": "退费回单.pdf", "mimeType": "application/pdf", "buffer": VOUCHER})
    _submit(page, close)
    row = page.locator(f"#fee-{pid}")
    expect(row).to_contain_text("已销号")
    expect(row.locator("a", has_text="退费回单.pdf")).to_have_count(1)
    text = _readable(page, tmp_path, "6-fee-closed")
    assert "已销号" in text
    expect(page.locator("#total-refunded")).to_contain_text("元")
    assert page.request.get(f"/supervision/fees/{pid}/evidence").body() == VOUCHER


def _a_uscc(engine):
    from onewindow.db import session_scope
    from onewindow.sharing import service as sharing

    with session_scope(engine) as s:
        return sharing.enterprise_facts(s, ids=[42])[0][1]


def test_quiet_days_an_adhoc_visit_and_the_inspector_roster(page, server, tmp_path):
    from onewindow.common.time import today

    on = today()
    y, m = (on.year + 1, 1) if on.month == 12 else (on.year, on.month + 1)
    quiet_day = f"{y}-{m:02d}-10"
    uscc = _a_uscc(server["engine"])

    _as(page, "supervisor")
    page.goto("/supervision/inspections")
    page.locator("a", has_text="设置企业宁静日").click()
    form = page.locator("#quiet-form")
    form.locator("input[name=last_day]").fill("35")
    _submit(page, form)
    expect(page.locator("#last_day-error")).to_contain_text("1–31")
    _readable(page, tmp_path, "7-quiet-error")
    page.locator("#quiet-form input[name=last_day]").fill("20")
    _submit(page, page.locator("#quiet-form"))
    expect(page.locator("#quiet-now")).to_contain_text("每月1日至20日")

    _as(page, "inspector")
    page.goto("/supervision/inspections")
    page.locator("a", has_text="申请临时入企检查").click()
    form = page.locator("#visit-form")
    form.locator("input[name=enterprise_uscc]").fill(uscc)
    form.locator("input[name=visit_on]").fill(quiet_day)
    form.locator("input[name=matter_codes][value='SC-01']").check()
    form.locator("textarea[name=purpose]").fill("燃气泄漏隐患紧急排查")
    _submit(page, form)
    expect(page.locator("#visit_on-error")).to_contain_text("企业宁静日")
    expect(page.locator("#visit-form textarea[name=purpose]")).to_have_value("燃气泄漏隐患紧急排查")
    expect(page.locator("#visit-form input[name=matter_codes][value='SC-01']")).to_be_checked()
    _readable(page, tmp_path, "8-visit-refused")
    page.locator("#visit-form select[name=exception]").select_option(label="安全生产等重大风险")
    page.locator("#visit-form textarea[name=exception_reason]").fill("群众报告燃气泄漏，存在重大安全风险")
    _submit(page, page.locator("#visit-form"))
    assert page.url.endswith("/supervision/inspections")
    row = page.locator("#inspections tr", has_text="燃气泄漏隐患紧急排查")
    expect(row).to_contain_text("安全生产等重大风险：群众报告燃气泄漏")
    expect(row).to_contain_text("待营商办核准")
    _readable(page, tmp_path, "9-visit-requested")

    _as(page, "supervisor")
    page.goto("/supervision/inspections")
    row = page.locator("#inspections tr", has_text="燃气泄漏隐患紧急排查")
    row.locator("input[name=decision]").fill("同意，安全生产例外")
    with page.expect_navigation():
        row.get_by_role("button", name="核准", exact=True).click()
    expect(page.locator("#inspections tr", has_text="燃气泄漏隐患紧急排查")).to_contain_text("已核准")

    _as(page, "inspector")
    page.goto("/supervision/roster")
    form = page.locator("#inspector-form")
    form.locator("input[name=badge]").fill("SC0901")
    form.locator("input[name=name]").fill("韩执法")
    form.locator("input[name=qualifications]").fill("市场监管执法")
    form.locator("textarea[name=tied]").fill("91000000MA0000000X")
    _submit(page, form)
    expect(page.locator("#tied-error")).to_contain_text("不是已登记的企业")
    expect(page.locator("#inspector-form input[name=name]")).to_have_value("韩执法")
    page.locator("#inspector-form textarea[name=tied]").fill(uscc)
    _submit(page, page.locator("#inspector-form"))
    row = page.locator("#inspectors tr", has_text="SC0901")
    expect(row).to_contain_text(uscc)
    expect(row).to_contain_text("在岗")
    _readable(page, tmp_path, "10-roster")
