"""Who sees what: unit isolation, masking, 保密 never reaching a handling unit, audited reveals, tracking
without an account and the throttles of anonymous entry points, through the service and the API."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from onewindow.common.errors import Forbidden, NotFound
from onewindow.common.models import AuditRecord
from onewindow.demands import service as demands
from tests.conftest import PASSWORD
from tests.demands.conftest import call, dispatched


def _client(app, username: str) -> TestClient:
    c = TestClient(app)
    token = c.post("/api/auth/tokens", json={"username": username, "password": PASSWORD}).json()["token"]
    c.headers["Authorization"] = f"Bearer {token}"
    return c


def test_a_unit_sees_only_the_demands_assigned_to_it(session, world):
    mine, theirs = call(session, world), call(session, world)
    dispatched(session, world, mine, "SCJGJ")
    dispatched(session, world, theirs, "GAJ")
    listed = demands.list_demands(session, actor=world["market"]).items
    assert [d.code for d in listed] == [mine.code]
    with pytest.raises(NotFound):
        demands.get_demand(session, actor=world["market"], code=theirs.code)
    with pytest.raises(NotFound):
        demands.sign(session, actor=world["market"], code=theirs.code)
    assert {d.code for d in demands.list_demands(session, actor=world["agent"]).items} >= {mine.code, theirs.code}


def test_after_redispatch_the_old_unit_no_longer_sees_it(session, world):
    d = call(session, world)
    dispatched(session, world, d, "SCJGJ")
    demands.return_demand(session, actor=world["market"], code=d.code, version=d.version, reason="非本局职责")
    demands.redispatch(session, actor=world["agent"], code=d.code, version=d.version,
                       lead_department_id=world["dept"]["GAJ"])
    with pytest.raises(NotFound):
        demands.get_demand(session, actor=world["market"], code=d.code)


def test_numbers_are_masked_except_for_the_agent_who_took_the_call(session, world):
    d = call(session, world, filer_id_number="11010519491231002X")
    dispatched(session, world, d)
    own = demands.identity(world["agent"], d)
    assert (own["filer_phone"], own["masked"]) == ("13812345678", False)
    other = demands.identity(world["agent2"], d)
    assert (other["filer_phone"], other["filer_id_number"], other["filer_name"]) == (
        "138****5678", "110105********002X", "张**")
    assert demands.identity(world["market"], d)["filer_phone"] == "138****5678"
    with pytest.raises(Forbidden):
        demands.reveal_identity(session, actor=world["market"], code=d.code, reason="联系诉求人")
    full = demands.reveal_identity(session, actor=world["agent2"], code=d.code, reason="回访需要")
    assert full["filer_phone"] == "13812345678"
    rec = session.scalar(select(AuditRecord).where(AuditRecord.action == "demand.reveal",
                                                   AuditRecord.entity_id == d.code))
    assert rec is not None and rec.actor_name == "dem_agent2"


def test_a_confidential_filer_never_reaches_the_handler_in_the_api(session, world, app):
    d = call(session, world, kind="report", filer_name="李四光", filer_phone="13900001111",
             filer_id_number="11010519491231002X")
    dispatched(session, world, d, "SCJGJ")
    session.commit()
    handler = _client(app, "dem_market")
    for url in (f"/api/demands/{d.code}", "/api/demands", f"/api/demands/{d.code}/history"):
        r = handler.get(url)
        assert r.status_code == 200, r.text
        for secret in ("李四光", "李*", "13900001111", "1111", "002X"):
            assert secret not in r.text, (url, secret)
    assert handler.get(f"/api/demands/{d.code}").json()["filer_name"] == "（保密）"
    assert handler.post(f"/api/demands/{d.code}/reveal", json={"reason": "联系"}).status_code == 403
    r = handler.get(f"/api/demands/{d.code}").json()
    assert r["confidential"] and r["status_label"] == "待签收"


def test_idempotent_intake_through_the_api(session, world, app):
    agent = _client(app, "dem_agent")
    body = {"channel": "hotline", "kind": "consult", "subject": "公积金提取", "content": "怎么提取公积金",
            "filer_phone": "13812345678", "idempotency_key": "api-retry-key-0001"}
    a, b = agent.post("/api/demands", json=body), agent.post("/api/demands", json=body)
    assert a.status_code == 201 and b.status_code == 201 and a.json()["code"] == b.json()["code"]
    assert a.json()["kind_label"] == "咨询"


def test_scan_is_anonymous_prebound_and_rate_limited(session, world, app):
    c = TestClient(app)
    body = {"channel": "scan", "kind": "complaint", "subject": "窗口人员态度差", "content": "排队很久",
            "window_department_id": world["dept"]["SCJGJ"], "anonymous": True}
    codes = []
    for _ in range(5):
        r = c.post("/api/demands/scan", json=body, headers={"X-Device-Id": "device-a"})
        assert r.status_code == 201, r.text
        codes.append(r.json()["code"])
    r = c.post("/api/demands/scan", json=body, headers={"X-Device-Id": "device-a"})
    assert r.status_code == 429 and "频繁" in r.json()["message"]
    assert c.post("/api/demands/scan", json=body, headers={"X-Device-Id": "device-b"}).status_code == 201
    unbound = body | {"window_department_id": None}
    assert c.post("/api/demands/scan", json=unbound, headers={"X-Device-Id": "device-c"}).status_code == 422


def test_tracking_by_code_and_phone_without_an_account(session, world, app):
    d = call(session, world)
    session.commit()
    c = TestClient(app)
    ok = c.get("/api/demands/track", params={"code": d.code, "phone": "13812345678"})
    assert ok.status_code == 200 and ok.json()["status_label"] == "待派单"
    assert "张三丰" not in ok.text
    assert c.get("/api/demands/track", params={"code": d.code, "phone": "13800000000"}).status_code == 404
    for _ in range(8):
        c.get("/api/demands/track", params={"code": d.code, "phone": "13800000000"})
    r = c.get("/api/demands/track", params={"code": d.code, "phone": "13812345678"})
    assert r.status_code == 429  # wrong guesses count too
