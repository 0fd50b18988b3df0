"""What cases offer the indicators (common.measures): per department × item, in one GROUP BY per date
column — measures of accepted cases by acceptance date, of completed cases by completion date.

- 网上可办 / 全程网办: the item's 网办深度 in the published catalogue (a bundle counts as neither);
  全程网办 also needs the application made online; 零跑动: applied online and the result mailed;
- 即办: a promised limit of 0 working days; 按时办结: completed and never overdue;
- handling days: calendar days from acceptance to completion; statutory days: the item's 法定时限.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import DateTime, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from onewindow.cases.models import Application, Case
from onewindow.catalog import service as catalog
from onewindow.common.measures import Measure, MeasureProvider, MeasureRow, Record, month_key, utc_bounds

MEASURES = (
    Measure("cases.accepted", "受理件数"), Measure("cases.online_doable", "网上可办件数"),
    Measure("cases.fully_online", "全程网办件数"), Measure("cases.zero_visit", "零跑动件数"),
    Measure("cases.instant", "即办件数"), Measure("cases.overdue", "超期件数"),
    Measure("cases.completed", "办结件数"), Measure("cases.completed_on_time", "按时办结件数"),
    Measure("cases.handling_days", "实际办理天数", "天"), Measure("cases.promised_days", "承诺时限天数", "天"),
    Measure("cases.statutory_days", "法定时限天数", "天"),
    Measure("cases.statutory_saved_days", "承诺较法定压缩天数", "天"),
    Measure("cases.handling_saved_days", "实际较法定压缩天数", "天"),
)
ACCEPTED = {"cases.accepted", "cases.online_doable", "cases.fully_online", "cases.zero_visit", "cases.instant",
            "cases.overdue"}


def _handling_days(session: Session):
    """Days from 00:00 Beijing of the acceptance date to the completion moment (+8 h: UTC to Beijing)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(Case.completed_at) + 8 / 24.0 - func.julianday(Case.accepted_on)
    return (func.extract("epoch", Case.completed_at - cast(Case.accepted_on, DateTime(timezone=True))) / 86400.0
            + 8 / 24.0)


def _specs(session: Session, items):
    """measure → (condition, value): each measure is a filter over the joined rows and what a row adds."""
    online = items.c.online_depth.in_(("网上可办", "全程网办"))
    done = Case.completed_at.is_not(None)
    statutory = func.coalesce(items.c.statutory_limit_days, 0)
    handling = _handling_days(session)
    one = literal(1)
    return {
        "cases.accepted": (literal(True), one),
        "cases.online_doable": (online, one),
        "cases.fully_online": (and_(items.c.online_depth == "全程网办", Application.channel == "online"), one),
        "cases.zero_visit": (and_(Application.channel == "online", Case.delivery_method == "mail"), one),
        "cases.instant": (Case.limit_days == 0, one),
        "cases.overdue": (Case.sla_state == "overdue", one),
        "cases.completed": (done, one),
        "cases.completed_on_time": (and_(done, Case.sla_state != "overdue"), one),
        "cases.handling_days": (done, handling),
        "cases.promised_days": (done, Case.limit_days),
        "cases.statutory_days": (and_(done, items.c.code.is_not(None)), statutory),
        "cases.statutory_saved_days": (and_(done, items.c.code.is_not(None)), statutory - Case.limit_days),
        "cases.handling_saved_days": (and_(done, items.c.code.is_not(None)), statutory - handling),
    }


def _base(items, *, accepted: bool, period_start: date, period_end: date):
    stmt = (select().select_from(Case).join(Application, Application.id == Case.application_id)
            .outerjoin(items, and_(Application.target_kind == "item", items.c.code == Application.target_code)))
    if accepted:
        return stmt.where(Case.accepted_on >= period_start, Case.accepted_on <= period_end)
    lo, hi = utc_bounds(period_start, period_end)
    return stmt.where(Case.completed_at >= lo, Case.completed_at < hi)


def measure_counts(session: Session, *, period_start: date, period_end: date,
                   by_month: bool = False) -> list[MeasureRow]:
    """Every case measure of the period per lead department × item (the application's target code), and
    per Beijing month of the measure's date when `by_month`."""
    items = catalog.item_facts_query().subquery()
    specs = _specs(session, items)
    rows: list[MeasureRow] = []
    for accepted in (True, False):
        names = [n for n in specs if (n in ACCEPTED) == accepted]
        cols = [func.sum(case((specs[n][0], specs[n][1]), else_=0)).label(f"m{i}") for i, n in enumerate(names)]
        keys = [Case.lead_department_id, Application.target_code]
        if by_month:
            keys.append((month_key(session, Case.accepted_on) if accepted
                         else month_key(session, Case.completed_at, moment=True)).label("month"))
        stmt = (_base(items, accepted=accepted, period_start=period_start, period_end=period_end)
                .add_columns(*cols, *keys).group_by(*keys))
        for row in session.execute(stmt):
            month = row[-1] if by_month else None
            for i, n in enumerate(names):
                if row[i]:
                    rows.append(MeasureRow(n, row[len(names)], row[len(names) + 1], float(row[i]), month))
    return rows


def monthly_counts(session: Session, *, period_start: date, period_end: date) -> list[MeasureRow]:
    return measure_counts(session, period_start=period_start, period_end=period_end, by_month=True)


def measure_records(session: Session, *, measure: str, period_start: date, period_end: date,
                    department_ids: list[int] | None = None, item_code: str | None = None,
                    limit: int = 500) -> list[Record]:
    """The cases behind one cell of `measure`: their values add up to the cell's count."""
    items = catalog.item_facts_query().subquery()
    cond, value = _specs(session, items)[measure]
    stmt = (_base(items, accepted=measure in ACCEPTED, period_start=period_start, period_end=period_end)
            .add_columns(Case.code, Case.title, Case.lead_department_id, Application.target_code, Case.accepted_on,
                         value.label("v")).where(cond).order_by(Case.accepted_on, Case.code).limit(limit))
    if department_ids is not None:
        stmt = stmt.where(Case.lead_department_id.in_(department_ids))
    if item_code:
        stmt = stmt.where(Application.target_code == item_code)
    return [Record(r.code, r.title, r.lead_department_id, r.target_code, r.accepted_on, float(r.v or 0),
                   f"/cases/{r.code}") for r in session.execute(stmt)]


PROVIDER = MeasureProvider("cases", "办件", MEASURES, measure_counts, measure_records, monthly_counts)
