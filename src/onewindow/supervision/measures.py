"""What 监管 offers the indicators (common.measures): visits per credit grade (户均检查次数, "A 类无事不扰").

- ``supervision.inspections_<g>``: on-site visits made (status 已检查) in the period to enterprises of grade
  g, one per visit: a joint visit (进一次门、查多项事) is one door opened, so it counts once, at the first of
  its departments, and the city's figure is the sum of the departments'. The grade is the one the draw
  used (the pick's grade) for a planned or joint visit, else the enterprise's current grade — so a visit
  whose findings lowered the grade still counts where it was drawn.
- ``supervision.enterprises_<g>``: the enterprises graded g now, the population every unit's figure is
  divided by (``Measure.whole``): a department's 户均 is its own visits over the city's grade-g
  enterprises, so the departments' figures add up to the city's.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from onewindow.common.measures import Measure, MeasureProvider, MeasureRow, Record
from onewindow.sharing import service as sharing
from onewindow.supervision.models import CreditGrade, Inspection, Pick
from onewindow.supervision.states import GRADES, KINDS

MEASURES = (*(Measure(f"supervision.inspections_{g.lower()}", f"{g}级企业入企检查次数", "次") for g in GRADES),
            *(Measure(f"supervision.enterprises_{g.lower()}", f"{g}级企业数", "家", whole=True) for g in GRADES))


def _visits(session: Session, period_start: date, period_end: date) -> list[tuple]:
    """(inspection, its grade, the department it counts for) for the visits made in the period."""
    drawn = select(func.min(Pick.grade)).where(Pick.inspection_id == Inspection.id).scalar_subquery()
    rows = session.execute(
        select(Inspection, drawn, CreditGrade.grade)
        .outerjoin(CreditGrade, CreditGrade.enterprise_id == Inspection.enterprise_id)
        .where(Inspection.status == "visited", Inspection.visit_on >= period_start, Inspection.visit_on <= period_end)
        .order_by(Inspection.visit_on, Inspection.id)).all()
    # an enterprise not graded yet counts as B (基本守信), as the draw treats it (credit.grades_for)
    return [(insp, drawn or now or "B", (insp.department_ids or [None])[0]) for insp, drawn, now in rows]


def measure_counts(session: Session, *, period_start: date, period_end: date) -> list[MeasureRow]:
    visits = Counter((grade, dept) for _, grade, dept in _visits(session, period_start, period_end))
    out = [MeasureRow(f"supervision.inspections_{g.lower()}", dept, None, float(n)) for (g, dept), n in visits.items()]
    graded = session.execute(select(CreditGrade.grade, func.count()).group_by(CreditGrade.grade)).all()
    out += [MeasureRow(f"supervision.enterprises_{g.lower()}", None, None, float(n)) for g, n in graded if n]
    return out


def measure_records(session: Session, *, measure: str, period_start: date, period_end: date,
                    department_ids: list[int] | None = None, item_code: str | None = None,
                    limit: int = 500) -> list[Record]:
    if item_code:
        return []  # visits are not tied to a service item
    kind, grade = measure.removeprefix("supervision.").split("_")
    grade = grade.upper()
    if kind == "enterprises":  # the whole population, whichever unit asks (Measure.whole)
        ids = list(session.scalars(select(CreditGrade.enterprise_id).where(CreditGrade.grade == grade)
                                   .order_by(CreditGrade.enterprise_id).limit(limit)))
        names = sharing.enterprise_names(session, ids=ids)
        return [Record(f"{grade}级", names.get(i, ""), None, None, None, 1) for i in ids]
    rows = [(insp, dept) for insp, g, dept in _visits(session, period_start, period_end) if g == grade
            and (department_ids is None or dept in department_ids)][:limit]
    names = sharing.enterprise_names(session, ids=[insp.enterprise_id for insp, _ in rows])
    return [Record(f"检查{insp.id}", f"{names.get(insp.enterprise_id, '')}（{KINDS.get(insp.kind, '')}）", dept,
                   None, insp.visit_on, 1, "/supervision/inspections") for insp, dept in rows]


PROVIDER = MeasureProvider("supervision", "入企检查", MEASURES, measure_counts, measure_records)
