"""Concurrency and atomicity on a real, committed database (not the per-test rolled-back transaction):
racing approvers, five departments deciding at once, retried submissions, a failure mid-transition."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onewindow.accounts import service as accounts
from onewindow.accounts.models import User
from onewindow.cases import service
from onewindow.cases.models import Application, Case, Task
from onewindow.catalog import transfer
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM
from onewindow.db import for_writing, session_scope
from onewindow.sharing.models import Licence
from tests.cases.conftest import add_person, add_user, id_number
from tests.conftest import PASSWORD, at_once, live_engine

DEPTS = ["D1", "D2", "D3", "D4", "D5"]
RESULTS = ["烟草专卖零售许可证", "食品经营许可证", "公共场所卫生许可证", "排水许可证", "道路运输经营许可证"]


def _catalogue() -> bytes:
    lines = ["format: onewindow-catalog/1", "departments:", "  - {code: ROOT, name: 并联测试市政府, level: 市, parent: null}"]
    lines += [f"  - {{code: {d}, name: 并联测试部门{i}, level: 市, parent: ROOT}}" for i, d in enumerate(DEPTS, 1)]
    lines.append("items:")
    for i, (d, result) in enumerate(zip(DEPTS, RESULTS, strict=True), 1):
        lines += [f"  - code: P-ITEM-{i:04d}", f'    basic_code: "00020{i}001000"', "    version: 1",
                  "    status: published", "    valid_from: 2024-01-01", "    valid_to: null",
                  f"    name: 并联事项{i}", "    item_type: 行政许可", f"    department: {d}", "    level: 市",
                  "    legal_basis: 测试", '    conditions: ""', "    statutory_limit_days: 10",
                  "    promised_limit_days: 5", "    steps: 3", "    visits: 0", "    fee_fen: 0",
                  "    fee_basis: 不收费", "    online_depth: 全程网办", "    cross_province: false",
                  "    within_province: true", "    commitment_allowed: false", "    result_type: 证照",
                  f"    result_name: {result}", "    materials: []", "    form_fields:",
                  "      - {key: applicant_name, label: 姓名, type: text, required: true, options: [], "
                  "shared_source: person.name}"]
    lines += ["bundles:", "  - code: P-BUNDLE", "    name: 五部门并联一件事", '    description: ""',
              "    status: published", "    core_item: null", "    items:"]
    lines += [f"      - {{item: P-ITEM-{i:04d}, depends_on: []}}" for i in range(1, 6)]
    return "\n".join(lines).encode()


@pytest.fixture(scope="module")
def live(worker_id):
    engine = live_engine(worker_id, "live")
    with session_scope(engine) as s:
        transfer.import_catalog(s, actor=SYSTEM, filename="parallel.yaml", content=_catalogue())
        people = {}
        for n in range(1, 4):
            p = add_user(s, Role.applicant, f"live_app{n}")
            add_person(s, id_number(100 + n), f"并联申请人{n}", p)
            people[p.username] = id_number(100 + n)
        add_user(s, Role.clerk, "live_clerk")
        for d in DEPTS:
            add_user(s, Role.approver, f"live_{d.lower()}", d)
        add_user(s, Role.approver, "live_d1_b", "D1")  # a second approver in D1
    from onewindow.app import create_app

    yield engine, create_app(engine), people
    engine.dispose()


def _client(app, username: str) -> TestClient:
    c = TestClient(app)
    token = c.post("/api/auth/tokens", json={"username": username, "password": PASSWORD}).json()["token"]
    c.headers["Authorization"] = f"Bearer {token}"
    return c


def _new_case(app, applicant: str, subject_key: str, key: str) -> str:
    owner = _client(app, applicant)
    r = owner.post("/api/applications", headers={"Idempotency-Key": key}, json={
        "target_kind": "bundle", "target_code": "P-BUNDLE", "subject_kind": "person", "subject_key": subject_key,
        "submit": True})
    assert r.status_code == 201, r.text
    r = _client(app, "live_clerk").post(f"/api/applications/{r.json()['id']}/accept", json={})
    assert r.status_code == 200, r.text
    return r.json()["code"]


def test_two_approvers_same_task_one_wins_other_409(live):
    engine, app, people = live
    code = _new_case(app, "live_app1", people["live_app1"], "race-approve-0001")
    with session_scope(engine) as s:
        task_id = s.scalar(select(Task.id).join(Case).where(Case.code == code, Task.item_code == "P-ITEM-0001"))
    a, b = _client(app, "live_d1"), _client(app, "live_d1_b")
    assert a.post(f"/api/tasks/{task_id}/review", json={}).status_code == 200
    version = a.get(f"/api/tasks/{task_id}").json()["version"]
    results = at_once([lambda c=c: c.post(f"/api/tasks/{task_id}/approve",
                                           json={"version": version, "result_data": {"n": c.headers["Authorization"]}})
                        for c in (a, b)])
    assert sorted(r.status_code for r in results) == [200, 409]
    loser = next(r for r in results if r.status_code == 409)
    assert loser.json()["code"] == "conflict"
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "task.approve", AuditRecord.entity_id == str(task_id))) == 1


def test_five_departments_at_once_complete_exactly_once(live):
    engine, app, people = live
    code = _new_case(app, "live_app2", people["live_app2"], "race-five-00001")
    with session_scope(engine) as s:
        tasks = {t.department_id: t.id for t in s.scalars(select(Task).join(Case).where(Case.code == code))}
    clients = {}
    for d in DEPTS:
        c = _client(app, f"live_{d.lower()}")
        task_id = next(t["id"] for t in c.get("/api/tasks?status=open").json()["items"] if t["id"] in tasks.values())
        assert c.post(f"/api/tasks/{task_id}/review", json={}).status_code == 200
        clients[task_id] = c
    results = at_once([lambda t=t, c=c: c.post(f"/api/tasks/{t}/approve", json={}) for t, c in clients.items()])
    assert [r.status_code for r in results] == [200] * 5
    with session_scope(engine) as s:
        case = s.scalar(select(Case).where(Case.code == code))
        assert case.status == "completed"
        assert s.scalar(select(func.count()).select_from(Licence).where(Licence.case_code == code)) == 5
        assert s.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.action == "case.complete", AuditRecord.entity_id == code)) == 1


def test_retried_submission_makes_one_case(live):
    engine, app, people = live
    owner = _client(app, "live_app3")
    body = {"target_kind": "bundle", "target_code": "P-BUNDLE", "subject_kind": "person",
            "subject_key": people["live_app3"], "submit": True}
    results = at_once([lambda: owner.post("/api/applications", json=body,
                                           headers={"Idempotency-Key": "retry-key-000001"})] * 3)
    assert {r.status_code for r in results} == {201} and len({r.json()["id"] for r in results}) == 1
    clerk = _client(app, "live_clerk")
    app_id = results[0].json()["id"]
    accepts = at_once([lambda: clerk.post(f"/api/applications/{app_id}/accept", json={})] * 2)
    assert sorted(r.status_code for r in accepts) == [200, 409]
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Application).where(
            Application.idempotency_key == "retry-key-000001")) == 1
        assert s.scalar(select(func.count()).select_from(Case).where(Case.application_id == app_id)) == 1


def test_failure_mid_transition_leaves_nothing_half_written(live, monkeypatch):
    engine, app, people = live
    code = _new_case(app, "live_app1", people["live_app1"], "fail-midway-001")
    with session_scope(engine) as s:
        ids = {t.department_id: t.id for t in s.scalars(select(Task).join(Case).where(Case.code == code))}
    for d in DEPTS:
        c = _client(app, f"live_{d.lower()}")
        task_id = next(t["id"] for t in c.get("/api/tasks?status=open").json()["items"] if t["id"] in ids.values())
        assert c.post(f"/api/tasks/{task_id}/review", json={}).status_code == 200
        if d != "D5":
            assert c.post(f"/api/tasks/{task_id}/approve", json={}).status_code == 200
        last = (task_id, c)
    from onewindow.licences import service as licences

    real_issue, calls = licences.issue, []

    def failing_issue(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("签章服务中断")
        return real_issue(*args, **kwargs)

    monkeypatch.setattr(licences, "issue", failing_issue)
    with pytest.raises(RuntimeError), session_scope(engine) as s:
        for_writing(s)
        user = s.scalar(select(User).where(User.username == "live_d5"))
        service.approve(s, actor=accounts.principal_for(user), task_id=last[0])
    with session_scope(engine) as s:
        case = s.scalar(select(Case).where(Case.code == code))
        assert case.status == "running" and case.completed_at is None
        assert s.get(Task, last[0]).status == "in_review"
        assert s.scalar(select(func.count()).select_from(Licence).where(Licence.case_code == code)) == 0
    monkeypatch.setattr(licences, "issue", real_issue)
    assert last[1].post(f"/api/tasks/{last[0]}/approve", json={}).status_code == 200
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Licence).where(Licence.case_code == code)) == 5
