"""The indicators' public face: definitions (import, export, versions), computing and publishing
periods, reading figures (for dashboards and reports) and the drill-down to the records behind one.

Who may do what: the supervisor (and admin) everything; a department's staff read their own unit's
figures; everybody reads what is published (the public page).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from onewindow.common import audit
from onewindow.common.errors import Conflict, ErrorCollector, Forbidden, NotFound, ValidationFailed
from onewindow.common.roles import Role
from onewindow.common.security import Principal
from onewindow.db import utcnow
from onewindow.indicators import compute as C
from onewindow.indicators import definitions as D
from onewindow.indicators import periods as P
from onewindow.indicators.models import (
    IndicatorDefinition,
    IndicatorDiscrepancy,
    IndicatorFigure,
    IndicatorPeriod,
)

SUPERVISORS = frozenset({Role.supervisor, Role.admin})
NO_SOURCE = "暂无数据来源"


def require_supervisor(actor: Principal | None) -> None:
    if actor is None or actor.role not in SUPERVISORS:
        raise Forbidden("仅限营商环境局/督查人员操作")


def may_read_unit(actor: Principal | None, unit_kind: str, unit_key: str) -> bool:
    if actor is not None and actor.role in SUPERVISORS:
        return True
    return (actor is not None and actor.department_id is not None and unit_kind == "department"
            and unit_key == str(actor.department_id))


# ---------------------------------------------------------------- definitions

def _as_definition(row: IndicatorDefinition) -> D.Definition:
    return D.Definition(code=row.code, name=row.name, category=row.category, formula=row.formula,
                        numerator=row.numerator, denominator=row.denominator, unit=row.unit, direction=row.direction,
                        target=row.target, lead_unit=row.lead_unit, description=row.description,
                        cases=tuple(row.cases or ()))


def save_definitions(session: Session, defs: list[D.Definition]) -> tuple[int, int]:
    """(new versions written, unchanged): a changed definition becomes a new current version."""
    current = {d.code: d for d in C.current_definitions(session)}
    written = unchanged = 0
    for d in defs:
        old = current.get(d.code)
        if old is not None and _as_definition(old) == d:
            unchanged += 1
            continue
        version = 1
        if old is not None:
            old.current = False
            version = old.version + 1
        session.add(IndicatorDefinition(code=d.code, version=version, current=True, name=d.name, category=d.category,
                                        formula=d.formula, numerator=d.numerator, denominator=d.denominator,
                                        unit=d.unit, direction=d.direction, target=d.target, lead_unit=d.lead_unit,
                                        description=d.description, cases=list(d.cases), created_at=utcnow()))
        written += 1
    session.flush()
    return written, unchanged


def ensure_builtin(session: Session) -> None:
    """The platform's own definitions, loaded once (a database without any)."""
    if session.scalar(select(IndicatorDefinition.id).limit(1)) is None:
        save_definitions(session, D.builtin())


def import_definitions(session: Session, *, actor: Principal, filename: str, content: bytes) -> tuple[int, int]:
    """Import a YAML/xlsx file of definitions: every error is reported and nothing is written if any."""
    require_supervisor(actor)
    errors = ErrorCollector()
    defs = D.parse(filename, content, errors)
    errors.raise_if_any("指标定义文件有误，未导入任何内容")
    written, unchanged = save_definitions(session, defs)
    audit.record(session, actor=actor, action="indicator.import", entity_type="indicator", entity_id=0,
                 after={"written": written, "codes": [d.code for d in defs][:50]})
    return written, unchanged


def export_definitions(session: Session, *, fmt: str) -> bytes:
    defs = [_as_definition(r) for r in C.current_definitions(session)]
    if fmt == "xlsx":
        return D.export_xlsx(defs)
    if fmt == "yaml":
        return D.export_yaml(defs)
    raise ValidationFailed.one("导出格式须为 yaml 或 xlsx", field="format", label="格式")


@dataclass(frozen=True)
class Listed:
    definition: IndicatorDefinition
    has_source: bool
    source_note: str  # "" or 暂无数据来源


def list_definitions(session: Session) -> list[Listed]:
    ensure_builtin(session)
    known = C.providers()
    return [Listed(d, C.available(d, known), "" if C.available(d, known) else NO_SOURCE)
            for d in C.current_definitions(session)]


def definition(session: Session, *, code: str) -> IndicatorDefinition:
    row = session.scalar(select(IndicatorDefinition).where(IndicatorDefinition.code == code,
                                                           IndicatorDefinition.current.is_(True)))
    if row is None:
        raise NotFound(f"指标「{code}」不存在")
    return row


# ---------------------------------------------------------------- computing and publishing

def compute_periods(session: Session, *, actor: Principal, periods: list[str]) -> C.Result:
    require_supervisor(actor)
    ensure_builtin(session)
    result = C.compute(session, periods)
    audit.record(session, actor=actor, action="indicator.compute", entity_type="indicator", entity_id=0,
                 after={"period": "、".join(periods), "written": result.written,
                        "discrepancies": result.discrepancies})
    return result


def period_state(session: Session, *, period: str) -> IndicatorPeriod | None:
    return session.scalar(select(IndicatorPeriod).where(IndicatorPeriod.period == period))


def is_published(session: Session, *, period: str) -> bool:
    state = period_state(session, period=period)
    return bool(state and state.published)


def publish_period(session: Session, *, actor: Principal, period: str) -> IndicatorPeriod:
    """Freeze a period: computed once more, then its figures never change."""
    require_supervisor(actor)
    P.bounds(period)
    if is_published(session, period=period):
        raise Conflict(f"{P.label(period)}已发布，数据已冻结")
    C.compute(session, [period])
    state = period_state(session, period=period)
    state.published, state.published_at, state.published_by = True, utcnow(), actor.display_name or ""
    audit.record(session, actor=actor, action="indicator.publish", entity_type="indicator", entity_id=state.id,
                 after={"period": period})
    return state


def discrepancies(session: Session, *, period: str | None = None) -> list[IndicatorDiscrepancy]:
    stmt = select(IndicatorDiscrepancy).order_by(IndicatorDiscrepancy.id.desc())
    if period:
        stmt = stmt.where(IndicatorDiscrepancy.period == period)
    return list(session.scalars(stmt.limit(200)))


def published_periods(session: Session) -> list[str]:
    return list(session.scalars(select(IndicatorPeriod.period).where(IndicatorPeriod.published.is_(True))
                                .order_by(IndicatorPeriod.period)))


# ---------------------------------------------------------------- reading figures

def figures(session: Session, *, period: str | None = None, periods: list[str] | None = None,
            code: str | None = None, unit_kind: str | None = None, unit_key: str | None = None,
            published_only: bool = False) -> list[IndicatorFigure]:
    stmt = select(IndicatorFigure)
    if period:
        stmt = stmt.where(IndicatorFigure.period == period)
    if periods is not None:
        stmt = stmt.where(IndicatorFigure.period.in_(periods))
    if code:
        stmt = stmt.where(IndicatorFigure.code == code)
    if unit_kind:
        stmt = stmt.where(IndicatorFigure.unit_kind == unit_kind)
    if unit_key:
        stmt = stmt.where(IndicatorFigure.unit_key == unit_key)
    if published_only:
        stmt = stmt.where(IndicatorFigure.period.in_(select(IndicatorPeriod.period)
                                                     .where(IndicatorPeriod.published.is_(True))))
    return list(session.scalars(stmt.order_by(IndicatorFigure.period, IndicatorFigure.code, IndicatorFigure.unit_key)))


def figure(session: Session, *, code: str, period: str, unit_kind: str = "all", unit_key: str = "all"):
    return session.scalar(select(IndicatorFigure).where(
        IndicatorFigure.code == code, IndicatorFigure.period == period, IndicatorFigure.unit_kind == unit_kind,
        IndicatorFigure.unit_key == unit_key))


@dataclass
class Drill:
    definition: IndicatorDefinition
    period: str
    unit_kind: str
    unit_key: str
    part: str  # numerator / denominator
    measure: str
    measure_label: str
    records: list
    total: float
    complete: bool  # False when more records exist than were listed


def drill_down(session: Session, *, actor: Principal | None, code: str, period: str, unit_kind: str = "all",
               unit_key: str = "all", part: str = "numerator", limit: int = 500) -> Drill:
    """The records behind one figure's numerator (or denominator): their values add up to it."""
    if not may_read_unit(actor, unit_kind, unit_key):
        raise Forbidden("只能查看本单位的指标明细")
    if unit_kind not in P.UNIT_KINDS:
        raise ValidationFailed.one("单位类型须为全市、部门、县（市、区）或事项", field="unit_kind", label="单位类型")
    d = definition(session, code=code)
    measure = d.numerator if part == "numerator" else d.denominator
    if part not in ("numerator", "denominator") or not measure:
        raise ValidationFailed.one("明细须为分子或分母", field="part", label="明细")
    provider = C.providers().get(measure)
    if provider is None:
        raise NotFound(f"{d.name}{NO_SOURCE}")
    start, end = P.bounds(period)
    dept_ids = item = None
    if unit_kind == "department":
        dept_ids = [int(unit_key)] if unit_key.isdigit() else []
    elif unit_kind == "county":
        dept_ids = P.units(session).members(unit_key)
    elif unit_kind == "item":
        item = unit_key
    records = list(provider.records(session, measure=measure, period_start=start, period_end=end,
                                    department_ids=dept_ids, item_code=item, limit=limit + 1))
    complete = len(records) <= limit
    records = records[:limit]
    label = next((m.label for m in provider.measures if m.name == measure), measure)
    return Drill(d, period, unit_kind, unit_key, part, measure, label, records,
                 round(sum(r.value for r in records), 2), complete)
