"""监管 in Chromium on the demo city: the 市场监管局 inspector creates next month's 双随机 plan through the
form, announces it (the seed and pool hash shown), draws and publishes it; the office plans 人社局's draw
of the same period, and asks for both plans' visits at once, so their common enterprises get one joint
visit; the office approves one visit; the inspector records 责令整改 (and a serious 立案查处 on the second
matter) → a rectification item is opened in the ledger → the enterprise's credit grade changed.
Each page is screenshotted and its text checked for internal keys and English statuses."""

from __future__ import annotations

import calendar
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e

INTERNAL = re.compile(r"\b(draft|announced|drawn|published|requested|approved|refused|visited|planned|joint|"
                      r"adhoc|pass|rectify|case|tolerated|absent|None|null|true|false|Error|Traceback)\b")


def _next_month():
    from onewindow.common.time import today

    on = today()
    y, m = (on.year + 1, 1) if on.month == 12 else (on.year, on.month + 1)
    return f"{y}-{m:02d}-01", f"{y}-{m:02d}-{calendar.monthrange(y, m)[1]:02d}"


def _as(page, username):
    page.context.clear_cookies()
    sign_in(page, username)


def _readable(page, shots, name):
    page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert (shots / f"{name}.png").stat().st_size > 1000
    text = page.locator("main").inner_text()
    assert not INTERNAL.search(text), (name, INTERNAL.search(text)[0])
    return text


def _plan(page, *, title, start, end, matters, ratios, department=None):
    page.goto("/supervision/plans")
    form = page.locator("#plan-form")
    if department:
        form.locator("select[name=department_id]").select_option(value=str(department))
    form.locator("input[name=title]").fill(title)
    form.locator("input[name=period_start]").fill(start)
    form.locator("input[name=period_end]").fill(end)
    for code in matters:
        form.locator(f"input[name=matter_codes][value='{code}']").check()
    for grade, share in ratios.items():
        form.locator(f"input[name=ratio_{grade}]").fill(share)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert re.search(r"/supervision/plans/\d+$", page.url), page.url
    expect(page.locator("#plan-status")).to_have_text("草拟")
    page.fill("#announce-form input[name=public_value]", f"{start} 上证指数收盘 3388.16")
    with page.expect_navigation():
        page.locator("#announce-form button[type=submit]").click()
    expect(page.locator("#seed")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(page.locator("#pool-hash")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    with page.expect_navigation():
        page.locator("#draw-form button[type=submit]").click()
    expect(page.locator("#plan-status")).to_have_text("已抽取")
    with page.expect_navigation():
        page.locator("#publish-form button[type=submit]").click()
    expect(page.locator("#plan-status")).to_have_text("已公示")
    return int(page.url.rsplit("/", 1)[1])


def _department(engine, code):
    from onewindow.catalog import service as catalog
    from onewindow.db import session_scope

    with session_scope(engine) as s:
        return catalog.department_id(s, code=code)


def _visits(engine, plan_id):
    """The visits of the plan, with each enterprise's grade and score now."""
    from onewindow.db import session_scope
    from onewindow.supervision import credit
    from onewindow.supervision.models import Inspection

    with session_scope(engine) as s:
        rows = [v for v in s.scalars(select(Inspection).order_by(Inspection.id)) if plan_id in (v.plan_ids or [])]
        out = []
        for v in rows:
            g = credit.grade_of(s, enterprise_id=v.enterprise_id)
            out.append((v.id, v.kind, v.enterprise_id, g.grade if g else "B"))
        return out


def _grade(engine, enterprise_id):
    from onewindow.db import session_scope
    from onewindow.supervision import credit

    with session_scope(engine) as s:
        g = credit.grade_of(s, enterprise_id=enterprise_id)
        return g.grade if g else "B"


def _rectification_of(engine, inspection_id):
    from onewindow.db import session_scope
    from onewindow.supervision.models import Finding

    with session_scope(engine) as s:
        return s.scalar(select(Finding.rectification_id).where(Finding.inspection_id == inspection_id,
                                                              Finding.rectification_id.is_not(None)))


def test_a_plan_drawn_and_published_leads_to_a_rectification_and_a_new_grade(page, server, tmp_path):
    start, end = _next_month()
    _as(page, "inspector")
    sc = _plan(page, title="下月市场主体双随机抽查", start=start, end=end, matters=["SC-01", "SC-02"],
               ratios={"A": "0", "B": "0.3", "C": "0", "D": "100"})
    text = _readable(page, tmp_path, "1-sc-published")
    assert "随机种子" in text and "抽取名录哈希" in text

    _as(page, "supervisor")
    rs = _plan(page, title="下月劳动保障双随机抽查", start=start, end=end, matters=["RS-01"],
               ratios={"A": "0", "B": "0", "C": "0", "D": "100"}, department=_department(server["engine"], "RSJ"))
    page.goto("/supervision/plans")
    for pid in (sc, rs):
        page.locator(f"#visits-form input[name=plan_ids][value='{pid}']").check()
    with page.expect_navigation():
        page.locator("#visits-form button").click()
    assert page.url.endswith("/supervision/inspections")
    text = _readable(page, tmp_path, "2-requested")
    assert "联合抽查" in text and "待营商办核准" in text

    visits = _visits(server["engine"], sc)
    assert any(kind == "joint" for _, kind, _, _ in visits)  # 进一次门、查多项事: D 类 drawn by both plans
    visit_id, _, enterprise_id, grade_before = next(v for v in visits if v[1] == "planned" and v[3] != "D")
    form = page.locator(f"form[action='/supervision/inspections/{visit_id}/decision']")
    form.locator("input[name=decision]").fill("同意按双随机计划检查")
    with page.expect_navigation():
        form.get_by_role("button", name="核准", exact=True).click()
    _readable(page, tmp_path, "3-approved")

    _as(page, "inspector")
    page.goto("/supervision/inspections")
    results = page.locator(f"#results-{visit_id}")
    results.locator("select[name=result_SC-01]").select_option(label="责令整改")
    results.locator("input[name=note_SC-01]").fill("营业执照未在经营场所显著位置悬挂")
    results.locator("select[name=result_SC-02]").select_option(label="立案查处")
    results.locator("input[name=serious_SC-02]").check()
    results.locator("input[name=note_SC-02]").fill("哄抬价格，情节严重")
    with page.expect_navigation():
        results.locator("button[type=submit]").click()
    text = _readable(page, tmp_path, "4-recorded")
    assert "已登记检查结果" in text

    item = _rectification_of(server["engine"], visit_id)
    assert item is not None
    page.goto(f"/rectification/{item}")
    text = _readable(page, tmp_path, "5-rectification")
    assert "责令整改" in text
    assert _grade(server["engine"], enterprise_id) != grade_before

    page.goto(f"/public/supervision/plans/{sc}")
    _readable(page, tmp_path, "6-public")
