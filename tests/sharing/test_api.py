"""Sharing endpoints and the read-log page: roles, masking, located 422s."""

from sqlalchemy import select

from onewindow.common.masking import mask_id_number
from onewindow.common.roles import Role
from onewindow.sharing.models import SharedDataRead
from tests.sharing.conftest import ACTIVE, LEGAL, UNKNOWN


def test_staff_look_up_an_enterprise_with_the_legal_person_masked(api_as, registry):
    clerk = api_as(Role.clerk)
    r = clerk.get(f"/api/sharing/enterprises/{ACTIVE.lower()}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "示范市测试商贸有限公司" and body["registered_capital_fen"] == 123_456_700
    assert body["legal_person_id_number"] == mask_id_number(LEGAL) and LEGAL not in r.text
    row = registry.scalar(select(SharedDataRead).order_by(SharedDataRead.id.desc()))
    assert row.purpose == "查询企业登记信息" and row.registry_kind == "enterprise" and row.actor_role == "clerk"
    assert "enterprise.legal_person_id_number" in row.fields and row.subject == mask_id_number(ACTIVE)


def test_enterprise_look_up_errors(api_as, registry):
    clerk = api_as(Role.clerk, username="clerk2")
    r = clerk.get("/api/sharing/enterprises/" + ACTIVE[:-1] + ("0" if ACTIVE[-1] != "0" else "1"))
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "uscc"
    r = clerk.get("/api/sharing/enterprises/12345")
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "uscc"
    assert clerk.get(f"/api/sharing/enterprises/{UNKNOWN}").status_code == 404
    assert api_as(Role.applicant).get(f"/api/sharing/enterprises/{ACTIVE}").status_code == 403
    assert api_as(Role.agent).get(f"/api/sharing/enterprises/{ACTIVE}").status_code == 403


def test_read_log_api(api_as, registry):
    clerk = api_as(Role.clerk)
    assert clerk.get(f"/api/sharing/enterprises/{ACTIVE}").status_code == 200
    assert api_as(Role.applicant).get("/api/sharing/reads").status_code == 403
    assert clerk.get("/api/sharing/reads").status_code == 403
    supervisor = api_as(Role.supervisor)
    body = supervisor.get("/api/sharing/reads").json()
    assert body["total"] == 1 and body["items"][0]["subject"] == mask_id_number(ACTIVE)
    assert supervisor.get("/api/sharing/reads", params={"application_id": 99}).json()["total"] == 0
    assert supervisor.get("/api/sharing/reads", params={"application_id": "x"}).status_code == 422


def test_read_log_page(browser_as, api_as, registry):
    api_as(Role.clerk, username="clerk3").get(f"/api/sharing/enterprises/{ACTIVE}")
    admin = browser_as(Role.admin)
    page = admin.get("/sharing/reads")
    assert page.status_code == 200
    assert "共享数据调用日志" in page.text and mask_id_number(ACTIVE) in page.text and "企业登记库" in page.text
    assert "法定代表人身份证号" in page.text and "查询企业登记信息" in page.text
    assert admin.get("/sharing/reads?application_id=abc").status_code == 422


def test_read_log_page_refuses_other_roles(browser_as, client):
    assert client.get("/sharing/reads", follow_redirects=False).status_code == 303
    assert browser_as(Role.clerk).get("/sharing/reads").status_code == 403
