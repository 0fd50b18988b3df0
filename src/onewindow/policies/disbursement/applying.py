"""Applying for an award that is not auto-granted (申请兑现): an ordinary application through the case
machinery, for the catalogue item the award names (``AwardItem.apply_item_code``), on behalf of the
enterprise — and, once the case is approved, the award entered in the ledger.

The award is recorded in the application in two places: ``plan["award"]`` (the item version, award
period, stages and amounts computed from the stored match — what the ledger will take), and four form
fields appended to the plan's fields (奖补事项, 奖补名称, 兑现年度, 测算金额) so the window and the
approving department see them on the form like any other field. They are filled by the system and
locked like data prefilled from the registries.

Settling: when a case for an award application completes with its task approved, the award goes into
the ledger (source "application", the case code). The case machinery does not know about awards: it
writes a "case.completed" domain event, and ``on_case_completed`` — registered in policies' domain as
the handler "policies.settle_award" — settles the award after the commit, exactly once per case
(common.events). ``settle_completed_applications`` runs that handler on the events still pending (the
CLI and the periodic job; a crash or a failed run is retried there). No case rows are polled.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any  # cases' Application and Case, seen through cases.service

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onewindow.cases import service as cases
from onewindow.common import audit, events, lease, outbox
from onewindow.common import time as beijing
from onewindow.common.errors import Conflict, Forbidden, ValidationFailed
from onewindow.common.registry import EventHandler
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM, Principal
from onewindow.db import utcnow
from onewindow.policies.access import (
    accounts_for,
    award_period,
    current_item,
    ledger_paid,
    payable_split,
    readable_enterprise,
)
from onewindow.policies.matching import core as matching
from onewindow.policies.models import AwardItem, AwardLedger, PolicyMatch
from onewindow.policies.rules.core import format_money
from onewindow.sharing import service as sharing
from onewindow.sharing.service import Enterprise  # the registry row type sharing's calls return

RUNNING = ("draft", "submitted", "returned")  # before acceptance; accepted ones run while the case does
AWARD_SOURCE = "policy.award"  # how the locked award fields are marked in `prefilled`
SETTLE_LEASE = "policies.settle"
SETTLE_TTL = timedelta(minutes=10)


def _fen_as_yuan(fen: int) -> str:
    """The form's money fields hold yuan with two decimals (cases' validate_form)."""
    return f"{fen // 100}.{fen % 100:02d}"


# ---------------------------------------------------------------- applying

def apply_for_award(session: Session, *, actor: Principal, enterprise_id: int, item_code: str,
                    as_of: date | None = None, contact_phone: str = "", authorisation: dict | None = None,
                    idempotency_key: str | None = None) -> Any:
    """Start the application for an award: refused when the item is 免申即享, when the enterprise does not
    qualify (naming the failed conditions), when the award is already paid, or while another application
    for it runs. Returns the draft the applicant then completes and submits through the case machinery."""
    as_of = as_of or beijing.today()
    if actor.role not in (Role.applicant, Role.assistant, Role.clerk):
        raise Forbidden("奖补申请须由企业、帮办代办员或综合窗口提交")
    if actor.role == Role.applicant:
        readable_enterprise(session, actor, enterprise_id)  # 404 unless the account acts for the enterprise
    else:
        # As cases.start_application does for an assisted application — but before the enterprise's
        # profile is read, so a refusal below cannot show its data to someone not authorised to see it.
        cases.check_authorisation(authorisation, required=actor.role == Role.assistant)
    item = current_item(session, item_code, as_of=as_of)
    if item.auto_grant:
        raise ValidationFailed.one("该事项免申即享，无需申请", field="item_code")
    if not item.apply_item_code:
        raise ValidationFailed.one(f"「{item.title}」未配置申请办理事项，请联系兑现部门", field="item_code")
    # Lock the enterprise's registry row: two simultaneous applications for it queue here, so the
    # "already applying" check below cannot be passed by both.
    ent = sharing.enterprise_by_id(session, enterprise_id=enterprise_id, for_update=True)
    if ent is None:
        raise ValidationFailed.one(f"企业{enterprise_id}不存在", field="enterprise_id")
    if actor.role != Role.applicant:  # staff acting for the enterprise: its registry data is read and logged
        sharing.find_subject(session, actor=actor, kind="enterprise", key=ent.uscc, application_id=None,
                             purpose="核验奖补申请条件")
    if idempotency_key and (same := _by_key(session, actor, idempotency_key, ent, item)) is not None:
        return same
    period = award_period(item, str(as_of.year))
    running = _running_application(session, ent, item)
    if running is not None:
        raise Conflict(f"{ent.name}已有「{item.title}」的申请正在办理（申请编号 {running.id}），请勿重复申请")
    stages = _payable_stages(session, ent, item, period, as_of)
    app = cases.start_application(session, actor=actor, target_kind="item", target_code=item.apply_item_code,
                                  subject_kind="enterprise", subject_key=ent.uscc, contact_phone=contact_phone,
                                  authorisation=authorisation, idempotency_key=idempotency_key)
    if award_of(app) is not None or app.subject_key != ent.uscc or app.target_code != item.apply_item_code:
        # A concurrent request with the same key made its application first: the key decides.
        _check_same(app, ent, item)
        return app
    _record_award(app, item, period, stages)
    audit.record(session, actor=actor, action="policy.apply", entity_type="application", entity_id=app.id,
                 after=app.plan["award"])
    return app


def _by_key(session: Session, actor: Principal, key: str, ent: Enterprise, item: AwardItem) -> Any:
    """The application a retried request made, matched on the key together with its subject and award:
    a key used for anything else (another enterprise or award, an ordinary application) is a 409 —
    never a reason to rewrite that application."""
    app = next(iter(cases.find_applications(session, created_by_id=actor.user_id, idempotency_key=key)), None)
    if app is not None:
        _check_same(app, ent, item)
    return app


def _check_same(app: Any, ent: Enterprise, item: AwardItem) -> None:
    award = award_of(app)
    if award is None or award.get("item_code") != item.code or app.subject_key != ent.uscc:
        raise Conflict("该幂等键（Idempotency-Key）已用于另一项申请，请为新的申请使用新的键")


def _award_applications(session: Session, ent: Enterprise, item: AwardItem):
    """The enterprise's applications for this award (the catalogue item may serve several awards)."""
    rows = cases.find_applications(session, subject_key=ent.uscc, target_code=item.apply_item_code)
    return [a for a in rows if (a.plan or {}).get("award", {}).get("item_code") == item.code]


def _running_application(session: Session, ent: Enterprise, item: AwardItem) -> Any:
    for app in _award_applications(session, ent, item):
        if app.status in RUNNING:
            return app
        case = app.case
        if app.status != "accepted" or case is None:
            continue  # refused at the window
        if case.status == "running":
            return app  # still being decided
        approved = any(t.item_code == app.target_code and t.status == "approved" for t in case.tasks)
        if approved and not app.plan["award"].get("settled_at"):
            return app  # approved, about to enter the ledger
    return None


def _payable_stages(session: Session, ent: Enterprise, item: AwardItem, period: str,
                    as_of: date) -> list[tuple[str, int]]:
    """The stages and amounts the enterprise may apply for now: its stored match (after exclusivity and
    budget), confirmed on its current data, less what is already in the ledger."""
    refuse = f"{ent.name}不能申请「{item.title}」："
    match = session.scalar(select(PolicyMatch).where(PolicyMatch.enterprise_id == ent.id,
                                                     PolicyMatch.item_code == item.code))
    if match is not None and match.awarded_amount_fen == 0 and match.superseded_by:
        winner = current_item(session, match.superseded_by, as_of=as_of).title
        raise ValidationFailed.one(f"{refuse}已符合同组更高标准的「{winner}」，"
                                   "按“不重复奖、以最高标准为准”不再奖励", field="item_code")
    reasons = matching.failed_conditions(session, enterprise_id=ent.id, item_code=item.code, as_of=as_of)
    if reasons:
        raise ValidationFailed.one(f"{refuse}不符合条件——{'；'.join(reasons)}", field="item_code")
    if match is None:
        raise ValidationFailed.one(f"{refuse}政策匹配结果尚未包含该企业，请待匹配更新后再申请", field="item_code")
    if match.awarded_amount_fen <= 0:
        raise ValidationFailed.one(f"{refuse}该事项资金额度已用完", field="item_code")
    if match.item_version_id != item.id:
        raise Conflict(f"「{item.title}」已更新版本，匹配结果正在重新计算，请稍后再申请")
    paid = ledger_paid(session, item_code=item.code, period=period, enterprise_ids=[ent.id]).get(ent.id)
    stages = payable_split(match.awarded_amount_fen, match.stage_amounts, paid)
    if not stages:
        when = "" if period == "once" else f"{period}年度"
        raise Conflict(f"{ent.name}{when}的「{item.title}」奖补已兑现，不能重复申请")
    return stages


def _record_award(app: Any, item: AwardItem, period: str, stages: list[tuple[str, int]]) -> None:
    total = sum(a for _, a in stages)
    award = {"item_code": item.code, "item_version_id": item.id, "version": item.version, "title": item.title,
             "period": period, "stages": [[s, a] for s, a in stages], "amount_fen": total,
             "department_id": item.department_id}
    values = {"award_item_code": item.code, "award_title": item.title,
              "award_period": "一次性" if period == "once" else f"{period}年度", "award_amount": _fen_as_yuan(total)}
    labels = {"award_item_code": "奖补事项编码", "award_title": "奖补事项", "award_period": "兑现年度",
              "award_amount": "测算奖补金额（元）"}
    fields = [{"key": k, "label": labels[k], "type": "money" if k == "award_amount" else "text", "required": True,
               "shared_source": None, "options": [], "used_by": [item.apply_item_code]} for k in values]
    cases.add_system_fields(app, fields=fields, values=values, source=AWARD_SOURCE)
    cases.annotate(app, key="award", value=award)


def award_of(app: Any) -> dict | None:
    """The award an application is for, or None for an ordinary application."""
    return (app.plan or {}).get("award")


# ---------------------------------------------------------------- settling

def record_case_award(session: Session, *, case: Any, actor: Principal = SYSTEM) -> list[AwardLedger]:
    """Enter an approved award application's award in the ledger, in the caller's transaction.

    Idempotent: a case already settled records nothing more. A case that completed without approving
    the award's task (不予许可) is marked settled with nothing paid. If the same award reached the ledger
    another way meanwhile, that stage is skipped and the skip is audited — the ledger key decides."""
    return _settle(session, case=case, actor=actor) or []


def _settle(session: Session, *, case: Any, actor: Principal) -> list[AwardLedger] | None:
    """The ledger rows written; None when there was nothing to settle (not an award, or settled)."""
    app = case.application
    award = award_of(app)
    if award is None or case.status != "completed" or award.get("settled_at"):
        return None
    task = next((t for t in case.tasks if t.item_code == app.target_code), None)
    written: list[AwardLedger] = []
    skipped: list[str] = []
    if task is not None and task.status == "approved":
        reference = str((task.result_data or {}).get("payment_reference") or case.code)[:64]
        enterprise_id = _enterprise_id(session, app.subject_key)
        for stage, amount in award["stages"]:
            row = AwardLedger(enterprise_id=enterprise_id, item_code=award["item_code"],
                              item_version_id=award["item_version_id"], stage=stage, award_period=award["period"],
                              amount_fen=int(amount), source="application", case_code=case.code,
                              payment_reference=reference, paid_at=utcnow())
            try:
                with session.begin_nested():
                    session.add(row)
            except IntegrityError:
                skipped.append(stage or "全额")
                continue
            written.append(row)
    cases.annotate(app, key="award", value={**award, "settled_at": utcnow().isoformat(),
                                            "granted_fen": sum(r.amount_fen for r in written)})
    audit.record(session, actor=actor, action="policy.award_grant" if written else "policy.award_none",
                 entity_type="case", entity_id=case.code,
                 after={"item": award["item_code"], "period": award["period"],
                        "granted": [[r.stage, r.amount_fen] for r in written], "already_paid": skipped,
                        "task_status": task.status if task else None})
    if written:
        _tell(session, app, award, sum(r.amount_fen for r in written), case.code)
    return written


def _enterprise_id(session: Session, uscc: str) -> int:
    return sharing.enterprise_id(session, uscc=uscc)


def _tell(session: Session, app: Any, award: dict, amount: int, code: str) -> None:
    if (user_id := app.applicant_id) is None:
        ent_id = _enterprise_id(session, app.subject_key)
        user_id = accounts_for(session, [ent_id]).get(ent_id)
    if user_id is None:
        return
    outbox.notify(session, recipient_id=user_id, subject=f"「{award['title']}」奖补已核准兑现",
                  body=f"办件 {code} 已核准，{format_money(amount)}将拨付至申请时填写的账户。",
                  link=f"/my/applications/{app.id}", dedupe_key=f"policy:granted:{code}")


def on_case_completed(session: Session, event) -> bool:
    """The "case.completed" handler: settle the case's award if it is one. True when it settled one."""
    case = cases.get_case(session, actor=SYSTEM, code=event.entity_id, for_update=True)
    return _settle(session, case=case, actor=SYSTEM) is not None


SETTLE_HANDLER = EventHandler("case.completed", "policies.settle_award", on_case_completed)


def settle_completed_applications(session: Session, *, actor: Principal = SYSTEM, holder: str | None = None,
                                  limit: int = 500) -> int | None:
    """Settle the completed cases whose "case.completed" event this handler has not handled yet (the
    after-commit run failed, the process stopped, or the change was not made through a request).
    Returns how many cases were settled, or None when another process holds the lease."""
    holder = holder or lease.default_holder()
    if not lease.acquire(session, name=SETTLE_LEASE, holder=holder, ttl=SETTLE_TTL):
        return None
    report = events.dispatch(session, [SETTLE_HANDLER], only=SETTLE_HANDLER.name, limit=limit)
    lease.release(session, name=SETTLE_LEASE, holder=holder)
    return sum(1 for settled in report.results if settled)


def settle_backfill(session: Session, *, holder: str | None = None, limit: int = 500) -> tuple[int, int] | None:
    """One batch of the backfill for cases completed before domain events existed (migration 0008): cases
    writes the "case.completed" event each of them lacks (through common.events), and this handler runs
    on those events as on any other — once per event, so the awards settle once. Returns (events written,
    awards settled); (0, 0) when nothing is left, so running it again changes nothing; None when another
    process holds the settling lease. The events stay pending for any other handler (the events job)."""
    holder = holder or lease.default_holder()
    if not lease.acquire(session, name=SETTLE_LEASE, holder=holder, ttl=SETTLE_TTL):
        return None
    ids = cases.emit_missing_completions(session, limit=limit)
    report = events.dispatch(session, [SETTLE_HANDLER], event_ids=ids, only=SETTLE_HANDLER.name) if ids else None
    lease.release(session, name=SETTLE_LEASE, holder=holder)
    return len(ids), sum(1 for settled in report.results if settled) if report else 0


def applications_for(session: Session, *, actor: Principal, enterprise_id: int) -> list:
    """The enterprise's award applications, newest first (for the 可享政策 page's 申请 status)."""
    ent = readable_enterprise(session, actor, enterprise_id)
    rows = cases.find_applications(session, subject_key=ent.uscc)
    return [a for a in rows if award_of(a)]


__all__ = ["RUNNING", "applications_for", "apply_for_award", "award_of", "record_case_award",
           "settle_backfill", "settle_completed_applications"]
