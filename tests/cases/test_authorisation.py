"""Row-level authorisation through the API and the pages, and masked personal data (reveal is audited)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.licences import service as licences
from tests.cases.conftest import add_user
from tests.cases.helpers import accepted_case, approve, submitted_bundle, task_for
from tests.conftest import PASSWORD, csrf


def api(client, principal) -> TestClient:
    token = client.post("/api/auth/tokens", json={"username": principal.username, "password": PASSWORD}).json()
    authed = TestClient(client.app)
    authed.headers["Authorization"] = f"Bearer {token['token']}"
    return authed


def browser(client, principal) -> TestClient:
    c = TestClient(client.app)
    r = c.post("/login", data={"username": principal.username, "password": PASSWORD,
                               "csrf_token": csrf(c.get("/login").text), "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    return c


def test_approver_sees_and_acts_only_on_own_department(client, session, world):
    case = accepted_case(session, world)
    task = task_for(case, "T-SCJG-0001")
    scjg, sw = api(client, world.approvers["SCJGJ"]), api(client, world.approvers["SWJ"])
    assert [t["id"] for t in scjg.get("/api/tasks?status=open").json()["items"]] == [task.id]
    assert sw.get("/api/tasks?status=open").json()["items"] == []
    assert sw.get(f"/api/tasks/{task.id}").status_code == 404
    assert sw.post(f"/api/tasks/{task.id}/review", json={}).status_code == 404
    # a department with no task in the case cannot read the case at all
    outsider = api(client, add_user(session, Role.approver, "appr_szf", "SZF"))
    session.commit()
    assert outsider.get(f"/api/applications/{case.application_id}").status_code == 404
    assert outsider.get(f"/api/cases/{case.code}").status_code == 404
    assert outsider.get(f"/api/cases?department_id={task.department_id}").json()["items"] == []
    assert scjg.post(f"/api/tasks/{task.id}/review", json={}).status_code == 200
    page = browser(client, world.approvers["SWJ"])
    assert page.get(f"/tasks/{task.id}").status_code == 404
    r = page.post(f"/tasks/{task.id}/approve", data={"csrf_token": csrf(page.get("/tasks").text)},
                  follow_redirects=False)
    assert r.status_code == 303  # back to the task, with the error kept; nothing changed
    session.refresh(task)
    assert task.status == "in_review"


def test_applicant_cannot_read_anothers_case_or_licence(client, session, world):
    case = accepted_case(session, world)
    for code in ("T-SCJG-0001", "T-GA-0001", "T-SW-0001", "T-RS-0001"):
        approve(session, world, case, code)
    lic = licences.wallet(session, actor=world.applicant)[0]
    other = api(client, world.other_applicant)
    assert other.get(f"/api/applications/{case.application_id}").status_code == 404
    assert other.get(f"/api/cases/{case.code}").status_code == 404
    assert other.get(f"/api/licences/{lic.code}").status_code == 404
    assert other.get("/api/applications").json()["items"] == []
    owner = api(client, world.applicant)
    assert owner.get(f"/api/applications/{case.application_id}").status_code == 200
    assert owner.get(f"/api/licences/{lic.code}").status_code == 200
    page = browser(client, world.other_applicant)
    assert page.get(f"/applications/{case.application_id}").status_code == 404
    assert page.get(f"/cases/{case.code}").status_code == 404


def test_staff_see_masked_numbers_and_reveal_is_audited(client, session, world):
    app = submitted_bundle(session, world)
    clerk = api(client, world.clerk)
    body = clerk.get(f"/api/applications/{app.id}").json()
    field = next(f for f in body["form"] if f["key"] == "legal_person_id_number")
    assert field["masked"] and world.person_key not in field["value"] and "****" in field["value"]
    assert world.person_key not in str(body)
    phone = next(f for f in body["form"] if f["key"] == "contact_phone")
    assert phone["value"] == "139****5678"
    page = browser(client, world.clerk)
    html = page.get(f"/applications/{app.id}").text
    assert world.person_key not in html and "13912345678" not in html
    r = clerk.post(f"/api/applications/{app.id}/reveal", json={"field": "legal_person_id_number",
                                                               "purpose": "核对身份"})
    assert r.json()["value"] == world.person_key
    rec = session.scalars(select(AuditRecord).where(AuditRecord.action == "personal_data.reveal")).all()
    assert rec and rec[-1].actor_name == world.clerk.username and "法定代表人身份证号" in str(rec[-1].after)
    assert clerk.post(f"/api/applications/{app.id}/reveal", json={"field": "business_address"}).status_code == 422
    own = api(client, world.applicant).get(f"/api/applications/{app.id}").json()
    assert next(f for f in own["form"] if f["key"] == "legal_person_id_number")["value"] == world.person_key


def test_window_actions_need_clerk(client, session, world):
    app = submitted_bundle(session, world)
    assert api(client, world.applicant).post(f"/api/applications/{app.id}/accept", json={}).status_code == 403
    assert api(client, world.clerk).post(f"/api/applications/{app.id}/accept", json={}).status_code == 200


def test_api_submission_with_idempotency_key_makes_one_application(client, session, world):
    owner = api(client, world.applicant)
    body = {"target_kind": "item", "target_code": "T-RS-0002", "subject_kind": "person",
            "subject_key": world.person_key, "form_data": {}, "submit": False}
    first = owner.post("/api/applications", json=body, headers={"Idempotency-Key": "create-0001"})
    again = owner.post("/api/applications", json=body, headers={"Idempotency-Key": "create-0001"})
    assert first.status_code == again.status_code == 201 and first.json()["id"] == again.json()["id"]
    assert owner.get("/api/applications").json()["total"] == 1


def test_bad_input_answers_422_with_the_field(client, session, world):
    owner = api(client, world.applicant)
    r = owner.post("/api/applications", json={"target_kind": "bundle", "target_code": "T-YJS-KB",
                                              "subject_kind": "person", "subject_key": "123"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "subject_key"
    r = owner.post("/api/applications", json={"target_kind": "bundle", "target_code": "NOPE",
                                              "subject_kind": "person", "subject_key": world.person_key})
    assert r.status_code == 404
