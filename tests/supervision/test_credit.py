"""Credit: the published rule cases, records from the sources, the lists, 3-month minor records, repair."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from onewindow.common.errors import Forbidden
from onewindow.common.time import today
from onewindow.sharing import service as sharing
from onewindow.supervision import credit
from onewindow.supervision import rules as R


def _months_ago(on: date, months: int) -> date:
    y, m = divmod(on.year * 12 + on.month - 1 - months, 12)
    return date(y, m + 1, min(on.day, 28))


@pytest.mark.parametrize("rules", R.all_versions(), ids=lambda r: r.version)
def test_every_published_rule_case_holds(rules):
    on = date(2026, 12, 15)
    for case in rules.cases:
        records = [(r["severity"], _months_ago(on, r["months_ago"]), r.get("repaired", False)) for r in case["records"]]
        g = R.grade(rules, tax=case["tax"], records=records, on=on)
        assert (g.grade, g.score, g.dishonest) == (case["grade"], case["score"], case.get("dishonest", False)), case["name"]


def test_serious_penalty_makes_d_dishonest_bars_commitments_and_repair_restores(session, sup):
    e = sup.enterprises[0]
    credit.recompute(session)
    assert credit.grade_of(session, enterprise_id=e.id).grade == "A"  # 纳税 A, nothing else
    entry = credit.record_entry(session, actor=sup.insp_scjg, enterprise_id=e.id, source="penalty", ref="P-1",
                                severity="serious", reason="无照经营", department_id=sup.scjg)
    g = credit.grade_of(session, enterprise_id=e.id)
    assert (g.grade, g.dishonest) == ("D", True)
    assert e.id in {x.enterprise_id for x in credit.dishonest_list(session)}
    assert sharing.has_serious_bad_credit(session, subject_kind="enterprise", subject_key=e.uscc)  # 告知承诺 refused
    again = credit.record_entry(session, actor=sup.insp_scjg, enterprise_id=e.id, source="penalty", ref="P-1",
                                severity="serious", reason="无照经营")
    assert again.id == entry.id
    with pytest.raises(Forbidden):  # only the enterprise itself applies
        credit.apply_repair(session, actor=sup.w.other_applicant, enterprise_id=e.id, record=f"entry:{entry.id}",
                            reason="已整改")


def test_repair_by_the_enterprise_reviewed_by_the_office(session, sup):
    eid = sharing.enterprise_id(session, uscc=sup.w.enterprise_key)
    entry = credit.record_entry(session, actor=sup.insp_scjg, enterprise_id=eid, source="penalty", ref="P-2",
                                severity="serious", reason="虚假宣传")
    assert credit.grade_of(session, enterprise_id=eid).grade == "D"
    rep = credit.apply_repair(session, actor=sup.w.applicant, enterprise_id=eid, record=f"entry:{entry.id}",
                              reason="已停止违法行为并公开承诺")
    assert [r.id for r in credit.repairs(session, actor=sup.w.applicant)] == [rep.id]
    with pytest.raises(Forbidden):
        credit.decide_repair(session, actor=sup.w.applicant, repair_id=rep.id, grant=True)
    credit.decide_repair(session, actor=sup.office, repair_id=rep.id, grant=True, version=rep.version)
    g = credit.grade_of(session, enterprise_id=eid)
    assert (g.grade, g.dishonest) == ("A", False)
    assert not sharing.has_serious_bad_credit(session, subject_kind="enterprise", subject_key=sup.w.enterprise_key)


def test_minor_record_unpublished_after_three_months(session, sup):
    e = sup.enterprises[1]
    old = credit.record_entry(session, actor=sup.insp_scjg, enterprise_id=e.id, source="inspection", ref="I-old",
                              severity="minor", reason="公示信息不全", occurred_on=today() - timedelta(days=100))
    new = credit.record_entry(session, actor=sup.insp_scjg, enterprise_id=e.id, source="inspection", ref="I-new",
                              severity="minor", reason="台账缺失", occurred_on=today() - timedelta(days=20))
    shown = {r["record"]: r["published"] for r in credit.records_of(session, enterprise_id=e.id)}
    assert shown == {f"entry:{old.id}": False, f"entry:{new.id}": True}
    assert credit.grade_of(session, enterprise_id=e.id).score == 80 + 12 - 3


def test_failed_post_check_in_the_registry_counts(session, sup):
    e = sup.enterprises[2]
    sharing.record_credit(session, actor=sup.office, subject_kind="enterprise", subject_key=e.uscc,
                          subject_name=e.name, severity="一般", reason="告知承诺核查不实", source="市场监管局")
    credit.recompute(session, enterprise_ids=[e.id])
    assert credit.grade_of(session, enterprise_id=e.id).score == 80 + 12 - 12
    assert [r["source"] for r in credit.records_of(session, enterprise_id=e.id)] == ["registry"]
