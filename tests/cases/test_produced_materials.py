"""Issue 9.8: a material produced by another item of the same bundle (完税凭证 from 契税申报 for
不动产转移登记) is not asked of the applicant, and the dependent task has it once the producer is approved."""

from __future__ import annotations

import pytest

from onewindow.cases import service
from onewindow.catalog import service as catalog
from onewindow.catalog import transfer
from onewindow.common.errors import ValidationFailed
from onewindow.common.security import SYSTEM
from tests.cases.conftest import PDF
from tests.cases.helpers import task_for

ITEM = """  - code: {code}
    basic_code: "{basic}"
    version: 1
    status: published
    valid_from: 2024-01-01
    valid_to: null
    name: {name}
    item_type: 行政确认
    department: {dept}
    level: 市
    legal_basis: 测试
    conditions: ""
    statutory_limit_days: 5
    promised_limit_days: 3
    steps: 3
    visits: 0
    fee_fen: 0
    fee_basis: 不收费
    online_depth: 全程网办
    cross_province: false
    within_province: true
    commitment_allowed: false
    result_type: 其他
    result_name: {result}
    form_fields: []
    materials:
{materials}"""
MATERIAL = "      - {{code: {code}, name: {name}, required: true, pending_allowed: false, form: 电子, copies: 1, " \
           "source: 申请人自备, shared_source: null, produced_by: {by}}}"


def document(depends: str = "[X-QS-0001]", producer_depends: str = "[]") -> bytes:
    tax = ITEM.format(code="X-QS-0001", basic="000300001000", name="契税申报", dept="SWJ", result="完税（减免税）证明",
                      materials=MATERIAL.format(code="M-CONTRACT", name="房屋买卖合同", by="null"))
    reg = ITEM.format(code="X-BDC-0001", basic="000300002000", name="不动产转移登记", dept="GAJ", result="登记簿记载",
                      materials="\n".join([MATERIAL.format(code="M-CONTRACT", name="房屋买卖合同", by="null"),
                                           MATERIAL.format(code="M-TAX-RECEIPT", name="完税凭证", by="X-QS-0001")]))
    bundle = f"""bundles:
  - code: X-YJS-BDC
    name: 二手房转移登记一件事
    description: ""
    status: published
    core_item: X-BDC-0001
    items:
      - {{item: X-QS-0001, depends_on: {producer_depends}}}
      - {{item: X-BDC-0001, depends_on: {depends}}}
"""
    return f"format: onewindow-catalog/1\ndepartments: []\nitems:\n{tax}\n{reg}\n{bundle}".encode()


def test_issue_9_produced_material_not_asked_and_handed_over(session, world):
    transfer.import_catalog(session, actor=SYSTEM, filename="bdc.yaml", content=document())
    plan, _ = catalog.bundle_plan(session, bundle=catalog.get_bundle(session, code="X-YJS-BDC"))
    receipt = next(m for m in plan.materials if m.code == "M-TAX-RECEIPT")
    assert receipt.produced_by == "X-QS-0001" and receipt.replaced
    assert plan.reductions["materials"].bundled == 1  # only the contract, once
    app = service.start_application(session, actor=world.applicant, target_kind="bundle", target_code="X-YJS-BDC",
                                    subject_kind="person", subject_key=world.person_key)
    service.upload_material(session, actor=world.applicant, application_id=app.id, material_code="M-CONTRACT",
                            filename="合同.pdf", content=PDF, content_type="application/pdf")
    states = {m["code"]: m for m in service.material_states(app)}
    assert states["M-TAX-RECEIPT"]["status"] == "bundle" and states["M-TAX-RECEIPT"]["ref"] == "契税申报"
    service.submit(session, actor=world.applicant, application_id=app.id, idempotency_key="bdc-0001")
    case = service.accept(session, actor=world.clerk, application_id=app.id)  # nothing missing
    tax = task_for(case, "X-QS-0001")
    service.start_review(session, actor=world.approvers["SWJ"], task_id=tax.id)
    service.approve(session, actor=world.approvers["SWJ"], task_id=tax.id)
    states = {m["code"]: m for m in service.material_states(app)}
    assert states["M-TAX-RECEIPT"]["status"] == "handed_over"
    assert task_for(case, "X-BDC-0001").status == "pending"  # the dependent task runs with it


def test_issue_9_produced_material_round_trips_and_a_cycle_says_which_way(session, world):
    transfer.import_catalog(session, actor=SYSTEM, filename="bdc.yaml", content=document())
    session.commit()
    content, _, _ = transfer.export_catalog(session, fmt="yaml")
    assert b"produced_by: X-QS-0001" in content
    again = transfer.import_catalog(session, actor=SYSTEM, filename="again.yaml", content=content)
    assert again.items == 0
    workbook, _, _ = transfer.export_catalog(session, fmt="xlsx")
    from io import BytesIO

    from openpyxl import load_workbook

    sheets = load_workbook(BytesIO(workbook), read_only=True)
    header = next(ws for ws in sheets.worksheets if any(c.value == "材料名称" for c in next(ws.iter_rows(max_row=1))))
    assert "由本一件事中的事项产生" in [c.value for c in next(header.iter_rows(max_row=1))]
    with pytest.raises(ValidationFailed) as err:
        transfer.import_catalog(session, actor=SYSTEM, filename="cycle.yaml",
                                content=document(producer_depends="[X-BDC-0001]"))
    assert "X-QS-0001 依赖于 X-BDC-0001 依赖于 X-QS-0001" in str(err.value.details)
