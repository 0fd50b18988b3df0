"""What the dashboards and reports show, as tables: each chart is drawn from its table (the same rows a
person reads beside it and exports to xlsx), so a chart never shows a figure the table does not."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from onewindow.indicators import compute as C
from onewindow.indicators import periods as P
from onewindow.indicators import service as S
from onewindow.indicators.definitions import DIRECTIONS, meets
from onewindow.indicators.models import IndicatorDefinition, IndicatorFigure


@dataclass
class Table:
    key: str  # trend / ranking / county / gaps / tree
    title: str
    headers: list[str]
    rows: list[list]
    chart: str = "bar"  # bar / line / tree / none
    links: list[str] = field(default_factory=list)  # the drill-down of each row, when any
    x: int = 0  # the column of the chart's categories
    y: int = 1  # the column of its values

    def chart_data(self) -> dict:
        """What the chart script reads (data-table): the rows, their headers and the columns to plot."""
        return {"key": self.key, "chart": self.chart, "headers": self.headers, "rows": self.rows, "x": self.x,
                "y": self.y}


def fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text}{unit if unit in ('%',) else ''}"


def _sorted(figs: list[IndicatorFigure], d: IndicatorDefinition) -> list[IndicatorFigure]:
    have = [f for f in figs if f.value is not None]
    return sorted(have, key=lambda f: (-(f.value) if d.direction == "higher" else f.value, f.unit_label))


def trend(session: Session, d: IndicatorDefinition, months: list[str], *, unit_kind="all", unit_key="all",
          published_only=False) -> Table:
    by = {f.period: f for f in S.figures(session, periods=months, code=d.code, unit_kind=unit_kind, unit_key=unit_key,
                                         published_only=published_only)}
    rows = [[P.label(m), by[m].value if m in by else None, d.target] for m in months]
    return Table("trend", f"{d.name}月度趋势", ["月份", f"{d.name}（{d.unit}）", "目标值"], rows, "line")


def ranking(session: Session, d: IndicatorDefinition, period: str, unit_kind: str) -> Table:
    figs = _sorted(S.figures(session, period=period, code=d.code, unit_kind=unit_kind), d)
    rows = [[i + 1, f.unit_label, f.value, f.numerator, f.denominator,
             {True: "达标", False: "未达标", None: "—"}[meets(d.direction, f.value, d.target)]]
            for i, f in enumerate(figs)]
    links = [f"/indicators/drill?code={d.code}&period={period}&unit_kind={unit_kind}&unit_key={f.unit_key}"
             for f in figs]
    what = P.UNIT_KINDS[unit_kind]
    return Table("ranking" if unit_kind == "department" else unit_kind, f"{d.name}{what}排名（{P.label(period)}）",
                 ["名次", what, f"{d.name}（{d.unit}）", "分子", "分母", "目标"], rows, "bar", links, 1, 2)


def gaps(session: Session, period: str, *, unit_kind="all", unit_key="all", published_only=False) -> Table:
    """Every indicator of the unit against its target; those without a source say so."""
    figs = {f.code: f for f in S.figures(session, period=period, unit_kind=unit_kind, unit_key=unit_key,
                                         published_only=published_only)}
    rows, links = [], []
    for x in S.list_definitions(session):
        d, f = x.definition, figs.get(x.definition.code)
        value = f.value if f else None
        gap = None if value is None or d.target is None else round(value - d.target, 2)
        state = x.source_note or {True: "达标", False: "未达标", None: "—"}[meets(d.direction, value, d.target)]
        rows.append([d.name, value if x.has_source else S.NO_SOURCE, d.unit, d.target, gap, DIRECTIONS[d.direction],
                     state, d.lead_unit])
        links.append(f"/indicators/drill?code={d.code}&period={period}&unit_kind={unit_kind}&unit_key={unit_key}"
                     if f else "")
    return Table("gaps", f"指标达标情况（{P.label(period)}）",
                 ["指标", "数值", "单位", "目标值", "与目标差距", "方向", "状态", "牵头单位"], rows, "bar", links, 0, 4)


def region_tree(session: Session, d: IndicatorDefinition, period: str) -> Table:
    """County → its departments, each with the figure; the table is the tree flattened."""
    units = P.units(session)
    figs = {(f.unit_kind, f.unit_key): f for f in S.figures(session, period=period, code=d.code)}
    rows = []
    for county, name in sorted(units.county_names.items(), key=lambda kv: kv[0] != P.CITY):
        c = figs.get(("county", county))
        if c is None:
            continue
        rows.append([name, "", c.value])
        for dept in units.members(county):
            f = figs.get(("department", str(dept)))
            if f is not None:
                rows.append([name, units.names[dept], f.value])
    return Table("tree", f"{d.name}区域分布（{P.label(period)}）", ["县（市、区）", "部门", f"{d.name}（{d.unit}）"], rows,
                 "tree")


def latest_period(session: Session, *, published_only=False) -> str | None:
    periods = S.published_periods(session) if published_only else sorted(
        {f.period for f in S.figures(session, unit_kind="all", code=None) if "Q" not in f.period})
    months = [p for p in periods if "Q" not in p]
    return months[-1] if months else None


def chosen(session: Session, code: str | None) -> IndicatorDefinition | None:
    listed = [x for x in S.list_definitions(session) if x.has_source]
    return next((x.definition for x in listed if x.definition.code == code), listed[0].definition if listed else None)


def dashboard(session: Session, *, period: str, code: str | None) -> tuple[IndicatorDefinition | None, list[Table]]:
    d = chosen(session, code)
    if d is None:
        return None, []
    start, _ = P.bounds(period)
    months = P.months_back(start, 12)
    return d, [trend(session, d, months), ranking(session, d, period, "department"),
               ranking(session, d, period, "county"), gaps(session, period), region_tree(session, d, period)]


def xlsx(tables: list[Table]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for t in tables:
        ws = book.create_sheet(t.title[:31].replace("/", "／"))
        ws.append(t.headers)
        for row in t.rows:
            ws.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def known_measures() -> set[str]:
    return set(C.providers())
