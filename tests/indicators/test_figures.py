"""Each indicator against a hand-computed figure on the small fixture (conftest.py)."""

from __future__ import annotations

import pytest

from onewindow.indicators import compute, service
from tests.indicators.conftest import MAY

# code → (全市, 市市场监管局, 测试县) for May 2026, counted by hand from conftest.py
EXPECTED = {
    "WSKB": (100.0, 100.0, 100.0),    # accepted 1,2,3: all three items are 网上可办 or 全程网办
    "QCWB": (66.67, 50.0, 100.0),     # 1 and 3: 全程网办 item applied online
    "LPD": (33.33, 50.0, 0.0),        # 1: online and mailed (case 4 was accepted in April)
    "JBL": (33.33, 50.0, 0.0),        # 2: promised 0 days
    "CQJS": (2.0, 1.0, 1.0),          # 2 and 3 overdue
    "ASBJ": (66.67, 50.0, 100.0),     # completed in May 1,2,4; 2 was overdue
    "PJBLSC": (2.83, 2.0, 4.5),       # 1.5 + 2.5 + 4.5 days over 3
    "CNYSL": (95.0, 95.0, None),      # (15−1)+(5−0) over 15+5; case 4 is a bundle
    "SJYSL": (80.0, 80.0, None),      # (15−1.5)+(5−2.5) over 20
    "HPL": (50.0, 50.0, 50.0),        # 3 good of 6, city 2 of 4 (the excluded one counts nowhere)
    "CPZG": (50.0, 100.0, 0.0),       # real-name bad: city 1 (rectified), county 1
    "AQZG": (50.0, 100.0, 0.0),       # closed in May: city on time, county late
}


@pytest.fixture
def computed(session, fx):
    service.compute_periods(session, actor=fx.supervisor, periods=[MAY, "2026-Q2"])
    session.commit()
    return fx


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_indicator_against_hand_count(session, computed, code):
    fx = computed
    city, dept, county = EXPECTED[code]
    got = service.figure(session, code=code, period=MAY)
    assert got.value == city
    d = service.figure(session, code=code, period=MAY, unit_kind="department", unit_key=str(fx.city_dept))
    assert d.value == dept
    c = service.figure(session, code=code, period=MAY, unit_kind="county", unit_key=str(fx.county))
    assert (c.value if c else None) == county


def test_quarter_equals_sum_of_its_months_for_counts(session, computed):
    q = service.figure(session, code="CQJS", period="2026-Q2")
    assert q.value == 2.0  # April's case 4 was not overdue


def test_indicator_without_provider_shows_no_source(session, computed):
    from dataclasses import replace

    from onewindow.indicators import definitions

    base = next(d for d in definitions.builtin() if d.code == "HPL")
    service.save_definitions(session, [replace(base, code="WLY", name="无来源指标", numerator="nobody.counted",
                                               denominator=None, formula="count", cases=())])
    service.compute_periods(session, actor=computed.supervisor, periods=[MAY])
    listed = {x.definition.code: x for x in service.list_definitions(session)}
    assert listed["WLY"].source_note == "暂无数据来源"  # no domain declares nobody.counted
    assert service.figure(session, code="WLY", period=MAY) is None
    assert listed["HPL"].has_source and listed["JG_A"].has_source  # supervision declares its measures


def test_every_builtin_definition_has_passing_cases(session):
    from onewindow.indicators import definitions

    defs = definitions.builtin()
    assert len(defs) >= 26 and all(d.cases for d in defs)
    assert compute.providers()  # the domains' measures are registered
