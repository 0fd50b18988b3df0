"""免申即享 (awards paid without an application): disbursement batches generated from the stored
matches, reviewed by the policy officer, marked paid — and the award ledger.

A batch moves draft → approved → paid, or draft/approved → cancelled, through the one transition
mechanism (``BATCH`` below, common.transitions): one conditional UPDATE on (id, status, version), so
two reviewers acting on the same version cannot both win: the loser gets a 409. While a batch is a draft the officer may exclude an enterprise (with a
reason) or take it back; each such change bumps the version, so an approval given on a batch that
changed after it was read is refused.

"Never paid twice" rests on three layers: generation leaves out every award already in the ledger
or included in another open batch; at most one batch per item and period is open at a time; and the
ledger's unique key (enterprise, item, stage, award period) refuses a second payment outright, in
which case the whole mark-paid rolls back and names the enterprise.

Who may do what is in :mod:`..access`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from onewindow.common import audit, outbox
from onewindow.common.errors import Conflict, NotFound, ValidationFailed
from onewindow.common.pagination import Page, paginate
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.common.transitions import Machine, Move, State
from onewindow.db import utcnow
from onewindow.policies.access import (
    OFFICERS,
    ONCE,
    accounts_for,
    award_period,
    check_item_scope,
    check_period,
    current_item,
    department_scope,
    ledger_keys,
    ledger_paid,
    my_enterprise_ids,
    payable_split,
    readable_enterprise,
    stage_split,  # noqa: F401 -- re-exported (tests use disbursement.stage_split)
)
from onewindow.policies.models import AwardItem, AwardLedger, DisbursementBatch, DisbursementLine, PolicyMatch
from onewindow.policies.rules.core import format_money
from onewindow.sharing import service as sharing
from onewindow.sharing import views as registry


class BatchStatus(State):
    draft = "draft", "待审核"
    approved = "approved", "已审核"
    paid = "paid", "已支付"
    cancelled = "cancelled", "已作废"


class LineStatus(State):
    included = "included", "拟拨付"
    excluded = "excluded", "已剔除"
    paid = "paid", "已拨付"


OPEN = ("draft", "approved")
BATCH = Machine(
    entity="disbursement_batch", noun="批次", model=DisbursementBatch, states=BatchStatus,
    stale="批次已被他人修改，请刷新后重试",
    moves={
        # Editing a draft's list (剔除/恢复) keeps it a draft but bumps its version, so an approval given
        # on the list as it was before is refused. The lines' own audit records say what changed.
        "edit": Move(("draft",), "draft", audit="", event=False),
        "approve": Move(("draft",), "approved"),
        "cancel": Move(OPEN, "cancelled"),
        "pay": Move(("approved",), "paid", audit=""),  # mark_paid audits it with the ledger rows written
    },
    stamps={"approved": "reviewed_at", "paid": "paid_at"},
)
STATUS_LABELS = BATCH.labels
LINE_LABELS = LineStatus.labels()


def _in_open_batches(session: Session, item: AwardItem, period: str, *, other_than: int | None = None
                     ) -> set[tuple[int, str]]:
    """(enterprise, stage) included in an open batch that pays the same award."""
    stmt = (select(DisbursementLine.enterprise_id, DisbursementLine.stage)
            .join(DisbursementBatch, DisbursementBatch.id == DisbursementLine.batch_id)
            .where(DisbursementBatch.item_code == item.code, DisbursementBatch.status.in_(OPEN),
                   DisbursementLine.status == "included"))
    if item.recurrence == "yearly":
        stmt = stmt.where(DisbursementBatch.period == period)  # a once item's award is the same in every period
    if other_than is not None:
        stmt = stmt.where(DisbursementBatch.id != other_than)
    return {(e, s) for e, s in session.execute(stmt)}


# ---------------------------------------------------------------- generating

def _open_batch(session: Session, item_code: str, period: str) -> DisbursementBatch | None:
    return session.scalar(select(DisbursementBatch).where(
        DisbursementBatch.item_code == item_code, DisbursementBatch.period == period,
        DisbursementBatch.status.in_(OPEN)).order_by(DisbursementBatch.sequence.desc()).limit(1))


def generate_batch(session: Session, *, actor: Principal, item_code: str, period: str) -> DisbursementBatch:
    """The batch of an auto-grant item for a period. Idempotent: while a batch for the item and period
    is open it is returned unchanged; after one was paid (or cancelled) the next batch takes only the
    enterprises whose award is not in the ledger yet."""
    actor.require(*OFFICERS)
    period = check_period(period)
    item = current_item(session, item_code)
    check_item_scope(actor, item)
    if not item.auto_grant:
        raise ValidationFailed.one(f"「{item.title}」不是免申即享事项，须由企业申请兑现", field="item_code")
    _lock_item(session, item.code)
    if (existing := _open_batch(session, item.code, period)) is not None:
        return existing
    stale = session.scalar(select(func.count()).select_from(PolicyMatch).where(
        PolicyMatch.item_code == item.code, PolicyMatch.item_version_id != item.id))
    if stale:
        raise Conflict(f"「{item.title}」已更新为第{item.version}版，仍有{stale}条匹配结果按旧版本计算，请先重新匹配该事项")
    lines = _pending_lines(session, item, period)
    if not any(line["status"] == "included" for line in lines):
        raise ValidationFailed.one(f"「{item.title}」{period}年度没有待兑现的企业（均已兑现、已在其他批次中或不符合条件）",
                                   field="item_code")
    sequence = (session.scalar(select(func.max(DisbursementBatch.sequence)).where(
        DisbursementBatch.item_code == item.code, DisbursementBatch.period == period)) or 0) + 1
    batch = DisbursementBatch(item_code=item.code, item_version_id=item.id, period=period, sequence=sequence,
                              status="draft", generated_by=actor.username, generated_at=utcnow(), version=1)
    try:
        with session.begin_nested():
            session.add(batch)
            session.flush()
    except IntegrityError:
        # Another process generated this batch in the same moment: the unique (item, period, sequence)
        # made one of us wait and fail; its batch is the answer.
        if (existing := _open_batch(session, item.code, period)) is not None:
            return existing
        raise Conflict("兑现批次正由他人生成，请稍后刷新") from None
    session.execute(insert(DisbursementLine), [{**line, "batch_id": batch.id} for line in lines])
    _recount(session, batch)
    audit.record(session, actor=actor, action="disbursement.generate", entity_type="disbursement_batch",
                 entity_id=batch.id, after={"item": item.code, "version": item.version, "period": period,
                                            "sequence": sequence, "lines": len(lines), "total_fen": batch.total_fen})
    outbox.notify(session, department_id=item.department_id, subject=f"免申即享兑现批次待审核：{item.title}",
                  body=f"{period}年度第{sequence}批，{batch.line_count}家企业，合计{format_money(batch.total_fen)}",
                  link=f"/policy-admin/batches/{batch.id}", dedupe_key=f"policy:batch:{batch.id}:generated")
    return batch


def _lock_item(session: Session, code: str) -> None:
    """Serialise the batch work of one item (generation, taking an enterprise back in) on its library
    rows: whoever comes second waits, then sees the first one's batch — and the awards it holds —
    instead of building a second list from the same matches."""
    session.execute(select(AwardItem.id).where(AwardItem.code == code).order_by(AwardItem.id).with_for_update())


def _pending_lines(session: Session, item: AwardItem, period: str) -> list[dict]:
    """One line per enterprise and stage with an award to pay, leaving out what is paid or in another
    open batch. Enterprises no longer 存续 are listed but excluded, so the reviewer sees why."""
    ap = award_period(item, period)
    paid = ledger_paid(session, item_code=item.code, period=ap)
    taken = _in_open_batches(session, item, period)
    rows = session.execute(select(PolicyMatch.enterprise_id, PolicyMatch.awarded_amount_fen,
                                  PolicyMatch.stage_amounts, registry.enterprises.c.status)
                           .join(registry.enterprises, registry.enterprises.c.id == PolicyMatch.enterprise_id)
                           .where(PolicyMatch.item_code == item.code, PolicyMatch.awarded_amount_fen > 0)
                           .order_by(PolicyMatch.enterprise_id))
    lines = []
    for ent_id, awarded, stages, status in rows:
        for stage, amount in payable_split(awarded, stages, paid.get(ent_id)):
            if (ent_id, stage) in taken:
                continue
            line = {"enterprise_id": ent_id, "stage": stage, "amount_fen": amount, "status": "included",
                    "excluded_reason": None, "excluded_by": None}
            if status != sharing.ACTIVE_STATUS:
                line.update(status="excluded", excluded_reason=f"登记状态为「{status}」，不予拨付", excluded_by="system")
            lines.append(line)
    return lines


def _recount(session: Session, batch: DisbursementBatch) -> None:
    """line_count and total_fen describe what the batch will pay: its included lines."""
    count, total = session.execute(select(func.count(), func.coalesce(func.sum(DisbursementLine.amount_fen), 0))
                                   .where(DisbursementLine.batch_id == batch.id,
                                          DisbursementLine.status.in_(("included", "paid")))).one()
    batch.line_count, batch.total_fen = int(count), int(total)
    session.flush()


# ---------------------------------------------------------------- reviewing

def get_batch(session: Session, *, actor: Principal, batch_id: int) -> DisbursementBatch:
    dept = department_scope(actor)
    # Always re-read: a version or status held in the session from earlier may be stale.
    batch = session.scalar(select(DisbursementBatch).where(DisbursementBatch.id == batch_id)
                           .execution_options(populate_existing=True))
    if batch is None:
        raise NotFound(f"兑现批次{batch_id}不存在")
    if dept is not None:
        item = session.get(AwardItem, batch.item_version_id)
        if item.department_id != dept:
            raise NotFound(f"兑现批次{batch_id}不存在")
    return batch


def _line(session: Session, batch: DisbursementBatch, line_id: int) -> DisbursementLine:
    line = session.get(DisbursementLine, line_id)
    if line is None or line.batch_id != batch.id:
        raise NotFound(f"批次中没有明细{line_id}")
    return line


def exclude_line(session: Session, *, actor: Principal, batch_id: int, line_id: int, reason: str,
                 version: int | None = None) -> DisbursementLine:
    """Take an enterprise out of a draft batch; the reason is kept on the line and in the audit trail."""
    actor.require(*OFFICERS)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.one("剔除企业须写明理由", field="reason")
    batch = get_batch(session, actor=actor, batch_id=batch_id)
    line = _line(session, batch, line_id)
    if line.status != "included":
        raise Conflict("该企业已不在拟拨付名单中")
    BATCH.move(session, batch, "edit", actor=actor, version=version)
    line.status, line.excluded_reason, line.excluded_by = "excluded", reason[:2000], actor.username
    _recount(session, batch)
    audit.record(session, actor=actor, action="disbursement.exclude", entity_type="disbursement_line",
                 entity_id=line.id, before={"status": "included"},
                 after={"status": "excluded", "reason": line.excluded_reason, "batch": batch.id})
    return line


def include_line(session: Session, *, actor: Principal, batch_id: int, line_id: int,
                 version: int | None = None) -> DisbursementLine:
    """Undo an exclusion — unless the award was paid or put in another open batch meanwhile."""
    actor.require(*OFFICERS)
    batch = get_batch(session, actor=actor, batch_id=batch_id)
    line = _line(session, batch, line_id)
    if line.status != "excluded":
        raise Conflict("该企业已在拟拨付名单中")
    item = session.get(AwardItem, batch.item_version_id)
    _lock_item(session, item.code)
    key = (line.enterprise_id, line.stage)
    paid = ledger_keys(session, item_code=item.code, period=award_period(item, batch.period),
                       enterprise_ids=[line.enterprise_id])
    if key in paid or (line.enterprise_id, "") in paid:  # a whole-award row covers every stage
        raise Conflict("该企业的这笔奖补已兑现，不能再次拨付")
    if key in _in_open_batches(session, item, batch.period, other_than=batch.id):
        raise Conflict("该企业的这笔奖补已列入另一个未完成的批次")
    ent = sharing.enterprise_by_id(session, enterprise_id=line.enterprise_id)
    if ent.status != sharing.ACTIVE_STATUS:
        raise Conflict(f"{ent.name}登记状态为「{ent.status}」，不能拨付")
    BATCH.move(session, batch, "edit", actor=actor, version=version)
    before = line.excluded_reason
    line.status, line.excluded_reason, line.excluded_by = "included", None, None
    _recount(session, batch)
    audit.record(session, actor=actor, action="disbursement.include", entity_type="disbursement_line",
                 entity_id=line.id, before={"status": "excluded", "reason": before},
                 after={"status": "included", "batch": batch.id})
    return line


def approve_batch(session: Session, *, actor: Principal, batch_id: int, version: int) -> DisbursementBatch:
    """审核通过: the list as the reviewer saw it (at `version`) is what will be paid."""
    actor.require(*OFFICERS)
    batch = get_batch(session, actor=actor, batch_id=batch_id)
    if version != batch.version:
        raise Conflict("批次已被他人修改，请刷新后重试")
    if batch.status == "draft" and batch.line_count == 0:
        raise ValidationFailed.one("批次中没有拟拨付的企业，请作废该批次", field="batch_id")
    BATCH.move(session, batch, "approve", actor=actor, version=version, values={"reviewed_by": actor.username},
               after={"lines": batch.line_count, "total_fen": batch.total_fen})
    return batch


def cancel_batch(session: Session, *, actor: Principal, batch_id: int, reason: str,
                 version: int | None = None) -> DisbursementBatch:
    """作废 a batch not yet paid; its enterprises become available to the next batch."""
    actor.require(*OFFICERS)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed.one("作废批次须写明理由", field="reason")
    batch = get_batch(session, actor=actor, batch_id=batch_id)
    BATCH.move(session, batch, "cancel", actor=actor, version=version, after={"reason": reason[:2000]})
    return batch


# ---------------------------------------------------------------- paying

def mark_paid(session: Session, *, actor: Principal, batch_id: int, payment_reference: str,
              version: int) -> DisbursementBatch:
    """Record the payment of an approved batch: one ledger row per included line, in one transaction.

    A retry with the same payment reference returns the paid batch unchanged. If any award is already
    in the ledger (paid by another batch or granted on an application), nothing is recorded and the
    error names the enterprises; the caller's transaction rolls back."""
    actor.require(*OFFICERS)
    ref = (payment_reference or "").strip()
    if not ref:
        raise ValidationFailed.one("请填写支付凭证号", field="payment_reference")
    if len(ref) > 64:
        raise ValidationFailed.one("支付凭证号不能超过64个字符", field="payment_reference")
    batch = get_batch(session, actor=actor, batch_id=batch_id)
    if batch.status == "paid" and batch.payment_reference == ref:
        return batch  # the same payment reported again
    now = utcnow()
    try:
        BATCH.move(session, batch, "pay", actor=actor, version=version,
                   values={"payment_reference": ref, "paid_at": now})
    except Conflict:
        if batch.status == "paid" and batch.payment_reference == ref:
            return batch  # a concurrent retry of the same payment got there first
        raise
    item = session.get(AwardItem, batch.item_version_id)
    ap = award_period(item, batch.period)
    lines = list(session.scalars(select(DisbursementLine).where(DisbursementLine.batch_id == batch.id,
                                                                DisbursementLine.status == "included")
                                 .order_by(DisbursementLine.id)))
    _refuse_if_paid(session, item, ap, lines)
    rows = [{"enterprise_id": ln.enterprise_id, "item_code": item.code, "item_version_id": item.id, "stage": ln.stage,
             "award_period": ap, "amount_fen": ln.amount_fen, "source": "batch", "batch_id": batch.id,
             "case_code": None, "payment_reference": ref, "paid_at": now} for ln in lines]
    try:
        with session.begin_nested():
            session.execute(insert(AwardLedger), rows)
    except IntegrityError:
        # A concurrent payment of the same award committed between our check and our insert.
        _refuse_if_paid(session, item, ap, lines)
        raise Conflict("部分奖补已被同时兑现，本批次未标记支付，请刷新后核对") from None
    session.execute(update(DisbursementLine).where(DisbursementLine.batch_id == batch.id,
                                                   DisbursementLine.status == "included").values(status="paid")
                    .execution_options(synchronize_session=False))
    audit.record(session, actor=actor, action="disbursement.pay", entity_type="disbursement_batch",
                 entity_id=batch.id, before={"status": "approved"},
                 after={"status": "paid", "payment_reference": ref, "lines": len(rows), "total_fen": batch.total_fen})
    _tell_enterprises(session, batch, item, lines)
    return batch


def _refuse_if_paid(session: Session, item: AwardItem, ap: str, lines: list[DisbursementLine]) -> None:
    wanted = {(ln.enterprise_id, ln.stage) for ln in lines}
    paid = ledger_keys(session, item_code=item.code, period=ap, enterprise_ids=sorted({e for e, _ in wanted}))
    clash = {(e, s) for e, s in wanted if (e, s) in paid or (e, "") in paid}  # a whole-award row covers all
    if not clash:
        return
    names = sharing.enterprise_names(session, ids={e for e, _ in clash})
    shown = "、".join(sorted(f"{names[e]}{f'（{s}）' if s else ''}" for e, s in clash)[:10])
    more = f"等{len(clash)}家" if len(clash) > 10 else ""
    raise Conflict(f"{shown}{more}的「{item.title}」奖补已兑现（{'一次性' if ap == ONCE else ap + '年度'}），"
                   "不能重复拨付；本批次未标记支付，请剔除后重新审核")


def _tell_enterprises(session: Session, batch: DisbursementBatch, item: AwardItem,
                      lines: list[DisbursementLine]) -> None:
    per_enterprise: dict[int, int] = {}
    for ln in lines:
        per_enterprise[ln.enterprise_id] = per_enterprise.get(ln.enterprise_id, 0) + ln.amount_fen
    accounts = accounts_for(session, sorted(per_enterprise))
    for ent_id, amount in per_enterprise.items():
        if (user_id := accounts.get(ent_id)) is None:
            continue  # no account linked to the enterprise: nobody to tell online
        outbox.notify(session, recipient_id=user_id, subject=f"免申即享：「{item.title}」奖补资金已拨付",
                      body=f"无需申请，{format_money(amount)}已拨付（支付凭证号 {batch.payment_reference}）。",
                      link="/my/policies", dedupe_key=f"policy:paid:{batch.id}:{ent_id}")


# ---------------------------------------------------------------- lists

@dataclass
class LedgerEntry:
    id: int
    enterprise_id: int
    enterprise_name: str
    uscc: str
    item_code: str
    item_title: str
    stage: str
    award_period: str
    amount_fen: int
    source: str  # batch / application
    batch_id: int | None
    case_code: str | None
    payment_reference: str
    paid_at: datetime


def ledger_query(session: Session, *, actor: Principal, enterprise_id: int | None = None,
                 item_code: str | None = None) -> Select:
    ent = registry.enterprises.c
    stmt = (select(AwardLedger, ent.name, ent.uscc, AwardItem.title)
            .join(registry.enterprises, ent.id == AwardLedger.enterprise_id)
            .join(AwardItem, AwardItem.id == AwardLedger.item_version_id)
            .order_by(AwardLedger.paid_at.desc(), AwardLedger.id.desc()))
    if actor.role == Role.applicant:
        if enterprise_id is not None:
            readable_enterprise(session, actor, enterprise_id)
        stmt = stmt.where(AwardLedger.enterprise_id.in_(my_enterprise_ids(session, actor)))
    elif (dept := department_scope(actor)) is not None:
        stmt = stmt.where(AwardItem.department_id == dept)
    if enterprise_id is not None:
        stmt = stmt.where(AwardLedger.enterprise_id == enterprise_id)
    if item_code:
        stmt = stmt.where(AwardLedger.item_code == item_code)
    return stmt


def ledger(session: Session, *, actor: Principal, enterprise_id: int | None = None, item_code: str | None = None,
           page: int = 1, per_page: int = 50) -> Page:
    """奖补台账: every award paid or granted, newest first; an enterprise sees its own."""
    result = paginate(session, ledger_query(session, actor=actor, enterprise_id=enterprise_id, item_code=item_code),
                      page=page, per_page=per_page, scalars=False)
    result.items = [LedgerEntry(id=e.id, enterprise_id=e.enterprise_id, enterprise_name=name, uscc=uscc,
                                item_code=e.item_code, item_title=title, stage=e.stage, award_period=e.award_period,
                                amount_fen=e.amount_fen, source=e.source, batch_id=e.batch_id, case_code=e.case_code,
                                payment_reference=e.payment_reference, paid_at=e.paid_at)
                    for e, name, uscc, title in result.items]
    return result


def list_batches(session: Session, *, actor: Principal, item_code: str | None = None, status: str | None = None,
                 page: int = 1, per_page: int = 50) -> Page:
    stmt = select(DisbursementBatch).order_by(DisbursementBatch.id.desc())
    if (dept := department_scope(actor)) is not None:
        stmt = stmt.join(AwardItem, AwardItem.id == DisbursementBatch.item_version_id).where(
            AwardItem.department_id == dept)
    if item_code:
        stmt = stmt.where(DisbursementBatch.item_code == item_code)
    if status:
        if status not in STATUS_LABELS:
            raise ValidationFailed.one(f"批次状态须为：{'、'.join(STATUS_LABELS)}", field="status")
        stmt = stmt.where(DisbursementBatch.status == status)
    return paginate(session, stmt, page=page, per_page=per_page)


def item_versions(session: Session, batches) -> dict[int, AwardItem]:
    """The item version of each batch on a page, in one query (not one per batch)."""
    ids = {b.item_version_id for b in batches}
    if not ids:
        return {}
    return {i.id: i for i in session.scalars(select(AwardItem).where(AwardItem.id.in_(ids)))}


def batch_lines(session: Session, *, actor: Principal, batch_id: int, status: str | None = None,
                page: int = 1, per_page: int = 100) -> Page:
    """A batch's lines with each enterprise's name and code: (line, name, uscc) rows."""
    batch = get_batch(session, actor=actor, batch_id=batch_id)
    ent = registry.enterprises.c
    stmt = (select(DisbursementLine, ent.name, ent.uscc)
            .join(registry.enterprises, ent.id == DisbursementLine.enterprise_id)
            .where(DisbursementLine.batch_id == batch.id).order_by(DisbursementLine.id))
    if status:
        if status not in LINE_LABELS:
            raise ValidationFailed.one(f"明细状态须为：{'、'.join(LINE_LABELS)}", field="status")
        stmt = stmt.where(DisbursementLine.status == status)
    return paginate(session, stmt, page=page, per_page=per_page, scalars=False)
