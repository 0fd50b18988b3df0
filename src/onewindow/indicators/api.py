"""Indicators API: definitions (list, import, export), computing, figures, drill-down, reports."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, UploadFile
from fastapi.responses import Response

from onewindow.common.api import ERRORS
from onewindow.common.http import CurrentUser, DbSession, MaybeUser
from onewindow.common.schemas import MAX_ID
from onewindow.common.uploads import read_upload
from onewindow.indicators import reports
from onewindow.indicators import service as S
from onewindow.indicators.schemas import (
    ComputeIn,
    ComputeOut,
    DefinitionOut,
    DrillOut,
    FigureOut,
    ImportOut,
    RecordOut,
    ReportIn,
    ReportOut,
)

router = APIRouter(prefix="/indicators", tags=["监测评价"], responses=ERRORS)
MEDIA = {"yaml": "application/yaml",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _fig(f) -> FigureOut:
    return FigureOut(code=f.code, version=f.version, period=f.period, unit_kind=f.unit_kind, unit_key=f.unit_key,
                     unit_label=f.unit_label, numerator=f.numerator, denominator=f.denominator, value=f.value)


def _report(r) -> ReportOut:
    return ReportOut(id=r.id, kind=r.kind, period=r.period, title=r.title, status=r.status, version=r.version,
                     rectifications=len(r.content.get("opened", [])))


@router.get("/definitions", response_model=list[DefinitionOut])
def definitions(session: DbSession):
    return [DefinitionOut(code=x.definition.code, version=x.definition.version, name=x.definition.name,
                          category=x.definition.category, formula=x.definition.formula,
                          numerator=x.definition.numerator, denominator=x.definition.denominator,
                          unit=x.definition.unit, direction=x.definition.direction, target=x.definition.target,
                          lead_unit=x.definition.lead_unit, has_source=x.has_source, source_note=x.source_note)
            for x in S.list_definitions(session)]


@router.get("/definitions/export", response_class=Response,
            responses={200: {"content": {"application/yaml": {}, "application/vnd.openxmlformats-officedocument"
                                         ".spreadsheetml.sheet": {}}}})
def export(session: DbSession, principal: CurrentUser, format: Literal["yaml", "xlsx"] = Query("yaml")):
    S.require_supervisor(principal)
    S.ensure_builtin(session)
    return Response(S.export_definitions(session, fmt=format), media_type=MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="indicators.{format}"'})


@router.post("/definitions/import", response_model=ImportOut)
async def import_(session: DbSession, principal: CurrentUser, file: UploadFile = File(...)):
    name, content = await read_upload(file, suffixes=(".yaml", ".yml", ".xlsx"))
    written, unchanged = S.import_definitions(session, actor=principal, filename=name, content=content)
    return ImportOut(written=written, unchanged=unchanged)


@router.post("/compute", response_model=ComputeOut)
def compute(body: ComputeIn, session: DbSession, principal: CurrentUser):
    r = S.compute_periods(session, actor=principal, periods=body.periods)
    return ComputeOut(periods=r.periods, written=r.written, discrepancies=r.discrepancies)


@router.get("/figures", response_model=list[FigureOut])
def figures(session: DbSession, principal: MaybeUser, period: str = Query(..., max_length=8),
            code: str | None = Query(None, max_length=40),
            unit_kind: Literal["all", "department", "county", "item"] = Query("all")):
    """Published periods for everybody; unpublished ones for the supervisor only."""
    public = principal is None or principal.role not in S.SUPERVISORS
    return [_fig(f) for f in S.figures(session, period=period, code=code, unit_kind=unit_kind, published_only=public)]


@router.get("/drill", response_model=DrillOut)
def drill(session: DbSession, principal: CurrentUser, code: str = Query(..., max_length=40),
          period: str = Query(..., max_length=8), unit_kind: Literal["all", "department", "county", "item"] = "all",
          unit_key: str = Query("all", max_length=40), part: Literal["numerator", "denominator"] = "numerator"):
    d = S.drill_down(session, actor=principal, code=code, period=period, unit_kind=unit_kind, unit_key=unit_key,
                     part=part)
    return DrillOut(code=code, period=period, unit_kind=unit_kind, unit_key=unit_key, part=part, measure=d.measure,
                    measure_label=d.measure_label, total=d.total, complete=d.complete,
                    records=[RecordOut(ref=r.ref, title=r.title, department_id=r.department_id, item_code=r.item_code,
                                       on=r.on.isoformat() if r.on else None, value=r.value, link=r.link)
                             for r in d.records])


@router.post("/periods/{period}/publish", response_model=ComputeOut)
def publish_period(period: str, session: DbSession, principal: CurrentUser):
    S.publish_period(session, actor=principal, period=period)
    return ComputeOut(periods=1, written=0, discrepancies=0)


@router.post("/reports", response_model=ReportOut)
def generate(body: ReportIn, session: DbSession, principal: CurrentUser):
    return _report(reports.generate(session, actor=principal, kind=body.kind, period=body.period))


@router.post("/reports/{report_id}/publish", response_model=ReportOut)
def publish(report_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession, principal: CurrentUser,
            version: int | None = Query(None, ge=1, le=MAX_ID)):
    return _report(reports.publish(session, actor=principal, report_id=report_id, version=version))
