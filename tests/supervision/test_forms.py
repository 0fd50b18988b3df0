"""The officers' supervision forms: tolerance lists (draft, items, publish, diff), fee problems (元 → 分,
refunds, 销号 with a voucher), quiet days and ad-hoc visits, the inspection list and inspectors, and the
results form. Each: it works; a bad input is shown beside its control with everything typed kept; another
department cannot edit."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from onewindow.common.money import parse_yuan
from onewindow.supervision import gate, tolerance
from onewindow.supervision.models import CheckMatter, FeeProblem, Inspection, Inspector, ToleranceList
from tests.conftest import csrf
from tests.demands.test_pages import sign_in
from tests.supervision.conftest import uscc
from tests.supervision.test_gate import ITEMS_V1, OPEN, QUIET


def _get(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return page.text


def _post(client, url: str, page_url: str, files=None, **data):
    html = _get(client, page_url)
    body = {"csrf_token": csrf(html)} | data
    return client.post(url, data=body, files=files, follow_redirects=False)


def _beside(html: str, name: str, message: str) -> bool:
    """The error is in the span tied to the control `name` (not only in the summary at the top)."""
    m = re.search(rf'<span class="field-error" id="{re.escape(name)}-error">([^<]*)</span>', html)
    return bool(m) and message in m.group(1)


# ---------------------------------------------------------------- 免罚清单

LIST_FORM = {"code": "SCJG-SW", "title": "市场监管领域首违不罚清单", "kind": "first", "no": "1",
             "conduct": ITEMS_V1[0]["conduct"], "basis": ITEMS_V1[0]["basis"], "conditions": ITEMS_V1[0]["conditions"]}


def _version_of(html: str) -> str:
    return re.search(r'name="version" value="(\d+)"', html).group(1)


def test_tolerance_list_drafted_edited_published_and_diffed(session, sup, client):
    sign_in(client, "insp_scjg")
    r = _post(client, "/supervision/tolerance/manage", "/supervision/tolerance/manage",
              **{**LIST_FORM, "conduct": ""})
    assert r.status_code == 422 and _beside(r.text, "conduct", "违法行为")
    assert 'value="SCJG-SW"' in r.text and ITEMS_V1[0]["basis"] in r.text  # everything typed is kept
    assert session.scalar(select(func.count()).select_from(ToleranceList)) == 0

    r = _post(client, "/supervision/tolerance/manage", "/supervision/tolerance/manage", **LIST_FORM)
    assert r.status_code == 303
    url = r.headers["location"]
    for item in ITEMS_V1[1:]:
        html = _get(client, url)
        assert _post(client, f"{url}/items", url, version=_version_of(html), **item).status_code == 303
    html = _get(client, url)
    r = _post(client, f"{url}/items", url, version=_version_of(html), no="2", conduct="重复序号", basis="某法",
              conditions="首次")
    assert r.status_code == 422 and _beside(r.text, "no", "序号2已在清单中") and "重复序号" in r.text
    assert _post(client, f"{url}/publish", url, version=_version_of(html)).status_code == 303
    assert "已发布" in _get(client, url)
    r = _post(client, f"{url}/items", url, version="9", **ITEMS_V1[0])
    assert r.status_code == 409 and "不能再修改" in r.text  # a published version never changes

    # version 2: start from version 1, change item 1's conditions, remove 2, add 4
    r = _post(client, "/supervision/tolerance/versions", "/supervision/tolerance/manage", code="SCJG-SW")
    assert r.status_code == 303
    url2 = r.headers["location"]
    html = _get(client, url2 + "?edit=1")
    assert 'name="replaces" value="1"' in html and ITEMS_V1[0]["conduct"] in html
    assert _post(client, f"{url2}/items", url2, version=_version_of(html), replaces="1",
                 **{**ITEMS_V1[0], "conditions": "首次、及时改正且未造成危害后果"}).status_code == 303
    assert _post(client, f"{url2}/items/remove", url2, version=_version_of(_get(client, url2)),
                 no="2").status_code == 303
    assert _post(client, f"{url2}/items", url2, version=_version_of(_get(client, url2)), no="4",
                 conduct="未按规定明码标价", basis="《价格法》第十三条", conditions="首次且改正").status_code == 303
    html = _get(client, url2)
    assert "新增1项、修改1项、删除1项" in html  # the draft against the current version, before publishing
    assert _post(client, f"{url2}/publish", url2, version=_version_of(html)).status_code == 303
    v1, v2 = tolerance.versions(session, code="SCJG-SW")
    session.refresh(v1)
    assert v1.status == "superseded" and v2.status == "published" and [i["no"] for i in v2.items] == ["1", "3", "4"]
    html = _get(client, "/supervision/tolerance/compare?code=SCJG-SW&a=1&b=2")
    assert "首次、及时改正且未造成危害后果" in html and "不予处罚条件" in html and "未按时报送年度报告" in html
    assert "新增1项、修改1项、删除1项" in _get(client, "/supervision/tolerance?code=SCJG-SW&a=1&b=2")


def test_another_department_cannot_edit_or_publish_a_tolerance_list(session, sup, client):
    row = tolerance.create_list(session, actor=sup.insp_scjg, code="SCJG-SW", department_id=sup.scjg, kind="first",
                                title="市场监管领域首违不罚清单", items=ITEMS_V1)
    session.commit()
    sign_in(client, "insp_rs")
    manage = _get(client, "/supervision/tolerance/manage")
    assert 'id="list-SCJG-SW"' not in manage  # the inspector sees the own department's lists only
    url = f"/supervision/tolerance/versions/{row.id}"
    assert "添加事项" not in _get(client, url)
    for step, data in (("items", {"no": "9", "conduct": "x", "basis": "y", "conditions": "z"}),
                       ("items/remove", {"no": "1"}), ("publish", {})):
        r = _post(client, f"{url}/{step}", "/supervision/tolerance/manage", **data)
        assert r.status_code == 303 and "只能编制本部门的免罚清单" in _get(client, url)
    session.refresh(row)
    assert row.status == "draft" and len(row.items) == 3
    html = _get(client, f"/supervision/tolerance?code=SCJG-SW&a={row.version_no}&b={row.version_no}")
    assert 'id="diff"' not in html  # the public page never compares a draft


# ---------------------------------------------------------------- 涉企收费

def _fee_form(sup, **over):
    return {"lead_kind": "hotline", "lead_ref": "12345-2027-0001", "department_id": str(sup.rs),
            "enterprise_uscc": uscc(105), "description": "违规收取培训费", "refund": "1,500.50",
            "found_on": "2027-03-05"} | over


def test_fee_problem_registered_refunded_and_closed_with_a_voucher(session, sup, client):
    sign_in(client, "sup1")
    for bad, message in (("12.345", "最多精确到分"), ("-5", "不能为负数"), ("一千", "以元为单位的数字")):
        r = _post(client, "/supervision/fees", "/supervision/fees", **_fee_form(sup, refund=bad))
        assert r.status_code == 422 and _beside(r.text, "refund", message), bad
        assert f'value="{bad}"' in r.text and "违规收取培训费" in r.text and 'value="12345-2027-0001"' in r.text
    r = _post(client, "/supervision/fees", "/supervision/fees", **_fee_form(sup, enterprise_uscc="91000000MA0000000X"))
    assert r.status_code == 422 and _beside(r.text, "enterprise_uscc", "不是已登记的企业")
    assert session.scalar(select(func.count()).select_from(FeeProblem)) == 0

    assert _post(client, "/supervision/fees", "/supervision/fees", **_fee_form(sup)).status_code == 303
    p = session.scalar(select(FeeProblem))
    assert p.refund_fen == 150050 and p.enterprise_id == sup.enterprises[5].id
    html = _get(client, "/supervision/fees?start=2027-03-01&end=2027-03-31")
    row = re.search(rf'<tr id="fee-{p.id}">.*?</tr>', html, re.S).group(0)
    assert "1,500.50元" in row and "12345热线" in row and "150050" not in row and "hotline" not in row

    r = _post(client, f"/supervision/fees/{p.id}/refund", "/supervision/fees", version=str(p.version),
              **{f"amount_{p.id}": "0.5元"})
    assert r.status_code == 303
    session.refresh(p)
    assert p.refunded_fen == 50
    r = _post(client, f"/supervision/fees/{p.id}/close", "/supervision/fees", version=str(p.version),
              **{f"evidence_{p.id}": "", f"refunded_{p.id}": "1500.50"})
    assert r.status_code == 422 and _beside(r.text, f"evidence_{p.id}", "销号须附整改证据")
    assert 'value="1500.50"' in r.text
    r = _post(client, f"/supervision/fees/{p.id}/close", "/supervision/fees",
              files={f"file_{p.id}": ("退费凭证.pdf", b"not a pdf", "application/pdf")}, version=str(p.version),
              **{f"evidence_{p.id}": "已全额退还", f"refunded_{p.id}": "1500.50"})
    assert r.status_code == 422 and _beside(r.text, f"file_{p.id}", "PDF") and 'value="已全额退还"' in r.text
    voucher = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    r = _post(client, f"/supervision/fees/{p.id}/close", "/supervision/fees",
              files={f"file_{p.id}": ("退费凭证.pdf", voucher, "application/pdf")}, version=str(p.version),
              **{f"evidence_{p.id}": "已全额退还，附银行回单", f"refunded_{p.id}": "1500.50"})
    assert r.status_code == 303
    session.refresh(p)
    assert p.status == "closed" and p.refunded_fen == 150050 and p.evidence_filename == "退费凭证.pdf"
    html = _get(client, "/supervision/fees?start=2027-03-01&end=2027-03-31")
    assert "已销号" in html and 'id="total-refunded">1,500.50元' in html
    assert client.get(f"/supervision/fees/{p.id}/evidence").content == voucher


def test_only_the_responsible_unit_or_the_office_records_refunds_and_only_the_office_closes(session, sup, client):
    sign_in(client, "sup1")
    assert _post(client, "/supervision/fees", "/supervision/fees", **_fee_form(sup)).status_code == 303
    p = session.scalar(select(FeeProblem))
    sign_in(client, "insp_scjg")  # 人社局 is the responsible unit, not 市场监管局
    html = _get(client, "/supervision/fees")
    assert f'id="refund-{p.id}"' not in html and f'id="close-{p.id}"' not in html
    r = _post(client, f"/supervision/fees/{p.id}/refund", "/supervision/fees", **{f"amount_{p.id}": "100"})
    assert r.status_code == 303 and "只能登记本单位作为责任单位的退费" in _get(client, "/supervision/fees")
    r = _post(client, f"/supervision/fees/{p.id}/close", "/supervision/fees",
              **{f"evidence_{p.id}": "x", f"refunded_{p.id}": "0"})
    assert r.status_code == 303 and "此操作仅限" in _get(client, "/supervision/fees")
    sign_in(client, "insp_rs")
    r = _post(client, f"/supervision/fees/{p.id}/refund", "/supervision/fees", **{f"amount_{p.id}": "100"})
    assert r.status_code == 303
    session.refresh(p)
    assert p.refunded_fen == 10000 and p.status == "open"


def test_yuan_are_parsed_exactly():
    assert [parse_yuan(t) for t in ("1500", "1,500.50", "80元", "0.01", "0")] == [150000, 150050, 8000, 1, 0]
    for bad in ("", "-1", "1.234", "1e5", "1,23", "abc", "9" * 20):
        with pytest.raises(ValueError):
            parse_yuan(bad)


# ---------------------------------------------------------------- 宁静日 and ad-hoc visits

def test_quiet_days_set_by_the_office_only(session, sup, client):
    sign_in(client, "sup1")
    assert "每月<strong>1日至20日" in _get(client, "/supervision/quiet-days")  # the default: 上旬和中旬
    r = _post(client, "/supervision/quiet-days", "/supervision/quiet-days", first_day="5", last_day="40")
    assert r.status_code == 422 and 'value="40"' in r.text and 'value="5"' in r.text
    assert _beside(r.text, "last_day", "截止日须为1–31") or _beside(r.text, "first_day", "宁静日")
    r = _post(client, "/supervision/quiet-days", "/supervision/quiet-days", first_day="12", last_day="3")
    assert r.status_code == 422 and _beside(r.text, "first_day", "起始日不晚于截止日")
    assert _post(client, "/supervision/quiet-days", "/supervision/quiet-days", first_day="1",
                 last_day="10").status_code == 303
    assert gate.quiet_days(session) == (1, 10)
    sign_in(client, "insp_scjg")
    assert client.get("/supervision/quiet-days").status_code == 403


def test_an_adhoc_visit_on_a_quiet_day_needs_an_exception_then_the_office_approves(session, sup, client):
    sign_in(client, "insp_scjg")
    form = {"enterprise_uscc": uscc(107), "visit_on": QUIET.isoformat(), "matter_codes": "SC-01",
            "purpose": "核查消费者投诉的无照经营", "exception": "", "exception_reason": ""}
    r = _post(client, "/supervision/inspections/new", "/supervision/inspections/new", **form)
    assert r.status_code == 422 and _beside(r.text, "visit_on", "企业宁静日")
    assert "核查消费者投诉的无照经营" in r.text and f'value="{QUIET.isoformat()}"' in r.text
    assert 'value="SC-01" checked' in r.text
    r = _post(client, "/supervision/inspections/new", "/supervision/inspections/new", **form | {"exception": "complaint"})
    assert r.status_code == 422 and _beside(r.text, "exception_reason", "写明理由")
    r = _post(client, "/supervision/inspections/new", "/supervision/inspections/new",
              **form | {"exception": "complaint", "exception_reason": "12345工单20270310001投诉无照经营"})
    assert r.status_code == 303
    v = session.scalar(select(Inspection))
    assert (v.kind, v.status, v.exception, v.department_ids) == ("adhoc", "requested", "complaint", [sup.scjg])
    r = _post(client, "/supervision/inspections/new", "/supervision/inspections/new",
              **form | {"visit_on": OPEN.isoformat(), "matter_codes": "RS-01"})
    assert r.status_code == 422 and _beside(r.text, "matter_codes", "本部门")  # not another department's matter
    html = _get(client, "/supervision/inspections")
    assert "投诉举报核查：12345工单20270310001投诉无照经营" in html and "待营商办核准" in html
    sign_in(client, "sup1")
    html = _get(client, "/supervision/inspections")
    r = client.post(f"/supervision/inspections/{v.id}/decision", follow_redirects=False,
                    data={"csrf_token": csrf(html), "approve": "1", "decision": "同意，投诉核查", "version": str(v.version)})
    assert r.status_code == 303
    session.refresh(v)
    assert v.status == "approved"


# ---------------------------------------------------------------- 抽查事项 and 执法人员

def test_matters_and_inspectors_managed_by_their_department(session, sup, client):
    sign_in(client, "insp_scjg")
    html = _get(client, "/supervision/roster")
    assert "营业执照规范悬挂检查" in html and "劳动用工检查" not in html and "张执法" in html
    r = _post(client, "/supervision/roster/matters", "/supervision/roster", m_code="SC-03", m_name="",
              m_qualification="市场监管执法", m_basis="《产品质量法》")
    assert r.status_code == 422 and _beside(r.text, "m_name", "事项名称") and 'value="SC-03"' in r.text
    assert 'value="《产品质量法》"' in r.text
    assert _post(client, "/supervision/roster/matters", "/supervision/roster", m_code="SC-03", m_name="产品质量抽查",
                 m_qualification="市场监管执法", m_basis="《产品质量法》").status_code == 303
    assert session.scalar(select(CheckMatter).where(CheckMatter.code == "SC-03")).department_id == sup.scjg

    r = _post(client, "/supervision/roster/inspectors", "/supervision/roster", badge="SC0009", name="钱执法",
              qualifications="市场监管执法", tied="91000000MA0000000X", active="1")
    assert r.status_code == 422 and _beside(r.text, "tied", "不是已登记的企业") and 'value="钱执法"' in r.text
    assert _post(client, "/supervision/roster/inspectors", "/supervision/roster", badge="SC0009", name="钱执法",
                 qualifications="市场监管执法、食品安全执法", tied=f"{uscc(110)}\n{uscc(111)}",
                 active="1").status_code == 303
    i = session.scalar(select(Inspector).where(Inspector.badge == "SC0009"))
    assert i.qualifications == ["市场监管执法", "食品安全执法"] and i.active
    assert i.tied_enterprise_ids == sorted([sup.enterprises[10].id, sup.enterprises[11].id])
    html = _get(client, "/supervision/roster?badge=SC0009")
    assert uscc(110) in html and "测试市第10号商贸有限公司" in html

    sign_in(client, "insp_rs")  # another department: its own lists only, and cannot take over 市场监管局's
    assert "营业执照规范悬挂检查" not in _get(client, f"/supervision/roster?department_id={sup.scjg}")
    r = _post(client, "/supervision/roster/matters", "/supervision/roster", m_code="SC-01", m_name="改名",
              m_qualification="劳动保障监察", department_id=str(sup.scjg))
    assert r.status_code == 422 and _beside(r.text, "m_code", "其他部门")
    r = _post(client, "/supervision/roster/inspectors", "/supervision/roster", badge="SC0001", name="张执法",
              qualifications="劳动保障监察", active="1")
    assert r.status_code == 422 and _beside(r.text, "badge", "其他部门")
    session.expire_all()
    assert session.scalar(select(CheckMatter).where(CheckMatter.code == "SC-01")).name == "营业执照规范悬挂检查"
    assert session.get(Inspector, sup.tied.id).department_id == sup.scjg


# ---------------------------------------------------------------- the results form

def test_a_failed_results_form_shows_each_error_beside_its_control(session, sup, client):
    v = gate.request(session, actor=sup.insp_scjg, enterprise_id=sup.enterprises[7].id, visit_on=OPEN,
                     purpose="检查", matter_codes=["SC-01"])
    gate.decide(session, actor=sup.office, inspection_id=v.id, approve=True)
    session.commit()
    sign_in(client, "insp_scjg")
    r = _post(client, f"/supervision/inspections/{v.id}/results", "/supervision/inspections", visit=str(v.id),
              version=str(v.version), **{"result_SC-01": "tolerated", "note_SC-01": "首次未公示营业执照，当场改正", "list_SC-01": "",
                 "item_SC-01": ""})
    assert r.status_code == 422 and _beside(r.text, "list_SC-01", "须选择所依据的免罚清单")
    assert 'value="首次未公示营业执照，当场改正"' in r.text and '<option value="tolerated" selected>' in r.text
    t = tolerance.draft(session, actor=sup.insp_scjg, code="L1", department_id=sup.scjg, kind="first", title="首违不罚",
                        items=ITEMS_V1)
    tolerance.publish(session, actor=sup.insp_scjg, list_id=t.id)
    session.commit()
    r = _post(client, f"/supervision/inspections/{v.id}/results", "/supervision/inspections", visit=str(v.id),
              version=str(v.version), **{"result_SC-01": "tolerated", "list_SC-01": str(t.id), "item_SC-01": "99"})
    assert r.status_code == 422 and _beside(r.text, "item_SC-01", "没有序号99") and 'value="99"' in r.text
    r = _post(client, f"/supervision/inspections/{v.id}/results", "/supervision/inspections", visit=str(v.id),
              version=str(v.version), **{"result_SC-01": "tolerated", "list_SC-01": str(t.id), "item_SC-01": "1"})
    assert r.status_code == 303
    session.refresh(v)
    assert v.status == "visited"
