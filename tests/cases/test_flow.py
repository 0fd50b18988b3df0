"""The whole path of a bundle case through the services: apply, window, parallel approval, issue."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from onewindow.cases import service
from onewindow.common.errors import Conflict, Forbidden, ValidationFailed
from onewindow.common.models import OutboxMessage
from onewindow.licences import service as licences
from onewindow.sharing import service as sharing
from onewindow.sharing.models import SharedDataRead
from tests.cases.conftest import PDF
from tests.cases.helpers import accepted_case, approve, assigned_uscc, submitted_bundle, task_for


def test_prefill_and_read_log(session, world):
    app = service.start_application(session, actor=world.applicant, target_kind="item", target_code="T-SW-0001",
                                    subject_kind="enterprise", subject_key=world.enterprise_key)
    assert app.form_data["enterprise_name"] == "测试市晨光商贸有限公司"
    assert app.form_data["uscc"] == world.enterprise_key
    assert set(app.prefilled["fields"]) == {"enterprise_name", "uscc"}
    reads = session.scalars(select(SharedDataRead).where(SharedDataRead.application_id == app.id)).all()
    assert reads and all(r.actor_id == world.applicant.user_id for r in reads)
    assert any("enterprise.name" in r.fields for r in reads)
    with pytest.raises(ValidationFailed) as err:  # official data is read-only
        service.save_form(session, actor=world.applicant, application_id=app.id,
                          form_data={"enterprise_name": "改个名字"})
    assert err.value.details[0].field == "form.enterprise_name"


def test_applicant_cannot_apply_for_someone_else(session, world):
    with pytest.raises(Forbidden):
        service.start_application(session, actor=world.applicant, target_kind="bundle", target_code="T-YJS-KB",
                                  subject_kind="person", subject_key=world.other_key)


def test_bad_id_number_is_named(session, world):
    with pytest.raises(ValidationFailed) as err:
        service.start_application(session, actor=world.assistant, target_kind="bundle", target_code="T-YJS-KB",
                                  subject_kind="person", subject_key=world.person_key[:-1] + "0",
                                  authorisation={"reference": "WT-1"})
    assert err.value.details[0].field == "subject_key"


def test_assistant_records_authorisation(session, world):
    with pytest.raises(ValidationFailed) as err:
        service.start_application(session, actor=world.assistant, target_kind="bundle", target_code="T-YJS-KB",
                                  subject_kind="person", subject_key=world.person_key)
    assert err.value.details[0].field == "authorisation.reference"
    app = service.start_application(session, actor=world.assistant, target_kind="bundle", target_code="T-YJS-KB",
                                    subject_kind="person", subject_key=world.person_key,
                                    authorisation={"reference": "WT-2026-001", "authoriser": "李申请"})
    assert app.channel == "assisted" and app.authorisation["reference"] == "WT-2026-001"
    assert app.applicant_id == world.applicant.user_id  # the applicant follows it in their own list
    assert app.subject_name == "李申请"


def test_submit_lists_everything_missing(session, world):
    app = service.start_application(session, actor=world.applicant, target_kind="bundle", target_code="T-YJS-KB",
                                    subject_kind="person", subject_key=world.person_key)
    with pytest.raises(ValidationFailed) as err:
        service.submit(session, actor=world.applicant, application_id=app.id, idempotency_key="k-missing-1")
    fields = {d.field for d in err.value.details}
    assert {"form.enterprise_name", "materials.M-APPLY", "materials.M-SEAL-FORM"} <= fields
    assert "materials.M-ADDRESS" not in fields  # 容缺-able: the window decides
    assert "materials.M-LICENCE" not in fields  # issued by the first step of this same case


def test_upload_checks_type_and_content(session, world):
    app = service.start_application(session, actor=world.applicant, target_kind="bundle", target_code="T-YJS-KB",
                                    subject_kind="person", subject_key=world.person_key)
    with pytest.raises(ValidationFailed, match="类型"):
        service.upload_material(session, actor=world.applicant, application_id=app.id, material_code="M-APPLY",
                                filename="a.exe", content=b"MZ", content_type="application/octet-stream")
    with pytest.raises(ValidationFailed, match="内容不是"):
        service.upload_material(session, actor=world.applicant, application_id=app.id, material_code="M-APPLY",
                                filename="a.pdf", content=b"not a pdf", content_type="application/pdf")


def test_idempotent_submission(session, world):
    app = submitted_bundle(session, world, key="same-key-123")
    again = service.submit(session, actor=world.applicant, application_id=app.id, idempotency_key="same-key-123")
    assert again.id == app.id and again.status == "submitted"
    with pytest.raises(Conflict):
        service.submit(session, actor=world.applicant, application_id=app.id, idempotency_key="other-key-456")


def test_window_notice_then_resubmit(session, world):
    app = submitted_bundle(session, world)
    service.send_notice(session, actor=world.clerk, application_id=app.id,
                        items=["住所使用证明不清晰，请重新上传", "经营范围请按规范表述填写"])
    assert app.status == "returned" and len(app.notice) == 2
    note = session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == world.applicant.user_id,
                                                      OutboxMessage.subject.contains("一次性告知")))
    assert note is not None and "住所使用证明" in note.body
    service.upload_material(session, actor=world.applicant, application_id=app.id, material_code="M-ADDRESS",
                            filename="address.pdf", content=PDF, content_type="application/pdf")
    service.submit(session, actor=world.applicant, application_id=app.id, idempotency_key="resubmit-0001")
    assert app.status == "submitted"


def test_parallel_approval_issues_every_result_together(session, world):
    case = accepted_case(session, world)
    assert case.code.startswith("BJ") and case.deadline is not None
    statuses = {t.item_code: t.status for t in case.tasks}
    assert statuses == {"T-SCJG-0001": "pending", "T-GA-0001": "waiting", "T-SW-0001": "waiting",
                        "T-RS-0001": "waiting"}
    approve(session, world, case, "T-SCJG-0001")
    NEW_USCC = assigned_uscc(case)
    assert {t.status for t in case.tasks if t.item_code != "T-SCJG-0001"} == {"pending"}
    # the dependants now run in parallel, decided in any order
    for code in ("T-RS-0001", "T-GA-0001", "T-SW-0001"):
        assert case.status == "running"
        approve(session, world, case, code)
    assert case.status == "completed" and case.issued_at is not None
    issued = [lic for lic in licences.wallet(session, actor=world.applicant) if lic.case_code == case.code]
    types = sorted(lic.licence_type for lic in issued)
    assert "营业执照" in types and len(issued) >= 2
    # registration created the enterprise: it holds the results, and the applicant acts for it
    assert {(lic.holder_kind, lic.holder_key) for lic in issued} == {("enterprise", NEW_USCC)}
    assert ("enterprise", NEW_USCC) in {(s.kind, s.key) for s in sharing.subjects_for(session, actor=world.applicant)}
    seal = next(lic for lic in issued if lic.licence_type != "营业执照")
    assert NEW_USCC in seal.payload  # later steps carry the code registration assigned
    for lic in issued:
        assert licences.verify(session, code=lic.code).status == "valid"


def test_supplement_stops_and_restarts_the_clock(session, world):
    case = accepted_case(session, world)
    task = task_for(case, "T-SCJG-0001")
    approver = world.approvers["SCJGJ"]
    service.start_review(session, actor=approver, task_id=task.id)
    service.request_supplement(session, actor=approver, task_id=task.id, text="请补充股东会决议")
    assert task.status == "supplement" and task.suspensions[-1].ended_at is None
    with pytest.raises(Conflict):
        service.approve(session, actor=approver, task_id=task.id)
    service.supplement(session, actor=world.applicant, task_id=task.id, message="已补充",
                       files=[("M-APPLY", "决议.pdf", "application/pdf", PDF)])
    assert task.status == "in_review" and task.suspensions[-1].ended_at is not None


def test_refusal_cancels_dependants_and_tells_why(session, world):
    case = accepted_case(session, world)
    task = task_for(case, "T-SCJG-0001")
    approver = world.approvers["SCJGJ"]
    service.refuse(session, actor=approver, task_id=task.id, reason="企业名称与已登记企业重名")
    assert {t.status for t in case.tasks if t.id != task.id} == {"cancelled"}
    assert all("重名" in t.reason for t in case.tasks if t.id != task.id)
    assert case.status == "completed"
    note = session.scalar(select(OutboxMessage).where(OutboxMessage.recipient_id == world.applicant.user_id,
                                                      OutboxMessage.subject.contains("不予许可")))
    assert "终止" in note.body


def test_approver_cannot_act_on_another_department(session, world):
    case = accepted_case(session, world)
    task = task_for(case, "T-SCJG-0001")
    from onewindow.common.errors import NotFound

    with pytest.raises(NotFound):
        service.start_review(session, actor=world.approvers["SWJ"], task_id=task.id)


def test_licence_replaces_material_in_a_later_application(session, world):
    case = accepted_case(session, world)
    for code in ("T-SCJG-0001", "T-GA-0001", "T-SW-0001", "T-RS-0001"):
        approve(session, world, case, code)
    NEW_USCC = assigned_uscc(case)
    later = service.start_application(session, actor=world.applicant, target_kind="item", target_code="T-SW-0001",
                                      subject_kind="enterprise", subject_key=NEW_USCC)
    assert later.form_data["uscc"] == NEW_USCC  # the new enterprise is in the registry now
    states = {m["code"]: m for m in service.material_states(later)}
    assert states["M-LICENCE"]["status"] == "licence"  # 免证办: the e-licence issued above
    assert states["M-LICENCE"]["ref"].startswith(tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))


def test_delivery_by_mail_needs_tracking_number(session, world):
    case = accepted_case(session, world)
    for code in ("T-SCJG-0001", "T-GA-0001", "T-SW-0001", "T-RS-0001"):
        approve(session, world, case, code)
    with pytest.raises(ValidationFailed) as err:
        service.record_delivery(session, actor=world.clerk, code=case.code, method="mail", tracking_number="",
                                address="测试市迎泽区柳巷1号")
    assert err.value.details[0].field == "tracking_number"
    service.record_delivery(session, actor=world.clerk, code=case.code, method="mail",
                            tracking_number="SF1234567890", address="测试市迎泽区柳巷1号")
    assert case.tracking_number == "SF1234567890" and case.delivered_at is not None


def test_form_rules(session, world):
    with pytest.raises(ValidationFailed) as err:
        submitted_bundle(session, world, form={"contact_phone": "12345", "invoice_type": "假发票"})
    fields = {d.field for d in err.value.details}
    assert {"form.contact_phone", "form.invoice_type"} <= fields


def test_walk_in_by_the_clerk(session, world):
    app = service.walk_in(session, actor=world.clerk, target_kind="item", target_code="T-RS-0002",
                          subject_kind="person", subject_key=world.other_key, contact_phone="13912345678")
    assert app.channel == "window" and app.subject_name == "赵别人" and app.applicant_id is not None
    assert app.form_data["applicant_name"] == "赵别人"  # prefilled for the clerk too
    service.upload_material(session, actor=world.clerk, application_id=app.id, material_code="M-LABOR-CONTRACT",
                            filename="合同.pdf", content=PDF, content_type="application/pdf")
    service.submit(session, actor=world.clerk, application_id=app.id, idempotency_key="walk-in-0001")
    case = service.accept(session, actor=world.clerk, application_id=app.id)
    assert case.status == "running"
    online = submitted_bundle(session, world, key="walk-in-0002")
    service.send_notice(session, actor=world.clerk, application_id=online.id, items=["请补充材料"])
    with pytest.raises(Forbidden):  # an online application is corrected by its applicant, not the window
        service.save_form(session, actor=world.clerk, application_id=online.id, form_data={"seal_count": "3"})
