"""签收 deadlines (issue 11 item 3): each dispatched unit signs within its own limit, in working minutes
on the official calendar (2026: 国庆 10-01..10-07 off; office hours 09:00–12:00, 13:30–17:30), judged by
the one sweep apart from the reply deadline, and listed for the supervisor when overdue."""

from __future__ import annotations

import io
import re
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import select

from onewindow.calendar import sweep as sla
from onewindow.common.models import OutboxMessage
from onewindow.demands import service as demands
from onewindow.demands import views
from onewindow.demands.deadlines import SOURCES
from onewindow.demands.models import Demand
from tests.demands.conftest import beijing, call, dispatched

UNIT = "测试市市场监督管理局"


def unit(demand, department_id):
    return next(a for a in demand.assignments if a.active and a.department_id == department_id)


def test_each_unit_has_its_own_sign_deadline_across_national_day(session, world, at):
    w = world
    at(beijing(2026, 9, 30, 17, 0))  # the last office half-hour before 国庆
    d = call(session, w)
    dispatched(session, w, d, unit="SCJGJ", assist=("GAJ",))
    lead, assist = unit(d, w["dept"]["SCJGJ"]), unit(d, w["dept"]["GAJ"])
    # General: 2 working hours — 17:00–17:30 on 9-30, then 09:00–10:30 on 10-08, the holiday skipped.
    assert lead.sign_due_at == assist.sign_due_at == beijing(2026, 10, 8, 10, 30)
    assert lead.sign_minutes == 120
    assert (d.due_stage, d.due_on) == ("reply", date(2026, 10, 15))  # 7 working days, a clock apart

    urgent = call(session, w, urgency="urgent", filer_phone="13800000011")
    dispatched(session, w, urgent, unit="SCJGJ")
    # Urgent: half a working hour — 17:00–17:30 exactly fills the day's last period.
    assert unit(urgent, w["dept"]["SCJGJ"]).sign_due_at == beijing(2026, 9, 30, 17, 30)


def test_the_sweep_warns_and_marks_signing_overdue_apart_from_the_reply(session, world, at):
    w = world
    at(beijing(2026, 9, 30, 17, 0))
    d = call(session, w)
    dispatched(session, w, d, unit="SCJGJ", assist=("GAJ",))
    lead, assist = unit(d, w["dept"]["SCJGJ"]), unit(d, w["dept"]["GAJ"])

    report = sla.sweep(session, sources=SOURCES, now=beijing(2026, 10, 4, 12, 0))  # the holiday: clock stands
    assert lead.sign_sla_state == "normal" and report.of("demands.signing") == {"warning": 0, "overdue": 0}
    sla.sweep(session, sources=SOURCES, now=beijing(2026, 10, 8, 10, 10))  # 20 of 120 minutes left
    assert lead.sign_sla_state == assist.sign_sla_state == "warning"
    demands.sign(session, actor=w["police"], code=d.code)  # the 协办 unit signs in time
    report = sla.sweep(session, sources=SOURCES, now=beijing(2026, 10, 8, 10, 31))
    assert (lead.sign_sla_state, assist.sign_sla_state) == ("overdue", "warning")
    assert report.of("demands.signing")["overdue"] == 1
    assert d.sla_state == "normal" and not d.overdue_ever  # the reply deadline (10-15) is not touched

    told = session.scalars(select(OutboxMessage).where(OutboxMessage.department_id == w["dept"]["SCJGJ"],
                                                       OutboxMessage.subject.like("【超期】%签收%"))).all()
    assert len(told) == 1 and d.code in told[0].subject
    sla.sweep(session, sources=SOURCES, now=beijing(2026, 10, 8, 11, 0))  # told once per state
    assert len(session.scalars(select(OutboxMessage).where(OutboxMessage.subject.like("【超期】%签收%"))).all()) == 1

    listed = views.overdue_signing(session, actor=w["supervisor"])
    assert [(a.department_id, dm.code) for a, dm in listed] == [(w["dept"]["SCJGJ"], d.code)]
    demands.sign(session, actor=w["market"], code=d.code, version=d.version)
    assert views.overdue_signing(session, actor=w["supervisor"]) == []
    view = demands.demand_view(session, actor=w["supervisor"], demand=d)
    assert {a["status"] for a in view["assignments"]} == {"signed"}


def test_redispatch_gives_the_new_unit_a_fresh_sign_clock_and_limits_are_configurable(session, world, at):
    w = world
    demands.set_limits(session, actor=w["admin"], kind="*", urgency="general", dispatch_minutes=120,
                       reply_unit="working_days", reply_amount=7, callback_days=2, sign_minutes=60)
    at(beijing(2026, 12, 7, 11, 30))  # Monday
    d = call(session, w)
    dispatched(session, w, d, unit="SCJGJ")
    assert unit(d, w["dept"]["SCJGJ"]).sign_due_at == beijing(2026, 12, 7, 14, 0)  # 11:30–12:00, 13:30–14:00
    sla.sweep(session, sources=SOURCES, now=beijing(2026, 12, 7, 15, 0))
    at(beijing(2026, 12, 7, 16, 0))
    demands.redispatch(session, actor=w["agent"], code=d.code, version=d.version,
                       lead_department_id=w["dept"]["GAJ"])
    fresh = unit(d, w["dept"]["GAJ"])
    assert (fresh.sign_due_at, fresh.sign_sla_state) == (beijing(2026, 12, 7, 17, 0), "normal")
    assert views.overdue_signing(session, actor=w["supervisor"]) == []  # the replaced unit's lapse is gone


def test_inbox_demand_page_and_supervisor_list_show_the_sign_deadline(session, world, client):
    from datetime import timedelta

    from onewindow.db import utcnow
    from tests.demands.test_pages import english_free, sign_in, step, take

    sign_in(client, "dem_agent")
    code = take(client)
    assert step(client, code, "dispatch", lead_department_id=str(world["dept"]["SCJGJ"])).status_code == 303
    sign_in(client, "dem_market")
    inbox = client.get("/demands/inbox")
    assert "本单位签收" in inbox.text and "前" in inbox.text.split(code, 1)[1].split("</tr>", 1)[0]
    page = client.get(f"/demands/{code}")
    assert "前签收" in page.text
    english_free(page.text)

    sla.sweep(session, sources=SOURCES, now=utcnow() + timedelta(days=30))
    session.commit()
    row = client.get("/demands/inbox").text.split(code, 1)[1].split("</tr>", 1)[0]
    assert "签收超期" in row
    sign_in(client, "dem_sup")
    sup = client.get("/demands/supervision")
    table = sup.text.split('id="sign-overdue"', 1)[1].split("</table>", 1)[0]
    assert code in table and "签收超期" in table and UNIT in table
    english_free(sup.text)
    # The export says what the page says: the overdue list, and the 签收超期 sheet with the unit's row.
    sheet = load_workbook(io.BytesIO(client.get("/demands/overdue.xlsx").content))["签收超期"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    assert rows[0] == ["诉求编号", "标题", "承办单位", "承办方式", "派单时间", "签收时限", "预警"]
    subject = session.scalar(select(Demand.subject).where(Demand.code == code))
    (row,) = [r for r in rows if r[0] == code]
    assert row[:4] == [code, subject, UNIT, "主办"] and row[6] == "签收超期"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row[4]) and row[5] > row[4]  # Beijing time, due after dispatch
    sign_in(client, "dem_market")
    assert step(client, code, "sign").status_code == 303
    sign_in(client, "dem_sup")
    table = client.get("/demands/supervision").text.split('id="sign-overdue"', 1)[1].split("</table>", 1)[0]
    assert code not in table and "暂无签收超期的诉求" in table
    sheet = load_workbook(io.BytesIO(client.get("/demands/overdue.xlsx").content))["签收超期"]
    assert code not in [r[0].value for r in sheet.iter_rows()]
