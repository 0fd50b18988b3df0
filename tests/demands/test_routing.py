"""Issue 11 item 2: routing rules (分派规则) kept by dispatchers and supervisors in the pages and the API —
checked field by field, audited, disabled rather than deleted — and an edit changes the suggestion the
board shows; the import and routing pages in Chinese, errors beside the fields."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from onewindow.common.errors import Forbidden, ValidationFailed
from onewindow.common.models import AuditRecord
from onewindow.demands import routing
from onewindow.demands import service as demands
from tests.conftest import csrf
from tests.demands.test_imports import GOOD, _token, row, xlsx
from tests.demands.test_pages import english_free, sign_in


def test_an_edit_changes_the_suggestion_and_disabling_removes_it(session, world):
    w = world
    route = routing.create_route(session, actor=w["agent"], topic="食品安全", department_id=w["dept"]["SCJGJ"],
                                 assist_ids=[w["dept"]["GAJ"]])
    s = demands.suggest_units(session, kind="complaint", topic="食品安全", region="测试县")
    assert (s.lead_department_id, s.assist_department_ids, s.route_id) == (w["dept"]["SCJGJ"], (w["dept"]["GAJ"],),
                                                                          route.id)
    routing.update_route(session, actor=w["supervisor"], route_id=route.id,
                         changes={"department_id": w["dept"]["XQ-ZZ"], "assist_ids": []})
    s = demands.suggest_units(session, kind="complaint", topic="食品安全", region="测试县")
    assert (s.lead_department_id, s.assist_department_ids, s.level) == (w["dept"]["XQ-ZZ"], (), "乡")
    routing.update_route(session, actor=w["agent"], route_id=route.id, changes={"active": False})
    assert demands.suggest_units(session, kind="complaint", topic="食品安全") is None
    trail = [(a.action, a.before, a.after) for a in session.scalars(select(AuditRecord).where(
        AuditRecord.entity_type == "demand_route").order_by(AuditRecord.seq))]
    assert [t[0] for t in trail] == ["demand_route.create", "demand_route.update", "demand_route.update"]
    before, after = json.loads(trail[1][1]), json.loads(trail[1][2])
    assert (before["department"], after["department"]) == (w["dept"]["SCJGJ"], w["dept"]["XQ-ZZ"])
    assert [line.route.id for line in routing.list_routes(session, actor=w["agent"], active=False)] == [route.id]


def test_every_problem_of_a_rule_at_once_beside_its_field(session, world):
    w = world
    with pytest.raises(ValidationFailed) as caught:
        routing.create_route(session, actor=w["agent"], kind="咨询", topic="长" * 41, department_id=None,
                             assist_ids=[999999], priority=0)
    assert {d.field for d in caught.value.details} == {"kind", "topic", "department_id", "assist_ids", "priority"}
    with pytest.raises(ValidationFailed) as caught:
        routing.create_route(session, actor=w["agent"], department_id=w["dept"]["GAJ"], assist_ids=[w["dept"]["GAJ"]])
    assert caught.value.details[0].message == "主办单位不能同时作为协办单位"
    first = routing.create_route(session, actor=w["agent"], kind="report", region="测试县", department_id=w["dept"]["GAJ"])
    with pytest.raises(ValidationFailed) as caught:
        routing.create_route(session, actor=w["agent"], kind="report", region="测试县", department_id=w["dept"]["XQ"])
    assert f"规则{first.id}" in caught.value.details[0].message
    with pytest.raises(Forbidden):
        routing.create_route(session, actor=w["market"], department_id=w["dept"]["GAJ"])
    with pytest.raises(Forbidden):
        routing.list_routes(session, actor=w["clerk"])


def test_api_get_post_patch(session, world, client):
    api = _token(client, "dem_sup")
    made = api.post("/api/demands/routes", json={"kind": "complaint", "topic": "食品安全",
                                                  "department_id": world["dept"]["SCJGJ"], "priority": 20})
    assert made.status_code == 201, made.text
    body = made.json()
    assert (body["kind_label"], body["department_name"], body["active"]) == ("投诉", "测试市市场监督管理局", True)
    bad = api.post("/api/demands/routes", json={"kind": "nonsense", "department_id": 999999})
    assert bad.status_code == 422 and {e["field"] for e in bad.json()["errors"]} == {"kind", "department_id"}
    changed = api.patch(f"/api/demands/routes/{body['id']}", json={"department_id": world["dept"]["GAJ"]})
    assert changed.status_code == 200 and changed.json()["department_id"] == world["dept"]["GAJ"]
    suggested = api.get("/api/demands/suggest-unit", params={"kind": "complaint", "topic": "食品安全"}).json()
    assert suggested["lead_department_id"] == world["dept"]["GAJ"]
    off = api.patch(f"/api/demands/routes/{body['id']}", json={"active": False})
    assert off.json()["active"] is False and off.json()["topic"] == "食品安全"  # the rest stays
    assert [r["id"] for r in api.get("/api/demands/routes").json()] == [body["id"]]
    assert api.patch("/api/demands/routes/999999", json={"active": True}).status_code == 404
    assert _token(client, "dem_market").get("/api/demands/routes").status_code == 403


def test_route_pages_keep_what_was_typed_and_try_a_demand(session, world, client):
    sign_in(client, "dem_agent")
    form = client.get("/demands/routes/new")
    assert form.status_code == 200 and "建议主办单位" in form.text
    r = client.post("/demands/routes", data={"csrf_token": csrf(form.text), "kind": "complaint", "topic": "噪声扰民",
                                             "region": "测试县", "department_id": "", "priority": "0", "active": "on"})
    assert r.status_code == 422
    assert 'value="噪声扰民"' in r.text and "请选择建议的主办单位" in r.text and 'id="priority-error"' in r.text
    r = client.post("/demands/routes", data={"csrf_token": csrf(form.text), "kind": "complaint", "topic": "噪声扰民",
                                             "region": "测试县", "department_id": str(world["dept"]["XQ-ZZ"]),
                                             "assist_ids": [str(world["dept"]["XQ"])], "priority": "30", "active": "on"},
                    follow_redirects=False)
    assert r.status_code == 303
    page = client.get("/demands/routes", params={"try": "1", "kind": "complaint", "topic": "噪声扰民", "region": "测试县"})
    assert "建议主办单位 <strong>测试县城关镇</strong>（乡镇级）" in page.text and "协办 测试县人民政府" in page.text
    english_free(page.text)
    route_id = routing.list_routes(session, actor=world["agent"])[0].route.id
    edit = client.get(f"/demands/routes/{route_id}")
    r = client.post(f"/demands/routes/{route_id}/active", data={"csrf_token": csrf(edit.text), "active": "0"},
                    follow_redirects=False)
    assert r.status_code == 303
    assert "没有相符的启用规则" in client.get("/demands/routes", params={"try": "1", "kind": "complaint",
                                                                     "topic": "噪声扰民"}).text


def test_import_page_lists_every_error_then_imports(session, world, client):
    sign_in(client, "dem_sup")
    page = client.get("/demands/import")
    assert page.status_code == 200 and "下载导入模板" in page.text
    bad = xlsx([row(number="1", kind="咨讯"), row(number="2", phone="1"), row(number="3", 保密="也许")])
    r = client.post("/demands/import", data={"csrf_token": csrf(page.text)}, files={"file": ("坏.xlsx", bad)})
    assert r.status_code == 422
    for fragment in ("第2行 「类型」：“咨讯”不是可选值（咨询/求助/投诉/举报/建议）", "第3行 「联系电话」", "第4行 「保密」"):
        assert fragment in r.text, fragment
    r = client.post("/demands/import", data={"csrf_token": csrf(page.text)}, files={"file": ("好.xlsx", xlsx(GOOD))})
    assert r.status_code == 200 and "3 件已导入" in r.text and r.text.count('href="/demands/12345-') == 3
    english_free(r.text)
    again = client.post("/demands/import", data={"csrf_token": csrf(page.text)}, files={"file": ("好.xlsx", xlsx(GOOD))})
    assert "0 件已导入" in again.text and "3 行此前已导入过" in again.text
    assert client.get("/demands/import/template.xlsx").content.startswith(b"PK")

