"""Matching as a service (政策找企业): run the engine over the enterprise profiles, store the results,
tell enterprises what they newly qualify for, and answer the pages' questions.

Runs (``MatchRun.kind``): ``run_full`` ("full": every enterprise in business × every item in force,
from the profile snapshot), ``run_for_enterprises`` ("enterprises": only some, read fresh from the
registries), ``run_for_item`` ("item": one item's whole exclusivity group over every enterprise) and
``changed_since_last_run`` ("changed": the enterprises whose registry data changed since the last
full or changed run read its data). Each replaces exactly the
stored rows its scope covers, in one transaction, and records a ``MatchRun``. A database lease keeps
two processes from running at once (the loser is told, not queued).

Budgets: a cap covers everything the item ever pays. A run may allocate only what is left once the
ledger (every award already paid, any year) and the stored, unpaid awards of the enterprises the
run does not cover are taken off; the engine then scales this run's awards to fit. Enterprises that
were already paid and are evaluated again are allocated a share a second time — which can leave
money unallocated under a binding cap, but never pays more than the cap.

Row-level access is that of :mod:`..disbursement` (department officers see their department's items,
enterprises their own enterprises).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import polars as pl
from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session

from onewindow.common import audit, lease
from onewindow.common import time as beijing
from onewindow.common.errors import Conflict, Forbidden, ValidationFailed
from onewindow.common.models import OutboxMessage
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.db import bulk_insert, utcnow
from onewindow.policies.access import (
    accounts_for,
    award_period,
    check_item_scope,
    current_item,
    department_scope,
    readable_enterprise,
    stage_split,
)
from onewindow.policies.engine import core as engine
from onewindow.policies.library import core as library
from onewindow.policies.matching import profiles
from onewindow.policies.models import AwardItem, AwardLedger, MatchRun, Policy, PolicyMatch, ProfileSnapshot
from onewindow.policies.rules.core import format_money
from onewindow.sharing import service as sharing

LEASE = "policies.match"
LEASE_TTL = timedelta(minutes=30)
RUNNERS = (Role.policy_officer, Role.admin)
CHUNK = 5_000  # ids per IN (…) and rows per INSERT
OUTCOME_LABELS = {"awarded": "可享", "superseded": "已享同组更高标准", "budget_reduced": "资金不足按比例兑付"}


# ---------------------------------------------------------------- running

def _require_runner(actor: Principal) -> None:
    actor.require(*RUNNERS)
    if actor.role == Role.policy_officer and actor.department_id:
        raise Forbidden("全量或按企业匹配须由不限部门的政策管理员或系统管理员运行")


def _take_lease(session: Session, holder: str | None) -> str:
    holder = holder or lease.default_holder()
    if not lease.acquire(session, name=LEASE, holder=holder, ttl=LEASE_TTL):
        raise Conflict("另一进程正在运行政策匹配，请稍后再试")
    return holder


def _chunks(ids: Sequence[int]):
    for i in range(0, len(ids), CHUNK):
        yield ids[i:i + CHUNK]


def _budget_used(session: Session, *, as_of: date, items: list[AwardItem],
                 evaluated: Sequence[int] | None) -> dict[str, int]:
    """Fen of each capped item's budget this run must not allocate (see the module's docstring)."""
    used: dict[str, int] = {}
    for item in (i for i in items if i.budget_fen is not None):
        paid = session.scalar(select(func.coalesce(func.sum(AwardLedger.amount_fen), 0))
                              .where(AwardLedger.item_code == item.code)) or 0
        others = 0
        if evaluated is not None:
            unpaid = ~exists().where(AwardLedger.enterprise_id == PolicyMatch.enterprise_id,
                                     AwardLedger.item_code == item.code,
                                     AwardLedger.award_period == award_period(item, str(as_of.year)))
            total = select(func.coalesce(func.sum(PolicyMatch.awarded_amount_fen), 0)).where(
                PolicyMatch.item_code == item.code, unpaid)
            others = session.scalar(total) or 0
            for chunk in _chunks(list(evaluated)):
                others -= session.scalar(total.where(PolicyMatch.enterprise_id.in_(chunk))) or 0
        used[item.code] = int(paid + others)
    return used


def _specs(session: Session, *, as_of: date, evaluated: Sequence[int] | None):
    items = library.current_versions(session, as_of=as_of)
    specs, params = library.active_specs(session, as_of=as_of,
                                         paid_by_item=_budget_used(session, as_of=as_of, items=items,
                                                                   evaluated=evaluated))
    return specs, params, {i.code: i for i in items}


def _rows(pairs: pl.DataFrame, items: dict[str, AwardItem], run_id: int, now: datetime) -> list[dict]:
    out = []
    for r in pairs.iter_rows(named=True):
        stages = {s["stage"]: s["amount"] for s in (r.get("stage_amounts") or []) if s["stage"] and s["amount"] >= 0}
        out.append({"enterprise_id": r["enterprise_id"], "item_code": r["item_code"],
                    "item_version_id": items[r["item_code"]].id, "eligible_amount_fen": r["eligible_amount"],
                    "awarded_amount_fen": r["awarded_amount"], "outcome": r["outcome"],
                    "superseded_by": r["superseded_by"], "stage_amounts": stages, "run_id": run_id, "matched_at": now})
    return out


def _replace(session: Session, run: MatchRun, pairs: pl.DataFrame, items: dict[str, AwardItem], *,
             enterprise_ids: Sequence[int] | None = None, item_codes: Sequence[str] | None = None) -> int:
    """Swap the stored rows of the run's scope for the new ones; tell enterprises what is new to them."""
    scopes = [PolicyMatch.item_code.in_(list(item_codes))] if item_codes is not None else (
        [PolicyMatch.enterprise_id.in_(c) for c in _chunks(list(enterprise_ids))] if enterprise_ids is not None
        else [True])
    before: set[tuple[int, str]] = set()
    for where in scopes:
        before |= set(session.execute(select(PolicyMatch.enterprise_id, PolicyMatch.item_code)
                                      .where(where, PolicyMatch.awarded_amount_fen > 0)).tuples())
        session.execute(delete(PolicyMatch).where(where).execution_options(synchronize_session=False))
    rows = _rows(pairs, items, run.id, utcnow())
    bulk_insert(session, PolicyMatch.__table__, rows)
    _announce(session, [r for r in rows if r["awarded_amount_fen"] > 0
                        and (r["enterprise_id"], r["item_code"]) not in before], items)
    return len(rows)


def _announce(session: Session, fresh: list[dict], items: dict[str, AwardItem]) -> int:
    """政策找企业: one message per enterprise and item version it newly qualifies for, to the account that
    acts for it; the dedupe key makes a re-run (or a later incremental run) say it only once."""
    accounts = accounts_for(session, sorted({r["enterprise_id"] for r in fresh}))
    wanted = {f"policy:match:{r['enterprise_id']}:{r['item_code']}:{items[r['item_code']].version}": r
              for r in fresh if r["enterprise_id"] in accounts}
    keys = list(wanted)
    for i in range(0, len(keys), CHUNK):
        for key in session.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys[i:i + CHUNK]))):
            wanted.pop(key, None)
    names = {}
    ids = sorted({r["enterprise_id"] for r in wanted.values()})
    for chunk in _chunks(ids):
        names.update(sharing.enterprise_names(session, ids=chunk))
    now = utcnow()
    messages = []
    for key, r in wanted.items():
        item = items[r["item_code"]]
        how = "免申即享，无需申请，将直接拨付" if item.auto_grant else "请在「可享政策」中申请兑现"
        messages.append({"recipient_id": accounts[r["enterprise_id"]], "department_id": None, "channel": "site",
                         "subject": f"政策找企业：符合「{item.title}」"[:200],
                         "body": f"{names.get(r['enterprise_id'], '')}可享{format_money(r['awarded_amount_fen'])}，{how}。",
                         "link": "/my/policies", "dedupe_key": key, "created_at": now})
    bulk_insert(session, OutboxMessage.__table__, messages)
    return len(messages)


def _finish(session: Session, *, actor: Principal, run: MatchRun, started: float, holder: str, action: str) -> MatchRun:
    run.duration_ms = int((time.perf_counter() - started) * 1000)
    audit.record(session, actor=actor, action=action, entity_type="match_run", entity_id=run.id,
                 after={"kind": run.kind, "scope": run.scope[:200], "as_of": run.as_of, "enterprises": run.enterprise_count,
                        "items": run.item_count, "matches": run.match_count, "ms": run.duration_ms})
    lease.release(session, name=LEASE, holder=holder)
    return run


def run_full(session: Session, *, actor: Principal, as_of: date | None = None, directory: Path | None = None,
             holder: str | None = None) -> MatchRun:
    """Every enterprise in business × every item in force; all stored matches replaced."""
    _require_runner(actor)
    as_of = as_of or beijing.today()
    started, at = time.perf_counter(), utcnow()
    holder = _take_lease(session, holder)
    snapshot = profiles.refresh_snapshot(session, as_of=as_of, directory=directory)
    frame = profiles.load_snapshot(snapshot)
    specs, params, items = _specs(session, as_of=as_of, evaluated=None)
    result = engine.match(frame, specs, as_of=as_of, parameters=params)
    run = MatchRun(kind="full", scope="", as_of=as_of, snapshot_id=snapshot.id, enterprise_count=frame.height,
                   item_count=len(specs), started_by=actor.username, started_at=at)
    session.add(run)
    session.flush()
    run.match_count = _replace(session, run, result.pairs(), items)
    return _finish(session, actor=actor, run=run, started=started, holder=holder, action="policy.match_full")


def run_for_enterprises(session: Session, *, actor: Principal, enterprise_ids: Sequence[int],
                        as_of: date | None = None, holder: str | None = None, scope: str | None = None,
                        kind: str = "enterprises") -> MatchRun:
    """Only these enterprises, read fresh from the registries; their rows replaced (an enterprise no
    longer in business loses its rows). Budgets count the other enterprises' stored awards."""
    _require_runner(actor)
    ids = sorted({int(i) for i in enterprise_ids})
    if not ids:
        raise ValidationFailed.one("请指定要重新匹配的企业", field="enterprise_ids")
    as_of = as_of or beijing.today()
    started, at = time.perf_counter(), utcnow()
    holder = _take_lease(session, holder)
    frame = profiles.profiles_for(session, enterprise_ids=ids, as_of=as_of)
    specs, params, items = _specs(session, as_of=as_of, evaluated=ids)
    result = engine.match(frame, specs, as_of=as_of, parameters=params)
    shown = scope or (",".join(map(str, ids[:200])) + (f" 等{len(ids)}家" if len(ids) > 200 else ""))
    run = MatchRun(kind=kind, scope=shown, as_of=as_of, enterprise_count=frame.height,
                   item_count=len(specs), started_by=actor.username, started_at=at)
    session.add(run)
    session.flush()
    run.match_count = _replace(session, run, result.pairs(), items, enterprise_ids=ids)
    return _finish(session, actor=actor, run=run, started=started, holder=holder, action="policy.match_enterprises")


def run_for_item(session: Session, *, actor: Principal, item_code: str, as_of: date | None = None,
                 directory: Path | None = None, holder: str | None = None) -> MatchRun:
    """One changed item over every enterprise: its whole root exclusivity group is matched again (a new
    amount can change who wins the group), and those items' rows replaced. An item no longer in force
    loses its rows."""
    actor.require(*RUNNERS)
    as_of = as_of or beijing.today()
    check_item_scope(actor, current_item(session, item_code, as_of=as_of))
    started, at = time.perf_counter(), utcnow()
    holder = _take_lease(session, holder)
    snapshot = profiles.refresh_snapshot(session, as_of=as_of, directory=directory)
    frame = profiles.load_snapshot(snapshot)
    specs, params, items = _specs(session, as_of=as_of, evaluated=None)
    group = _group_of(session, item_code, specs)
    members = [s for s in specs if s.code == item_code or (group is not None and s.group == group)]
    result = engine.match(frame, members, as_of=as_of, parameters=params)
    run = MatchRun(kind="item", scope=item_code + (f"（组 {group}）" if group else ""), as_of=as_of,
                   snapshot_id=snapshot.id, enterprise_count=frame.height, item_count=len(members),
                   started_by=actor.username, started_at=at)
    session.add(run)
    session.flush()
    codes = sorted({item_code, *(s.code for s in members)})
    run.match_count = _replace(session, run, result.pairs(), items, item_codes=codes)
    return _finish(session, actor=actor, run=run, started=started, holder=holder, action="policy.match_item")


def _group_of(session: Session, item_code: str, specs) -> str | None:
    spec = next((s for s in specs if s.code == item_code), None)
    if spec is not None:
        return spec.group
    latest = session.scalar(select(AwardItem).where(AwardItem.code == item_code)
                            .order_by(AwardItem.version.desc()).limit(1))
    if latest is None or latest.exclusive_group is None:
        return None
    parents = {g.code: g.parent_code for g in library.list_groups(session)}
    return library.flatten_groups(parents, {item_code: latest.exclusive_group}).get(item_code)


def data_read_at(session: Session, run: MatchRun) -> datetime:
    """When the registry data a run used was read: its snapshot's read, else the run's start."""
    if run.snapshot_id is not None:
        snapshot = session.get(ProfileSnapshot, run.snapshot_id)
        if snapshot is not None:
            return min(snapshot.built_at, run.started_at)
    return run.started_at


def changed_since_last_run(session: Session, *, actor: Principal, as_of: date | None = None,
                           directory: Path | None = None, holder: str | None = None) -> MatchRun | None:
    """Incremental: re-match the enterprises whose registry data changed since the last run that took in
    every change — a full run or an earlier incremental one; a run for chosen enterprises or one item
    leaves other changes untaken (a full run when there has been none). None when nothing changed."""
    _require_runner(actor)
    last = session.scalar(select(MatchRun).where(MatchRun.kind.in_(("full", "changed")))
                          .order_by(MatchRun.started_at.desc(), MatchRun.id.desc()).limit(1))
    if last is None:
        return run_full(session, actor=actor, as_of=as_of, directory=directory, holder=holder)
    since = data_read_at(session, last) - profiles.COMMIT_MARGIN  # a change committed late is still seen
    ids = profiles.changed_enterprise_ids(session, since=since)
    if not ids:
        return None
    return run_for_enterprises(session, actor=actor, enterprise_ids=ids, as_of=as_of, holder=holder, kind="changed",
                               scope=f"{since:%Y-%m-%d %H:%M} 以来变化的 {len(ids)} 家企业")


# ---------------------------------------------------------------- reading

@dataclass
class MatchView:
    """One row of the 可享政策 list."""

    item_code: str
    title: str
    policy_code: str
    policy_title: str
    doc_number: str
    department_id: int
    eligible_amount_fen: int
    awarded_amount_fen: int
    outcome: str
    outcome_label: str
    superseded_by: str | None
    auto_grant: bool
    recurrence: str
    apply_item_code: str | None
    stage_amounts: dict
    award_period: str  # the award this row is about: this year's for yearly items, "once" otherwise
    paid_fen: int  # already in the ledger for that award (paid by a batch or granted on an application)
    paid: bool  # every stage of the award is in the ledger
    paid_via: list[str]  # "batch" / "application:<case code>"
    matched_at: datetime


def matches_for_enterprise(session: Session, *, actor: Principal, enterprise_id: int,
                           as_of: date | None = None) -> list[MatchView]:
    """可享政策: the items the enterprise qualifies for (as of the last run that covered it), highest award
    first, each with what the ledger already shows for it."""
    readable_enterprise(session, actor, enterprise_id)
    period = str((as_of or beijing.today()).year)
    stmt = (select(PolicyMatch, AwardItem, Policy).join(AwardItem, AwardItem.id == PolicyMatch.item_version_id)
            .join(Policy, Policy.id == AwardItem.policy_id).where(PolicyMatch.enterprise_id == enterprise_id)
            .order_by(PolicyMatch.awarded_amount_fen.desc(), PolicyMatch.item_code))
    if actor.role != Role.applicant and (dept := department_scope(actor)) is not None:
        stmt = stmt.where(AwardItem.department_id == dept)
    ledger: dict[tuple[str, str], list[AwardLedger]] = {}
    for row in session.scalars(select(AwardLedger).where(AwardLedger.enterprise_id == enterprise_id)):
        ledger.setdefault((row.item_code, row.award_period), []).append(row)
    out = []
    for m, item, policy in session.execute(stmt).tuples():
        ap = award_period(item, period)
        rows = ledger.get((m.item_code, ap), [])
        due = {s for s, _ in stage_split(m.awarded_amount_fen, m.stage_amounts)}
        out.append(MatchView(
            item_code=m.item_code, title=item.title, policy_code=policy.code, policy_title=policy.title,
            doc_number=policy.doc_number, department_id=item.department_id, eligible_amount_fen=m.eligible_amount_fen,
            awarded_amount_fen=m.awarded_amount_fen, outcome=m.outcome, outcome_label=OUTCOME_LABELS[m.outcome],
            superseded_by=m.superseded_by, auto_grant=item.auto_grant, recurrence=item.recurrence,
            apply_item_code=item.apply_item_code, stage_amounts=dict(m.stage_amounts or {}), award_period=ap,
            paid_fen=sum(r.amount_fen for r in rows), paid=bool(due) and due <= {r.stage for r in rows},
            paid_via=sorted({r.source if r.source == "batch" else f"application:{r.case_code}" for r in rows}),
            matched_at=m.matched_at))
    return out


@dataclass
class EnterpriseExplanation:
    enterprise_id: int
    name: str
    as_of: date
    profile: dict  # the profile the rules read (current registry data)
    items: list  # engine.ItemExplanation per item in force: eligibility, amounts, failed conditions, missing data


def _profile(session: Session, enterprise_id: int, as_of: date) -> dict:
    frame = profiles.profiles_for(session, enterprise_ids=[enterprise_id], as_of=as_of)
    if frame.height == 0:
        raise ValidationFailed.one("该企业不在营业状态（非存续），不参与政策匹配", field="enterprise_id")
    row = frame.row(0, named=True)
    return {k: v for k, v in row.items() if k not in profiles.DISPLAY_COLUMNS}


def explain_for_enterprise(session: Session, *, actor: Principal, enterprise_id: int,
                           as_of: date | None = None) -> EnterpriseExplanation:
    """Every item in force against the enterprise's current data: eligible or not, the amount, and for
    the rest each failed condition (actual and required value) and the missing data. A department
    officer sees its department's items (exclusivity is still decided over all of them)."""
    ent = readable_enterprise(session, actor, enterprise_id)
    as_of = as_of or beijing.today()
    profile = _profile(session, enterprise_id, as_of)
    specs, params, items = _specs(session, as_of=as_of, evaluated=None)
    explained = engine.explain_enterprise(profile, specs, as_of=as_of, parameters=params)
    if actor.role != Role.applicant and (dept := department_scope(actor)) is not None:
        explained = [e for e in explained if items[e.code].department_id == dept]
    return EnterpriseExplanation(enterprise_id=ent.id, name=ent.name, as_of=as_of, profile=profile, items=explained)


def failed_conditions(session: Session, *, enterprise_id: int, item_code: str, as_of: date) -> list[str]:
    """Why the enterprise does not qualify for the item on its current data, one sentence per failed
    condition or missing datum; empty when it qualifies. For applying (the caller has authorised)."""
    profile = _profile(session, enterprise_id, as_of)
    specs, params, _ = _specs(session, as_of=as_of, evaluated=None)
    spec = next((s for s in specs if s.code == item_code), None)
    if spec is None:
        return [f"奖补事项{item_code}在{as_of}不在有效期内"]
    ex = engine.explain_enterprise(profile, [spec], as_of=as_of, parameters=params)[0]
    if ex.eligible:
        return []
    out = [f"须{c.required}，实际{c.actual}" for c in ex.conditions if c.outcome == "failed"]
    out += [f"缺少「{m.label}」数据（{m.condition}）" for m in ex.missing]
    return out or ["金额为零或无法计算"]


@dataclass
class ItemStatistics:
    item_code: str
    title: str
    department_id: int
    auto_grant: bool
    eligible_count: int
    awarded_count: int
    eligible_total_fen: int
    awarded_total_fen: int
    budget_fen: int | None
    paid_count: int  # ledger rows (awards paid or granted)
    paid_total_fen: int


def item_statistics(session: Session, *, actor: Principal, as_of: date | None = None) -> list[ItemStatistics]:
    """The policy officer's page: per item in force, how many enterprises qualify and are awarded, the
    totals, the budget and what has been paid."""
    dept = department_scope(actor)
    items = [i for i in library.current_versions(session, as_of=as_of or beijing.today())
             if dept is None or i.department_id == dept]
    codes = [i.code for i in items]
    matched = {code: (e, a, et, at) for code, e, a, et, at in session.execute(
        select(PolicyMatch.item_code, func.count(), func.count().filter(PolicyMatch.awarded_amount_fen > 0),
               func.coalesce(func.sum(PolicyMatch.eligible_amount_fen), 0),
               func.coalesce(func.sum(PolicyMatch.awarded_amount_fen), 0))
        .where(PolicyMatch.item_code.in_(codes)).group_by(PolicyMatch.item_code)).tuples()}
    paid = {code: (n, total) for code, n, total in session.execute(
        select(AwardLedger.item_code, func.count(), func.coalesce(func.sum(AwardLedger.amount_fen), 0))
        .where(AwardLedger.item_code.in_(codes)).group_by(AwardLedger.item_code)).tuples()}
    return [ItemStatistics(item_code=i.code, title=i.title, department_id=i.department_id, auto_grant=i.auto_grant,
                           eligible_count=matched.get(i.code, (0,) * 4)[0], awarded_count=matched.get(i.code, (0,) * 4)[1],
                           eligible_total_fen=int(matched.get(i.code, (0,) * 4)[2]),
                           awarded_total_fen=int(matched.get(i.code, (0,) * 4)[3]), budget_fen=i.budget_fen,
                           paid_count=paid.get(i.code, (0, 0))[0], paid_total_fen=int(paid.get(i.code, (0, 0))[1]))
            for i in items]


def recent_runs(session: Session, *, actor: Principal, limit: int = 20) -> list[MatchRun]:
    department_scope(actor)
    return list(session.scalars(select(MatchRun).order_by(MatchRun.id.desc()).limit(limit)))
