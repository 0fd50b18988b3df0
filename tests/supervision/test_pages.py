"""The public publication (no login) shows a published draw with inspectors' names masked; the tolerance diff page."""

from __future__ import annotations

from onewindow.supervision import plans, tolerance
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
