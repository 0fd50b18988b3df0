"""免申即享 disbursements: generation from stored matches, review, payment, the ledger, and the
guarantee that no enterprise is ever paid twice for the same award."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from onewindow.catalog import transfer
from onewindow.common.errors import Conflict, Forbidden, NotFound, ValidationFailed
from onewindow.common.models import AuditRecord, OutboxMessage
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM
from onewindow.db import for_writing, session_scope
from onewindow.policies.disbursement import core as d
from onewindow.policies.models import AwardLedger, DisbursementBatch, DisbursementLine, MatchRun, PolicyMatch
from tests.cases.conftest import add_user
from tests.conftest import at_once, live_engine
from tests.policies.conftest import AS_OF, add_enterprise, add_item, add_match, catalogue_yaml

XGS = "PT-XGS-01"  # auto, once, 5万元, FGW
WG = "PT-WG-01"  # auto, yearly, RSJ
SS = "PT-SS-01"  # auto, once, staged, FGW


def lines_of(session, batch):
    return {(ln.enterprise_id, ln.stage): ln for ln in session.scalars(
        select(DisbursementLine).where(DisbursementLine.batch_id == batch.id))}


def ledger_rows(session, item_code=None):
    stmt = select(AwardLedger)
    if item_code:
        stmt = stmt.where(AwardLedger.item_code == item_code)
    return list(session.scalars(stmt))


def pay(session, w, batch, ref="PAY-0001"):
    batch = d.approve_batch(session, actor=w.officer, batch_id=batch.id, version=batch.version)
    batch = d.mark_paid(session, actor=w.officer, batch_id=batch.id, payment_reference=ref, version=batch.version)
    session.commit()
    return batch


@pytest.fixture
def xgs(session, policy_world):
    """新规上 matched for 甲 (存续) and 戊 (注销), superseded for nobody; 丁 has no match."""
    w = policy_world
    add_match(session, w, "甲", XGS, 5_000_000)
    add_match(session, w, "戊", XGS, 5_000_000)
    session.commit()
    return w


def test_generate_takes_awarded_matches_and_lists_inactive_enterprises_as_excluded(session, xgs):
    w = xgs
    add_match(session, w, "乙", XGS, 0, eligible=5_000_000, outcome="superseded", superseded_by="PT-OTHER")
    batch = d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026")
    session.commit()
    lines = lines_of(session, batch)
    assert set(lines) == {(w.ent("甲").id, ""), (w.ent("戊").id, "")}  # 乙's award is 0: no line
    assert lines[(w.ent("甲").id, "")].status == "included"
    assert lines[(w.ent("戊").id, "")].status == "excluded"
    assert "注销" in lines[(w.ent("戊").id, "")].excluded_reason
    assert (batch.status, batch.sequence, batch.line_count, batch.total_fen) == ("draft", 1, 1, 5_000_000)
    told = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"policy:batch:{batch.id}:generated"))
    assert told.department_id == w.departments["FGW"] and told.link == f"/policy-admin/batches/{batch.id}"


def test_generate_is_idempotent_while_a_batch_is_open(session, xgs):
    w = xgs
    first = d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026")
    session.commit()
    add_match(session, w, "丙", XGS, 5_000_000)  # a new match does not change an open batch
    again = d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026")
    assert again.id == first.id and len(lines_of(session, again)) == 2
    assert session.scalar(select(func.count()).select_from(DisbursementBatch)) == 1


def test_generate_refuses_bad_input(session, xgs):
    w = xgs
    with pytest.raises(ValidationFailed) as e:
        d.generate_batch(session, actor=w.officer, item_code=XGS, period="26年")
    assert e.value.details[0].field == "period"
    with pytest.raises(ValidationFailed, match="不是免申即享") as e:
        d.generate_batch(session, actor=w.officer, item_code="PT-GQ-01", period="2026")
    assert e.value.details[0].field == "item_code"
    with pytest.raises(NotFound) as e:
        d.generate_batch(session, actor=w.officer, item_code="NO-SUCH", period="2026")
    assert e.value.details[0].field == "item_code"
    with pytest.raises(Forbidden, match="其他部门"):
        d.generate_batch(session, actor=w.kjj_officer, item_code=XGS, period="2026")
    with pytest.raises(Forbidden):
        d.generate_batch(session, actor=w.applicant, item_code=XGS, period="2026")
    with pytest.raises(ValidationFailed, match="没有待兑现"):
        d.generate_batch(session, actor=w.officer, item_code=WG, period="2026")  # no matches at all


def test_generate_refuses_matches_computed_under_an_older_version(session, xgs):
    w = xgs
    add_item(session, w, XGS, title="新规上工业企业奖励（修订）", department="FGW", rule='flags has "新升规上"',
             amount={"fixed": 8_000_000}, auto_grant=True, version=2)
    with pytest.raises(Conflict, match="第2版"):
        d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026")


def test_staged_award_gives_one_line_per_stage_and_a_cut_award_fills_stages_in_order(session, policy_world):
    w = policy_world
    add_match(session, w, "甲", SS, 500_000_000, stages={"辅导备案": 200_000_000, "申报受理": 300_000_000})
    add_match(session, w, "乙", SS, 250_000_000, eligible=500_000_000, outcome="budget_reduced",
              stages={"辅导备案": 200_000_000, "申报受理": 300_000_000})
    batch = d.generate_batch(session, actor=w.fgw_officer, item_code=SS, period="2026")
    amounts = {k: ln.amount_fen for k, ln in lines_of(session, batch).items()}
    a, b = w.ent("甲").id, w.ent("乙").id
    assert amounts == {(a, "辅导备案"): 200_000_000, (a, "申报受理"): 300_000_000,
                       (b, "辅导备案"): 200_000_000, (b, "申报受理"): 50_000_000}
    assert batch.total_fen == 750_000_000


def test_exclude_needs_a_reason_bumps_the_version_and_include_undoes_it(session, xgs):
    w = xgs
    batch = d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026")
    session.commit()
    line = lines_of(session, batch)[(w.ent("甲").id, "")]
    with pytest.raises(ValidationFailed) as e:
        d.exclude_line(session, actor=w.officer, batch_id=batch.id, line_id=line.id, reason="  ")
    assert e.value.details[0].field == "reason"
    seen = batch.version
    d.exclude_line(session, actor=w.officer, batch_id=batch.id, line_id=line.id, reason="存在未结清的财政借款")
    session.commit()
    assert (line.status, line.excluded_by, batch.line_count, batch.total_fen) == ("excluded", "pol_all", 0, 0)
    with pytest.raises(Conflict, match="他人修改"):  # approving what was read before the exclusion
        d.approve_batch(session, actor=w.officer, batch_id=batch.id, version=seen)
    session.rollback()
    with pytest.raises(ValidationFailed, match="没有拟拨付"):
        d.approve_batch(session, actor=w.officer, batch_id=batch.id, version=batch.version)
    d.include_line(session, actor=w.officer, batch_id=batch.id, line_id=line.id)
    session.commit()
    assert (line.status, line.excluded_reason, batch.total_fen) == ("included", None, 5_000_000)
    inactive = lines_of(session, batch)[(w.ent("戊").id, "")]
    with pytest.raises(Conflict, match="注销"):
        d.include_line(session, actor=w.officer, batch_id=batch.id, line_id=inactive.id)
    actions = set(session.scalars(select(AuditRecord.action).where(AuditRecord.entity_id == str(line.id))))
    assert {"disbursement.exclude", "disbursement.include"} <= actions


def test_lines_change_only_while_draft_and_paying_needs_approval(session, xgs):
    w = xgs
    batch = d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026")
    line = lines_of(session, batch)[(w.ent("甲").id, "")]
    with pytest.raises(Conflict, match="待审核"):
        d.mark_paid(session, actor=w.officer, batch_id=batch.id, payment_reference="P1", version=batch.version)
    d.approve_batch(session, actor=w.officer, batch_id=batch.id, version=batch.version)
    session.commit()
    assert (batch.status, batch.reviewed_by) == ("approved", "pol_all") and batch.reviewed_at is not None
    with pytest.raises(Conflict, match="已审核"):
        d.exclude_line(session, actor=w.officer, batch_id=batch.id, line_id=line.id, reason="晚了")
    with pytest.raises(ValidationFailed) as e:
        d.mark_paid(session, actor=w.officer, batch_id=batch.id, payment_reference=" ", version=batch.version)
    assert e.value.details[0].field == "payment_reference"
    with pytest.raises(NotFound):  # another department's batch is not even visible
        d.approve_batch(session, actor=w.kjj_officer, batch_id=batch.id, version=batch.version)


def test_mark_paid_writes_the_ledger_notifies_and_a_retry_changes_nothing(session, xgs):
    w = xgs
    batch = pay(session, w, d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026"), "BANK-7788")
    assert (batch.status, batch.payment_reference) == ("paid", "BANK-7788") and batch.paid_at is not None
    rows = ledger_rows(session, XGS)
    assert [(r.enterprise_id, r.award_period, r.amount_fen, r.source, r.batch_id) for r in rows] == [
        (w.ent("甲").id, "once", 5_000_000, "batch", batch.id)]
    assert {ln.status for ln in lines_of(session, batch).values()} == {"paid", "excluded"}
    msg = session.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == f"policy:paid:{batch.id}:{w.ent('甲').id}"))
    assert msg.recipient_id == w.applicant.user_id and "5万元" in msg.body
    again = d.mark_paid(session, actor=w.officer, batch_id=batch.id, payment_reference="BANK-7788", version=1)
    session.commit()
    assert again.id == batch.id and len(ledger_rows(session, XGS)) == 1
    with pytest.raises(Conflict):
        d.mark_paid(session, actor=w.officer, batch_id=batch.id, payment_reference="BANK-9999", version=batch.version)
    assert session.scalar(select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "disbursement.pay")) == 1


def test_a_second_batch_for_the_period_takes_only_enterprises_not_yet_paid(session, xgs):
    w = xgs
    first = pay(session, w, d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026"))
    with pytest.raises(ValidationFailed, match="没有待兑现"):  # everyone matched is paid (or inactive)
        d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026")
    session.rollback()
    add_match(session, w, "丙", XGS, 5_000_000)  # qualifies after a later matching run
    second = d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026")
    assert (second.sequence, second.id != first.id) == (2, True)
    assert set(lines_of(session, second)) == {(w.ent("丙").id, ""), (w.ent("戊").id, "")}
    pay(session, w, second, "PAY-0002")
    assert sorted(r.enterprise_id for r in ledger_rows(session, XGS)) == sorted([w.ent("甲").id, w.ent("丙").id])


def test_a_once_item_is_never_paid_twice_across_periods(session, xgs):
    w = xgs
    open_2026 = d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026")
    session.commit()
    with pytest.raises(ValidationFailed, match="没有待兑现"):  # 甲 is in the open 2026 batch
        d.generate_batch(session, actor=w.officer, item_code=XGS, period="2027")
    session.rollback()
    pay(session, w, open_2026)
    with pytest.raises(ValidationFailed, match="没有待兑现"):  # and once paid, in no later year
        d.generate_batch(session, actor=w.officer, item_code=XGS, period="2027")
    session.rollback()
    assert len(ledger_rows(session, XGS)) == 1


def test_a_yearly_item_is_paid_once_per_year(session, policy_world):
    w = policy_world
    add_match(session, w, "丙", WG, 720_000)
    session.commit()
    pay(session, w, d.generate_batch(session, actor=w.officer, item_code=WG, period="2025"), "WG-2025")
    with pytest.raises(ValidationFailed, match="没有待兑现"):
        d.generate_batch(session, actor=w.officer, item_code=WG, period="2025")
    session.rollback()
    pay(session, w, d.generate_batch(session, actor=w.officer, item_code=WG, period="2026"), "WG-2026")
    assert sorted((r.enterprise_id, r.award_period) for r in ledger_rows(session, WG)) == [
        (w.ent("丙").id, "2025"), (w.ent("丙").id, "2026")]


def test_a_paid_stage_is_left_out_and_the_next_stage_is_paid(session, policy_world):
    w = policy_world
    match = add_match(session, w, "甲", SS, 200_000_000, stages={"辅导备案": 200_000_000})
    session.commit()
    pay(session, w, d.generate_batch(session, actor=w.officer, item_code=SS, period="2026"), "SS-1")
    match.awarded_amount_fen = match.eligible_amount_fen = 500_000_000  # 上市申报受理 the next year
    match.stage_amounts = {"辅导备案": 200_000_000, "申报受理": 300_000_000}
    session.commit()
    second = d.generate_batch(session, actor=w.officer, item_code=SS, period="2027")
    assert {k: ln.amount_fen for k, ln in lines_of(session, second).items()} == {
        (w.ent("甲").id, "申报受理"): 300_000_000}


def _new_version(session, w, match, *, amount, stages=None, awarded):
    """Publish the item's next version and recompute the match under it, as a matching run would."""
    old = w.items[match.item_code]
    item = add_item(session, w, match.item_code, title=old.title, department="FGW", rule=old.rule, amount=amount,
                    auto_grant=old.auto_grant, version=old.version + 1)
    match.item_version_id = item.id
    match.awarded_amount_fen = match.eligible_amount_fen = awarded
    match.stage_amounts = stages or {}
    session.commit()
    return item


def test_a_version_switching_from_a_fixed_amount_to_stages_does_not_pay_again(session, policy_world):
    w = policy_world
    match = add_match(session, w, "甲", XGS, 5_000_000)
    session.commit()
    pay(session, w, d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026"), "XGS-1")
    stages = {"首期": 3_000_000, "二期": 2_000_000}
    _new_version(session, w, match, amount={"stages": [{"name": k, "amount": v} for k, v in stages.items()]},
                 stages=stages, awarded=5_000_000)
    with pytest.raises(ValidationFailed, match="没有待兑现"):  # the whole-award row covers every stage
        d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026")
    session.rollback()
    assert sum(r.amount_fen for r in ledger_rows(session, XGS)) == 5_000_000


def test_a_renamed_stage_pays_only_what_is_left_of_the_award(session, policy_world):
    w = policy_world
    match = add_match(session, w, "甲", SS, 200_000_000, stages={"辅导备案": 200_000_000})
    session.commit()
    pay(session, w, d.generate_batch(session, actor=w.officer, item_code=SS, period="2026"), "SS-1")
    stages = {"辅导备案登记": 200_000_000, "申报受理": 300_000_000}  # v2 renamed the first stage
    _new_version(session, w, match, amount={"stages": [{"name": k, "amount": v} for k, v in stages.items()]},
                 stages=stages, awarded=500_000_000)
    second = d.generate_batch(session, actor=w.officer, item_code=SS, period="2026")
    assert second.total_fen == 300_000_000  # not 5亿: 2亿 of the award is already in the ledger
    pay(session, w, second, "SS-2")
    assert sum(r.amount_fen for r in ledger_rows(session, SS)) == 500_000_000
    with pytest.raises(ValidationFailed, match="没有待兑现"):
        d.generate_batch(session, actor=w.officer, item_code=SS, period="2026")


def test_a_fixed_version_after_a_paid_stage_pays_the_difference_once(session, policy_world):
    w = policy_world
    match = add_match(session, w, "甲", SS, 200_000_000, stages={"辅导备案": 200_000_000})
    session.commit()
    pay(session, w, d.generate_batch(session, actor=w.officer, item_code=SS, period="2026"), "SS-1")
    _new_version(session, w, match, amount={"fixed": 500_000_000}, awarded=500_000_000)
    second = d.generate_batch(session, actor=w.officer, item_code=SS, period="2026")
    assert {k: ln.amount_fen for k, ln in lines_of(session, second).items()} == {(w.ent("甲").id, ""): 300_000_000}
    pay(session, w, second, "SS-2")
    with pytest.raises(ValidationFailed, match="没有待兑现"):
        d.generate_batch(session, actor=w.officer, item_code=SS, period="2026")


def test_payment_is_refused_when_a_whole_award_row_reached_the_ledger_meanwhile(session, policy_world):
    w = policy_world
    add_match(session, w, "甲", SS, 500_000_000, stages={"辅导备案": 200_000_000, "申报受理": 300_000_000})
    session.commit()
    batch = d.generate_batch(session, actor=w.officer, item_code=SS, period="2026")
    batch = d.approve_batch(session, actor=w.officer, batch_id=batch.id, version=batch.version)
    session.add(AwardLedger(enterprise_id=w.ent("甲").id, item_code=SS, item_version_id=w.items[SS].id, stage="",
                            award_period="once", amount_fen=500_000_000, source="application", case_code="CASE-2",
                            payment_reference="CASE-2"))
    session.commit()
    with pytest.raises(Conflict, match="政策测试甲有限公司"):
        d.mark_paid(session, actor=w.officer, batch_id=batch.id, payment_reference="P-Y", version=batch.version)


def test_the_ledger_key_is_the_final_guard_and_names_the_enterprise(session, xgs):
    w = xgs
    batch = d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026")
    batch = d.approve_batch(session, actor=w.officer, batch_id=batch.id, version=batch.version)
    # Meanwhile the same award was granted another way (an application approved, a manual entry).
    session.add(AwardLedger(enterprise_id=w.ent("甲").id, item_code=XGS, item_version_id=w.items[XGS].id, stage="",
                            award_period="once", amount_fen=5_000_000, source="application", case_code="CASE-1",
                            payment_reference="CASE-1"))
    session.commit()
    with pytest.raises(Conflict, match="政策测试甲有限公司"):
        d.mark_paid(session, actor=w.officer, batch_id=batch.id, payment_reference="P-X", version=batch.version)
    session.rollback()
    fresh = d.get_batch(session, actor=w.officer, batch_id=batch.id)
    assert fresh.status == "approved" and fresh.payment_reference is None
    assert [r.source for r in ledger_rows(session, XGS)] == ["application"]


def test_cancel_needs_a_reason_and_frees_the_enterprises_for_the_next_batch(session, xgs):
    w = xgs
    batch = d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026")
    with pytest.raises(ValidationFailed) as e:
        d.cancel_batch(session, actor=w.officer, batch_id=batch.id, reason="")
    assert e.value.details[0].field == "reason"
    d.cancel_batch(session, actor=w.officer, batch_id=batch.id, reason="匹配数据有误，重新生成")
    session.commit()
    nxt = d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026")
    assert nxt.sequence == 2 and (w.ent("甲").id, "") in lines_of(session, nxt)
    with pytest.raises(Conflict, match="已作废"):
        d.approve_batch(session, actor=w.officer, batch_id=batch.id, version=batch.version)


def test_ledger_rows_are_visible_by_enterprise_and_department(session, policy_world):
    w = policy_world
    add_match(session, w, "甲", XGS, 5_000_000)
    add_match(session, w, "丙", WG, 720_000)
    session.commit()
    pay(session, w, d.generate_batch(session, actor=w.officer, item_code=XGS, period="2026"), "A")
    pay(session, w, d.generate_batch(session, actor=w.officer, item_code=WG, period="2026"), "B")

    def seen(actor, **kw):
        return {(e.enterprise_name, e.item_code) for e in d.ledger(session, actor=actor, **kw).items}

    assert seen(w.officer) == {("政策测试甲有限公司", XGS), ("政策测试丙有限公司", WG)}
    assert seen(w.fgw_officer) == {("政策测试甲有限公司", XGS)}
    assert seen(w.applicant) == {("政策测试甲有限公司", XGS)}
    assert seen(w.other_applicant) == {("政策测试丙有限公司", WG)}
    assert seen(w.officer, item_code=WG) == {("政策测试丙有限公司", WG)}
    with pytest.raises(NotFound):
        d.ledger(session, actor=w.other_applicant, enterprise_id=w.ent("甲").id)
    with pytest.raises(Forbidden):
        d.ledger(session, actor=w.clerk)
    assert [b.item_code for b in d.list_batches(session, actor=w.fgw_officer).items] == [XGS]
    assert d.batch_lines(session, actor=w.officer, batch_id=d.list_batches(
        session, actor=w.officer, item_code=WG).items[0].id).items[0][1] == "政策测试丙有限公司"


def test_stage_split():
    assert d.stage_split(0, {}) == []
    assert d.stage_split(500, None) == [("", 500)]
    assert d.stage_split(250, {"a": 200, "b": 300}) == [("a", 200), ("b", 50)]
    assert d.stage_split(500, {"a": 200, "b": 300}) == [("a", 200), ("b", 300)]



# ---------------------------------------------------------------- on a committed database, with real threads

@pytest.fixture(scope="module")
def live(worker_id):
    """A fresh, migrated database that transactions really commit to, with an officer, 30 enterprises
    and a match for each of them per item the tests add."""
    engine = live_engine(worker_id, "pay")
    with session_scope(engine) as s:
        transfer.import_catalog(s, actor=SYSTEM, filename="policy_catalogue.yaml", content=catalogue_yaml())
        officer = add_user(s, Role.policy_officer, "live_officer")
        ids = [add_enterprise(s, 800 + n, f"并发测试企业{n:02d}").id for n in range(30)]
    yield engine, officer, ids
    engine.dispose()


def _auto_item(engine, ids, code: str) -> None:
    with session_scope(engine) as s:
        item = add_item(s, None, code, title=f"并发测试奖励{code}", department="FGW", rule='flags has "新升规上"',
                        amount={"fixed": 1_000_000}, auto_grant=True)
        run = MatchRun(kind="full", as_of=AS_OF, started_by="test")
        s.add(run)
        s.flush()
        s.add_all([PolicyMatch(enterprise_id=e, item_code=code, item_version_id=item.id, eligible_amount_fen=1_000_000,
                               awarded_amount_fen=1_000_000, outcome="awarded", stage_amounts={}, run_id=run.id)
                   for e in ids])


def _in_thread(engine, fn):
    """Run `fn(session)` in its own committed unit of work; report ("ok", value) or ("conflict", message)."""
    def call():
        try:
            with session_scope(engine) as s:
                return "ok", fn(for_writing(s))
        except Conflict as exc:
            return "conflict", exc.message
    return call


def _approved_batch(engine, officer, code: str):
    with session_scope(engine) as s:
        batch = d.generate_batch(for_writing(s), actor=officer, item_code=code, period="2026")
        batch = d.approve_batch(s, actor=officer, batch_id=batch.id, version=batch.version)
        return batch.id, batch.version


def _count(engine, model, *where) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("refs", [("BANK-A", "BANK-B"), ("BANK-SAME", "BANK-SAME")], ids=["two-refs", "retry"])
def test_concurrent_double_mark_paid_pays_each_enterprise_once(live, refs):
    engine, officer, ids = live
    code = f"LIVE-PAY-{refs[0][-1]}"
    _auto_item(engine, ids, code)
    batch_id, version = _approved_batch(engine, officer, code)
    results = at_once([_in_thread(engine, lambda s, r=r: d.mark_paid(
        s, actor=officer, batch_id=batch_id, payment_reference=r, version=version).payment_reference) for r in refs])
    if refs[0] == refs[1]:
        assert results == [("ok", refs[0])] * 2  # the retry returns the payment already recorded
    else:
        assert sorted(kind for kind, _ in results) == ["conflict", "ok"]
    assert _count(engine, AwardLedger, AwardLedger.item_code == code) == len(ids)
    with session_scope(engine) as s:
        per_enterprise = s.execute(select(AwardLedger.enterprise_id, func.count()).where(AwardLedger.item_code == code)
                                   .group_by(AwardLedger.enterprise_id)).all()
    assert {n for _, n in per_enterprise} == {1}
    assert _count(engine, AuditRecord, AuditRecord.action == "disbursement.pay",
                  AuditRecord.entity_id == str(batch_id)) == 1


def test_two_batches_racing_for_the_same_awards_pay_once(live):
    """Even if two approved batches held the same awards (generation never makes that; a bug or a manual
    edit might), paying both at once pays each enterprise once: the ledger key refuses the second."""
    engine, officer, ids = live
    code = "LIVE-TWO-BATCHES"
    _auto_item(engine, ids, code)
    first_id, first_version = _approved_batch(engine, officer, code)
    with session_scope(engine) as s:
        first = s.get(DisbursementBatch, first_id)
        twin = DisbursementBatch(item_code=code, item_version_id=first.item_version_id, period="2026", sequence=2,
                                 status="approved", line_count=first.line_count, total_fen=first.total_fen,
                                 generated_by="manual", version=1)
        s.add(twin)
        s.flush()
        s.add_all([DisbursementLine(batch_id=twin.id, enterprise_id=ln.enterprise_id, stage=ln.stage,
                                    amount_fen=ln.amount_fen, status="included")
                   for ln in s.scalars(select(DisbursementLine).where(DisbursementLine.batch_id == first_id))])
        twin_id = twin.id
    results = at_once([
        _in_thread(engine, lambda s: d.mark_paid(s, actor=officer, batch_id=first_id, payment_reference="P-1",
                                                 version=first_version).id),
        _in_thread(engine, lambda s: d.mark_paid(s, actor=officer, batch_id=twin_id, payment_reference="P-2",
                                                 version=1).id)])
    assert sorted(kind for kind, _ in results) == ["conflict", "ok"]
    loser = next(msg for kind, msg in results if kind == "conflict")
    assert "并发测试企业" in loser and "不能重复拨付" in loser  # names the enterprises
    assert _count(engine, AwardLedger, AwardLedger.item_code == code) == len(ids)
    with session_scope(engine) as s:
        statuses = sorted(s.scalars(select(DisbursementBatch.status).where(DisbursementBatch.item_code == code)))
    assert statuses == ["approved", "paid"]  # the loser rolled back whole


def test_concurrent_generation_makes_one_batch(live):
    engine, officer, ids = live
    code = "LIVE-GENERATE"
    _auto_item(engine, ids, code)
    results = at_once([_in_thread(engine, lambda s: d.generate_batch(s, actor=officer, item_code=code,
                                                                      period="2026").id)] * 3)
    assert {kind for kind, _ in results} == {"ok"} and len({batch_id for _, batch_id in results}) == 1
    assert _count(engine, DisbursementBatch, DisbursementBatch.item_code == code) == 1
    assert _count(engine, DisbursementLine, DisbursementLine.batch_id == results[0][1]) == len(ids)
