"""Appeals (申诉) and statistics, computed by hand (#12.2, #12.4)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onewindow.catalog import service as catalog
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.time import today
from onewindow.ratings import followup, stats
from onewindow.ratings import service as ratings
from onewindow.ratings.models import Rating
from onewindow.rectification import service as rectification
from tests.ratings.conftest import matter_of


def _rate(session, w, case, kind, code, level, reasons=()):
    return ratings.rate(session, actor=w.applicant, matter=matter_of(session, case, kind, code), level=level,
                        reasons=list(reasons))


def _rectify(session, w, rating, dept_actor):
    cb = session.scalar(select(followup.Callback).where(followup.Callback.rating_id == rating.id))
    followup.record_callback(session, actor=dept_actor, callback_id=cb.id, note="已回访")
    rectification.submit_evidence(session, actor=dept_actor, item_id=cb.rectification_id, text="已整改")
    rectification.accept(session, actor=w.supervisor, item_id=cb.rectification_id)
    return cb


def test_appeal_upheld_leaves_the_statistics_but_not_the_record(session, world, completed):
    bad = _rate(session, world, completed, "task", "T-GA-0001", "very_unsatisfied", ["服务态度差"])
    _rate(session, world, completed, "case", None, "satisfied")
    gaj, rsj = world.approvers["GAJ"], world.inspector
    with pytest.raises(NotFound):  # not the rating's department
        followup.file_appeal(session, actor=rsj, rating_id=bad.id, reason="不是我们")
    with pytest.raises(ValidationFailed):
        followup.file_appeal(session, actor=gaj, rating_id=bad.id, reason="")
    appeal = followup.file_appeal(session, actor=gaj, rating_id=bad.id, reason="评价人误评，监控录像为证",
                                  file=("录像截图.png", b"\x89PNG\r\n\x1a\nxx"))
    with pytest.raises(Conflict):
        followup.file_appeal(session, actor=gaj, rating_id=bad.id, reason="再申诉")
    with pytest.raises(Forbidden):
        followup.decide_appeal(session, actor=gaj, appeal_id=appeal.id, uphold=True)
    total, _ = stats.statistics(session, actor=world.supervisor)
    assert (total.total, total.bad) == (2, 1)
    followup.decide_appeal(session, actor=world.supervisor, appeal_id=appeal.id, uphold=True, decision="证据充分")
    session.commit()
    assert appeal.status == "upheld"
    total, _ = stats.statistics(session, actor=world.supervisor)
    assert (total.total, total.bad, total.good_rate) == (1, 0, 1.0)
    kept = session.get(Rating, bad.id)
    assert kept is not None and kept.excluded and kept.level == "very_unsatisfied"


def test_statistics_by_department_hand_computed(session, world, completed):
    # case (lead SCJGJ): 满意; tasks: SCJG 非常满意, RS 不满意 (rectified on time), GA 非常不满意 (not rectified),
    # SW unrated → default 基本满意 after 7 days; so is the online submission (网上办事, lead SCJGJ).
    _rate(session, world, completed, "case", None, "satisfied")
    _rate(session, world, completed, "task", "T-SCJG-0001", "very_satisfied")
    rs_bad = _rate(session, world, completed, "task", "T-RS-0001", "unsatisfied", ["等候时间过长"])
    _rate(session, world, completed, "task", "T-GA-0001", "very_unsatisfied", ["服务态度差"])
    _rectify(session, world, rs_bad, world.inspector)
    assert ratings.apply_defaults(session, on=today() + timedelta(days=7)) == 2
    total, lines = stats.statistics(session, actor=world.supervisor, by="department")
    assert (total.total, total.good, total.bad, total.defaulted) == (6, 4, 2, 2)
    assert total.good_rate == 0.6667 and total.bad_rate == 0.3333 and total.rated_share == 0.6667
    assert total.rectified_rate == 0.5 and total.on_time_rate == 1.0
    by = {line.key: line for line in lines}
    scjg, rs, ga, sw = (str(catalog.department_id(session, code=c)) for c in ("SCJGJ", "RSJ", "GAJ", "SWJ"))
    assert (by[scjg].total, by[scjg].good_rate, by[scjg].defaulted) == (3, 1.0, 1)
    assert (by[rs].bad, by[rs].rectified_rate, by[rs].on_time_rate) == (1, 1.0, 1.0)
    assert (by[ga].bad, by[ga].rectified_rate, by[ga].on_time_rate) == (1, 0.0, None)
    assert (by[sw].defaulted, by[sw].rated_share) == (1, 0.0)
    assert by[rs].label and total.label == "合计"
    # a department sees only its own lines and ratings
    own_total, own = stats.statistics(session, actor=world.inspector)
    assert [line.key for line in own] == [rs] and own_total.total == 1
    assert {r.id for r in ratings.list_ratings(session, actor=world.inspector).items} == {rs_bad.id}
    drill = ratings.list_ratings(session, actor=world.supervisor, department_id=int(ga), bad=True)
    assert drill.total == 1
    data = stats.export_xlsx(total, lines, by="department")
    assert data.startswith(b"PK")


def test_statistics_per_clerk_kind_and_month_in_sql_with_drill_down_and_xlsx(session, world, completed):
    """The same fixture seen per window clerk, per rated kind and per month, plus two window visits at the
    clerk's counter (非常满意, 非常不满意 anonymous — not real-name, so no rectification is due)."""
    import io

    from openpyxl import load_workbook

    _rate(session, world, completed, "case", None, "satisfied")
    _rate(session, world, completed, "task", "T-SCJG-0001", "very_satisfied")
    rs_bad = _rate(session, world, completed, "task", "T-RS-0001", "unsatisfied", ["等候时间过长"])
    _rectify(session, world, rs_bad, world.inspector)
    gaj = world.approvers["GAJ"].department_id
    for level in ("very_satisfied", "very_unsatisfied"):
        visit = ratings.open_visit(session, actor=world.clerk, department_id=gaj, title="户籍咨询")
        ratings.rate(session, actor=None, matter=visit, level=level,
                     reasons=["服务态度差"] if level == "very_unsatisfied" else [])
    session.flush()
    # Per kind, by hand: 办件 1 (good); 部门办理 2 (1 good, 1 bad real-name, rectified on time); 窗口服务 2 (1/1).
    total, lines = stats.statistics(session, actor=world.supervisor, by="kind")
    by = {line.key: line for line in lines}
    assert (total.total, total.good, total.bad, total.real_bad, total.closed, total.on_time) == (5, 3, 2, 1, 1, 1)
    assert (by["case"].total, by["case"].good, by["case"].label) == (1, 1, "办件")
    assert (by["task"].total, by["task"].bad, by["task"].rectified_rate, by["task"].on_time_rate) == (2, 1, 1.0, 1.0)
    assert (by["window"].total, by["window"].bad_rate, by["window"].real_bad, by["window"].label) == (2, 0.5, 0, "窗口服务")
    # Per window clerk: the case the clerk accepted and the two counter visits are the clerk's.
    _, clerks = stats.statistics(session, actor=world.supervisor, by="clerk")
    mine = next(line for line in clerks if line.key == str(world.clerk.user_id))
    case_matter = matter_of(session, completed, "case", None)
    expected = 2 + (1 if case_matter.clerk_id == world.clerk.user_id else 0)
    assert mine.total == expected and mine.bad == 1 and mine.label == world.clerk.display_name
    drill = ratings.list_ratings(session, actor=world.supervisor, clerk_id=world.clerk.user_id, bad=True)
    assert drill.total == 1 and drill.items[0].matter.kind == "window"
    assert ratings.list_ratings(session, actor=world.supervisor, kind="window").total == 2
    # Per month: every rating today, one line for this month.
    _, months = stats.statistics(session, actor=world.supervisor, by="month")
    this = today().strftime("%Y-%m")
    assert [(m.key, m.total, m.label) for m in months] == [(this, 5, f"{today().year}年{today().month}月")]
    # The export carries the same figures.
    ws = load_workbook(io.BytesIO(stats.export_xlsx(total, lines, by="kind"))).active
    rows = {r[0]: r for r in ws.iter_rows(values_only=True)}
    assert rows["评价对象"][1] == "评价数" and rows["窗口服务"][1:4] == (2, 1, 1) and rows["合计"][1] == 5
    assert rows["部门办理"][10] == "100.0%"
