"""举报未经审批的入企检查: the enterprise's report becomes a confidential 12345 投诉 it can track, once per retry."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from onewindow.common.errors import Forbidden, ValidationFailed
from onewindow.common.models import AuditRecord
from onewindow.demands import service as demands
from onewindow.demands.models import Demand
from onewindow.sharing import service as sharing
from onewindow.supervision import gate
from tests.conftest import csrf
from tests.demands.test_pages import sign_in

DAY = date(2026, 11, 3)


def _mine(session, w) -> int:
    return sharing.enterprise_ids_for(session, actor=w.applicant)[0]


def test_report_files_a_confidential_complaint_once(session, sup):
    w = sup.w
    eid = _mine(session, w)
    kw = dict(actor=w.applicant, enterprise_id=eid, visited_on=DAY, department_name="某区某局",
              description="两名执法人员未出示核准通知即入企检查", phone="13912345678")
    d = gate.report_unapproved_visit(session, **kw, idempotency_key="k1")
    again = gate.report_unapproved_visit(session, **kw, idempotency_key="k1")  # the form posted twice
    assert again.id == d.id and again.code == d.code
    assert gate.report_unapproved_visit(session, **kw).id != d.id  # a new report (no key): a new demand…
    assert gate.report_unapproved_visit(session, **kw).id == gate.report_unapproved_visit(session, **kw).id  # …once
    assert session.scalar(select(func.count()).select_from(Demand)) == 2
    assert d.kind == "complaint" and d.confidential and d.channel == "web" and d.status == "received"
    assert d.enterprise_name == "测试市晨光商贸有限公司" and "某区某局" in d.subject
    assert demands.get_demand(session, actor=w.applicant, code=d.code).id == d.id  # the enterprise can follow it
    audits = session.scalar(select(func.count()).select_from(AuditRecord)
                            .where(AuditRecord.action == "sup_inspection.report_unapproved"))
    assert audits == 2  # one per demand filed, none for the retries


def test_report_refused_for_another_enterprise_and_checked(session, sup):
    w = sup.w
    with pytest.raises(Forbidden):
        gate.report_unapproved_visit(session, actor=w.other_applicant, enterprise_id=_mine(session, w), visited_on=DAY,
                                     department_name="某局", description="x", phone="13912345678")
    with pytest.raises(ValidationFailed) as err:
        gate.report_unapproved_visit(session, actor=w.applicant, enterprise_id=_mine(session, w),
                                     visited_on=date(2999, 1, 1), department_name="", description="", phone="1")
    assert {d.field for d in err.value.details} == {"visited_on", "department_name", "description"}
    with pytest.raises(ValidationFailed) as err:
        gate.report_unapproved_visit(session, actor=w.applicant, enterprise_id=_mine(session, w), visited_on=DAY,
                                     department_name="某局", description="经过", phone="")
    assert err.value.details[0].field == "filer_phone"


def test_credit_page_reports_and_shows_the_tracking_code(session, sup, client):
    sign_in(client, "app1")
    page = client.get("/supervision/credit").text
    assert "举报未经审批的入企检查" in page
    eid = re.search(r'name="enterprise_id" value="(\d+)"', page).group(1)
    form = {"csrf_token": csrf(page), "idempotency_key": "123", "enterprise_id": eid, "visited_on": "2026-11-03",
            "department_name": "某区某局", "filer_phone": "", "description": "未出示核准即入企"}
    kept = client.post("/supervision/credit/unapproved", data=form)
    assert kept.status_code == 422 and "请填写联系电话" in kept.text and "未出示核准即入企" in kept.text
    done = client.post("/supervision/credit/unapproved", data=form | {"filer_phone": "13912345678"},
                       follow_redirects=True)
    code = re.search(r"诉求编号 (12345-\d{8}-\d{6})", done.text)
    assert done.status_code == 200 and code, done.text[-2000:]
    client.post("/supervision/credit/unapproved", data=form | {"filer_phone": "13912345678"})  # a retry
    assert session.scalar(select(func.count()).select_from(Demand)) == 1
    assert client.get(f"/demands/{code.group(1)}").status_code == 200


def test_api_reports_once_per_key(session, sup, client):
    from fastapi.testclient import TestClient

    from tests.conftest import PASSWORD

    token = client.post("/api/auth/tokens", json={"username": "app1", "password": PASSWORD}).json()["token"]
    client = TestClient(client.app, headers={"Authorization": f"Bearer {token}"})
    body = {"enterprise_id": _mine(session, sup.w), "visited_on": "2026-11-03", "department_name": "某区某局",
            "description": "未出示核准即入企", "phone": "13912345678", "idempotency_key": "api-1"}
    first = client.post("/api/supervision/unapproved-visits", json=body)
    assert first.status_code == 201 and first.json()["code"].startswith("12345-")
    assert client.post("/api/supervision/unapproved-visits", json=body).json()["code"] == first.json()["code"]
