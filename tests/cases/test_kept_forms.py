"""#9.2/#9.3: a failed submission shows the form again with everything typed and each error beside its
field, named by its Chinese label — on the applicant's form, the window's acceptance and the approval."""

from __future__ import annotations

import html as htmllib
import re

from tests.cases.conftest import PDF
from tests.cases.helpers import FORM, submitted_bundle, task_for
from tests.cases.test_authorisation import browser
from tests.conftest import csrf


def _value(page: str, name: str) -> str | None:
    m = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*value="([^"]*)"', page)
    return htmllib.unescape(m.group(1)) if m else None


def _start(page, world) -> str:
    html = page.get("/apply").text
    r = page.post("/apply", data={"csrf_token": csrf(html), "target": "bundle:T-YJS-KB",
                                  "subject": f"person:{world.person_key}"}, follow_redirects=False)
    return r.headers["location"]


def test_issue_9_2_failed_submission_keeps_every_value(client, session, world):
    page = browser(client, world.applicant)
    url = _start(page, world)
    html = page.get(url).text
    typed = {f"f_{k}": v for k, v in FORM.items() if k != "enterprise_name"}
    typed |= {"f_legal_person_id_number": world.person_key, "f_enterprise_name": "",
              "delivery_method": "mail", "delivery_address": "测试市小店区创业街1号202室"}
    r = page.post(f"{url}/save", data={"csrf_token": csrf(html), "then": "submit", "idempotency_key": "kept-0001",
                                       **typed})
    assert r.status_code == 422
    body = r.text
    for name, value in typed.items():
        if name.startswith("f_") and name != "f_enterprise_name" and _value(body, name) is not None:
            assert _value(body, name) == value, name
    assert _value(body, "f_seal_count") == FORM["seal_count"]
    assert re.search(r'<option value="增值税普通发票" selected>', body)  # a select keeps its choice
    assert re.search(r'<option value="mail" selected>邮寄送达', body)
    assert _value(body, "delivery_address") == "测试市小店区创业街1号202室"
    # the missing field is marked, its error beside it, by its Chinese label
    assert re.search(r'name="f_enterprise_name" aria-invalid="true"', body)
    assert re.search(r'<span class="field-error" id="f_enterprise_name-error">请填写「[^」]+」</span>', body)
    assert "form.enterprise_name" not in body and "materials.M-" not in body
    assert '<input id="f_enterprise_name" name="f_enterprise_name"' in body  # well-formed tags
    assert '<a href="#f_enterprise_name">' in body  # the summary links to the field


def test_issue_9_2_acceptance_keeps_commitment(client, session, world):
    app = submitted_bundle(session, world, uploads=("M-APPLY", "M-SEAL-FORM", "M-INVOICE-FORM", "M-LEGAL-ID"))
    clerk = browser(client, world.clerk)
    html = clerk.get(f"/applications/{app.id}").text
    r = clerk.post(f"/applications/{app.id}/accept", data={"csrf_token": csrf(html), "mode": "pending_materials",
                                                           "commitment_text": "本人承诺五日内补齐", "due_on": ""})
    assert r.status_code == 422
    assert "本人承诺五日内补齐</textarea>" in r.text
    assert re.search(r'<option value="pending_materials" selected>', r.text)
    assert 'id="due_on-error"' in r.text


def test_issue_9_3_prerequisites_by_name(client, session, world):
    from onewindow.cases import service

    app = submitted_bundle(session, world)
    case = service.accept(session, actor=world.clerk, application_id=app.id)
    session.commit()
    dependent = next(t for t in case.tasks if t.depends_on)
    approver = next(p for p in world.approvers.values() if p.department_id == dependent.department_id)
    body = browser(client, approver).get(f"/tasks/{dependent.id}").text
    prereq = re.search(r"<dt>前置事项</dt><dd>([^<]*)</dd>", body).group(1)
    assert prereq and not re.search(r"T-[A-Z]", prereq), prereq
    assert task_for(case, dependent.depends_on[0]).item_name in prereq
    assert PDF  # the world's uploads are real files
