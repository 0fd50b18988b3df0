"""What the rectification ledger offers the indicators (common.measures): items closed (销号) in the
period per responsible unit, and how many of them by their deadline (按时整改率)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from onewindow.common.measures import Measure, MeasureProvider, MeasureRow, Record
from onewindow.rectification.models import RectificationItem as Item

MEASURES = (Measure("rectification.closed", "整改销号数"), Measure("rectification.closed_on_time", "按期整改销号数"))


def _specs():
    return {"rectification.closed": literal(True), "rectification.closed_on_time": Item.closed_on <= Item.deadline}


def _base(period_start: date, period_end: date):
    return select().select_from(Item).where(Item.closed_on >= period_start, Item.closed_on <= period_end)


def measure_counts(session: Session, *, period_start: date, period_end: date) -> list[MeasureRow]:
    specs = _specs()
    stmt = (_base(period_start, period_end)
            .add_columns(Item.department_id, *[func.sum(case((c, 1), else_=0)) for c in specs.values()])
            .group_by(Item.department_id))
    return [MeasureRow(name, r[0], None, float(r[1 + i])) for r in session.execute(stmt)
            for i, name in enumerate(specs) if r[1 + i]]


def measure_records(session: Session, *, measure: str, period_start: date, period_end: date,
                    department_ids: list[int] | None = None, item_code: str | None = None,
                    limit: int = 500) -> list[Record]:
    if item_code:
        return []  # the ledger's items belong to units, not to catalogue items
    stmt = (_base(period_start, period_end).add_columns(Item.id, Item.title, Item.department_id, Item.closed_on)
            .where(_specs()[measure]).order_by(Item.closed_on, Item.id).limit(limit))
    if department_ids is not None:
        stmt = stmt.where(Item.department_id.in_(department_ids))
    return [Record(str(r.id), r.title, r.department_id, None, r.closed_on, 1, f"/rectification/{r.id}")
            for r in session.execute(stmt)]


PROVIDER = MeasureProvider("rectification", "整改台账", MEASURES, measure_counts, measure_records)
