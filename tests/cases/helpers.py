"""Steps shared by the case tests: apply for the test 企业开办 bundle and take it through the window."""

from __future__ import annotations

from onewindow.cases import service
from tests.cases.conftest import PDF, uscc

NEW_USCC = uscc(500)

FORM = {"enterprise_name": "测试市新开张科技有限公司", "legal_person_name": "李申请",
        "business_address": "测试市小店区创业街1号", "seal_count": "2", "contact_phone": "13912345678",
        "invoice_type": "增值税普通发票", "insured_count": "5"}
UPLOADS = ("M-APPLY", "M-ADDRESS", "M-SEAL-FORM", "M-INVOICE-FORM", "M-SI-FORM", "M-LEGAL-ID")


def submitted_bundle(session, w, *, key: str = "submit-key-0001", uploads=UPLOADS, form=None):
    app = service.start_application(session, actor=w.applicant, target_kind="bundle", target_code="T-YJS-KB",
                                    subject_kind="person", subject_key=w.person_key)
    service.save_form(session, actor=w.applicant, application_id=app.id,
                      form_data={**FORM, "legal_person_id_number": w.person_key, **(form or {})})
    for code in uploads:
        service.upload_material(session, actor=w.applicant, application_id=app.id, material_code=code,
                                filename=f"{code}.pdf", content=PDF, content_type="application/pdf")
    service.submit(session, actor=w.applicant, application_id=app.id, idempotency_key=key)
    session.commit()
    return app


def accepted_case(session, w, **kw):
    app = submitted_bundle(session, w, **kw)
    case = service.accept(session, actor=w.clerk, application_id=app.id)
    session.commit()
    return case


def task_for(case, code):
    return next(t for t in case.tasks if t.item_code == code)


def assigned_uscc(case):
    """The code registration assigned the new enterprise (the system draws it; nobody types it)."""
    return task_for(case, "T-SCJG-0001").result_data["uscc"]


def approve(session, w, case, code, result=None):
    task = task_for(case, code)
    dept = {"T-SCJG-0001": "SCJGJ", "T-GA-0001": "GAJ", "T-SW-0001": "SWJ", "T-RS-0001": "RSJ"}[code]
    service.start_review(session, actor=w.approvers[dept], task_id=task.id)
    service.approve(session, actor=w.approvers[dept], task_id=task.id, result_data=result or {})
    session.commit()
    return task
