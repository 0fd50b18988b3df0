"""What policies offer the indicators (common.measures): awards paid (兑现) in the period, by the paying
department × award item, from the award ledger. Money is in fen. 受益企业 counts each enterprise once per
item and department (户次), so the counts add up when rolled up to a county or the city."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, distinct, func, select
from sqlalchemy.orm import Session

from onewindow.common.measures import Measure, MeasureProvider, MeasureRow, Record, utc_bounds
from onewindow.policies.models import AwardItem, AwardLedger

MEASURES = (Measure("policies.paid_fen", "兑现金额", "分"), Measure("policies.auto_paid_fen", "免申即享兑现金额", "分"),
            Measure("policies.enterprises", "受益企业户次", "家"))


def _base(period_start: date, period_end: date):
    lo, hi = utc_bounds(period_start, period_end)
    return (select().select_from(AwardLedger).join(AwardItem, AwardItem.id == AwardLedger.item_version_id)
            .where(AwardLedger.paid_at >= lo, AwardLedger.paid_at < hi))


def measure_counts(session: Session, *, period_start: date, period_end: date) -> list[MeasureRow]:
    stmt = (_base(period_start, period_end)
            .add_columns(AwardItem.department_id, AwardLedger.item_code, func.sum(AwardLedger.amount_fen),
                         func.sum(case((AwardItem.auto_grant.is_(True), AwardLedger.amount_fen), else_=0)),
                         func.count(distinct(AwardLedger.enterprise_id)))
            .group_by(AwardItem.department_id, AwardLedger.item_code))
    out = []
    for r in session.execute(stmt):
        for i, m in enumerate(MEASURES):
            if r[2 + i]:
                out.append(MeasureRow(m.name, r[0], r[1], float(r[2 + i])))
    return out


def measure_records(session: Session, *, measure: str, period_start: date, period_end: date,
                    department_ids: list[int] | None = None, item_code: str | None = None,
                    limit: int = 500) -> list[Record]:
    stmt = _base(period_start, period_end)
    if department_ids is not None:
        stmt = stmt.where(AwardItem.department_id.in_(department_ids))
    if item_code:
        stmt = stmt.where(AwardLedger.item_code == item_code)
    if measure == "policies.enterprises":
        stmt = (stmt.add_columns(AwardLedger.enterprise_id, AwardItem.department_id, AwardLedger.item_code,
                                 func.min(AwardItem.title).label("title"), func.min(AwardLedger.paid_at).label("at"))
                .group_by(AwardLedger.enterprise_id, AwardItem.department_id, AwardLedger.item_code))
        return [Record(f"企业{r.enterprise_id}", r.title, r.department_id, r.item_code, r.at.date(), 1)
                for r in session.execute(stmt.order_by(AwardLedger.enterprise_id).limit(limit))]
    if measure == "policies.auto_paid_fen":
        stmt = stmt.where(AwardItem.auto_grant.is_(True))
    stmt = stmt.add_columns(AwardLedger.payment_reference, AwardItem.title, AwardItem.department_id,
                            AwardLedger.item_code, AwardLedger.paid_at, AwardLedger.amount_fen)
    return [Record(r.payment_reference, r.title, r.department_id, r.item_code, r.paid_at.date(), float(r.amount_fen))
            for r in session.execute(stmt.order_by(AwardLedger.paid_at, AwardLedger.id).limit(limit))]


PROVIDER = MeasureProvider("policies", "惠企政策", MEASURES, measure_counts, measure_records)
