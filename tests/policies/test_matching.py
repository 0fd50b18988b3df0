"""The matching service: full, per-enterprise, per-item and incremental runs that replace exactly their
scope, budgets across runs, 政策找企业 notifications once, the lease, and the pages' queries."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from onewindow.catalog import transfer
from onewindow.common import lease
from onewindow.common.errors import Conflict, Forbidden, NotFound
from onewindow.common.models import AuditRecord, OutboxMessage
from onewindow.common.security import SYSTEM
from onewindow.db import for_writing, session_scope, utcnow
from onewindow.policies.disbursement import core as disbursement
from onewindow.policies.matching import core as matching
from onewindow.policies.models import AwardLedger, MatchRun, PolicyMatch
from onewindow.sharing.models import Enterprise
from tests.conftest import live_engine
from tests.policies.conftest import AS_OF, add_enterprise, add_item, catalogue_yaml


@pytest.fixture
def snapshots(tmp_path):
    return tmp_path / "snapshots"


def stored(session, *where):
    return {(m.enterprise_id, m.item_code): m for m in session.scalars(select(PolicyMatch).where(*where))}


def amounts(session, w):
    names = {e.id: n for n, e in w.enterprises.items()}
    return {(names[e], code): (m.awarded_amount_fen, m.outcome) for (e, code), m in stored(session).items()}


def full(session, w, snapshots, actor=None):
    run = matching.run_full(session, actor=actor or w.officer, as_of=AS_OF, directory=snapshots)
    session.commit()
    return run


def test_a_full_run_stores_every_eligible_pair(session, policy_world, snapshots):
    w = policy_world
    run = full(session, w, snapshots)
    assert amounts(session, w) == {
        ("甲", "PT-XGS-01"): (5_000_000, "awarded"),
        ("甲", "PT-SS-01"): (200_000_000, "awarded"),  # only 辅导备案 is reached
        ("甲", "PT-GQ-01"): (10_000_000, "awarded"),
        ("乙", "PT-ZJ-01"): (60_000_000, "awarded"),
        ("乙", "PT-ZJ-02"): (0, "superseded"),  # 不重复奖，以最高标准为准
        ("丙", "PT-WG-01"): (720_000, "awarded"),  # 60% of 1.2万元 unemployment insurance
    }  # 丁 qualifies for nothing; 戊 is 注销, so not matched at all
    ss = stored(session)[(w.ent("甲").id, "PT-SS-01")]
    assert ss.stage_amounts == {"辅导备案": 200_000_000}
    assert stored(session)[(w.ent("乙").id, "PT-ZJ-02")].superseded_by == "PT-ZJ-01"
    assert (run.kind, run.enterprise_count, run.item_count, run.match_count) == ("full", 4, 6, 6)
    assert run.snapshot_id is not None and run.duration_ms >= 0
    assert session.scalar(select(AuditRecord.action).where(AuditRecord.entity_id == str(run.id),
                                                           AuditRecord.entity_type == "match_run")) == "policy.match_full"


def test_a_second_run_replaces_the_rows_and_tells_nobody_again(session, policy_world, snapshots):
    w = policy_world
    full(session, w, snapshots)
    told = {m.dedupe_key: m for m in session.scalars(select(OutboxMessage).where(
        OutboxMessage.dedupe_key.like("policy:match:%")))}
    gq = w.items["PT-GQ-01"]
    assert told[f"policy:match:{w.ent('甲').id}:PT-GQ-01:{gq.version}"].recipient_id == w.applicant.user_id
    assert "10万元" in told[f"policy:match:{w.ent('甲').id}:PT-GQ-01:1"].body
    assert f"policy:match:{w.ent('乙').id}:PT-ZJ-02:1" not in told  # superseded: nothing to tell
    assert f"policy:match:{w.ent('丙').id}:PT-WG-01:1" in told
    second = full(session, w, snapshots)
    rows = stored(session)
    assert len(rows) == 6 and {m.run_id for m in rows.values()} == {second.id}
    assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.dedupe_key.like("policy:match:%"))) == len(told)


def test_an_enterprise_run_replaces_only_that_enterprise(session, policy_world, snapshots):
    w = policy_world
    first = full(session, w, snapshots)
    ding = w.ent("丁")
    ding.industry_code, ding.stats_flags = "C3011", ["新升规上"]
    jia = w.ent("甲")
    jia.certifications = []  # 甲 lost 高新; not re-run, so its stored rows stay as they were
    session.commit()
    run = matching.run_for_enterprises(session, actor=w.officer, enterprise_ids=[ding.id], as_of=AS_OF)
    session.commit()
    rows = stored(session)
    assert rows[(ding.id, "PT-XGS-01")].run_id == run.id
    assert rows[(jia.id, "PT-GQ-01")].run_id == first.id
    assert (run.kind, run.scope, run.enterprise_count, run.match_count) == ("enterprises", str(ding.id), 1, 1)
    assert session.scalar(select(OutboxMessage).where(
        OutboxMessage.dedupe_key == f"policy:match:{ding.id}:PT-XGS-01:1")) is None  # 丁 has no account


def test_an_enterprise_leaving_business_loses_its_matches(session, policy_world, snapshots):
    w = policy_world
    full(session, w, snapshots)
    w.ent("丙").status = "吊销"
    session.commit()
    matching.run_for_enterprises(session, actor=w.officer, enterprise_ids=[w.ent("丙").id], as_of=AS_OF)
    assert not stored(session, PolicyMatch.enterprise_id == w.ent("丙").id)


def test_incremental_runs_take_the_enterprises_changed_since_the_last_run(session, policy_world, snapshots):
    w = policy_world
    long_ago = utcnow() - timedelta(days=2)
    session.execute(update(Enterprise).values(updated_at=long_ago))
    session.commit()
    assert matching.changed_since_last_run(session, actor=w.officer, as_of=AS_OF, directory=snapshots).kind == "full"
    session.commit()
    assert matching.changed_since_last_run(session, actor=w.officer, as_of=AS_OF) is None  # nothing changed
    ding = w.ent("丁")
    ding.industry_code, ding.stats_flags = "C3011", ["新升规上"]
    session.commit()
    run = matching.changed_since_last_run(session, actor=w.officer, as_of=AS_OF)
    session.commit()
    assert run.kind == "changed" and "1 家企业" in run.scope
    assert (ding.id, "PT-XGS-01") in stored(session)


def test_a_run_for_chosen_enterprises_does_not_hide_other_changes(session, policy_world, snapshots):
    w = policy_world
    session.execute(update(Enterprise).values(updated_at=utcnow() - timedelta(days=2)))
    session.commit()
    full(session, w, snapshots)
    ding, bing = w.ent("丁"), w.ent("丙")
    ding.industry_code, ding.stats_flags = "C3011", ["新升规上"]
    bing.layoffs = 3  # 丙 no longer qualifies for 稳岗返还
    session.commit()
    matching.run_for_enterprises(session, actor=w.officer, enterprise_ids=[ding.id], as_of=AS_OF)
    matching.run_for_item(session, actor=w.officer, item_code="PT-GQ-01", as_of=AS_OF, directory=snapshots)
    session.commit()
    assert (bing.id, "PT-WG-01") in stored(session)  # neither run covered 丙's change
    run = matching.changed_since_last_run(session, actor=w.officer, as_of=AS_OF)
    assert "2 家企业" in run.scope and (bing.id, "PT-WG-01") not in stored(session)


def test_an_item_run_rematches_its_whole_group(session, policy_world, snapshots):
    w = policy_world
    first = full(session, w, snapshots)
    add_item(session, w, "PT-ZJ-02", title="省级专精特新中小企业奖励（提标）", department="KJJ",
             rule="certifications has '省级专精特新中小企业'", amount={"fixed": 70_000_000}, apply_item="T-KJ-0101",
             group="PT-G-ZJTX", version=2)
    session.commit()
    run = matching.run_for_item(session, actor=w.kjj_officer, item_code="PT-ZJ-02", as_of=AS_OF, directory=snapshots)
    session.commit()
    rows = stored(session)
    yi = w.ent("乙").id
    assert (rows[(yi, "PT-ZJ-02")].awarded_amount_fen, rows[(yi, "PT-ZJ-02")].item_version_id) == (
        70_000_000, w.items["PT-ZJ-02"].id)
    assert (rows[(yi, "PT-ZJ-01")].outcome, rows[(yi, "PT-ZJ-01")].superseded_by) == ("superseded", "PT-ZJ-02")
    assert rows[(w.ent("甲").id, "PT-XGS-01")].run_id == first.id  # outside the group: untouched
    assert (run.kind, run.item_count, run.scope) == ("item", 2, "PT-ZJ-02（组 PT-G-ZJTX）")


def test_budgets_count_the_ledger_and_the_enterprises_a_run_does_not_cover(session, policy_world, snapshots):
    w = policy_world
    add_item(session, w, "PT-BUD-01", title="制造业技改奖励", department="FGW", rule='industry under "C"',
             amount={"fixed": 5_000_000}, auto_grant=True, budget_fen=6_000_000)
    session.commit()
    full(session, w, snapshots)
    jia, yi = w.ent("甲").id, w.ent("乙").id

    def bud():
        return {e: (m.awarded_amount_fen, m.outcome) for (e, c), m in stored(session).items() if c == "PT-BUD-01"}

    assert bud() == {jia: (3_000_000, "budget_reduced"), yi: (3_000_000, "budget_reduced")}  # 10万 asked, 6万 cap
    matching.run_for_enterprises(session, actor=w.officer, enterprise_ids=[yi], as_of=AS_OF)
    assert bud()[yi] == (3_000_000, "budget_reduced")  # 甲's stored 3万 is kept aside: 乙 alone may not take 5万
    batch = disbursement.generate_batch(session, actor=w.officer, item_code="PT-BUD-01", period="2026")
    yi_line = next(line.id for line, _, _ in disbursement.batch_lines(session, actor=w.officer, batch_id=batch.id).items
                   if line.enterprise_id == yi)
    disbursement.exclude_line(session, actor=w.officer, batch_id=batch.id, line_id=yi_line, reason="本批只付甲")
    batch = disbursement.approve_batch(session, actor=w.officer, batch_id=batch.id, version=batch.version)
    disbursement.mark_paid(session, actor=w.officer, batch_id=batch.id, payment_reference="BUD-1", version=batch.version)
    w.ent("甲").industry_code = "F5212"  # 甲 no longer qualifies, but its 3万 is spent
    session.commit()
    full(session, w, snapshots)
    assert bud() == {yi: (3_000_000, "budget_reduced")}
    paid = session.scalar(select(func.sum(AwardLedger.amount_fen)).where(AwardLedger.item_code == "PT-BUD-01"))
    assert paid + bud()[yi][0] <= 6_000_000


def test_one_run_at_a_time(session, policy_world, snapshots):
    w = policy_world
    assert lease.acquire(session, name=matching.LEASE, holder="other-process", ttl=timedelta(minutes=5))
    session.commit()
    with pytest.raises(Conflict, match="另一进程"):
        matching.run_full(session, actor=w.officer, as_of=AS_OF, directory=snapshots, holder="this-process")


def test_who_may_run_and_read(session, policy_world, snapshots):
    w = policy_world
    with pytest.raises(Forbidden):
        matching.run_full(session, actor=w.fgw_officer, as_of=AS_OF, directory=snapshots)
    with pytest.raises(Forbidden):
        matching.run_for_item(session, actor=w.fgw_officer, item_code="PT-GQ-01", as_of=AS_OF, directory=snapshots)
    with pytest.raises(Forbidden):
        matching.run_full(session, actor=w.applicant, as_of=AS_OF, directory=snapshots)
    full(session, w, snapshots)
    with pytest.raises(NotFound):
        matching.matches_for_enterprise(session, actor=w.other_applicant, enterprise_id=w.ent("甲").id)
    assert [m.item_code for m in matching.matches_for_enterprise(
        session, actor=w.fgw_officer, enterprise_id=w.ent("甲").id)] == ["PT-SS-01", "PT-XGS-01"]
    with pytest.raises(Forbidden):
        matching.item_statistics(session, actor=w.clerk)


def test_the_enterprise_list_shows_amounts_and_what_the_ledger_holds(session, policy_world, snapshots):
    w = policy_world
    full(session, w, snapshots)
    batch = disbursement.generate_batch(session, actor=w.officer, item_code="PT-XGS-01", period="2026")
    batch = disbursement.approve_batch(session, actor=w.officer, batch_id=batch.id, version=batch.version)
    disbursement.mark_paid(session, actor=w.officer, batch_id=batch.id, payment_reference="X-1", version=batch.version)
    session.commit()
    views = {v.item_code: v for v in matching.matches_for_enterprise(session, actor=w.applicant,
                                                                     enterprise_id=w.ent("甲").id, as_of=AS_OF)}
    assert list(views) == ["PT-SS-01", "PT-GQ-01", "PT-XGS-01"]  # highest award first
    xgs, gq = views["PT-XGS-01"], views["PT-GQ-01"]
    assert (xgs.paid, xgs.paid_fen, xgs.paid_via, xgs.auto_grant, xgs.award_period) == (True, 5_000_000, ["batch"],
                                                                                         True, "once")
    assert (gq.paid, gq.auto_grant, gq.apply_item_code, gq.outcome_label) == (False, False, "T-KJ-0101", "可享")
    assert gq.policy_title == "政策测试市促进高质量发展若干措施" and gq.doc_number == "测政发〔2026〕1号"
    yi = {v.item_code: v for v in matching.matches_for_enterprise(session, actor=w.applicant,
                                                                  enterprise_id=w.ent("乙").id)}
    assert yi["PT-ZJ-02"].outcome_label == "已享同组更高标准" and yi["PT-ZJ-02"].superseded_by == "PT-ZJ-01"


def test_explanations_name_the_failed_conditions(session, policy_world):
    w = policy_world
    ex = matching.explain_for_enterprise(session, actor=w.officer, enterprise_id=w.ent("丁").id, as_of=AS_OF)
    by_code = {e.code: e for e in ex.items}
    assert len(by_code) == 6 and not any(e.eligible for e in ex.items)
    assert any("高新技术企业" in c.required for c in by_code["PT-GQ-01"].conditions)
    assert {m.label for m in by_code["PT-WG-01"].missing} == {"裁员人数"}  # 丁's layoffs are unknown
    assert ex.profile["industry"] == "I6510"
    own = matching.explain_for_enterprise(session, actor=w.fgw_officer, enterprise_id=w.ent("甲").id, as_of=AS_OF)
    assert {e.code for e in own.items} == {"PT-XGS-01", "PT-SS-01"}
    assert matching.failed_conditions(session, enterprise_id=w.ent("甲").id, item_code="PT-GQ-01", as_of=AS_OF) == []
    with pytest.raises(NotFound):
        matching.explain_for_enterprise(session, actor=w.applicant, enterprise_id=w.ent("丁").id)


def test_item_statistics(session, policy_world, snapshots):
    w = policy_world
    full(session, w, snapshots)
    stats = {s.item_code: s for s in matching.item_statistics(session, actor=w.officer, as_of=AS_OF)}
    zj2 = stats["PT-ZJ-02"]
    assert (zj2.eligible_count, zj2.awarded_count, zj2.eligible_total_fen, zj2.awarded_total_fen) == (
        1, 0, 30_000_000, 0)
    assert (stats["PT-XGS-01"].awarded_count, stats["PT-XGS-01"].paid_total_fen) == (1, 0)
    assert {s.item_code for s in matching.item_statistics(session, actor=w.kjj_officer, as_of=AS_OF)} == {
        "PT-GQ-01", "PT-ZJ-01", "PT-ZJ-02"}
    assert session.scalar(select(func.count()).select_from(MatchRun)) == 1


# ---------------------------------------------------------------- on a committed database, with real threads

@pytest.fixture(scope="module")
def live(worker_id, tmp_path_factory):
    engine = live_engine(worker_id, "match")
    with session_scope(engine) as s:
        transfer.import_catalog(s, actor=SYSTEM, filename="policy_catalogue.yaml", content=catalogue_yaml())
        for n in range(40):
            add_enterprise(s, 900 + n, f"并发匹配企业{n:02d}", stats_flags=["新升规上"] if n % 2 else [])
        add_item(s, None, "LIVE-XGS", title="并发匹配新规上奖励", department="FGW", rule='flags has "新升规上"',
                 amount={"fixed": 5_000_000}, auto_grant=True)
    yield engine, tmp_path_factory.mktemp("ow-match-snapshots")
    engine.dispose()


def test_runs_started_at_once_never_overlap(live):
    """Without the lease, two full runs on PostgreSQL would each delete what they can see and insert the
    same pairs: a duplicate-key failure. With it, the second waits or is told another run is going."""
    engine, snapshots = live

    def run(holder):
        def call():
            try:
                with session_scope(engine) as s:
                    return "ok", matching.run_full(for_writing(s), actor=SYSTEM, as_of=AS_OF, directory=snapshots,
                                                   holder=holder).id
            except Conflict as exc:
                return "conflict", exc.message
        return call

    barrier = threading.Barrier(3)
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda c: (barrier.wait(), c())[1], [run(f"process-{n}") for n in range(3)]))
    assert {kind for kind, _ in results} <= {"ok", "conflict"} and any(kind == "ok" for kind, _ in results)
    with session_scope(engine) as s:
        rows = list(s.scalars(select(PolicyMatch).where(PolicyMatch.item_code == "LIVE-XGS")))
        last = s.scalar(select(func.max(MatchRun.id)))
    assert len(rows) == 20 and {m.run_id for m in rows} == {last}
