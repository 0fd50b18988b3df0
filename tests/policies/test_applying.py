"""Applying for awards that are not auto-granted: through the case machinery, refused with reasons when
the enterprise does not qualify, and entered in the ledger when the case is approved."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from onewindow.cases import service as cases
from onewindow.cases.models import Application
from onewindow.catalog import transfer
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.models import AuditRecord, OutboxMessage
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM
from onewindow.db import for_writing, session_scope
from onewindow.policies.disbursement import applying
from onewindow.policies.models import AwardLedger, MatchRun, PolicyMatch
from onewindow.sharing.models import EnterpriseMember, SharedDataRead
from tests.cases.conftest import add_user
from tests.conftest import live_engine
from tests.policies.conftest import AS_OF, add_enterprise, add_item, add_match, catalogue_yaml

GQ = "PT-GQ-01"  # 高新技术企业认定奖励, 10万元, applied for through T-KJ-0101 (KJJ)


@pytest.fixture
def gq(session, policy_world):
    w = policy_world
    add_match(session, w, "甲", GQ, 10_000_000)
    add_match(session, w, "乙", "PT-ZJ-01", 60_000_000)
    add_match(session, w, "乙", "PT-ZJ-02", 0, eligible=30_000_000, outcome="superseded", superseded_by="PT-ZJ-01")
    session.commit()
    return w


def start(session, w, name="甲", code=GQ, actor=None, **kw):
    app = applying.apply_for_award(session, actor=actor or w.applicant, enterprise_id=w.ent(name).id, item_code=code,
                                   as_of=AS_OF, **kw)
    session.commit()
    return app


def through_approval(session, w, app, *, approve=True):
    cases.save_form(session, actor=w.applicant, application_id=app.id, form_data={"bank_account": "6222000011112222"})
    cases.submit(session, actor=w.applicant, application_id=app.id)
    case = cases.accept(session, actor=w.clerk, application_id=app.id)
    session.commit()
    task = case.tasks[0]
    approver = w.approvers["KJJ"]
    cases.start_review(session, actor=approver, task_id=task.id)
    if approve:
        cases.approve(session, actor=approver, task_id=task.id, result_data={"payment_reference": "KJ-2026-0001"})
    else:
        cases.refuse(session, actor=approver, task_id=task.id, reason="认定证书已被撤销")
    session.commit()
    return case


def test_an_application_records_the_award_on_the_form_and_in_the_plan(session, gq):
    w = gq
    app = start(session, w)
    assert (app.target_kind, app.target_code, app.subject_kind, app.subject_key) == (
        "item", "T-KJ-0101", "enterprise", w.ent("甲").uscc)
    assert app.plan["award"].items() >= {"item_code": GQ, "period": "once", "amount_fen": 10_000_000,
                                         "stages": [["", 10_000_000]], "item_version_id": w.items[GQ].id}.items()
    assert app.form_data["award_amount"] == "100000.00" and app.form_data["award_title"] == "高新技术企业认定奖励"
    assert app.form_data["enterprise_name"] == "政策测试甲有限公司"  # prefilled from the registry as usual
    shown = {f["key"]: f for f in cases.visible_form(app, w.clerk)}
    assert shown["award_amount"]["prefilled"] and shown["award_amount"]["value"] == "100000.00"
    with pytest.raises(ValidationFailed) as e:  # the applicant cannot raise the amount
        cases.save_form(session, actor=w.applicant, application_id=app.id, form_data={"award_amount": "900000.00"})
    assert e.value.details[0].field == "form.award_amount"
    assert session.scalar(select(AuditRecord).where(AuditRecord.action == "policy.apply")).entity_id == str(app.id)


def test_approval_puts_the_award_in_the_ledger_once(session, gq):
    w = gq
    app = start(session, w)
    case = through_approval(session, w, app)
    assert case.status == "completed"
    rows = applying.record_case_award(session, case=case)
    session.commit()
    assert [(r.source, r.case_code, r.amount_fen, r.award_period, r.payment_reference) for r in rows] == [
        ("application", case.code, 10_000_000, "once", "KJ-2026-0001")]
    assert applying.record_case_award(session, case=case) == []  # settled: nothing more
    assert applying.settle_completed_applications(session) == 0
    assert session.scalar(select(func.count()).select_from(AwardLedger)) == 1
    msg = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"policy:granted:{case.code}"))
    assert msg.recipient_id == w.applicant.user_id and "10万元" in msg.body
    with pytest.raises(Conflict, match="已兑现"):
        start(session, w)


def test_the_periodic_settlement_finds_approved_and_refused_cases(session, gq):
    w = gq
    approved = through_approval(session, w, start(session, w))
    refused = through_approval(session, w, start(session, w, "乙", "PT-ZJ-01"), approve=False)
    assert applying.settle_completed_applications(session, actor=SYSTEM) == 2
    session.commit()
    assert [r.case_code for r in session.scalars(select(AwardLedger))] == [approved.code]
    assert session.scalar(select(AuditRecord.action).where(AuditRecord.entity_id == refused.code,
                                                           AuditRecord.action.like("policy.%"))) == "policy.award_none"
    assert refused.application.plan["award"]["granted_fen"] == 0
    assert applying.settle_completed_applications(session) == 0
    again = start(session, w, "乙", "PT-ZJ-01")  # refused once, the enterprise may apply again
    assert again.id != refused.application_id


def test_refusals_name_the_reason(session, gq):
    w = gq
    with pytest.raises(ValidationFailed, match="免申即享，无需申请") as e:
        start(session, w, code="PT-XGS-01")
    assert e.value.details[0].field == "item_code"
    with pytest.raises(ValidationFailed, match="高新技术企业"):  # 丙 is not certified: the failed condition
        start(session, w, "丙", actor=w.other_applicant)
    with pytest.raises(ValidationFailed, match="更高标准"):
        start(session, w, "乙", "PT-ZJ-02")
    with pytest.raises(NotFound):  # 丙's account does not act for 甲
        start(session, w, actor=w.other_applicant)
    with pytest.raises(Forbidden):
        start(session, w, actor=w.officer)


def test_a_refused_case_does_not_block_a_new_application_even_before_settlement(session, gq):
    w = gq
    refused = through_approval(session, w, start(session, w), approve=False)
    assert start(session, w).id != refused.application_id


def test_a_running_application_blocks_a_second_one(session, gq):
    w = gq
    first = start(session, w)
    with pytest.raises(Conflict, match=f"申请编号 {first.id}"):
        start(session, w)
    session.rollback()
    through_approval(session, w, first)
    with pytest.raises(Conflict):  # approved, about to enter the ledger
        start(session, w)


def test_a_retried_start_with_the_same_key_returns_the_same_application(session, gq):
    w = gq
    first = start(session, w, idempotency_key="award-apply-0001")
    again = start(session, w, idempotency_key="award-apply-0001")
    assert again.id == first.id
    assert [a.id for a in applying.applications_for(session, actor=w.applicant, enterprise_id=w.ent("甲").id)] == [
        first.id]


def test_an_award_paid_under_a_fixed_amount_is_not_applied_for_again_after_the_version_adds_stages(session, gq):
    w = gq
    app = start(session, w)
    applying.record_case_award(session, case=through_approval(session, w, app))
    session.commit()
    old = w.items[GQ]
    item = add_item(session, w, GQ, title=old.title, department="KJJ", rule=old.rule, apply_item="T-KJ-0101",
                    amount={"stages": [{"name": "认定", "amount": 6_000_000}, {"name": "复审", "amount": 4_000_000}]},
                    version=2)
    match = session.scalar(select(PolicyMatch).where(PolicyMatch.item_code == GQ))
    match.item_version_id, match.stage_amounts = item.id, {"认定": 6_000_000, "复审": 4_000_000}
    session.commit()
    with pytest.raises(Conflict, match="已兑现"):
        start(session, w)


def test_an_assistant_without_authorisation_learns_nothing_about_the_enterprise(session, gq):
    w = gq
    helper = add_user(session, Role.assistant, "pol_helper")
    session.commit()
    for name in ("丙", "甲"):  # 丙 would be refused naming its data; 甲 would qualify
        with pytest.raises(ValidationFailed) as e:
            start(session, w, name, actor=helper)
        session.rollback()
        assert e.value.details[0].field == "authorisation.reference"
        assert w.ent(name).name not in str(e.value.message) + repr(e.value.details)
        assert "高新技术企业" not in e.value.message
    assert session.scalar(select(func.count()).select_from(SharedDataRead)) == 0
    app = start(session, w, actor=helper, authorisation={"reference": "SQ-2026-0007", "authoriser": "张三"})
    assert app.channel == "assisted" and app.authorisation["reference"] == "SQ-2026-0007"
    assert app.plan["award"]["amount_fen"] == 10_000_000
    assert session.scalar(select(func.count()).select_from(SharedDataRead).where(
        SharedDataRead.actor_id == helper.user_id, SharedDataRead.purpose == "核验奖补申请条件")) == 1


def test_the_window_applies_for_an_enterprise_after_checking_identity_on_site(session, gq):
    w = gq
    with pytest.raises(ValidationFailed, match="高新技术企业"):  # authorised by being at the window: reasons shown
        start(session, w, "丙", actor=w.clerk)
    session.rollback()
    app = start(session, w, actor=w.clerk)
    assert app.channel == "window" and app.authorisation["reference"] == "现场办理"


def test_an_idempotency_key_used_for_something_else_is_a_conflict_not_a_rewrite(session, gq):
    w = gq
    first = start(session, w, idempotency_key="award-apply-0002")
    with pytest.raises(Conflict, match="幂等键"):  # another enterprise and award, same key
        start(session, w, "乙", "PT-ZJ-01", idempotency_key="award-apply-0002")
    session.rollback()
    assert first.plan["award"]["item_code"] == GQ and first.subject_key == w.ent("甲").uscc
    ordinary = cases.start_application(session, actor=w.applicant, target_kind="item", target_code="T-KJ-0101",
                                       subject_kind="enterprise", subject_key=w.ent("乙").uscc,
                                       idempotency_key="plain-0001")
    session.commit()
    with pytest.raises(Conflict, match="幂等键"):  # an ordinary application's key: left as it was
        start(session, w, "乙", "PT-ZJ-01", idempotency_key="plain-0001")
    session.rollback()
    session.refresh(ordinary)
    assert applying.award_of(ordinary) is None and "award_amount" not in (ordinary.form_data or {})


# ---------------------------------------------------------------- on a committed database, with real threads

@pytest.fixture(scope="module")
def live(worker_id, tmp_path_factory):
    engine = live_engine(worker_id, "apply")
    with session_scope(engine) as s:
        transfer.import_catalog(s, actor=SYSTEM, filename="policy_catalogue.yaml", content=catalogue_yaml())
        owner = add_user(s, Role.applicant, "live_owner")
        ent = add_enterprise(s, 950, "并发申请企业", certifications=["高新技术企业"])
        s.add(EnterpriseMember(enterprise_id=ent.id, user_id=owner.user_id, relation="法定代表人"))
        item = add_item(s, None, GQ, title="高新技术企业认定奖励", department="KJJ",
                        rule='certifications has "高新技术企业"', amount={"fixed": 10_000_000}, apply_item="T-KJ-0101")
        run = MatchRun(kind="full", as_of=AS_OF, started_by="test")
        s.add(run)
        s.flush()
        s.add(PolicyMatch(enterprise_id=ent.id, item_code=GQ, item_version_id=item.id, eligible_amount_fen=10_000_000,
                          awarded_amount_fen=10_000_000, outcome="awarded", stage_amounts={}, run_id=run.id))
        ent_id = ent.id
    yield engine, owner, ent_id
    engine.dispose()


def test_two_applications_started_at_once_make_one(live):
    engine, owner, ent_id = live

    def call():
        try:
            with session_scope(engine) as s:
                return "ok", applying.apply_for_award(for_writing(s), actor=owner, enterprise_id=ent_id, item_code=GQ,
                                                      as_of=AS_OF).id
        except Conflict as exc:
            return "conflict", exc.message

    barrier = threading.Barrier(2)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda c: (barrier.wait(), c())[1], [call, call]))
    assert sorted(kind for kind, _ in results) == ["conflict", "ok"]
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(Application).where(
            Application.target_code == "T-KJ-0101")) == 1


def test_the_award_stays_locked_after_the_window_sends_the_application_back(session, gq):
    w = gq
    app = start(session, w)
    cases.save_form(session, actor=w.applicant, application_id=app.id, form_data={"bank_account": "6222000011112222"})
    cases.submit(session, actor=w.applicant, application_id=app.id)
    cases.send_notice(session, actor=w.clerk, application_id=app.id, items=["银行账户开户许可证不清晰"])
    session.commit()
    assert app.status == "returned"
    with pytest.raises(ValidationFailed) as e:  # the refresh on resubmission re-reads the registries only
        cases.save_form(session, actor=w.applicant, application_id=app.id, form_data={"award_amount": "900000.00"})
    assert e.value.details[0].field == "form.award_amount"
    cases.submit(session, actor=w.applicant, application_id=app.id)
    assert app.form_data["award_amount"] == "100000.00"
    assert "award_amount" in app.prefilled["fields"]
