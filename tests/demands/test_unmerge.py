"""撤销并单 (issue 11 item 5): a wrong merge undone by a dispatcher or supervisor with a reason — the demand
back in the state, units and clocks it had (the clock having stood still while merged), the main demand
no longer answering it, audited; refused once the main demand is 办结."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from onewindow.common.errors import Conflict, Forbidden, ValidationFailed
from onewindow.common.models import AuditRecord, DomainEvent, OutboxMessage
from onewindow.demands import duplicates
from onewindow.demands import service as demands
from onewindow.demands.models import Merge
from tests.demands.conftest import beijing, call, dispatched


def test_undo_puts_back_state_units_and_clocks_less_the_time_merged(session, world, at):
    w = world
    at(beijing(2026, 12, 7, 9, 0))  # Monday
    main = call(session, w, filer_phone="13811110001")
    dup = call(session, w, filer_phone="13811110002")
    dispatched(session, w, main)
    dispatched(session, w, dup)
    lead = dup.assignments[0]
    assert (dup.due_on, lead.sign_due_at) == (date(2026, 12, 16), beijing(2026, 12, 7, 11, 0))
    at(beijing(2026, 12, 7, 10, 0))  # 7 working days of reply and 60 minutes of 签收 left
    duplicates.merge(session, actor=w["agent"], code=dup.code, into_code=main.code, version=dup.version)
    assert (dup.status, lead.active) == ("closed", False)

    at(beijing(2026, 12, 9, 10, 0))  # Wednesday
    with pytest.raises(ValidationFailed) as e:
        duplicates.unmerge(session, actor=w["agent"], code=dup.code, version=dup.version, reason=" ")
    assert e.value.details[0].label == "撤销理由"
    with pytest.raises(Forbidden):
        duplicates.unmerge(session, actor=w["market"], code=dup.code, version=dup.version, reason="不是同一件事")
    duplicates.unmerge(session, actor=w["supervisor"], code=dup.code, version=dup.version,
                       reason="两家超市不是同一处，并单有误")
    assert (dup.status, dup.merged_into_id, dup.closed_how, dup.closed_at) == ("dispatched", None, None, None)
    assert (dup.due_stage, dup.due_on, dup.sla_state) == ("reply", date(2026, 12, 18), "normal")  # 7 days from 12-09
    assert (lead.active, lead.status, lead.sign_due_at) == (True, "pending", beijing(2026, 12, 9, 11, 0))
    assert duplicates.merged_ones(session, main) == []
    with pytest.raises(Conflict):  # undone once; not merged any more
        duplicates.unmerge(session, actor=w["agent"], code=dup.code, version=dup.version, reason="再撤一次")

    audit = session.scalar(select(AuditRecord).where(AuditRecord.entity_id == dup.code,
                                                     AuditRecord.action == "demand.unmerge"))
    assert audit is not None and "并单有误" in json.loads(audit.after)["reason"]
    assert json.loads(audit.before) == {"status": "closed", "merged_into": main.code}
    assert session.scalar(select(DomainEvent).where(DomainEvent.name == "demand.unmerged",
                                                    DomainEvent.entity_id == dup.code)) is not None
    record = session.scalar(select(Merge).where(Merge.demand_id == dup.id))
    assert record.undone_at is not None and record.undo_reason == "两家超市不是同一处，并单有误"

    demands.sign(session, actor=w["market"], code=main.code, version=main.version)
    demands.reply(session, actor=w["market"], code=main.code, version=main.version, text="已查处主诉求所涉超市")
    assert dup.reply == "" and dup.status == "dispatched"  # the main demand no longer answers it
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.subject == f"您的诉求已答复（{dup.code}）")) is None
    demands.sign(session, actor=w["market"], code=dup.code, version=dup.version)  # its own unit handles it
    assert dup.status == "handling"


def test_the_days_merged_over_national_day_do_not_count(session, world, at):
    w = world
    at(beijing(2026, 9, 29, 10, 0))
    main, dup = call(session, w, filer_phone="13811110001"), call(session, w, filer_phone="13811110002")
    dispatched(session, w, main)
    dispatched(session, w, dup)
    assert dup.due_on == date(2026, 10, 14)
    at(beijing(2026, 9, 29, 11, 0))
    duplicates.merge(session, actor=w["agent"], code=dup.code, into_code=main.code, version=dup.version)
    at(beijing(2026, 10, 9, 10, 0))
    duplicates.unmerge(session, actor=w["agent"], code=dup.code, version=dup.version, reason="并单有误")
    # 7 working days left again from 10-09: 10-10 (调休 Saturday), 12, 13, 14, 15, 16, 19.
    assert dup.due_on == date(2026, 10, 19)


def test_undo_withdraws_a_copied_reply_and_brings_followers_back(session, world, at):
    w = world
    at(beijing(2026, 12, 7, 9, 0))
    main = call(session, w, filer_phone="13811110001")
    dispatched(session, w, main)
    demands.sign(session, actor=w["market"], code=main.code, version=main.version)
    demands.reply(session, actor=w["market"], code=main.code, version=main.version, text="已处理完毕")
    dup = call(session, w, filer_phone="13811110002")
    follower = call(session, w, filer_phone="13811110003")
    duplicates.merge(session, actor=w["agent"], code=follower.code, into_code=dup.code, version=follower.version)
    duplicates.merge(session, actor=w["agent"], code=dup.code, into_code=main.code, version=dup.version)
    assert (dup.reply, follower.merged_into_id) == ("已处理完毕", main.id)

    duplicates.unmerge(session, actor=w["agent"], code=dup.code, version=dup.version, reason="诉求人反映的是另一件事")
    assert (dup.status, dup.reply, dup.replied_at, dup.due_stage) == ("received", "", None, "dispatch")
    assert follower.merged_into_id == dup.id  # its duplicate stays with it
    told = session.scalar(select(OutboxMessage).where(OutboxMessage.subject == f"您的诉求将单独办理（{dup.code}）"))
    assert told is not None


def test_undo_is_refused_once_the_main_demand_is_closed(session, world, at):
    w = world
    at(beijing(2026, 12, 7, 9, 0))
    main, dup = call(session, w, filer_phone="13811110001"), call(session, w, filer_phone="13811110002")
    dispatched(session, w, main)
    duplicates.merge(session, actor=w["agent"], code=dup.code, into_code=main.code, version=dup.version)
    demands.sign(session, actor=w["market"], code=main.code, version=main.version)
    demands.reply(session, actor=w["market"], code=main.code, version=main.version, text="已处理完毕")
    demands.call_back(session, actor=w["agent"], code=main.code, version=main.version, satisfaction="satisfied",
                      resolved=True)
    with pytest.raises(Conflict) as e:
        duplicates.unmerge(session, actor=w["agent"], code=dup.code, version=dup.version, reason="并单有误")
    assert f"主诉求{main.code}已办结" in e.value.message and "请重新受理" in e.value.message
    assert (dup.status, dup.merged_into_id) == ("closed", main.id)


def test_undo_on_the_demand_page(session, world, client):
    from tests.demands.test_pages import english_free, sign_in, step, take

    sign_in(client, "dem_agent")
    first = take(client)
    second = take(client, filer_phone="13900000009", subject="超市卖过期牛奶")
    assert step(client, second, "merge", into_code=first).status_code == 303
    page = client.get(f"/demands/{second}")
    assert 'id="unmerge-form"' in page.text
    bad = step(client, second, "unmerge", reason="")
    assert bad.status_code == 422 and "请填写撤销并单的理由" in bad.text
    r = step(client, second, "unmerge", reason="不是同一件事")
    assert r.status_code == 303
    page = client.get(f"/demands/{second}")
    assert "待派单" in page.text and 'id="unmerge-form"' not in page.text and 'id="merge-form"' in page.text
    assert "撤销并单：不是同一件事" in page.text  # the merge record and the timeline
    english_free(page.text)
    assert 'id="merged"' not in client.get(f"/demands/{first}").text  # the main page no longer lists it
