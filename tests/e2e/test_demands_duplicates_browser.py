"""Duplicates (issue 11 item 5) in real Chromium on the demo city, as a 12345 agent meets them: a call
is filed at the desk; the same caller rings again about the same matter, and while the agent types the
desk's htmx panel (#duplicate-candidates) offers the first demand, 同一来电号码 and 内容相近; the second
call is filed and 并单 into the first from its demand page, which then reads 已办结 / 并入主诉求, and
the first demand's page lists the merged one. The desk with its candidates is shot to
$ONEWINDOW_DUPE_SHOT (default /tmp/shots/dupe_desk.png)."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import Page, expect

from tests.demands.test_pages import english_free
from tests.e2e.conftest import sign_in as _sign_in

pytestmark = pytest.mark.e2e
SHOT = os.environ.get("ONEWINDOW_DUPE_SHOT", "/tmp/shots/dupe_desk.png")
CODE = re.compile(r"12345-\d{8}-\d{6}")
# A number no demo demand has, so the panel's 同一来电号码 can only come from the first call here.
PHONE = "13698765432"
# Words the demo city's demands are unlikely to share, so the candidate found is the one filed here.
FIRST = {"subject": "翠湖小区地下车库夜间漏水", "location": "示范市翠湖小区3号楼地下车库",
         "content": "翠湖小区地下车库顶板夜间持续漏水，车辆被淋，物业不予处理"}
SECOND = {"subject": "翠湖小区地下车库又在漏水", "location": "示范市翠湖小区3号楼地下车库",
          "content": "翠湖小区地下车库顶板还在漏水，上次反映后仍未修好"}


def sign_in(page: Page, username: str) -> None:
    page.context.clear_cookies()  # signed in, the header's 退出 button would be the first submit button
    _sign_in(page, username)


def fill_call(page: Page, call: dict) -> None:
    """Types a call the way an agent does: the caller's number first (it is what the phone shows)."""
    page.goto("/demands/desk")
    page.fill("#filer_phone", PHONE)
    page.fill("#filer_name", "孙市民")
    page.select_option("#kind", label="投诉")
    page.select_option("#urgency", label="一般")
    page.fill("#topic", "物业管理")
    page.fill("#subject", call["subject"])
    page.fill("#location", call["location"])
    page.fill("#content", call["content"])


def file_call(page: Page) -> str:
    page.locator("#call-form button", has_text="受理").click()
    page.wait_for_url(re.compile(r"/demands/12345-\d{8}-\d{6}$"))
    expect(page.locator("#status")).to_have_text("待派单")
    return CODE.search(page.locator("h1").inner_text()).group(0)


def test_same_caller_again_is_offered_as_a_duplicate_and_merged(page: Page):
    sign_in(page, "agent")
    fill_call(page, FIRST)
    first = file_call(page)

    fill_call(page, SECOND)
    panel = page.locator("#duplicate-candidates")
    candidate = panel.locator("li", has_text=first)
    # The panel is swapped in by htmx after a 400 ms pause in typing; expect() waits for it.
    expect(candidate).to_be_visible()
    expect(candidate).to_contain_text(FIRST["subject"])
    expect(candidate).to_contain_text("同一来电号码")
    expect(candidate).to_contain_text("内容相近")
    expect(candidate).to_contain_text("待派单")  # its status in Chinese, not "received"
    expect(candidate.locator("a")).to_have_attribute("href", f"/demands/{first}")
    english_free(page.content())
    os.makedirs(os.path.dirname(SHOT), exist_ok=True)
    page.screenshot(path=SHOT, full_page=True)

    second = file_call(page)
    assert second != first
    # The second demand's own page offers the first as the 并单 target, for the same reasons.
    choice = page.locator("#merge-form p", has_text=first)
    expect(choice).to_contain_text("同一来电号码")
    choice.locator("input[name=into_code]").check()
    page.locator("#merge-form button", has_text="并入所选主诉求").click()
    page.wait_for_load_state("networkidle")
    expect(page.locator("#status")).to_have_text("已办结")
    expect(page.locator("#merged-into")).to_contain_text(f"已并单：并入主诉求 {first}")
    expect(page.locator("#merge-form")).to_have_count(0)  # closed by the merge: nothing left to merge
    expect(page.locator("#merge-history")).to_contain_text("并单")
    english_free(page.content())

    page.locator("#merged-into a", has_text=first).click()
    page.wait_for_url(f"**/demands/{first}")
    expect(page.locator("#status")).to_have_text("待派单")  # the main demand carries on
    expect(page.locator("#merged")).to_contain_text(second)
    expect(page.locator("#merged a", has_text=second)).to_have_attribute("href", f"/demands/{second}")
    expect(page.locator("#merged-into")).to_have_count(0)
    english_free(page.content())

    # A merged demand is no longer offered: the same caller a third time sees only the main demand.
    fill_call(page, SECOND)
    expect(panel.locator("li", has_text=first)).to_be_visible()
    expect(panel).not_to_contain_text(second)
