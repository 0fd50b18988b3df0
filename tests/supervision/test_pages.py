"""The public publication (no login) shows a published draw with inspectors' names masked; the tolerance diff page."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from onewindow.supervision import credit, plans, tolerance
from onewindow.supervision.models import Finding, Inspection, Plan
from tests.conftest import csrf
from tests.demands.test_pages import sign_in
from tests.supervision.conftest import PERIOD
from tests.supervision.test_gate import ITEMS_V1, ITEMS_V2


def test_public_pages_without_login(session, sup, client):
    p = plans.create_plan(session, actor=sup.insp_scjg, department_id=sup.scjg, title="三月抽查", period_start=PERIOD[0],
                          period_end=PERIOD[1], matter_codes=["SC-01"], ratios={g: 1.0 for g in "ABCD"})
    plans.announce(session, actor=sup.insp_scjg, plan_id=p.id, public_value="公开值")
    plans.run_draw(session, actor=sup.insp_scjg, plan_id=p.id)
    plans.publish(session, actor=sup.insp_scjg, plan_id=p.id)
    for items in (ITEMS_V1, ITEMS_V2):
        t = tolerance.draft(session, actor=sup.insp_scjg, code="L1", department_id=sup.scjg, kind="minor",
                            title="轻微违法不罚清单", items=items)
        tolerance.publish(session, actor=sup.insp_scjg, list_id=t.id)
    session.commit()
    page = client.get(f"/public/supervision/plans/{p.id}")
    assert page.status_code == 200 and p.seed in page.text and "张执法" not in page.text
    assert client.get("/public/supervision").status_code == 200
    assert client.get(f"/api/supervision/public/plans/{p.id}/pool.json").content == p.pool_json.encode()
    diff = client.get("/api/supervision/tolerance/L1/diff?from=1&to=2").json()
    assert [c["no"] for c in diff["changed"]] == ["1"] and len(diff["added"]) == len(diff["removed"]) == 1
    html = client.get("/supervision/tolerance?code=L1&a=1&b=2").text
    assert "不予处罚条件" in html and "新增1项、修改1项、删除1项" in html


# ---------------------------------------------------------------- the officer's forms

def _form(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return page.text


def _post(client, url: str, page_url: str, **data):
    html = _form(client, page_url)
    body = {"csrf_token": csrf(html)} | data
    m = re.search(r'name="version" value="(\d+)"', html)
    if m and "version" not in data:
        body["version"] = m.group(1)
    return client.post(url, data=body, follow_redirects=False)


PLAN_FORM = {"title": "三月营业执照抽查", "period_start": "2027-03-01", "period_end": "2027-03-31",
             "matter_codes": ["SC-01"], "ratio_A": "100", "ratio_B": "100", "ratio_C": "100", "ratio_D": "100",
             "team_size": "2"}


def test_a_failed_plan_form_keeps_what_was_typed(session, sup, client):
    sign_in(client, "insp_scjg")
    html = _form(client, "/supervision/plans")
    assert "营业执照规范悬挂检查" in html and "劳动用工检查" not in html  # only the department's own list
    r = client.post("/supervision/plans", data={"csrf_token": csrf(html), **PLAN_FORM, "ratio_C": "150",
                                                "period_end": "2027-02-01"})
    assert r.status_code == 422
    assert 'value="三月营业执照抽查"' in r.text and 'value="150"' in r.text and 'value="SC-01" checked' in r.text
    assert "结束日期不能早于开始日期" in r.text and 'class="field-error" id="period_end-error"' in r.text
    r = client.post("/supervision/plans", data={"csrf_token": csrf(html), **PLAN_FORM, "ratio_C": "150"})
    assert r.status_code == 422 and "C类企业抽查比例须在0%–100%之间" in r.text and 'id="ratio_C-error"' in r.text
    r = client.post("/supervision/plans", data={"csrf_token": csrf(html), **PLAN_FORM, "ratio_B": "很多",
                                                "matter_codes": []})
    assert r.status_code == 422 and 'id="ratio_B-error"' in r.text and 'value="很多"' in r.text
    r = client.post("/supervision/plans", data={"csrf_token": csrf(html), **PLAN_FORM, "matter_codes": ["RS-01"]})
    assert r.status_code == 422 and "本部门的抽查事项清单" in r.text
    assert session.scalar(select(func.count()).select_from(Plan)) == 0  # a failed form writes nothing
    r = client.post("/supervision/plans", data={"csrf_token": "wrong", **PLAN_FORM})
    assert r.status_code in (400, 403)


def test_plan_announce_draw_publish_then_visit_approved_and_rectified(session, sup, client):
    sign_in(client, "insp_scjg")
    r = client.post("/supervision/plans", data={"csrf_token": csrf(_form(client, "/supervision/plans")), **PLAN_FORM},
                    follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    plan_id = int(url.rsplit("/", 1)[1])
    assert "草拟" in _form(client, url)
    r = _post(client, f"{url}/announce", url, public_value="")
    assert r.status_code == 303 and "请填写公开随机值" in _form(client, url)
    assert _post(client, f"{url}/announce", url, public_value="2027-02-28 上证指数收盘 3401.27").status_code == 303
    html = _form(client, url)
    plan = session.get(Plan, plan_id)
    session.refresh(plan)
    assert plan.seed in html and plan.pool_hash in html and "已公告（种子已公开）" in html
    assert _post(client, f"{url}/draw", url).status_code == 303
    assert _post(client, f"{url}/publish", url).status_code == 303
    html = _form(client, url)
    assert "已公示" in html and 'id="picks"' in html and "A类（守信）" in html and "drawn" not in html
    r = _post(client, "/supervision/visits", url, plan_ids=str(plan_id))
    assert r.status_code == 303 and r.headers["location"] == "/supervision/inspections"
    visit = session.scalars(select(Inspection).order_by(Inspection.id)).first()
    assert visit is not None and visit.status == "requested"

    # the inspector cannot record before the office's approval (the gate)
    r = _post(client, f"/supervision/inspections/{visit.id}/results", "/supervision/inspections",
              **{"result_SC-01": "rectify"})
    assert r.status_code == 409 and "未经营商环境局核准" in r.text  # shown at once, the form kept

    sign_in(client, "sup1")
    assert "不予核准" in _form(client, "/supervision/inspections")
    r = _post(client, f"/supervision/inspections/{visit.id}/decision", "/supervision/inspections",
              approve="1", decision="同意按计划检查")
    assert r.status_code == 303

    sign_in(client, "insp_scjg")
    html = _form(client, "/supervision/inspections")
    assert f'id="results-{visit.id}"' in html and "责令整改" in html and "rectify</" not in html
    before = credit.grade_of(session, enterprise_id=visit.enterprise_id)
    score = before.score if before else None
    r = _post(client, f"/supervision/inspections/{visit.id}/results", "/supervision/inspections",
              **{"result_SC-01": "rectify", "note_SC-01": "营业执照未悬挂于显著位置"})
    assert r.status_code == 303
    session.expire_all()
    f = session.scalar(select(Finding).where(Finding.inspection_id == visit.id))
    assert f.result == "rectify" and f.rectification_id is not None
    assert session.get(Inspection, visit.id).status == "visited"
    after = credit.grade_of(session, enterprise_id=visit.enterprise_id)
    assert after is not None and (score is None or after.score < score)
    assert "整改事项" in _form(client, "/supervision/inspections")


def test_plan_pages_refuse_the_public_and_other_roles(session, sup, client):
    assert client.get("/supervision/plans", follow_redirects=False).status_code in (303, 401)
    sign_in(client, "sup1")
    html = _form(client, "/supervision/plans")  # the office may plan for any department with a list
    assert "实施部门" in html and "劳动用工检查" in html
    assert client.get("/supervision/plans/99999999999999999999999").status_code == 422  # never a 500
    assert client.get("/supervision/plans/999999").status_code == 404
