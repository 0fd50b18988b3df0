"""Visits per credit grade (户均检查次数) in the indicators, against a hand count: the measures supervision
declares (supervision.measures) read through the indicators' computation and drill-down."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import delete

from onewindow.common.time import today
from onewindow.indicators import service as indicators
from onewindow.supervision import findings, gate
from onewindow.supervision.models import CreditGrade

MARCH = "2027-03"


def _visit(session, sup, actor, eid, day, *, matter, joint=False):
    insp = gate.request(session, actor=sup.office if joint else actor, enterprise_id=eid, visit_on=day,
                        kind="joint" if joint else "adhoc", purpose="日常检查", matter_codes=[matter],
                        department_ids=[sup.scjg, sup.rs] if joint else None)
    gate.decide(session, actor=sup.office, inspection_id=insp.id, approve=True)
    findings.record_results(session, actor=actor, inspection_id=insp.id,
                            results=[{"matter_code": matter, "result": "pass"}])
    return insp


@pytest.fixture
def graded(session, sup):
    """40 enterprises graded by hand: 10 A, 20 B, 6 C, 4 D; visits in March 2027 (and one in April)."""
    session.execute(delete(CreditGrade))
    for n, e in enumerate(sup.enterprises):
        grade = "A" if n < 10 else "B" if n < 30 else "C" if n < 36 else "D"
        session.add(CreditGrade(enterprise_id=e.id, grade=grade, score=80, rules_version="1", computed_on=today()))
    session.flush()
    ents = sup.enterprises
    _visit(session, sup, sup.insp_scjg, ents[0].id, date(2027, 3, 22), matter="SC-01")  # A, 市场监管
    _visit(session, sup, sup.insp_scjg, ents[0].id, date(2027, 3, 25), matter="SC-01")  # A, 市场监管 again
    _visit(session, sup, sup.insp_rs, ents[1].id, date(2027, 3, 24), matter="RS-01")  # A, 人社
    _visit(session, sup, sup.insp_scjg, ents[10].id, date(2027, 3, 23), matter="SC-01", joint=True)  # B, one door
    _visit(session, sup, sup.insp_scjg, ents[30].id, date(2027, 3, 26), matter="SC-01")  # C
    _visit(session, sup, sup.insp_scjg, ents[2].id, date(2027, 4, 22), matter="SC-01")  # April: not March
    gate.request(session, actor=sup.insp_scjg, enterprise_id=ents[3].id, visit_on=date(2027, 3, 29),
                 purpose="未核准，不算检查")
    session.commit()
    indicators.ensure_builtin(session)
    indicators.compute_periods(session, actor=sup.office, periods=[MARCH, "2027-Q1"])
    session.commit()
    return sup


@pytest.mark.parametrize(("code", "city", "scjg", "rs"), [
    ("JG_A", 0.3, 0.2, 0.1),  # 3 visits over 10 A: 市场监管 2, 人社 1
    ("JG_B", 0.05, 0.05, None),  # the joint visit counts once, at its first department (市场监管's id is lower)
    ("JG_C", 0.17, 0.17, None),  # 1 over 6
    ("JG_D", 0.0, None, None),  # no D visited: 0 over 4 for the city, no department figure
])
def test_visits_per_enterprise_by_grade_against_hand_count(session, graded, code, city, scjg, rs):
    sup = graded
    assert sup.scjg < sup.rs
    assert indicators.figure(session, code=code, period=MARCH).value == city
    for dept, want in ((sup.scjg, scjg), (sup.rs, rs)):
        got = indicators.figure(session, code=code, period=MARCH, unit_kind="department", unit_key=str(dept))
        assert (got.value if got else None) == want
    county = indicators.figure(session, code=code, period=MARCH, unit_kind="county", unit_key="city")
    assert (county.value if county else None) == (city or None)  # both departments are 市本级
    assert indicators.figure(session, code=code, period="2027-Q1").value == city  # April is not in Q1


def test_drill_down_adds_up_to_the_department_figure(session, graded):
    sup = graded
    num = indicators.drill_down(session, actor=sup.office, code="JG_A", period=MARCH, unit_kind="department",
                                unit_key=str(sup.scjg))
    assert num.total == 2 and {r.on for r in num.records} == {date(2027, 3, 22), date(2027, 3, 25)}
    assert all("测试市第0号商贸有限公司" in r.title for r in num.records)
    den = indicators.drill_down(session, actor=sup.office, code="JG_A", period=MARCH, unit_kind="department",
                                unit_key=str(sup.scjg), part="denominator")
    assert den.total == 10  # the city's A enterprises, whichever unit asks
