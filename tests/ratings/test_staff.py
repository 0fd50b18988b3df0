"""Statistics per staff member (#12 item 2): the staff member who handled a rated matter — the approver of a
case's lead task or of a bundle's task, a window visit's clerk — is recorded on it, and the statistics, the
xlsx and the drill-down group by them under their display names. Counted by hand."""

from __future__ import annotations

import io
from datetime import timedelta

from openpyxl import load_workbook

from onewindow.common.roles import Role
from onewindow.common.time import today
from onewindow.ratings import service as ratings
from onewindow.ratings import stats
from tests.ratings.conftest import matter_of
from tests.ratings.test_pages import sign_in


def _rate(session, w, case, kind, code, level, reasons=()):
    return ratings.rate(session, actor=w.applicant, matter=matter_of(session, case, kind, code), level=level,
                        reasons=list(reasons))


def _scene(session, w, completed, client):
    """case (lead 市场监管局, approved by appr_scjgj): 满意; tasks: 市场监管 非常满意 (appr_scjgj), 人社 不满意
    (appr_rsj), 公安 非常不满意 (appr_gaj), 税务 unrated → default (appr_swj); a window visit of clerk1: 满意;
    the online submission (网上办事: nobody handled it) unrated → default, under 未指定."""
    _rate(session, w, completed, "case", None, "satisfied")
    _rate(session, w, completed, "task", "T-SCJG-0001", "very_satisfied")
    _rate(session, w, completed, "task", "T-RS-0001", "unsatisfied", ["等候时间过长"])
    _rate(session, w, completed, "task", "T-GA-0001", "very_unsatisfied", ["服务态度差"])
    visit = ratings.open_visit(session, actor=w.clerk, department_id=w.approvers["GAJ"].department_id, title="户籍咨询")
    ratings.rate(session, actor=None, matter=visit, level="satisfied")
    assert ratings.apply_defaults(session, on=today() + timedelta(days=7)) == 2
    session.commit()


def test_each_matter_records_who_handled_it(session, world, completed):
    a = world.approvers
    assert matter_of(session, completed, "case").staff_id == a["SCJGJ"].user_id  # the lead task's approver
    for code, dept in (("T-SCJG-0001", "SCJGJ"), ("T-RS-0001", "RSJ"), ("T-GA-0001", "GAJ"), ("T-SW-0001", "SWJ")):
        matter = matter_of(session, completed, "task", code)
        assert matter.staff_id == a[dept].user_id and a[dept].user_id in matter.staff_ids  # and may not rate it
    visit = ratings.open_visit(session, actor=world.clerk, department_id=a["GAJ"].department_id)
    assert visit.staff_id == visit.clerk_id == world.clerk.user_id


def test_statistics_per_staff_member_hand_counted(session, world, completed, client):
    _scene(session, world, completed, client)
    a = world.approvers
    total, lines = stats.statistics(session, actor=world.supervisor, by="staff")
    got = {x.label: (x.total, x.good, x.bad, x.defaulted, x.good_rate, x.rated_share) for x in lines}
    assert got == {a["SCJGJ"].display_name: (2, 2, 0, 0, 1.0, 1.0), a["RSJ"].display_name: (1, 0, 1, 0, 0.0, 1.0),
                   a["GAJ"].display_name: (1, 0, 1, 0, 0.0, 1.0), a["SWJ"].display_name: (1, 1, 0, 1, 1.0, 0.0),
                   world.clerk.display_name: (1, 1, 0, 0, 1.0, 1.0), "未指定": (1, 1, 0, 1, 1.0, 0.0)}
    assert (total.total, total.good, total.bad, total.defaulted) == (7, 5, 2, 2)
    assert [x.key for x in lines][0] == str(a["SCJGJ"].user_id)  # most ratings first
    # A department sees only its own staff: 公安局 has its approver and the clerk's visit of a 公安 item.
    _, own = stats.statistics(session, actor=a["GAJ"], by="staff")
    assert {x.label: x.total for x in own} == {a["GAJ"].display_name: 1, world.clerk.display_name: 1}


def test_staff_grouping_in_the_page_the_xlsx_and_the_drill_down(session, world, completed, client, api_as):
    _scene(session, world, completed, client)
    a = world.approvers
    sign_in(client, "sup1")
    page = client.get("/ratings/stats?by=staff")
    assert page.status_code == 200 and "<th>工作人员</th>" in page.text and "按工作人员" in page.text
    assert a["RSJ"].display_name in page.text and f"key={a['RSJ'].user_id}" in page.text
    book = load_workbook(io.BytesIO(client.get("/ratings/stats.xlsx?by=staff").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert book.active.title == "按工作人员" and rows[0][:5] == ("工作人员", "评价数", "好评", "差评", "默认评价")
    assert (a["SCJGJ"].display_name, 2, 2, 0, 0, "100.0%") == rows[1][:6] and rows[-1][:5] == ("合计", 7, 5, 2, 2)
    drill = client.get(f"/ratings/list?by=staff&key={a['RSJ'].user_id}")
    assert "等候时间过长" in drill.text and "服务态度差" not in drill.text
    unassigned = client.get("/ratings/list?by=staff&key=None").text
    assert "网上办事：" in unassigned and "等候时间过长" not in unassigned
    assert f"<td>{a['RSJ'].display_name}</td>" in drill.text  # the 经办人员 column
    sup = api_as(Role.supervisor, username="sup_api")
    assert sup.get(f"/api/ratings?staff_id={a['SCJGJ'].user_id}").json()["total"] == 2
    by_staff = sup.get("/api/ratings/statistics?by=staff").json()
    assert {x["label"]: x["total"] for x in by_staff["lines"]}[a["SWJ"].display_name] == 1
