"""As people use it, in real Chromium: sign in as each role, search, design a bundle, import errors."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from onewindow.demo.loader import ACCOUNTS
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

ADMIN_ONLY = ["用户管理", "工作日历", "导入导出", "一件事设计"]


@pytest.mark.parametrize("username, name, role", [(a[0], a[1], a[2]) for a in ACCOUNTS])
def test_each_role_signs_in_and_sees_its_menu(page, username, name, role):
    from onewindow.common.roles import ROLE_LABELS, Role

    sign_in(page, username)
    expect(page.locator("header .who")).to_contain_text(f"{name}（{ROLE_LABELS[role]}）")
    nav = page.locator("header nav")
    for label in ADMIN_ONLY:
        expect(nav.get_by_text(label)).to_have_count(1 if role == Role.admin else 0)
    expect(nav.get_by_text("审计日志")).to_have_count(1 if role in (Role.admin, Role.supervisor) else 0)
    response = page.goto("/admin/users")
    assert response.status == (200 if role == Role.admin else 403)
    page.goto("/")
    page.click("header .who button")
    expect(page).to_have_url(re.compile(r"/login$"))


def test_wrong_password_is_refused(page):
    sign_in(page, "admin", "wrong-password-1")
    expect(page.locator(".errors")).to_contain_text("用户名或密码错误")


def test_search_catalogue_and_read_the_guide(page):
    page.goto("/catalog")
    page.fill("#q", "食品经营")
    page.press("#q", "Enter")
    results = page.locator("table.results")
    expect(results).to_contain_text("食品经营许可")
    results.get_by_role("link", name=re.compile("食品经营许可")).first.click()
    expect(page.locator("h1")).to_contain_text("食品经营")
    expect(page.locator("#materials")).to_be_visible()
    expect(page.get_by_text("承诺时限（工作日）")).to_be_visible()


def _add(page, query: str, name: str) -> None:
    box = page.locator("input[placeholder^='搜索事项后点']")
    box.fill(query)
    row = page.locator("#search-table tr", has_text=name).first
    expect(row).to_be_visible()
    with page.expect_response(re.compile(r"/catalog/designer/panel$")):
        row.get_by_role("button", name="加入").click()
    expect(page.locator("#selected")).to_contain_text(name)


def _set(page, locator, on: bool = True) -> None:
    """Tick or untick, and wait for the designer to re-render from the server."""
    with page.expect_response(re.compile(r"/catalog/designer/panel$")):
        locator.set_checked(on)
    page.wait_for_load_state("networkidle")


def _row(page, name: str):
    """The selected item's row, found by the item's own cell (other rows name it in their checkboxes)."""
    return page.locator("#selected tbody tr").filter(has=page.locator("td:nth-child(2)", has_text=name))


def test_design_a_bundle_and_check_its_reductions(page, server):
    sign_in(page, "admin")
    page.goto("/catalog/designer")
    _add(page, "企业设立登记", "企业设立登记")
    _add(page, "公章刻制", "公章刻制")
    _add(page, "发票", "发票")
    # Both later items wait for the licence.
    for later in ("公章刻制", "发票"):
        _set(page, _row(page, later).locator("label", has_text="企业设立登记").locator("input"))
    expect(page.locator("#plan .stage")).to_have_count(2)  # licence first, then the others in parallel
    # A cycle is refused with its members named.
    _set(page, _row(page, "企业设立登记").locator("label", has_text="公章刻制").locator("input"))
    expect(page.locator("#plan-errors")).to_contain_text("依赖关系存在环")
    _set(page, _row(page, "企业设立登记").locator("label", has_text="公章刻制").locator("input"), False)
    expect(page.locator("#plan-errors")).to_have_count(0)
    _set(page, _row(page, "企业设立登记").locator("input[type=radio]"))
    expect(page.locator("#lead-department")).to_contain_text("市场监督管理局")
    page.fill("input[name=code]", "YJS-E2E")
    page.fill("input[name=name]", "浏览器测试一件事")
    page.click("#save-bundle")
    expect(page).to_have_url(re.compile(r"/catalog/bundles/YJS-E2E$"))
    expect(page.locator("h1")).to_contain_text("浏览器测试一件事")
    # The page shows the same reductions the API computes.
    api = page.request.get("/api/bundles/YJS-E2E").json()["plan"]["reductions"]
    for key in ("materials", "fields", "time", "steps"):
        kpi = page.locator(f"#reductions .kpi[data-key={key}]")
        expect(kpi.locator(".bundled")).to_have_text(str(api[key]["bundled"]))
        expect(kpi).to_contain_text(f"{api[key]['percent']}%")
    assert api["materials"]["bundled"] < api["materials"]["separate"]
    expect(page.locator("#reduction-chart canvas")).to_have_count(1)


BAD_CATALOG = """format: onewindow-catalog/1
departments:
  - {code: NEWDEPT, name: 新部门, level: 省, parent: NOWHERE}
items:
  - code: BAD-0001
    basic_code: "12"
    version: 1
    name: 坏事项
    item_type: 行政许可
    department: NEWDEPT
    level: 市
    statutory_limit_days: 3
    promised_limit_days: 30
    online_depth: 全程网办
    result_type: 证照
"""


def test_failed_import_lists_errors_and_writes_nothing(page, tmp_path):
    sign_in(page, "admin")
    before = page.request.get("/api/departments").json()
    path = tmp_path / "坏目录.yaml"
    path.write_text(BAD_CATALOG, encoding="utf-8")
    page.goto("/catalog/import")
    page.set_input_files("input[type=file]", str(path))
    page.click("form[action='/catalog/import'] button[type=submit]")
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("导入失败，未写入任何数据")
    for fragment in ("level", "parent", "basic_code", "promised_limit_days"):
        expect(errors.locator("td", has_text=fragment).first).to_be_visible()
    assert page.request.get("/api/departments").json() == before


def test_calendar_marks_estimates(page):
    sign_in(page, "admin")
    page.goto("/admin/calendar?start=2026-12-28&days=10")
    expect(page.locator("#calc-result")).to_contain_text("估算")
    expect(page.locator("#years")).to_contain_text("未加载")


def test_audit_viewer_and_chain_check(page):
    sign_in(page, "supervisor")
    page.goto("/audit?entity_type=catalog")  # sign-outs of the other browser tests fill the first page
    expect(page.locator("table")).to_contain_text("导入事项目录")
    expect(page.locator("table")).not_to_contain_text("catalog.import")
    page.get_by_role("button", name="校验哈希链").click()
    expect(page.locator("#verify-result")).to_contain_text("哈希链完整")
