"""月调度 (monthly dispatch) and 季通报 (quarterly bulletin): a snapshot of rankings, indicators off target,
overdue cases by unit and open rectifications, as a printable page, a PDF (headless Chromium printing
the same page, Noto CJK fonts, the charts drawn as SVG) and xlsx. Publishing freezes the period, opens a
整改事项 for every department off target, and the next report lists what became of them
("见人、见事、见结果")."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.common import audit
from onewindow.common.errors import Conflict, NotFound, ValidationFailed
from onewindow.common.security import Principal
from onewindow.db import utcnow
from onewindow.indicators import periods as P
from onewindow.indicators import service as S
from onewindow.indicators import views as V
from onewindow.indicators.definitions import meets
from onewindow.indicators.models import IndicatorReport
from onewindow.rectification import service as rectification

KINDS = {"monthly": "月调度", "quarterly": "季通报"}
RANKED = ("ASBJ", "HPL", "WSKB", "QCWB", "CPZG", "AQZG")  # the indicators ranked in every report


def _kind(kind: str, period: str) -> None:
    if kind not in KINDS:
        raise ValidationFailed.one("类型须为月调度或季通报", field="kind", label="类型")
    P.bounds(period)
    if (kind == "quarterly") != ("Q" in period):
        raise ValidationFailed.one("月调度的期次为月份（2026-05），季通报为季度（2026-Q2）", field="period", label="期次")


def _off_target(session: Session, period: str) -> list[dict]:
    out = []
    for x in S.list_definitions(session):
        d = x.definition
        if not x.has_source or d.target is None:
            continue
        for f in S.figures(session, period=period, code=d.code, unit_kind="department"):
            if meets(d.direction, f.value, d.target) is False:
                out.append({"code": d.code, "name": d.name, "department_id": int(f.unit_key), "unit": f.unit_label,
                            "value": f.value, "target": d.target, "measure_unit": d.unit})
    return out


def _followups(session: Session, kind: str, period: str) -> list[list]:
    before = session.scalar(select(IndicatorReport).where(IndicatorReport.kind == kind,
                                                          IndicatorReport.period == P.previous(period)))
    rows = []
    for opened in (before.content.get("opened", []) if before else []):
        ref = rectification.item_ref(session, item_id=opened["item_id"])
        if ref is not None:
            rows.append([opened["unit"], opened["name"], ref.status_label, str(ref.deadline),
                         str(ref.closed_on or "—"), "按期" if ref.on_time else ("逾期" if ref.closed else "—")])
    return rows


def _content(session: Session, *, actor: Principal, kind: str, period: str) -> dict:
    tables: list[V.Table] = [V.gaps(session, period)]
    listed = {x.definition.code: x for x in S.list_definitions(session)}
    for code in RANKED:
        if code in listed and listed[code].has_source:
            tables.append(V.ranking(session, listed[code].definition, period, "county"))
            tables.append(V.ranking(session, listed[code].definition, period, "department"))
    off = _off_target(session, period)
    tables.append(V.Table("off", "未达标单位", ["指标", "单位", "数值", "目标值"],
                          [[o["name"], o["unit"], o["value"], o["target"]] for o in off], "none"))
    overdue = [f for f in S.figures(session, period=period, code="CQJS", unit_kind="department") if f.value]
    tables.append(V.Table("overdue", "超期办件（按单位）", ["单位", "超期件数"],
                          [[f.unit_label, f.value] for f in sorted(overdue, key=lambda f: -f.value)], "bar",
                          [f"/indicators/drill?code=CQJS&period={period}&unit_kind=department&unit_key={f.unit_key}"
                           for f in sorted(overdue, key=lambda f: -f.value)]))
    lines = rectification.ledger(session, actor=actor)
    tables.append(V.Table("rectification", "整改事项（按单位）", ["单位", "事项总数", "其中超期未销号", "按期销号"],
                          [[u.department_name, u.total, u.overdue, u.on_time_closed] for u in lines], "none"))
    tables.append(V.Table("followup", "上期通报整改落实情况", ["单位", "指标", "整改状态", "整改期限", "销号日期", "是否按期"],
                          _followups(session, kind, period), "none"))
    return {"period": period, "label": P.label(period), "kind": kind, "off_target": off,
            "tables": [asdict(t) for t in tables]}


def generate(session: Session, *, actor: Principal, kind: str, period: str) -> IndicatorReport:
    """(Re)generate the report of a period from the figures as they stand; a published one stays."""
    S.require_supervisor(actor)
    _kind(kind, period)
    S.ensure_builtin(session)
    if not S.is_published(session, period=period):
        S.compute_periods(session, actor=actor, periods=[period])
    report = session.scalar(select(IndicatorReport).where(IndicatorReport.kind == kind, IndicatorReport.period == period))
    if report is not None and report.status == "published":
        raise Conflict(f"{P.label(period)}{KINDS[kind]}已发布，不能重新生成")
    content = _content(session, actor=actor, kind=kind, period=period)
    title = f"营商环境指标{KINDS[kind]}（{P.label(period)}）"
    if report is None:
        report = IndicatorReport(kind=kind, period=period, title=title, status="draft", content=content)
        session.add(report)
    else:
        report.content, report.title, report.generated_at, report.pdf = content, title, utcnow(), None
    session.flush()
    audit.record(session, actor=actor, action="indicator_report.generate", entity_type="indicator_report",
                 entity_id=report.id, after={"kind": kind, "period": period})
    return report


def get(session: Session, *, report_id: int, public: bool = False) -> IndicatorReport:
    report = session.get(IndicatorReport, report_id)
    if report is None or (public and report.status != "published"):
        raise NotFound(f"通报{report_id}不存在")
    return report


def list_reports(session: Session, *, published_only: bool = False) -> list[IndicatorReport]:
    stmt = select(IndicatorReport).order_by(IndicatorReport.period.desc(), IndicatorReport.kind)
    if published_only:
        stmt = stmt.where(IndicatorReport.status == "published")
    return list(session.scalars(stmt))


def publish(session: Session, *, actor: Principal, report_id: int, version: int | None = None,
            limit_days: int | None = None) -> IndicatorReport:
    """Publish: the period is frozen, each department off target gets a 整改事项 with a deadline."""
    S.require_supervisor(actor)
    report = get(session, report_id=report_id)
    if version is not None and version != report.version:
        raise Conflict("通报已被他人修改，请刷新后重试")
    if report.status == "published":
        raise Conflict("通报已发布")
    if not S.is_published(session, period=report.period):
        S.publish_period(session, actor=actor, period=report.period)
    opened = []
    for o in report.content.get("off_target", []):
        ref = rectification.open_item(
            session, source_kind="indicator", source_ref=f"{report.period}:{o['code']}:{o['department_id']}",
            title=f"{report.content['label']}{o['name']}未达标（{V.fmt(o['value'])}{o['measure_unit']}，目标"
                  f"{V.fmt(o['target'])}{o['measure_unit']}）", department_id=o["department_id"], actor=actor,
            limit_days=limit_days)
        opened.append({"item_id": ref.id, "unit": o["unit"], "name": o["name"], "code": o["code"]})
    report.content = {**report.content, "opened": opened}
    report.status, report.published_at, report.published_by = "published", utcnow(), actor.display_name or ""
    report.pdf = None
    session.flush()
    audit.record(session, actor=actor, action="indicator_report.publish", entity_type="indicator_report",
                 entity_id=report.id, after={"period": report.period, "rectifications": len(opened)})
    return report


def xlsx(report: IndicatorReport) -> bytes:
    return V.xlsx([V.Table(**t) for t in report.content.get("tables", [])])
