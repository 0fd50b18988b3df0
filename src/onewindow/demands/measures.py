"""What demands offer the indicators (common.measures) and the supervisor's rates page: one set of
conditions, counted per lead unit × item over the demands received in a period (the same base as the
supervisor's view, so the dashboard's 12345 figures and /demands/supervision agree).

Which unit a demand counts for (`unit()`): its lead unit (主办) once dispatched; a 直办 demand has none,
so it counts for the department owning the knowledge article it was answered from — the unit the
demand would have gone to, whose published answer spared the dispatch. Without it, 直办率 per unit
was 0 everywhere and only the city's line showed the direct answers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from onewindow.common.measures import Measure, MeasureProvider, MeasureRow, Record, month_key, utc_bounds
from onewindow.common.time import local_date
from onewindow.demands.models import Demand
from onewindow.knowledge import service as knowledge

MEASURES = (Measure("demands.received", "受理诉求数"), Measure("demands.completed", "办结诉求数"),
            Measure("demands.completed_on_time", "按时办结诉求数"), Measure("demands.direct", "直办诉求数"),
            Measure("demands.rated", "回访评价数"), Measure("demands.satisfied", "满意（含基本满意）数"),
            Measure("demands.called", "回访确认解决情况数"), Measure("demands.resolved", "已解决诉求数"),
            Measure("demands.overdue_open", "超期未办结诉求数"))


def conditions() -> dict:
    """measure → the SQL condition a demand meets to count in it (why each: see the Rates properties in views)."""
    closed = Demand.status == "closed"
    return {"demands.received": Demand.id.is_not(None), "demands.completed": closed,
            "demands.completed_on_time": closed & Demand.overdue_ever.is_(False),
            "demands.direct": Demand.direct.is_(True),
            "demands.rated": Demand.satisfaction.is_not(None),
            "demands.satisfied": Demand.satisfaction.in_(("satisfied", "basic")),
            "demands.called": Demand.resolved.is_not(None), "demands.resolved": Demand.resolved.is_(True),
            "demands.overdue_open": (Demand.sla_state == "overdue") & ~closed}


def unit():
    """The unit a demand counts for: the lead unit, else (直办) the owner of the article answered from."""
    return func.coalesce(Demand.lead_department_id, knowledge.owning_department(Demand.article_id))


def counts_once():
    """并单: a merged demand counts once, as its main demand — in the indicators and the rates page alike."""
    return Demand.merged_into_id.is_(None)


def counted(cond):
    return func.sum(case((cond, 1), else_=0))


def _received(period_start: date, period_end: date):
    start, end = utc_bounds(period_start, period_end)
    return (Demand.received_at >= start) & (Demand.received_at < end) & counts_once()


def measure_counts(session: Session, *, period_start: date, period_end: date,
                   by_month: bool = False) -> list[MeasureRow]:
    specs = conditions()
    # the unit a demand counts for: its 主办, or for a 直办 the department owning the article (unit())
    keys = [unit().label("unit"), func.nullif(Demand.item_code, "")]
    if by_month:
        keys.append(month_key(session, Demand.received_at, moment=True))
    stmt = select(*[counted(c) for c in specs.values()], *keys).where(_received(period_start, period_end)).group_by(*keys)
    n = len(specs)
    return [MeasureRow(name, r[n], r[n + 1], float(r[i]), r[n + 2] if by_month else None)
            for r in session.execute(stmt) for i, name in enumerate(specs) if r[i]]


def monthly_counts(session: Session, *, period_start: date, period_end: date) -> list[MeasureRow]:
    return measure_counts(session, period_start=period_start, period_end=period_end, by_month=True)


def measure_records(session: Session, *, measure: str, period_start: date, period_end: date,
                    department_ids: list[int] | None = None, item_code: str | None = None,
                    limit: int = 500) -> list[Record]:
    owner = unit()
    stmt = (select(Demand.code, Demand.subject, owner.label("unit"), Demand.item_code, Demand.received_at)
            .where(_received(period_start, period_end), conditions()[measure])
            .order_by(Demand.received_at, Demand.id).limit(limit))
    if department_ids is not None:
        stmt = stmt.where(owner.in_(department_ids))
    if item_code:
        stmt = stmt.where(Demand.item_code == item_code)
    return [Record(r.code, r.subject, r.unit, r.item_code or None, local_date(r.received_at), 1,
                   f"/demands/{r.code}") for r in session.execute(stmt)]


PROVIDER = MeasureProvider("demands", "12345诉求", MEASURES, measure_counts, measure_records, monthly_counts)
