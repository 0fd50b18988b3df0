"""What ratings offer the indicators (common.measures), by the date rated, per department × item; the
same counting rules as ratings.stats (an upheld appeal's rating counts nowhere)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import String, case, cast, func, literal, select
from sqlalchemy.orm import Session

from onewindow.common.measures import Measure, MeasureProvider, MeasureRow, Record, month_key
from onewindow.ratings.models import Rating, RatingMatter
from onewindow.ratings.states import BAD
from onewindow.rectification import service as rectification

MEASURES = (Measure("ratings.rated", "评价数"), Measure("ratings.good", "好评数"),
            Measure("ratings.real_bad", "实名差评数"), Measure("ratings.bad_rectified", "差评已整改销号数"))


def _specs():
    return {"ratings.rated": literal(True), "ratings.good": Rating.level.not_in(BAD),
            "ratings.real_bad": Rating.level.in_(BAD) & Rating.real_name.is_(True)}


def _base(period_start: date, period_end: date):
    return (select().select_from(Rating).join(RatingMatter, Rating.matter_id == RatingMatter.id)
            .where(Rating.excluded.is_(False), Rating.rated_on >= period_start, Rating.rated_on <= period_end))


def _rectified(session: Session, ids: list[int]) -> set[int]:
    items = rectification.items_for_source(session, source_kind="rating", source_refs=[str(i) for i in ids])
    return {int(ref) for ref, item in items.items() if item.closed}


def measure_counts(session: Session, *, period_start: date, period_end: date,
                   by_month: bool = False) -> list[MeasureRow]:
    """Per department × item (× Beijing month when `by_month`) in one GROUP BY; 差评整改 joins the
    ledger's outcomes in SQL (rectification.source_outcomes, as ratings.stats does)."""
    specs = _specs()
    outcomes = rectification.source_outcomes(source_kind="rating")
    conds = [*specs.values(), specs["ratings.real_bad"] & (outcomes.c.closed == 1)]
    names = [*specs, "ratings.bad_rectified"]
    n = len(names)
    keys = [RatingMatter.department_id, RatingMatter.item_code]
    if by_month:
        keys.append(month_key(session, Rating.rated_on))
    stmt = (_base(period_start, period_end).add_columns(*[func.sum(case((c, 1), else_=0)) for c in conds], *keys)
            .outerjoin(outcomes, outcomes.c.source_ref == cast(Rating.id, String)).group_by(*keys))
    return [MeasureRow(name, r[n], r[n + 1], float(r[i]), r[n + 2] if by_month else None)
            for r in session.execute(stmt) for i, name in enumerate(names) if r[i]]


def monthly_counts(session: Session, *, period_start: date, period_end: date) -> list[MeasureRow]:
    return measure_counts(session, period_start=period_start, period_end=period_end, by_month=True)


def measure_records(session: Session, *, measure: str, period_start: date, period_end: date,
                    department_ids: list[int] | None = None, item_code: str | None = None,
                    limit: int = 500) -> list[Record]:
    cond = _specs()["ratings.real_bad" if measure == "ratings.bad_rectified" else measure]
    stmt = (_base(period_start, period_end).add_columns(Rating.id, RatingMatter.title, RatingMatter.department_id,
                                                        RatingMatter.item_code, Rating.rated_on)
            .where(cond).order_by(Rating.rated_on, Rating.id))
    if department_ids is not None:
        stmt = stmt.where(RatingMatter.department_id.in_(department_ids))
    if item_code:
        stmt = stmt.where(RatingMatter.item_code == item_code)
    rows = session.execute(stmt if measure == "ratings.bad_rectified" else stmt.limit(limit)).all()
    if measure == "ratings.bad_rectified":
        done = _rectified(session, [r.id for r in rows])
        rows = [r for r in rows if r.id in done][:limit]
    return [Record(str(r.id), r.title, r.department_id, r.item_code, r.rated_on, 1, "")
            for r in rows]


PROVIDER = MeasureProvider("ratings", "好差评", MEASURES, measure_counts, measure_records, monthly_counts)
