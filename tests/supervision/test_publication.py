"""一公开 deadline: results are published within 20 working days of the visit, counted on the official calendar;
the calendar's one sweep marks them 预警 / 超期 and the officers' page shows it; publishing is once."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from onewindow.calendar import sweep
from onewindow.calendar.service import load_calendar
from onewindow.common.models import OutboxMessage
from onewindow.domains import registry
from onewindow.supervision import findings, gate, publication
from tests.conftest import csrf
from tests.demands.test_pages import sign_in

VISIT = date(2026, 9, 25)  # a Friday
# 20 working days on: 9-28..9-30 (3), 国庆 10-01..10-07 off, 10-08, 10-09 and Saturday 10-10 (调休) (6),
# 10-12..16 (11), 10-19..23 (16), 10-26..29 (20). Counting weekdays only would say 10-23.
DUE = date(2026, 10, 29)


def _visited(session, sup, n=5):
    insp = gate.request(session, actor=sup.insp_scjg, enterprise_id=sup.enterprises[n].id, visit_on=VISIT,
                        purpose="日常检查", matter_codes=["SC-01"])
    gate.decide(session, actor=sup.office, inspection_id=insp.id, approve=True)
    findings.record_results(session, actor=sup.insp_scjg, inspection_id=insp.id,
                            results=[{"matter_code": "SC-01", "result": "pass"}])
    session.commit()
    return insp


def _sweep(session, day):
    return sweep.sweep(session, sources=registry().deadlines(), today=day)


def test_due_on_the_calendar_and_the_sweep_warns_then_marks_overdue(session, sup):
    insp = _visited(session, sup)
    assert publication.limit_days() == 20
    assert publication.due_of(load_calendar(session), insp) == DUE
    _sweep(session, date(2026, 10, 22))  # 5 working days left: 正常
    assert insp.publish_state == "normal"
    report = _sweep(session, date(2026, 10, 23))  # 4 left (a fifth of 20): 预警
    assert insp.publish_state == "warning" and report.of("supervision.publication")["warning"] == 1
    _sweep(session, DUE)
    assert insp.publish_state == "warning"  # the due day itself is not late
    _sweep(session, date(2026, 10, 30))
    assert insp.publish_state == "overdue"
    notices = session.scalar(select(func.count()).select_from(OutboxMessage)
                             .where(OutboxMessage.dedupe_key.like(f"sla:sup_publication:{insp.id}:%")))
    assert notices == 2  # once for 预警, once for 超期
    assert _sweep(session, date(2026, 10, 31)).notified == 0


def test_officer_page_shows_overdue_and_publishing_is_once(session, sup, client):
    late, fresh = _visited(session, sup, 5), _visited(session, sup, 6)
    _sweep(session, date(2026, 10, 30))
    fresh.publish_state = "normal"  # as if visited later: only `late` is past its day
    session.commit()
    sign_in(client, "sup1")
    page = client.get("/supervision/publication").text
    row = re.search(rf'<tr id="pending-{late.id}">(.*?)</tr>', page, re.S).group(1)
    assert "超期" in row and "2026年10月29日前" in row and "测试市第5号商贸有限公司" in row
    assert page.index(f"pending-{late.id}") < page.index(f"pending-{fresh.id}")  # 超期 first
    r = client.post(f"/supervision/inspections/{late.id}/publish", data={"csrf_token": csrf(page)},
                    follow_redirects=True)
    assert "检查结果已公示" in r.text and f"pending-{late.id}" not in r.text and "逾期公示" in r.text
    session.expire_all()
    first = late.results_published_at
    assert first is not None
    again = publication.publish_results(session, actor=sup.office, inspection_id=late.id)
    assert again.results_published_at == first and again.publish_state == "overdue"
    client.cookies.clear()
    public = client.get("/public/supervision/results").text
    assert "测试市第5号商贸有限公司" in public and "测试市第6号商贸有限公司" not in public and "张执法" not in public
    assert "合格" in public
