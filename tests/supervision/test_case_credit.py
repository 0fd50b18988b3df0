"""The enterprise applicant's credit grade (letter and meaning) on the clerk's pages — where 告知承诺 is chosen,
the case page, the department's task — shown by cases through the registry (Domain.subject_facts)."""

from __future__ import annotations

import re

from onewindow.cases import service as cases
from onewindow.common.time import today
from onewindow.domains import registry
from onewindow.sharing import service as sharing
from onewindow.supervision.models import CreditGrade
from tests.cases.conftest import PDF
from tests.cases.test_authorisation import browser
from tests.conftest import csrf


def _submitted(session, w):
    app = cases.start_application(session, actor=w.applicant, target_kind="item", target_code="T-RS-0001",
                                  subject_kind="enterprise", subject_key=w.enterprise_key)
    cases.save_form(session, actor=w.applicant, application_id=app.id,
                    form_data={"contact_phone": "13912345678", "insured_count": "3"})
    for code in ("M-LICENCE", "M-SI-FORM"):
        cases.upload_material(session, actor=w.applicant, application_id=app.id, material_code=code,
                              filename=f"{code}.pdf", content=PDF, content_type="application/pdf")
    cases.submit(session, actor=w.applicant, application_id=app.id, idempotency_key="credit-shown-01")
    session.commit()
    return app


def test_registry_answers_the_grade_of_an_enterprise_only(session, sup):
    w = sup.w
    facts = registry().subject_facts(session, subject_kind="enterprise", subject_key=w.enterprise_key)
    assert [(f.key, f.value) for f in facts] == [("credit_grade", "尚未评定")]
    session.add(CreditGrade(enterprise_id=sharing.enterprise_id(session, uscc=w.enterprise_key), grade="D", score=40,
                            rules_version="1", dishonest=True, computed_on=today()))
    session.flush()
    f, = registry().subject_facts(session, subject_kind="enterprise", subject_key=w.enterprise_key)
    assert (f.value, f.tone, f.note) == ("D类（严重失信）", "red", "列入失信名单")
    assert registry().subject_facts(session, subject_kind="person", subject_key=w.person_key) == []


def test_clerk_sees_the_grade_where_commitment_is_decided_and_on_the_case(session, sup, client):
    w = sup.w
    session.add(CreditGrade(enterprise_id=sharing.enterprise_id(session, uscc=w.enterprise_key), grade="C", score=62,
                            rules_version="1", computed_on=today()))
    app = _submitted(session, w)
    clerk = browser(client, w.clerk)
    html = clerk.get(f"/applications/{app.id}").text
    accept = re.search(r'<p class="muted" id="accept-credit">(.*?)</p>', html).group(1)
    assert "C类（失信风险）" in accept and "不适用告知承诺制" in accept
    r = clerk.post(f"/applications/{app.id}/accept", data={"csrf_token": csrf(html), "mode": "normal"},
                   follow_redirects=True)
    assert "一件一码" in r.text
    fact = re.search(r'id="fact-credit-grade">(.*?)</dd>', r.text).group(1)  # the case page
    assert "C类（失信风险）" in fact and "62分" in fact
    case = cases.get_case(session, actor=w.supervisor, code=re.search(r"办件 (BJ\d+)", r.text).group(1))
    task = case.tasks[0]
    assert "C类（失信风险）" in browser(client, w.approvers["RSJ"]).get(f"/tasks/{task.id}").text
    mine = browser(client, w.applicant).get(f"/applications/{app.id}").text
    assert "fact-credit-grade" not in mine  # the applicant reads the grade on 信用与检查, not here
