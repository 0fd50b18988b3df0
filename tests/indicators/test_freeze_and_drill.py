"""A published period is frozen (a differing recomputation is a discrepancy); drill-down totals equal figures."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from onewindow.common.errors import Conflict, Forbidden
from onewindow.indicators import service
from onewindow.ratings.models import Rating
from tests.indicators.conftest import MAY, _rating


def test_published_period_is_frozen_and_change_reported(session, fx):
    service.publish_period(session, actor=fx.supervisor, period=MAY)
    session.commit()
    before = service.figure(session, code="HPL", period=MAY).value
    _rating(session, 200, dept=fx.city_dept, level="very_unsatisfied", real_name=True, on=date(2026, 5, 20))
    session.commit()
    result = service.compute_periods(session, actor=fx.supervisor, periods=[MAY])
    session.commit()
    assert service.figure(session, code="HPL", period=MAY).value == before  # not applied
    assert result.discrepancies >= 1
    found = {(d.code, d.unit_kind): d for d in service.discrepancies(session, period=MAY)}
    assert found[("HPL", "all")].published_value == 50.0 and found[("HPL", "all")].recomputed_value == 42.86
    again = service.compute_periods(session, actor=fx.supervisor, periods=[MAY])
    assert again.discrepancies == 0  # reported once
    with pytest.raises(Conflict):
        service.publish_period(session, actor=fx.supervisor, period=MAY)


@pytest.mark.parametrize("code", ["WSKB", "QCWB", "ASBJ", "CQJS", "PJBLSC", "SJYSL", "HPL", "CPZG", "AQZG"])
@pytest.mark.parametrize("unit", ["all", "department", "county"])
def test_drill_down_totals_equal_the_figure(session, fx, code, unit):
    service.compute_periods(session, actor=fx.supervisor, periods=[MAY])
    key = {"all": "all", "department": str(fx.city_dept), "county": str(fx.county)}[unit]
    f = service.figure(session, code=code, period=MAY, unit_kind=unit, unit_key=key)
    if f is None:
        return  # no records in that cell (the county's case 4 is a bundle: no statutory limit)
    for part, expected in (("numerator", f.numerator), ("denominator", f.denominator)):
        if expected is None:
            continue
        drill = service.drill_down(session, actor=fx.supervisor, code=code, period=MAY, unit_kind=unit,
                                   unit_key=key, part=part)
        assert drill.complete and drill.total == pytest.approx(expected, abs=0.01)


def test_department_sees_only_its_own_drill_down(session, fx):
    service.compute_periods(session, actor=fx.supervisor, periods=[MAY])
    own = service.drill_down(session, actor=fx.staff, code="CQJS", period=MAY, unit_kind="department",
                             unit_key=str(fx.city_dept))
    assert [r.ref for r in own.records] == ["C20260002"]
    with pytest.raises(Forbidden):
        service.drill_down(session, actor=fx.staff, code="CQJS", period=MAY)
    assert session.scalar(select(Rating.id).limit(1))
