"""Issue 9.6: approval results are typed and checked before anything is signed, and registration assigns
the new enterprise its USCC (nobody types it)."""

from __future__ import annotations

import pytest

from onewindow.cases import service
from onewindow.cases.results import check_result
from onewindow.common import time as beijing
from onewindow.common.errors import ValidationFailed
from onewindow.common.ids import uscc_problem
from onewindow.licences import service as licences
from tests.cases.conftest import uscc
from tests.cases.helpers import accepted_case, approve, assigned_uscc, task_for
from tests.cases.test_authorisation import api, browser
from tests.conftest import csrf


def _reviewed(session, world):
    case = accepted_case(session, world)
    task = task_for(case, "T-SCJG-0001")
    service.start_review(session, actor=world.approvers["SCJGJ"], task_id=task.id)
    session.commit()
    return case, task


def test_issue_9_registration_assigns_a_valid_unique_uscc_and_the_founding_date(session, world):
    first = accepted_case(session, world, key="results-key-0001")
    approve(session, world, first, "T-SCJG-0001")
    second = accepted_case(session, world, key="results-key-0002")
    approve(session, world, second, "T-SCJG-0001")
    codes = {assigned_uscc(first), assigned_uscc(second)}
    assert len(codes) == 2 and all(uscc_problem(c) is None for c in codes)
    assert all(c.startswith("91") and c[8:10] == "MA" for c in codes)
    assert task_for(first, "T-SCJG-0001").result_data["established_on"] == beijing.today().isoformat()


def test_issue_9_a_typed_uscc_or_founding_date_is_refused_on_registration(session, world):
    case, task = _reviewed(session, world)
    with pytest.raises(ValidationFailed) as err:
        service.approve(session, actor=world.approvers["SCJGJ"], task_id=task.id,
                        result_data={"uscc": uscc(777), "established_on": "示范"})
    assert {d.field for d in err.value.details} == {"统一社会信用代码", "成立日期"}
    assert "由系统在登记时赋予" in err.value.message
    session.rollback()
    assert task_for(case, "T-SCJG-0001").status == "in_review"


def test_issue_9_result_fields_are_checked_by_kind():
    permit = licences.template_for(result_type="证照", result_name="建筑工程施工许可证")
    with pytest.raises(ValidationFailed) as err:
        check_result(template=permit, data={"project_name": "一号楼", "building_area": "示范",
                                            "planned_start_date": "2026-02-30"}, known={"enterprise_name": "某建设公司"})
    assert {d.field: d.message for d in err.value.details} == {
        "建设规模（平方米）": "须为数字（可带小数，如 120.5）", "计划开工日期": "须为日期，格式如 2026-01-31"}
    ok = check_result(template=permit, data={"project_name": "一号楼", "building_area": "1200.5",
                                             "planned_start_date": "2027-03-01"}, known={"enterprise_name": "某建设公司"})
    assert ok["building_area"] == "1200.5"

    licence = licences.template_for(result_type="证照", result_name="营业执照")
    with pytest.raises(ValidationFailed) as err:
        check_result(template=licence, data={"uscc": "91140100MA00000001", "established_on": "示范"},
                     known={"enterprise_name": "某公司"})
    fields = {d.field: d.message for d in err.value.details}
    assert fields["统一社会信用代码"] == "统一社会信用代码校验位不正确"
    assert fields["成立日期"] == "须为日期，格式如 2026-01-31"
    with pytest.raises(ValidationFailed) as err:  # required: nothing known and nothing typed
        check_result(template=licence, data={}, known={"enterprise_name": "某公司"})
    assert [d.field for d in err.value.details] == ["成立日期"]
    tomorrow = beijing.today().toordinal() + 1
    with pytest.raises(ValidationFailed):
        check_result(template=licence, data={"established_on": type(beijing.today()).fromordinal(tomorrow)
                                             .isoformat()}, known={"enterprise_name": "某公司"})
    good = uscc(3)
    assert check_result(template=licence, data={"uscc": good.lower(), "established_on": "2020-05-06"},
                        known={"enterprise_name": "某公司"})["uscc"] == good


def test_issue_9_api_answers_422_by_label_and_writes_nothing(client, session, world):
    case, task = _reviewed(session, world)
    r = api(client, world.approvers["SCJGJ"]).post(f"/api/tasks/{task.id}/approve",
                                                   json={"result_data": {"established_on": "示范"}})
    assert r.status_code == 422
    body = r.json()
    assert body["errors"] == [{"field": "成立日期", "message": "由系统在登记时赋予，无需填写"}]
    session.expire_all()
    assert task_for(case, "T-SCJG-0001").status == "in_review"


def test_issue_9_task_page_shows_system_assigned_fields_without_inputs(client, session, world):
    case, task = _reviewed(session, world)
    page = browser(client, world.approvers["SCJGJ"])
    html = page.get(f"/tasks/{task.id}").text
    assert 'id="assigned-uscc"' in html and 'name="r_uscc"' not in html
    assert 'name="r_established_on"' not in html and "准予后由系统赋予" in html
    r = page.post(f"/tasks/{task.id}/approve", data={"csrf_token": csrf(html), "r_established_on": "示范"},
                  follow_redirects=True)
    assert "成立日期：由系统在登记时赋予" in r.text and "result_data" not in r.text
