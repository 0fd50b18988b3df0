"""The inspection gate and quiet days; results, rectification and credit; joint visits; tolerance diffs; fees."""

from __future__ import annotations

from datetime import date

import pytest

from onewindow.common.errors import Conflict, ValidationFailed
from onewindow.rectification import service as rectification
from onewindow.supervision import credit, fees, findings, gate, plans, tolerance
from tests.supervision.conftest import PERIOD

QUIET, OPEN = date(2027, 3, 10), date(2027, 3, 23)


def test_quiet_day_refused_unless_excepted_with_a_reason(session, sup):
    eid = sup.enterprises[3].id
    with pytest.raises(ValidationFailed, match="宁静日"):
        gate.request(session, actor=sup.insp_scjg, enterprise_id=eid, visit_on=QUIET, purpose="日常检查")
    with pytest.raises(ValidationFailed, match="理由"):
        gate.request(session, actor=sup.insp_scjg, enterprise_id=eid, visit_on=QUIET, purpose="核查",
                     exception="complaint")
    insp = gate.request(session, actor=sup.insp_scjg, enterprise_id=eid, visit_on=QUIET, purpose="核查投诉",
                        exception="complaint", exception_reason="12345工单投诉无证经营")
    assert insp.exception_reason == "12345工单投诉无证经营"
    gate.set_quiet_days(session, actor=sup.office, first_day=1, last_day=5)
    assert gate.request(session, actor=sup.insp_scjg, enterprise_id=eid, visit_on=QUIET, purpose="日常检查")


def test_unapproved_inspection_refused_then_approved_results_open_rectification_and_change_credit(session, sup):
    e = sup.enterprises[4]
    credit.recompute(session)
    insp = gate.request(session, actor=sup.insp_scjg, enterprise_id=e.id, visit_on=OPEN, purpose="专项检查",
                        matter_codes=["SC-01"])
    with pytest.raises(Conflict, match="未经营商环境局核准"):
        findings.record_results(session, actor=sup.insp_scjg, inspection_id=insp.id,
                                results=[{"matter_code": "SC-01", "result": "pass"}])
    gate.decide(session, actor=sup.office, inspection_id=insp.id, approve=True)
    found = findings.record_results(session, actor=sup.insp_scjg, inspection_id=insp.id,
                                    results=[{"matter_code": "SC-01", "result": "rectify", "note": "未亮照经营"}])
    item = rectification.item_ref(session, item_id=found[0].rectification_id)
    assert item is not None and not item.closed
    assert credit.grade_of(session, enterprise_id=e.id).score == 80 + 12 - 3
    assert insp.status == "visited" and insp.approved_by_id == sup.office.user_id


def test_plans_of_two_departments_merge_into_one_joint_visit(session, sup):
    ids = []
    for actor, dept, code in ((sup.insp_scjg, sup.scjg, "SC-01"), (sup.insp_rs, sup.rs, "RS-01")):
        p = plans.create_plan(session, actor=actor, department_id=dept, title=f"{code}抽查", period_start=PERIOD[0],
                              period_end=PERIOD[1], matter_codes=[code], ratios={g: 1.0 for g in "ABCD"}, team_size=1)
        plans.announce(session, actor=actor, plan_id=p.id, public_value="公开值")
        plans.run_draw(session, actor=actor, plan_id=p.id)
        ids.append(p.id)
    visits = plans.request_visits(session, actor=sup.office, plan_ids=ids)
    joint = [v for v in visits if v.kind == "joint"]
    assert joint and len(visits) == len({v.enterprise_id for v in visits})  # one visit per enterprise
    v = joint[0]
    assert v.department_ids == sorted([sup.scjg, sup.rs]) and set(v.matter_codes) == {"SC-01", "RS-01"}
    assert v.visit_on.day > 20


ITEMS_V1 = [{"no": "1", "conduct": "未按规定公示营业执照", "basis": "《无证无照经营查处办法》第十条", "conditions": "首次且及时改正"},
            {"no": "2", "conduct": "未按时报送年度报告", "basis": "《企业信息公示暂行条例》第八条", "conditions": "首次"},
            {"no": "3", "conduct": "广告用语轻微不当", "basis": "《广告法》第九条", "conditions": "无危害后果"}]
ITEMS_V2 = [{**ITEMS_V1[0], "conditions": "首次、及时改正且未造成危害后果"}, ITEMS_V1[2],
            {"no": "4", "conduct": "未按规定明码标价", "basis": "《价格法》第十三条", "conditions": "首次且改正"}]


def test_tolerance_versions_diff_exactly_and_a_finding_records_the_version(session, sup):
    v1 = tolerance.draft(session, actor=sup.insp_scjg, code="SCJG-SW", department_id=sup.scjg, kind="first",
                         title="市场监管领域首违不罚清单", items=ITEMS_V1)
    tolerance.publish(session, actor=sup.insp_scjg, list_id=v1.id)
    v2 = tolerance.draft(session, actor=sup.insp_scjg, code="SCJG-SW", department_id=sup.scjg, kind="first",
                         title="市场监管领域首违不罚清单", items=ITEMS_V2)
    d = tolerance.diff_versions(session, code="SCJG-SW", from_version=1, to_version=2)
    assert d["added"] == [ITEMS_V2[2]] and d["removed"] == [ITEMS_V1[1]]
    assert d["changed"] == [{"no": "1", "fields": [{"field": "conditions", "label": "不予处罚条件",
                                                   "before": "首次且及时改正", "after": "首次、及时改正且未造成危害后果"}]}]
    with pytest.raises(ValidationFailed):  # a draft cannot be cited
        tolerance.cited_item(session, list_id=v2.id, item_no="4")
    tolerance.publish(session, actor=sup.insp_scjg, list_id=v2.id)
    assert v1.status == "superseded"
    insp = gate.request(session, actor=sup.insp_scjg, enterprise_id=sup.enterprises[5].id, visit_on=OPEN,
                        purpose="检查", matter_codes=["SC-01"])
    gate.decide(session, actor=sup.office, inspection_id=insp.id, approve=True)
    f = findings.record_results(session, actor=sup.insp_scjg, inspection_id=insp.id, results=[
        {"matter_code": "SC-01", "result": "tolerated", "tolerance_list_id": v2.id, "tolerance_item": "4"}])[0]
    assert (f.tolerance_list_id, f.tolerance_item) == (v2.id, "4") and "第2版" in f.note


def test_fee_problems_close_with_evidence_and_total(session, sup):
    a = fees.open_problem(session, actor=sup.office, lead_kind="hotline", lead_ref="12345-1", department_id=sup.scjg,
                          description="违规收取检测费", refund_fen=123_456, enterprise_id=sup.enterprises[6].id,
                          found_on=date(2027, 3, 2))
    fees.open_problem(session, actor=sup.office, lead_kind="inspection", lead_ref="I-9", department_id=sup.rs,
                      description="重复收取培训费", refund_fen=50_000, enterprise_id=sup.enterprises[7].id,
                      found_on=date(2027, 3, 5))
    with pytest.raises(ValidationFailed):
        fees.close(session, actor=sup.office, problem_id=a.id, evidence="", refunded_fen=123_456)
    fees.close(session, actor=sup.office, problem_id=a.id, evidence="退费凭证 TF-001", refunded_fen=123_456)
    t = fees.totals(session, start=date(2027, 3, 1), end=date(2027, 3, 31))
    assert (t["cases"], t["closed"], t["refund_fen"], t["refunded_fen"], t["enterprises"]) == (2, 1, 173_456, 123_456, 2)
