"""Duplicates and hot spots (issue 11 item 5): candidates by caller, enterprise and alike text/place;
并单 so the main demand's reply answers every filer; hot-spot counts, this week against the last."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from onewindow.common.errors import Forbidden, ValidationFailed
from onewindow.common.models import AuditRecord, DomainEvent, OutboxMessage
from onewindow.demands import duplicates
from onewindow.demands import service as demands
from onewindow.demands.models import Demand
from tests.demands.conftest import beijing, call, dispatched


def codes(found):
    return [c.demand.code for c in found]


def test_candidates_by_phone_enterprise_and_alike_text_within_the_window(session, world, at):
    w = world
    at(beijing(2026, 10, 20, 10, 0))
    old = call(session, w, subject="超市售卖过期食品", filer_phone="13900000001")  # outside the 30 days
    at(beijing(2026, 12, 1, 10, 0))
    same_phone = call(session, w, subject="小区路灯不亮", content="小区门口路灯坏了一个月", filer_phone="13812345678",
                      location="幸福小区")
    same_firm = call(session, w, subject="企业拖欠工资", content="公司拖欠三个月工资", filer_phone="13900000002",
                     enterprise_name="某某科技有限公司", enterprise_uscc="91350100MA0000000X", location="高新区")
    alike = call(session, w, subject="超市出售过期牛奶", content="永辉超市货架上的牛奶过期了", filer_phone="13900000003",
                 location="城关镇人民路")
    other = call(session, w, subject="噪音扰民", content="夜间施工噪音很大", filer_phone="13900000004", location="东区")
    at(beijing(2026, 12, 7, 10, 0))

    found = duplicates.candidates(session, actor=w["agent"], phone="138 1234 5678", enterprise_uscc="", subject="",
                                  content="", location="")
    assert codes(found) == [same_phone.code] and found[0].reasons == ["同一来电号码"]

    found = duplicates.candidates(session, actor=w["agent"], phone="", enterprise_uscc="91350100ma0000000x",
                                  subject="", content="", location="")
    assert codes(found) == [same_firm.code] and "同一企业" in found[0].reasons

    found = duplicates.candidates(session, actor=w["agent"], phone="13700000000", enterprise_uscc="",
                                  subject="超市过期牛奶", content="", location="人民路")
    assert codes(found) == [alike.code]  # the October one is outside the window; the others share no words
    assert "内容相近" in found[0].reasons and "地点相近" in found[0].reasons
    assert old.code not in codes(found) and other.code not in codes(found)

    wide = duplicates.candidates(session, actor=w["agent"], phone="", enterprise_uscc="", subject="超市过期牛奶",
                                 content="", location="", days=90)
    assert set(codes(wide)) == {alike.code, old.code}

    mine = duplicates.candidates_of(session, actor=w["agent"], demand=alike)
    assert alike.code not in codes(mine)
    assert duplicates.candidates(session, actor=w["agent"], phone="", enterprise_uscc="", subject="", content="",
                                 location="") == []


def test_candidates_are_only_what_the_actor_may_see(session, world, at):
    w = world
    at(beijing(2026, 12, 1, 10, 0))
    d = call(session, w)
    dispatched(session, w, d, unit="SCJGJ")
    call(session, w)  # the same caller, not dispatched to anyone
    assert len(duplicates.candidates(session, actor=w["market"], phone="13812345678")) == 1
    assert duplicates.candidates(session, actor=w["police"], phone="13812345678") == []
    assert len(duplicates.candidates(session, actor=w["agent"], phone="13812345678")) == 2


def test_merge_then_the_main_reply_answers_both_filers(session, world, at):
    w = world
    at(beijing(2026, 12, 7, 9, 0))
    main = call(session, w, filer_phone="13811110001")
    dup = call(session, w, filer_phone="13811110002", subject="超市卖过期牛奶")
    dispatched(session, w, main, unit="SCJGJ")
    dispatched(session, w, dup, unit="SCJGJ")
    with pytest.raises(Forbidden):
        duplicates.merge(session, actor=w["market"], code=dup.code, into_code=main.code, version=dup.version)
    with pytest.raises(ValidationFailed):
        duplicates.merge(session, actor=w["agent"], code=dup.code, into_code=dup.code, version=dup.version)

    duplicates.merge(session, actor=w["agent"], code=dup.code, into_code=main.code, version=dup.version)
    assert (dup.status, dup.closed_how, dup.merged_into_id, dup.due_stage) == ("closed", "merged", main.id, None)
    assert not any(a.active for a in dup.assignments)  # out of the unit's inbox
    assert [d.code for d in duplicates.merged_ones(session, main)] == [dup.code]
    with pytest.raises(ValidationFailed):  # one level deep: nothing merges into a merged demand
        third = call(session, w, filer_phone="13811110003")
        duplicates.merge(session, actor=w["agent"], code=third.code, into_code=dup.code, version=third.version)
    audit = session.scalar(select(AuditRecord).where(AuditRecord.entity_id == dup.code,
                                                     AuditRecord.action == "demand.merge"))
    assert audit is not None and main.code in audit.after
    assert session.scalar(select(DomainEvent).where(DomainEvent.entity_id == dup.code,
                                                    DomainEvent.name == "demand.closed")) is None  # not rated

    demands.sign(session, actor=w["market"], code=main.code, version=main.version)
    demands.reply(session, actor=w["market"], code=main.code, version=main.version, text="已责令超市下架全部过期牛奶")
    sent = {m.subject for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.body == "已责令超市下架全部过期牛奶"))}
    assert {f"您的诉求已答复（{main.code}）", f"您的诉求已答复（{dup.code}）"} <= sent
    assert dup.reply == "已责令超市下架全部过期牛奶" and dup.status == "closed"
    view = demands.track(session, code=dup.code, phone="13811110002", client_key="t1")
    assert view is not None


def test_merging_into_a_replied_demand_answers_at_once(session, world, at):
    w = world
    at(beijing(2026, 12, 7, 9, 0))
    main = call(session, w, filer_phone="13811110001")
    dispatched(session, w, main, unit="SCJGJ")
    demands.sign(session, actor=w["market"], code=main.code, version=main.version)
    demands.reply(session, actor=w["market"], code=main.code, version=main.version, text="已处理完毕")
    late = call(session, w, filer_phone="13811110009")
    duplicates.merge(session, actor=w["agent"], code=late.code, into_code=main.code, version=late.version)
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.subject == f"您的诉求已答复（{late.code}）"))


def test_hotspots_count_this_week_against_last_rising_first(session, world, at):
    w = world
    now = beijing(2026, 12, 7, 12, 0)

    def filed(days_ago, topic, region):
        at(now - timedelta(days=days_ago))
        return call(session, w, topic=topic, region=region)

    for _ in range(4):
        filed(1, "食品安全", "测试县")  # 4 this week
    filed(9, "食品安全", "测试县")  # 1 the week before
    for _ in range(3):
        filed(10, "噪音扰民", "东区")  # 3 the week before, none now
    filed(2, "噪音扰民", "东区")
    filed(20, "供水", "西区")  # outside both weeks
    dup = filed(1, "食品安全", "测试县")
    main = filed(1, "食品安全", "测试县")
    duplicates.merge(session, actor=w["agent"], code=dup.code, into_code=main.code, version=dup.version)
    at(now)

    rows = duplicates.hotspots(session, actor=w["supervisor"], now=now)
    got = [(h.dimension, h.name, h.recent, h.before) for h in rows]
    assert got == [("区域", "测试县", 5, 1), ("诉求主题", "食品安全", 5, 1),
                   ("区域", "东区", 1, 3), ("诉求主题", "噪音扰民", 1, 3)]
    assert rows[0].change_text == "+400%" and rows[-1].change_text == "-67%"
    with pytest.raises(Forbidden):
        duplicates.hotspots(session, actor=w["market"], now=now)
    data = duplicates.export_hotspots(rows)
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(data)).active
    assert [c.value for c in sheet[1]] == list(duplicates.HOTSPOT_HEAD)
    assert sheet.max_row == 5
    assert session.scalar(select(Demand).where(Demand.code == dup.code)).closed_how == "merged"


# ---------------------------------------------------------------- over HTTP

def test_desk_partial_demand_page_merge_and_hotspots_pages(session, world, client):
    from tests.demands.test_pages import english_free, sign_in, step, take

    sign_in(client, "dem_agent")
    first = take(client)
    empty = client.get("/demands/desk/duplicates")
    assert empty.status_code == 200 and "输入来电号码或诉求标题" in empty.text
    part = client.get("/demands/desk/duplicates", params={"filer_phone": "13812345678"})
    assert part.status_code == 200 and first in part.text and "同一来电号码" in part.text
    part = client.get("/demands/desk/duplicates", params={"subject": "超市过期牛奶", "location": "人民路"})
    assert first in part.text and "内容相近" in part.text
    assert "近30日未发现相似诉求" in client.get("/demands/desk/duplicates", params={"subject": "路灯"}).text
    assert 'hx-get="/demands/desk/duplicates"' in client.get("/demands/desk").text

    second = take(client, filer_phone="13900000009", subject="超市卖过期牛奶")
    page = client.get(f"/demands/{second}")
    assert 'id="merge-form"' in page.text and first in page.text
    bad = step(client, second, "merge", into_code="")
    assert bad.status_code == 422 and "请填写主诉求编号" in bad.text
    r = step(client, second, "merge", into_code=first)
    assert r.status_code == 303
    page = client.get(f"/demands/{second}")
    assert "已并单" in page.text and f'href="/demands/{first}"' in page.text and 'id="merge-form"' not in page.text
    english_free(page.text)
    assert second in client.get(f"/demands/{first}").text

    hot = client.get("/demands/hotspots")
    assert hot.status_code == 200 and "食品安全" in hot.text and "测试县" in hot.text
    english_free(hot.text)
    x = client.get("/demands/hotspots.xlsx")
    assert x.status_code == 200 and x.content[:2] == b"PK"

    sign_in(client, "dem_market")
    assert client.get("/demands/hotspots").status_code == 403
    assert client.get("/demands/desk/duplicates", params={"filer_phone": "13812345678"}).status_code == 403
    assert session.scalar(select(Demand).where(Demand.code == second)).closed_how == "merged"
