"""Every transition of a demand and its clock on the official calendar (2026: 国庆 10-01..10-07 off,
Saturday 10-10 a 调休 working day; office hours 09:00–12:00, 13:30–17:30)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from onewindow.calendar import sweep as sla
from onewindow.common.errors import Conflict, Forbidden, ValidationFailed
from onewindow.common.models import AuditRecord, DomainEvent, OutboxMessage
from onewindow.demands import service as demands
from onewindow.demands.deadlines import SOURCES
from onewindow.demands.models import Route, Supervision
from onewindow.knowledge.models import Article
from tests.demands.conftest import beijing, call, dispatched


def test_intake_gives_a_readable_unique_code_and_a_retry_is_one_demand(session, world, at):
    at(beijing(2026, 12, 7, 10, 0))
    first = call(session, world, key="hotline-retry-0001")
    again = call(session, world, key="hotline-retry-0001")
    assert again.id == first.id
    assert first.code == f"12345-20261207-{first.id:06d}"
    assert session.scalar(select(func.count()).select_from(DomainEvent).where(DomainEvent.name == "demand.received",
                                                                              DomainEvent.entity_id == first.code)) == 1
    assert call(session, world).code != first.code


def test_report_is_confidential_by_default_and_a_filer_may_ask_it(session, world):
    assert call(session, world, kind="report").confidential
    assert call(session, world, kind="complaint", confidential=True).confidential
    assert not call(session, world, kind="consult").confidential


def test_intake_errors_name_the_fields_in_chinese(session, world):
    with pytest.raises(ValidationFailed) as e:
        demands.file_demand(session, actor=world["agent"], channel="hotline", kind="gossip", subject="", content="",
                            filer_phone="123")
    labels = {d.label for d in e.value.details}
    assert {"诉求类型", "诉求标题", "诉求内容", "联系电话"} <= labels
    with pytest.raises(Forbidden):
        demands.file_demand(session, actor=world["market"], channel="hotline", kind="consult", subject="a",
                            content="b", filer_phone="13812345678")


def test_window_demand_links_a_case_or_item(session, world):
    with pytest.raises(ValidationFailed):
        demands.file_demand(session, actor=world["clerk"], channel="window", kind="help", subject="办不成",
                            content="材料要求不明确", filer_phone="13812345678")
    d = demands.file_demand(session, actor=world["clerk"], channel="window", kind="help", subject="办不成",
                            content="材料要求不明确", filer_phone="13812345678", item_code="T-SCJG-0001")
    assert d.channel == "window" and d.item_code == "T-SCJG-0001"


def test_urgent_clocks_run_in_working_hours_across_lunch_and_evening(session, world, at):
    at(beijing(2026, 12, 7, 11, 30))  # Monday
    d = call(session, world, urgency="urgent")
    # 派单 within 1 working hour: 11:30–12:00, then 13:30–14:00.
    assert (d.due_stage, d.due_at) == ("dispatch", beijing(2026, 12, 7, 14, 0))
    at(beijing(2026, 12, 7, 16, 30))
    dispatched(session, world, d)
    # 答复 within 2 working hours: 16:30–17:30, then 09:00–10:00 the next morning.
    assert (d.due_stage, d.due_at) == ("reply", beijing(2026, 12, 8, 10, 0))


def test_general_reply_deadline_skips_national_day_and_counts_the_tiaoxiu_saturday(session, world, at):
    at(beijing(2026, 9, 29, 10, 0))
    d = call(session, world)
    dispatched(session, world, d)
    # 9-30 (1), 10-01..07 off, 10-08 (2), 10-09 (3), Saturday 10-10 调休 (4), 10-12 (5), 10-13 (6), 10-14 (7).
    assert (d.due_stage, d.due_on, d.due_at) == ("reply", date(2026, 10, 14), None)
    complex_ = call(session, world, urgency="complex")
    dispatched(session, world, complex_)
    assert complex_.due_on == date(2026, 10, 26)  # 15: 10-15, 16, 19…23 (14), 26 (15)


def test_dispatch_sign_return_redispatch_extend_reply_callback_reopen_close(session, world, at):
    w = world
    at(beijing(2026, 12, 7, 9, 0))
    d = call(session, w)
    sugg = demands.suggest_units(session, kind="complaint", topic="食品安全", region="测试县")
    assert sugg is None  # no rules yet
    session.add_all([Route(kind="complaint", department_id=w["dept"]["GAJ"], priority=50),
                     Route(kind="complaint", topic="食品安全", region="测试县", department_id=w["dept"]["XQ-ZZ"],
                           assist_ids=[w["dept"]["SCJGJ"]], priority=100)])
    session.flush()
    sugg = demands.suggest_units(session, kind="complaint", topic="食品安全", region="测试县")
    assert (sugg.lead_department_id, sugg.assist_department_ids, sugg.level) == (
        w["dept"]["XQ-ZZ"], (w["dept"]["SCJGJ"],), "乡")  # the most specific rule wins, down to 乡镇

    demands.dispatch(session, actor=w["agent"], code=d.code, version=d.version,
                     lead_department_id=sugg.lead_department_id, assist_department_ids=list(sugg.assist_department_ids))
    assert d.status == "dispatched" and d.lead_department_id == w["dept"]["XQ-ZZ"]
    with pytest.raises(Forbidden):  # a 协办 unit may sign but not reply or return
        demands.sign(session, actor=w["market"], code=d.code)
        demands.return_demand(session, actor=w["market"], code=d.code, version=d.version, reason="x")
    demands.sign(session, actor=w["town"], code=d.code, version=d.version)
    assert d.status == "handling" and d.signed_at is not None
    demands.return_demand(session, actor=w["town"], code=d.code, version=d.version, reason="不属于本镇管辖")
    assert (d.status, d.due_stage) == ("returned", "dispatch")
    demands.redispatch(session, actor=w["agent"], code=d.code, version=d.version,
                       lead_department_id=w["dept"]["SCJGJ"])
    assert d.status == "dispatched" and [a.department_id for a in d.assignments if a.active] == [w["dept"]["SCJGJ"]]
    assert d.due_on == date(2026, 12, 16)  # 7 working days from the re-dispatch
    demands.sign(session, actor=w["market"], code=d.code, version=d.version)

    ext = demands.request_extension(session, actor=w["market"], code=d.code, reason="需现场检测", days=3)
    demands.decide_extension(session, actor=w["agent"], extension_id=ext.id, version=ext.version, approve=True)
    assert ext.status == "approved" and d.due_on == date(2026, 12, 21)  # 12-16 + 3 working days (weekend skipped)

    demands.reply(session, actor=w["market"], code=d.code, version=d.version, text="已责令下架并立案调查")
    assert (d.status, d.due_stage, d.due_on) == ("replied", "callback", date(2026, 12, 9))
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.subject.like(f"%{d.code}%"),
                                                      OutboxMessage.body == "已责令下架并立案调查")) is not None
    with pytest.raises(ValidationFailed):
        demands.call_back(session, actor=w["agent"], code=d.code, version=d.version, satisfaction="unsatisfied",
                          resolved=False, reopen=True)  # reasons are required
    demands.call_back(session, actor=w["agent"], code=d.code, version=d.version, satisfaction="unsatisfied",
                      resolved=False, reopen=True, reasons="超市仍在售卖")
    assert (d.status, d.reopened, d.due_stage) == ("handling", 1, "reply")
    demands.reply(session, actor=w["market"], code=d.code, version=d.version, text="已复查，涉事商品全部下架")
    with pytest.raises(Conflict):  # reopened once already
        demands.call_back(session, actor=w["agent"], code=d.code, version=d.version, satisfaction="unsatisfied",
                          resolved=False, reopen=True, reasons="仍不满意")
    demands.call_back(session, actor=w["agent"], code=d.code, version=d.version, satisfaction="basic", resolved=True)
    assert (d.status, d.closed_how, d.satisfaction, d.due_stage) == ("closed", "callback", "basic", None)
    names = set(session.scalars(select(DomainEvent.name).where(DomainEvent.entity_id == d.code)))
    assert {"demand.received", "demand.dispatched", "demand.handling", "demand.returned", "demand.replied",
            "demand.closed"} <= names
    actions = set(session.scalars(select(AuditRecord.action).where(AuditRecord.entity_id == d.code)))
    assert {"demand.file", "demand.dispatch", "demand.sign", "demand.return", "demand.redispatch", "demand.reply",
            "demand.reopen", "demand.close"} <= actions
    messages = [h.message for h in demands.history(session, actor=w["agent"], code=d.code)]
    assert any("退单：不属于本镇管辖" in m for m in messages) and any("延期" in m for m in messages)


def test_stale_version_is_a_409(session, world):
    d = call(session, world)
    old = d.version
    dispatched(session, world, d)
    with pytest.raises(Conflict):
        demands.redispatch(session, actor=world["agent"], code=d.code, version=old,
                           lead_department_id=world["dept"]["GAJ"])


def test_direct_answer_from_a_knowledge_article_closes_as_zhiban(session, world):
    art = Article(code="ZS-0001", version=1, status="published", topic="社保", department_id=world["dept"]["RSJ"],
                  title="社保卡补办流程", body="携带身份证到任一社保服务网点即可补办", keywords=[], valid_from=date(2020, 1, 1))
    session.add(art)
    session.flush()
    d = call(session, world, kind="consult", subject="社保卡丢了怎么办")
    demands.answer_directly(session, actor=world["agent"], code=d.code, version=d.version, article_id=art.id)
    assert (d.status, d.direct, d.closed_how, d.reply) == ("closed", True, "direct", art.body)
    assert d.due_stage is None


def test_callback_timeout_closes_after_the_callback_days(session, world, at):
    at(beijing(2026, 12, 7, 9, 0))
    d = call(session, world)
    dispatched(session, world, d)
    demands.sign(session, actor=world["market"], code=d.code)
    demands.reply(session, actor=world["market"], code=d.code, version=d.version, text="已处理")
    assert d.due_on == date(2026, 12, 9)
    assert demands.close_timed_out_callbacks(session, now=beijing(2026, 12, 9, 20, 0)) == 0
    assert demands.close_timed_out_callbacks(session, now=beijing(2026, 12, 10, 9, 0)) == 1
    assert (d.status, d.closed_how) == ("closed", "timeout")


def test_sweep_warns_then_marks_overdue_and_a_supervision_order_escalates(session, world, at):
    at(beijing(2026, 12, 7, 11, 30))
    d = call(session, world, urgency="urgent")
    report = sla.sweep(session, sources=SOURCES, now=beijing(2026, 12, 7, 13, 50))
    assert d.sla_state == "warning" and report.of("demands.demands")["warning"] >= 1
    sla.sweep(session, sources=SOURCES, now=beijing(2026, 12, 7, 14, 1))
    assert d.sla_state == "overdue" and d.overdue_ever
    dispatched(session, world, d)
    order = demands.supervise(session, actor=world["supervisor"], code=d.code, reason="紧急诉求派单超时", days=1)
    assert order.due_on == date(2026, 12, 8) and order.superior_id == world["dept"]["SZF"]
    sla.sweep(session, sources=SOURCES, now=beijing(2026, 12, 9, 9, 0))
    session.refresh(order)
    assert order.status == "escalated"
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.department_id == world["dept"]["SZF"],
                                                      OutboxMessage.subject.like("督办超期升级%"))) is not None
    o2 = demands.supervise(session, actor=world["supervisor"], code=d.code, reason="再次督办")
    demands.answer_supervision(session, actor=world["market"], supervision_id=o2.id, version=o2.version,
                               response="已加派人手")
    assert session.get(Supervision, o2.id).status == "answered"


def test_limits_are_configurable(session, world, at):
    demands.set_limits(session, actor=world["admin"], kind="consult", urgency="general", dispatch_minutes=30,
                       reply_unit="working_days", reply_amount=3, callback_days=1)
    at(beijing(2026, 12, 7, 9, 0))
    d = call(session, world, kind="consult")
    assert d.due_at == beijing(2026, 12, 7, 9, 30)
    dispatched(session, world, d)
    assert d.due_on == date(2026, 12, 10)
