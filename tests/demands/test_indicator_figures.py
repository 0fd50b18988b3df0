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


def test_direct_answers_count_for_the_article_owner_in_both_places(session, world, at):
    """直办 has no lead unit: it counts for the department owning the article answered from, in the
    indicator (RX_ZBL per department) and on the supervisor's rates page alike."""
    from datetime import date

    from onewindow.knowledge.models import Article

    w = world
    at(beijing(2026, 12, 7, 9, 0))
    art = Article(code="ZS-0009", version=1, status="published", topic="社保", department_id=w["dept"]["SCJGJ"],
                  title="过期食品投诉渠道", body="可拨打12315或到市场监管所投诉", keywords=[], valid_from=date(2020, 1, 1))
    session.add(art)
    session.flush()
    for subject in ("直办一", "直办二"):
        d = call(session, w, kind="consult", subject=subject)
        demands.answer_directly(session, actor=w["agent"], code=d.code, version=d.version, article_id=art.id)
    dispatched(session, w, call(session, w, subject="派给市场监管"))
    dispatched(session, w, call(session, w, subject="派给公安"), unit="GAJ")
    session.commit()
    # by hand: 市场监管局 3 demands (2 direct, 1 dispatched) → 66.67%; 公安局 1, none direct → 0; city 2 of 4
    city, lines = views.rates_by_unit(session, actor=w["supervisor"])
    by_unit = {r.department_id: (r.total, r.direct) for r in lines}
    assert by_unit == {w["dept"]["SCJGJ"]: (3, 2), w["dept"]["GAJ"]: (1, 0)}
    assert (city.total, city.direct) == (4, 2)
    indicators.compute_periods(session, actor=w["supervisor"], periods=[DEC])
    session.commit()
    market = indicators.figure(session, code="RX_ZBL", period=DEC, unit_kind="department",
                               unit_key=str(w["dept"]["SCJGJ"]))
    police = indicators.figure(session, code="RX_ZBL", period=DEC, unit_kind="department",
                               unit_key=str(w["dept"]["GAJ"]))
    assert round(market.value, 2) == round(by_unit[w["dept"]["SCJGJ"]][1] / 3 * 100, 2) == 66.67
    assert police.value == 0.0
    assert indicators.figure(session, code="RX_ZBL", period=DEC).value == 50.0
    drill = indicators.drill_down(session, actor=w["supervisor"], code="RX_ZBL", period=DEC, unit_kind="department",
                                  unit_key=str(w["dept"]["SCJGJ"]))
    assert sorted(r.title for r in drill.records) == ["直办一", "直办二"]
