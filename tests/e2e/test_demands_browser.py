"""12345 诉求 in real Chromium on the demo city: a call taken at the desk, the knowledge base suggesting
as the agent types, answered on the spot (直办); another call dispatched to 住建局, returned (退单),
re-dispatched (改派) to 市场监管局, signed, replied, called back 不满意 and reopened, replied again,
called back 满意 and closed; the filer tracks it by code and phone. Screenshots in $ONEWINDOW_SHOTS."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import DEMO_PASSWORD
from tests.e2e.conftest import sign_in as _sign_in

pytestmark = pytest.mark.e2e
SHOTS = os.environ.get("ONEWINDOW_SHOTS", "/tmp/ow-shots")


def sign_in(page: Page, username: str) -> None:
    page.context.clear_cookies()  # signed in, the header's 退出 button would be the first submit button
    _sign_in(page, username)


def shot(page: Page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=f"{SHOTS}/demands-{name}.png", full_page=True)


@pytest.fixture(scope="module")
def market_handler(server):
    """A second handling unit's person (the demo has one, at 住建局), so a 改派 has somewhere to go."""
    from sqlalchemy import select

    from onewindow.accounts import service as accounts
    from onewindow.accounts.models import User
    from onewindow.catalog.models import Department
    from onewindow.common.roles import Role
    from onewindow.common.security import SYSTEM
    from onewindow.db import session_scope

    with session_scope(server["engine"]) as s:
        if s.scalar(select(User.id).where(User.username == "e2e_market")) is None:
            dept = s.scalar(select(Department.id).where(Department.code == "SCJGJ"))
            accounts.create_user(s, actor=SYSTEM, username="e2e_market", display_name="钱承办（市场监管）",
                                 role=Role.handler, password=DEMO_PASSWORD, department_id=dept)
    return "e2e_market"


def take_call(page: Page, *, phone: str, kind: str, subject: str, content: str, topic: str = "") -> str:
    page.goto("/demands/desk")
    page.fill("#filer_phone", phone)
    page.fill("#filer_name", "赵市民")
    page.select_option("#kind", label=kind)
    if topic:
        page.fill("#topic", topic)
    page.fill("#subject", subject)
    page.fill("#content", content)
    return subject


def code_of(page: Page) -> str:
    return re.search(r"12345-\d{8}-\d{6}", page.locator("h1").inner_text()).group(0)


def step(page: Page, form: str, button: str) -> None:
    page.locator(f"#{form} button", has_text=button).first.click()
    page.wait_for_load_state("networkidle")


def test_a_call_answered_from_the_knowledge_base(page: Page):
    sign_in(page, "agent")
    take_call(page, phone="13912340001", kind="咨询", subject="住房公积金提取", content="退休了想把住房公积金取出来，需要什么材料")
    suggestions = page.locator("#knowledge-suggest li")
    expect(suggestions.first).to_be_visible()  # suggested while typing (htmx)
    expect(page.locator("#knowledge-suggest")).to_contain_text("公积金")
    shot(page, "1-desk-suggestions")
    page.click("#call-form button")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#status")).to_have_text("待派单")
    expect(page.locator("#answer-form")).to_contain_text("公积金")
    step(page, "answer-form", "直办答复并办结")
    expect(page.locator("#status")).to_have_text("已办结")
    expect(page.locator("#reply")).to_contain_text("直办")
    shot(page, "2-direct-answer")


def test_dispatched_returned_redispatched_replied_reopened_closed(page: Page, market_handler):
    sign_in(page, "agent")
    take_call(page, phone="13912340002", kind="投诉", subject="超市售卖过期牛奶",
              content="在人民路超市买的牛奶已过保质期，要求查处并退款", topic="市场监管")
    page.click("#call-form button")
    page.wait_for_load_state("networkidle")
    code = code_of(page)
    page.select_option("#lead_department_id", label="示范市住房和城乡建设局")
    shot(page, "3-dispatch")
    step(page, "dispatch-form", "派单")
    expect(page.locator("#status")).to_have_text("待签收")

    sign_in(page, "handler")
    page.goto(f"/demands/inbox?q={code}")  # filtered: the demo unit has a long inbox
    expect(page.locator("#demands")).to_contain_text(code)
    expect(page.locator("#demands")).not_to_contain_text("13912340002")  # masked for the unit
    shot(page, "4-inbox")
    page.goto(f"/demands/{code}")
    step(page, "return-form", "退单")  # no reason: refused, the form says why
    expect(page.locator("#return-form")).to_contain_text("请填写退单理由")
    page.fill("#return-form input[name=reason]", "食品安全不属于住建部门职责，请转市场监管局")
    step(page, "return-form", "退单")
    expect(page.locator("#status")).to_have_text("已退单")

    sign_in(page, "agent")
    page.goto(f"/demands/board?q={code}")
    expect(page.locator("#demands")).to_contain_text(code)
    page.goto(f"/demands/{code}")
    page.select_option("#lead_department_id", label="示范市市场监督管理局")
    step(page, "dispatch-form", "改派")
    expect(page.locator("#status")).to_have_text("待签收")

    sign_in(page, market_handler)
    page.goto(f"/demands/{code}")
    step(page, "sign-form", "签收")
    expect(page.locator("#status")).to_have_text("办理中")
    page.fill("#reply-form textarea[name=text]", "已责令超市下架过期牛奶并立案调查")
    step(page, "reply-form", "答复")
    expect(page.locator("#status")).to_have_text("已答复待回访")

    sign_in(page, "agent")
    page.goto(f"/demands/{code}")
    page.check("#callback-form input[name=satisfaction][value=unsatisfied]")
    page.check("#callback-form input[name=resolved][value='0']")
    page.check("#callback-form input[name=reopen]")
    page.fill("#callback-form input[name=reasons]", "货款尚未退还")
    shot(page, "5-callback-unsatisfied")
    step(page, "callback-form", "登记回访")
    expect(page.locator("#status")).to_have_text("办理中")

    sign_in(page, market_handler)
    page.goto(f"/demands/{code}")
    page.fill("#reply-form textarea[name=text]", "已协调超市退还货款并赔偿")
    step(page, "reply-form", "答复")

    sign_in(page, "agent")
    page.goto(f"/demands/{code}")
    expect(page.locator("#callback-form")).not_to_contain_text("退回重办")  # reopened once already
    page.check("#callback-form input[name=satisfaction][value=satisfied]")
    page.check("#callback-form input[name=resolved][value='1']")
    step(page, "callback-form", "登记回访")
    expect(page.locator("#status")).to_have_text("已办结")
    expect(page.locator("#history")).to_contain_text("回访不满意，退回重办：货款尚未退还")
    shot(page, "6-closed")

    page.context.clear_cookies()
    page.goto(f"/demands/track?code={code}")
    page.fill("#track-form input[name=phone]", "13912340002")
    page.click("#track-form button")
    expect(page.locator("#tracked")).to_contain_text("已办结")
    expect(page.locator("#tracked")).to_contain_text("已协调超市退还货款并赔偿")
    shot(page, "7-track")


PAGES = {"agent": ("/demands/desk", "/demands/board", "/demands/callbacks", "/demands/supervision", "/demands"),
         "handler": ("/demands/inbox",), "supervisor": ("/demands/supervision", "/demands?sla_state=overdue"),
         "clerk": ("/demands/window",)}


@pytest.mark.parametrize("username", sorted(PAGES))
def test_demand_pages_raise_no_csp_violation_and_show_no_english(page: Page, username):
    from tests.e2e.test_csp_browser import REPORT

    violations: list[str] = []
    page.add_init_script(REPORT)
    page.on("console", lambda msg: violations.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and "CSP" in msg.text else None)
    sign_in(page, username)
    for path in PAGES[username]:
        page.goto(path)
        page.wait_for_load_state("networkidle")
        text = page.locator("main").inner_text()
        for word in ("received", "handling", "overdue", "warning", "None", "complaint"):
            assert word not in text, (path, word)
        first = page.locator("#demands tbody a").first
        if first.count():
            first.click()
            page.wait_for_load_state("networkidle")
    page.context.clear_cookies()
    page.goto("/demands/scan?window=1")
    page.wait_for_load_state("networkidle")
    page.goto("/demands/track")
    assert violations == [], "\n".join(violations)
