"""Computing figures: every current definition × period × unit (全市, department, county, item), from the
measures the domains declare. One GROUP BY per provider over all the periods, by month, for the
providers that offer it (else one per period); the roll-ups are sums of cells, so
a county's figure is exactly its departments' records.

A published period is frozen: its figures are not rewritten; a recomputation that would change one is
recorded as a discrepancy (IndicatorDiscrepancy) for the supervisor, never applied silently.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from onewindow.common.time import today
from onewindow.db import bulk_insert, utcnow
from onewindow.indicators import periods as P
from onewindow.indicators.models import (
    IndicatorDefinition,
    IndicatorDiscrepancy,
    IndicatorFigure,
    IndicatorPeriod,
)


def providers() -> dict[str, object]:
    """measure name → its provider, from every registered domain."""
    from onewindow.domains import registry

    return {m.name: p for p in registry().measure_providers() for m in p.measures}


def current_definitions(session: Session) -> list[IndicatorDefinition]:
    return list(session.scalars(select(IndicatorDefinition).where(IndicatorDefinition.current.is_(True))
                                .order_by(IndicatorDefinition.id)))


def available(defn: IndicatorDefinition, known: dict) -> bool:
    return defn.numerator in known and (not defn.denominator or defn.denominator in known)


@dataclass
class Result:
    periods: int = 0
    written: int = 0
    discrepancies: int = 0


Cells = dict[tuple[str, str, str], float]


def _add(out: Cells, row, units: P.Units) -> None:
    out[(row.measure, "all", "all")] += row.value
    if row.department_id is not None:
        out[(row.measure, "department", str(row.department_id))] += row.value
        out[(row.measure, "county", units.county_of.get(row.department_id, P.CITY))] += row.value
    if row.item_code:
        out[(row.measure, "item", row.item_code)] += row.value


def cells_of(session: Session, periods: list[str], known: dict, units: P.Units) -> dict[str, Cells]:
    """period → (measure, unit kind, unit key) → the period's sum, for every measure of every provider.

    A provider with `monthly` counts is asked once for the span of all the periods, grouped by month,
    and each month's row is added to that month and to its quarter; the others once per period."""
    out: dict[str, Cells] = {p: defaultdict(float) for p in periods}
    if not periods:
        return out
    wanted = set(periods)
    span = (min(P.bounds(p)[0] for p in periods), max(P.bounds(p)[1] for p in periods))
    for provider in {id(p): p for p in known.values()}.values():
        if provider.monthly is not None:
            for row in provider.monthly(session, period_start=span[0], period_end=span[1]):
                month = row.month
                for period in (month, P.quarter_of(P.bounds(month)[0])):
                    if period in wanted:
                        _add(out[period], row, units)
            continue
        for period in periods:
            start, end = P.bounds(period)
            for row in provider.counts(session, period_start=start, period_end=end):
                _add(out[period], row, units)
    return out


def cells(session: Session, period: str, known: dict, units: P.Units) -> Cells:
    return cells_of(session, [period], known, units)[period]


def _label(units: P.Units, kind: str, key: str) -> str:
    if kind == "all":
        return "全市"
    if kind == "department":
        return units.names.get(int(key), key)
    if kind == "county":
        return units.county_names.get(key, key)
    return key


def figures_for(session: Session, period: str, *, defs=None, known=None, units=None, sums=None) -> list[dict]:
    """The figures of one period as they come out of the records now (not stored), as indicator_figures
    rows."""
    from onewindow.indicators.definitions import value_of

    known = providers() if known is None else known
    defs = current_definitions(session) if defs is None else defs
    units = P.units(session) if units is None else units
    sums = cells(session, period, known, units) if sums is None else sums
    keys = sorted({(kind, key) for (_, kind, key) in sums} | {("all", "all")})
    wholes = {m.name for p in {id(p): p for p in known.values()}.values() for m in p.measures if m.whole}
    out = []
    now = utcnow()
    for d in defs:
        if not available(d, known):
            continue  # 暂无数据来源: no figure at all, rather than a zero that looks measured
        for kind, key in keys:
            num = sums.get((d.numerator, kind, key), 0.0)
            den = sums.get((d.denominator, "all", "all") if d.denominator in wholes else (d.denominator, kind, key),
                           0.0) if d.denominator else None
            if not num and (not den or d.denominator in wholes) and kind != "all":
                continue
            out.append({"code": d.code, "version": d.version, "period": period, "unit_kind": kind, "unit_key": key,
                        "unit_label": _label(units, kind, key), "numerator": num, "denominator": den,
                        "value": value_of(d.formula, num, den), "computed_at": now})
    return out


def _state(session: Session, period: str) -> IndicatorPeriod:
    row = session.scalar(select(IndicatorPeriod).where(IndicatorPeriod.period == period))
    if row is None:
        row = IndicatorPeriod(period=period, published=False)
        session.add(row)
        session.flush()
    return row


def compute(session: Session, periods: list[str]) -> Result:
    """Recompute the given periods: unpublished ones are replaced; published ones are compared only."""
    known, defs, units = providers(), current_definitions(session), P.units(session)
    periods = list(dict.fromkeys(periods))
    for period in periods:
        P.bounds(period)
    sums = cells_of(session, periods, known, units)
    result = Result()
    for period in periods:
        fresh = figures_for(session, period, defs=defs, known=known, units=units, sums=sums[period])
        state = _state(session, period)
        if state.published:
            result.discrepancies += _compare(session, period, fresh)
        else:
            session.execute(delete(IndicatorFigure).where(IndicatorFigure.period == period))
            bulk_insert(session, IndicatorFigure.__table__, fresh)  # hundreds of thousands of rows at city scale
            result.written += len(fresh)
            state.computed_at = utcnow()
        result.periods += 1
    session.flush()
    return result


def _compare(session: Session, period: str, fresh: list[dict]) -> int:
    stored = {(f.code, f.unit_kind, f.unit_key): f.value
              for f in session.scalars(select(IndicatorFigure).where(IndicatorFigure.period == period))}
    known = {(d.code, d.unit_kind, d.unit_key, d.recomputed_value)
             for d in session.scalars(select(IndicatorDiscrepancy).where(IndicatorDiscrepancy.period == period))}
    found = 0
    for f in fresh:
        key = (f["code"], f["unit_kind"], f["unit_key"])
        old = stored.get(key)
        if key in stored and old == f["value"] or (key not in stored and f["value"] is None):
            continue
        if (*key, f["value"]) in known:
            continue  # already reported
        session.add(IndicatorDiscrepancy(code=f["code"], period=period, unit_kind=f["unit_kind"],
                                         unit_key=f["unit_key"], published_value=old, recomputed_value=f["value"],
                                         found_at=utcnow()))
        found += 1
    return found


def refresh_current(session: Session) -> Result:
    """The incremental refresh the periodic job runs: only the current month and quarter (and the
    previous month, whose late records still arrive); every other period keeps its figures."""
    day = today()
    prev = P.previous(P.month_of(day))
    return compute(session, [prev, P.month_of(day), P.quarter_of(day)])
