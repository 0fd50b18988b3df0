"""Issue 14 item 1 for 12345: the 按时办结率, 满意率, 直办率 and 化解率 indicators count the demands, by hand,
and the supervisor's rates page agrees with them (one set of conditions, demands/measures.py)."""

from __future__ import annotations

from onewindow.demands import service as demands
from onewindow.demands import views
from onewindow.indicators import service as indicators
from tests.demands.conftest import beijing, call, dispatched

DEC = "2026-12"


def _replied(session, w, subject):
    d = call(session, w, subject=subject)
    dispatched(session, w, d)
    demands.sign(session, actor=w["market"], code=d.code, version=d.version)
    demands.reply(session, actor=w["market"], code=d.code, version=d.version, text="已处理")
    return d


def test_12345_indicators_against_a_hand_count(session, world, at):
    w = world
    at(beijing(2026, 12, 7, 9, 0))
    d1 = _replied(session, w, "一号")
    demands.call_back(session, actor=w["agent"], code=d1.code, version=d1.version, satisfaction="satisfied",
                      resolved=True)
    d2 = _replied(session, w, "二号")
    demands.call_back(session, actor=w["agent"], code=d2.code, version=d2.version, satisfaction="unsatisfied",
                      resolved=False)
    call(session, w, subject="三号")  # received, not dispatched: the city's line only
    _replied(session, w, "四号")
    assert demands.close_timed_out_callbacks(session, now=beijing(2026, 12, 20, 9, 0)) == 1  # no satisfaction
    session.commit()
    indicators.compute_periods(session, actor=w["supervisor"], periods=[DEC])
    session.commit()
    # city: received 4; closed 1, 2, 4, none ever overdue; called back 1 and 2, one satisfied, one resolved
    expected = {"RX_ASBJ": 100.0, "RX_MYL": 50.0, "RX_HJL": 50.0, "RX_ZBL": 0.0}
    for code, value in expected.items():
        assert indicators.figure(session, code=code, period=DEC).value == value, code
    unit = indicators.figure(session, code="RX_ASBJ", period=DEC, unit_kind="department",
                             unit_key=str(w["dept"]["SCJGJ"]))
    assert unit.value == 100.0
    drill = indicators.drill_down(session, actor=w["supervisor"], code="RX_MYL", period=DEC)
    assert [r.title for r in drill.records] == ["一号"] and drill.records[0].link == f"/demands/{d1.code}"
    below = indicators.drill_down(session, actor=w["supervisor"], code="RX_MYL", period=DEC, part="denominator")
    assert sorted(r.title for r in below.records) == ["一号", "二号"]  # the drill-down adds up to the figure
    city, lines = views.rates_by_unit(session, actor=w["supervisor"])
    assert (city.total, city.closed, city.rated, city.satisfied, city.called, city.resolved) == (4, 3, 2, 1, 2, 1)
    assert round(city.satisfied_rate * 100, 2) == expected["RX_MYL"]
