"""What ratings offer the indicators (common.measures), by the date rated, per department × item; the
same counting rules as ratings.stats (an upheld appeal's rating counts nowhere)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import Session

from onewindow.common.measures import Measure, MeasureProvider, MeasureRow, Record
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


def measure_counts(session: Session, *, period_start: date, period_end: date) -> list[MeasureRow]:
    specs = _specs()
    cols = [func.sum(case((cond, 1), else_=0)) for cond in specs.values()]
    stmt = (_base(period_start, period_end).add_columns(RatingMatter.department_id, RatingMatter.item_code, *cols)
            .group_by(RatingMatter.department_id, RatingMatter.item_code))
    rows = [MeasureRow(name, r[0], r[1], float(r[2 + i])) for r in session.execute(stmt)
            for i, name in enumerate(specs) if r[2 + i]]
    # 差评整改: the ledger is another package's; the real-name bad ratings are few, so ask it for them.
    bad = session.execute(_base(period_start, period_end).add_columns(Rating.id, RatingMatter.department_id,
                                                                      RatingMatter.item_code)
                          .where(specs["ratings.real_bad"])).all()
    done = _rectified(session, [b.id for b in bad])
    cells: dict[tuple, int] = {}
    for b in bad:
        if b.id in done:
            cells[(b.department_id, b.item_code)] = cells.get((b.department_id, b.item_code), 0) + 1
    rows += [MeasureRow("ratings.bad_rectified", d, i, float(n)) for (d, i), n in cells.items()]
    return rows


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


PROVIDER = MeasureProvider("ratings", "好差评", MEASURES, measure_counts, measure_records)
