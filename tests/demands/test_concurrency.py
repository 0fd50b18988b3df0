"""Two dispatchers re-dispatching the same returned demand at once: one wins, the other gets 409
(real commits on a database of its own, SQLite or PostgreSQL)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onewindow.catalog import transfer
from onewindow.catalog.models import Department
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM
from onewindow.db import session_scope
from tests.cases.conftest import add_user
from tests.conftest import DATA, PASSWORD, at_once, live_engine


@pytest.fixture(scope="module")
def live(worker_id):
    engine = live_engine(worker_id, "dem")
    with session_scope(engine) as s:
        path = DATA / "catalog_small.yaml"
        transfer.import_catalog(s, actor=SYSTEM, filename=path.name, content=path.read_bytes())
        for name in ("race_agent1", "race_agent2"):
            add_user(s, Role.agent, name)
        add_user(s, Role.handler, "race_market", "SCJGJ")
    with session_scope(engine) as s:
        depts = {d.code: d.id for d in s.scalars(select(Department))}
    from onewindow.app import create_app

    yield engine, create_app(engine), depts
    engine.dispose()


def _client(app, username: str) -> TestClient:
    c = TestClient(app)
    token = c.post("/api/auth/tokens", json={"username": username, "password": PASSWORD}).json()["token"]
    c.headers["Authorization"] = f"Bearer {token}"
    return c


def test_two_dispatchers_redispatch_at_once_one_wins_one_409(live):
    engine, app, depts = live
    a, b, unit = _client(app, "race_agent1"), _client(app, "race_agent2"), _client(app, "race_market")
    r = a.post("/api/demands", json={"channel": "hotline", "kind": "complaint", "subject": "噪音扰民",
                                     "content": "夜间施工", "filer_phone": "13812345678"})
    code = r.json()["code"]
    r = a.post(f"/api/demands/{code}/dispatch", json={"version": r.json()["version"],
                                                      "lead_department_id": depts["SCJGJ"]})
    assert r.status_code == 200, r.text
    r = unit.post(f"/api/demands/{code}/return", json={"version": r.json()["version"], "reason": "非本局职责"})
    assert r.status_code == 200, r.text
    version = r.json()["version"]
    results = at_once([lambda c=c, d=d: c.post(f"/api/demands/{code}/redispatch",
                                               json={"version": version, "lead_department_id": depts[d]})
                       for c, d in ((a, "GAJ"), (b, "SWJ"))])
    assert sorted(x.status_code for x in results) == [200, 409], [x.text for x in results]
    assert next(x for x in results if x.status_code == 409).json()["code"] == "conflict"
    winner = next(x for x in results if x.status_code == 200).json()
    assert [x["department_id"] for x in winner["assignments"] if x["active"]] == [winner["lead_department_id"]]
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "demand.redispatch", AuditRecord.entity_id == code)) == 1


def test_two_retries_of_one_intake_at_once_make_one_demand(live):
    engine, app, depts = live
    a, b = _client(app, "race_agent1"), _client(app, "race_agent1")
    body = {"channel": "hotline", "kind": "consult", "subject": "医保报销", "content": "异地就医怎么报销",
            "filer_phone": "13812345678", "idempotency_key": "race-intake-key-0001"}
    results = at_once([lambda c=c: c.post("/api/demands", json=body) for c in (a, b)])
    assert [r.status_code for r in results] == [201, 201], [r.text for r in results]
    assert results[0].json()["code"] == results[1].json()["code"]
