"""The case pages through the ASGI app: forms post, errors come back on the page, every role's page renders."""

from __future__ import annotations

import re

from onewindow.cases import service
from tests.cases.conftest import PDF
from tests.cases.helpers import FORM, accepted_case, approve, task_for
from tests.cases.test_authorisation import browser
from tests.conftest import csrf


def test_applicant_applies_through_pages(client, session, world):
    page = browser(client, world.applicant)
    html = page.get("/apply").text
    assert "T-YJS-KB" in html and world.person_key in html
    r = page.post("/apply", data={"csrf_token": csrf(html), "target": "bundle:T-YJS-KB",
                                  "subject": f"person:{world.person_key}"}, follow_redirects=False)
    assert r.status_code == 303
    url = r.headers["location"]
    app_id = int(url.rsplit("/", 1)[1])
    html = page.get(url).text
    assert 'id="app-form"' in html and "本件前置事项办结后自动取得" in html
    form = {f"f_{k}": v for k, v in FORM.items()} | {"f_legal_person_id_number": world.person_key}
    token = csrf(html)
    r = page.post(f"{url}/save", data={"csrf_token": token, "then": "submit", "idempotency_key": "page-key-0001",
                                       **form}, follow_redirects=True)
    assert "申请不完整" in r.text and "请上传" in r.text  # the page lists everything missing
    for code in ("M-APPLY", "M-SEAL-FORM", "M-INVOICE-FORM", "M-LEGAL-ID"):
        r = page.post(f"{url}/upload", data={"csrf_token": token, "material_code": code},
                      files={"file": (f"{code}.pdf", PDF, "application/pdf")}, follow_redirects=True)
        assert "材料已上传" in r.text
    r = page.post(f"{url}/upload", data={"csrf_token": token, "material_code": "M-APPLY"},
                  files={"file": ("x.exe", b"MZ", "application/octet-stream")}, follow_redirects=True)
    assert "材料文件类型" in r.text
    r = page.post(f"{url}/save", data={"csrf_token": token, "then": "submit", "idempotency_key": "page-key-0001",
                                       **form}, follow_redirects=True)
    assert "已提交" in r.text and "待受理" in r.text
    mine = page.get("/my/applications").text
    assert f'href="/applications/{app_id}"' in mine and "待受理" in mine


def test_clerk_accepts_and_approvers_act_through_pages(client, session, world):
    from tests.cases.helpers import submitted_bundle

    app = submitted_bundle(session, world)
    clerk = browser(client, world.clerk)
    assert app.title in clerk.get("/window").text
    html = clerk.get(f"/applications/{app.id}").text
    assert 'id="accept-form"' in html and world.person_key not in html
    r = clerk.post(f"/applications/{app.id}/accept", data={"csrf_token": csrf(html), "mode": "normal"},
                   follow_redirects=True)
    assert "已受理" in r.text and "一件一码" in r.text and "<svg" in r.text
    code = re.search(r"办件 (BJ\d+)", r.text).group(1)
    case = service.get_case(session, actor=world.supervisor, code=code)
    task = task_for(case, "T-SCJG-0001")
    scjg = browser(client, world.approvers["SCJGJ"])
    html = scjg.get(f"/tasks/{task.id}").text
    r = scjg.post(f"/tasks/{task.id}/review", data={"csrf_token": csrf(html)}, follow_redirects=True)
    assert "已开始审查" in r.text and 'id="approve-form"' in r.text
    r = scjg.post(f"/tasks/{task.id}/supplement-request", data={"csrf_token": csrf(r.text), "text": ""},
                  follow_redirects=True)
    assert "请写明需要补正的全部内容" in r.text
    r = scjg.post(f"/tasks/{task.id}/approve", data={"csrf_token": csrf(r.text)},
                  follow_redirects=True)
    assert "已准予许可" in r.text
    assert "部门审批任务" in scjg.get("/tasks").text


def test_supplement_page_and_timeline(client, session, world):
    case = accepted_case(session, world)
    task = task_for(case, "T-SCJG-0001")
    service.request_supplement(session, actor=world.approvers["SCJGJ"], task_id=task.id, text="请补充股东会决议")
    session.commit()
    page = browser(client, world.applicant)
    html = page.get(f"/applications/{case.application_id}").text
    assert f'id="supplement-{task.id}"' in html and "请补充股东会决议" in html
    r = page.post(f"/tasks/{task.id}/supplement", data={"csrf_token": csrf(html), "message": "已补充决议",
                                                        "material_code": "M-APPLY",
                                                        "back": f"/applications/{case.application_id}"},
                  files={"file": ("决议.pdf", PDF, "application/pdf")}, follow_redirects=True)
    assert "补正已提交" in r.text and "恢复计时" in r.text
    assert "需要补正" in page.get("/my/notifications").text  # the approver's request reached the applicant


def test_supervisor_and_post_check_pages(client, session, world):
    case = accepted_case(session, world)
    for code in ("T-SCJG-0001", "T-GA-0001", "T-SW-0001", "T-RS-0001"):
        approve(session, world, case, code)
    sup = browser(client, world.supervisor)
    html = sup.get("/supervision/time-limits").text
    assert "按部门" in html and "零超时" in html
    r = sup.post("/supervision/sweep", data={"csrf_token": csrf(html)}, follow_redirects=True)
    assert "任务：预警" in r.text
    assert case.code in sup.get("/cases?status=completed").text
    assert case.code not in sup.get("/cases?overdue=1").text
    insp = browser(client, world.inspector)
    assert "告知承诺事中事后核查" in insp.get("/verifications").text
