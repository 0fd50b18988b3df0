"""Indicator pages: the supervisor's dashboard, a department's own view, the public page of published
indicators, drill-down, definitions, and the reports (page, PDF, xlsx, publishing). Thin: the service,
views and reports modules decide; here only parameters are read and pages rendered."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile  # what request.form() gives

from onewindow.catalog import service as catalog
from onewindow.common.errors import DomainError, Forbidden, NotFound, ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, MaybeUser, PageUser
from onewindow.common.uploads import read_upload
from onewindow.common.web import attempt, flash_error, render, templates
from onewindow.indicators import pdf, reports
from onewindow.indicators import periods as P
from onewindow.indicators import service as S
from onewindow.indicators import views as V

router = APIRouter()
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(content: bytes, name: str) -> Response:
    from urllib.parse import quote

    return Response(content, media_type=XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"})


def _period(session, period: str | None, *, published_only=False) -> str | None:
    if period:
        P.bounds(period)
        return period
    return V.latest_period(session, published_only=published_only)


@router.get("/indicators")
def dashboard(request: Request, session: DbSession, principal: PageUser,
              period: str | None = Query(None, max_length=8), code: str | None = Query(None, max_length=40)):
    if principal.role not in S.SUPERVISORS:
        if principal.department_id is None:
            raise Forbidden("指标监测仅限营商环境局/督查及各部门查看")
        return RedirectResponse(f"/indicators/unit/{principal.department_id}", status_code=303)
    period = _period(session, period)
    current, tables = V.dashboard(session, period=period, code=code) if period else (None, [])
    return render(request, "indicators/dashboard.html", {
        "period": period, "period_label": P.label(period) if period else "", "listed": S.list_definitions(session),
        "current": current, "tables": tables, "published": bool(period and S.is_published(session, period=period)),
        "discrepancies": S.discrepancies(session, period=period) if period else []}, principal=principal)


@router.get("/indicators/dashboard.xlsx")
def dashboard_xlsx(session: DbSession, principal: PageUser, period: str = Query(..., max_length=8),
                   code: str | None = Query(None, max_length=40), table: int | None = Query(None, ge=0, le=20)):
    S.require_supervisor(principal)
    P.bounds(period)
    _, tables = V.dashboard(session, period=period, code=code)
    if table is not None:
        tables = tables[table:table + 1]
    return _xlsx(V.xlsx(tables), f"营商环境指标{period}.xlsx")


def _unit_tables(session, principal, unit_key: str, period: str | None):
    if not S.may_read_unit(principal, "department", unit_key):
        raise NotFound("单位不存在")
    dept = catalog.department_by_id(session, department_id=int(unit_key)) if unit_key.isdigit() else None
    if dept is None:
        raise NotFound("单位不存在")
    period = _period(session, period)
    tables = []
    if period:
        tables.append(V.gaps(session, period, unit_kind="department", unit_key=unit_key))
        start, _ = P.bounds(period)
        for x in S.list_definitions(session)[:4]:
            if x.has_source:
                tables.append(V.trend(session, x.definition, P.months_back(start, 12), unit_kind="department",
                                      unit_key=unit_key))
    return dept, period, tables


@router.get("/indicators/unit/{unit_key}")
def unit_view(request: Request, unit_key: str, session: DbSession, principal: PageUser,
              period: str | None = Query(None, max_length=8)):
    dept, period, tables = _unit_tables(session, principal, unit_key, period)
    return render(request, "indicators/unit.html", {"unit_label": dept.name, "unit_key": unit_key, "period": period,
                                                    "period_label": P.label(period) if period else "",
                                                    "tables": tables}, principal=principal)


@router.get("/indicators/unit/{unit_key}/xlsx")
def unit_xlsx(unit_key: str, session: DbSession, principal: PageUser, period: str | None = Query(None, max_length=8)):
    dept, period, tables = _unit_tables(session, principal, unit_key, period)
    return _xlsx(V.xlsx(tables), f"{dept.name}指标{period or ''}.xlsx")


def _public_tables(session, period):
    if not period or not S.is_published(session, period=period):
        return []
    return [V.gaps(session, period, published_only=True)]


@router.get("/indicators/public")
def public(request: Request, session: DbSession, principal: MaybeUser, period: str | None = Query(None, max_length=8)):
    period = _period(session, period, published_only=True)
    return render(request, "indicators/public.html", {
        "period": period, "periods": S.published_periods(session), "tables": _public_tables(session, period),
        "reports": reports.list_reports(session, published_only=True)}, principal=principal)


@router.get("/indicators/public.xlsx")
def public_xlsx(session: DbSession, period: str = Query(..., max_length=8)):
    P.bounds(period)
    return _xlsx(V.xlsx(_public_tables(session, period)), f"营商环境指标公开{period}.xlsx")


@router.get("/indicators/drill")
def drill(request: Request, session: DbSession, principal: PageUser, code: str = Query(..., max_length=40),
          period: str = Query(..., max_length=8), unit_kind: str = Query("all", max_length=12),
          unit_key: str = Query("all", max_length=40), part: str = Query("numerator", max_length=12)):
    d = S.drill_down(session, actor=principal, code=code, period=period, unit_kind=unit_kind, unit_key=unit_key,
                     part=part)
    fig = S.figure(session, code=code, period=period, unit_kind=unit_kind, unit_key=unit_key)
    names = {x.id: x.name for x in catalog.departments_by_id(
        session, ids={r.department_id for r in d.records if r.department_id}).values()}
    return render(request, "indicators/drill.html", {
        "drill": d, "figure": fig, "names": names, "total": V.fmt(d.total), "period_label": P.label(period),
        "unit_label": fig.unit_label if fig else P.UNIT_KINDS.get(unit_kind, "")}, principal=principal)


@router.post("/indicators/periods/{period}/publish", dependencies=[CsrfChecked])
async def publish_period(request: Request, period: str, session: DbSession, principal: PageUser):
    def run():
        S.publish_period(session, actor=principal, period=period)
        return RedirectResponse(f"/indicators?period={period}", status_code=303)

    return await attempt(request, session, run, back=f"/indicators?period={period}", done=f"{P.label(period)}指标已发布")


# ---------------------------------------------------------------- reports

@router.get("/indicators/reports")
def report_list(request: Request, session: DbSession, principal: PageUser):
    S.require_supervisor(principal)
    return render(request, "indicators/reports.html", {"reports": reports.list_reports(session)}, principal=principal)


@router.post("/indicators/reports", dependencies=[CsrfChecked])
async def report_generate(request: Request, session: DbSession, principal: PageUser):
    form = await request.form()

    def run():
        r = reports.generate(session, actor=principal, kind=str(form.get("kind", "")), period=str(form.get("period", "")))
        return RedirectResponse(f"/indicators/reports/{r.id}", status_code=303)

    return await attempt(request, session, run, back="/indicators/reports")


def _readable(session, principal, report_id: int):
    public = principal is None or principal.role not in S.SUPERVISORS
    return reports.get(session, report_id=report_id, public=public)


def _tables(report):
    return [V.Table(**t) for t in report.content.get("tables", [])]


@router.get("/indicators/reports/{report_id}")
def report_page(request: Request, report_id: int, session: DbSession, principal: MaybeUser):
    report = _readable(session, principal, report_id)
    return render(request, "indicators/report.html", {
        "report": report, "tables": _tables(report),
        "can_publish": principal is not None and principal.role in S.SUPERVISORS}, principal=principal)


def print_html(report) -> str:
    """The report as one self-contained page (scripts inlined), for printing to PDF."""
    return templates.get_template("indicators/print.html").render(
        report=report, tables=_tables(report), scripts=pdf.inline_scripts())


@router.get("/indicators/reports/{report_id}/pdf")
def report_pdf(report_id: int, session: DbSession, principal: MaybeUser):
    report = _readable(session, principal, report_id)
    content = report.pdf if report.status == "published" and report.pdf else pdf.render(print_html(report))
    if report.status == "published" and not report.pdf:
        report.pdf = content  # a published report never changes: print it once
    from urllib.parse import quote

    return Response(content, media_type="application/pdf",
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(report.title)}.pdf"})


@router.get("/indicators/reports/{report_id}/xlsx")
def report_xlsx(report_id: int, session: DbSession, principal: MaybeUser):
    report = _readable(session, principal, report_id)
    return _xlsx(reports.xlsx(report), f"{report.title}.xlsx")


@router.post("/indicators/reports/{report_id}/publish", dependencies=[CsrfChecked])
async def report_publish(request: Request, report_id: int, session: DbSession, principal: PageUser):
    form = await request.form()
    version = str(form.get("version", ""))

    def run():
        reports.publish(session, actor=principal, report_id=report_id, version=int(version) if version.isdigit() else None)
        return RedirectResponse(f"/indicators/reports/{report_id}", status_code=303)

    return await attempt(request, session, run, back=f"/indicators/reports/{report_id}", done="通报已发布，整改事项已下发")


# ---------------------------------------------------------------- review opinions (审议意见)

@router.get("/indicators/reviews")
def reviews(request: Request, session: DbSession, principal: PageUser):
    from onewindow.indicators import review

    return render(request, "indicators/reviews.html", {
        "opinions": review.list_opinions(session, actor=principal), "sources": review.SOURCES,
        "departments": catalog.department_tree(session), "rows": range(1, 6)}, principal=principal)


@router.post("/indicators/reviews", dependencies=[CsrfChecked])
async def review_record(request: Request, session: DbSession, principal: PageUser):
    from datetime import date

    from onewindow.indicators import review

    form = await request.form()

    def run():
        problems = []
        for i in range(1, 6):
            dept = str(form.get(f"department_{i}", ""))
            problems.append((str(form.get(f"problem_{i}", "")), int(dept) if dept.isdigit() else None))
        raw = str(form.get("received_on", ""))
        try:
            on = date.fromisoformat(raw) if raw else None
        except ValueError:
            on = None
        o = review.record(session, actor=principal, title=str(form.get("title", "")), source=str(form.get("source", "")),
                          received_on=on, text=str(form.get("text", "")), problems=problems)
        return RedirectResponse(f"/indicators/reviews/{o.id}", status_code=303)

    return await attempt(request, session, run, back="/indicators/reviews", done="审议意见已登记，整改事项已下发")


@router.get("/indicators/reviews/{opinion_id}")
def review_page(request: Request, opinion_id: int, session: DbSession, principal: PageUser):
    from onewindow.indicators import review

    opinion, lines, closed = review.closing_report(session, actor=principal, opinion_id=opinion_id)
    return render(request, "indicators/review.html", {"opinion": opinion, "lines": lines, "closed": closed},
                  principal=principal)


# ---------------------------------------------------------------- definitions

@router.get("/indicators/definitions")
def definitions_page(request: Request, session: DbSession, principal: PageUser):
    S.require_supervisor(principal)
    return render(request, "indicators/definitions.html", {"listed": S.list_definitions(session)}, principal=principal)


@router.get("/indicators/definitions/export.{fmt}")
def definitions_export(fmt: str, session: DbSession, principal: PageUser):
    S.require_supervisor(principal)
    S.ensure_builtin(session)
    if fmt not in ("yaml", "xlsx"):
        raise NotFound("导出格式须为 yaml 或 xlsx")
    media = XLSX if fmt == "xlsx" else "application/yaml"
    from urllib.parse import quote

    return Response(S.export_definitions(session, fmt=fmt), media_type=media,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote('指标定义.' + fmt)}"})


@router.post("/indicators/definitions/import", dependencies=[CsrfChecked])
async def definitions_import(request: Request, session: DbSession, principal: PageUser):
    form = await request.form()
    upload = form.get("file")
    back = "/indicators/definitions"
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ValidationFailed.one("请选择 .yaml 或 .xlsx 文件", field="file", label="文件")
        name, content = await read_upload(upload, suffixes=(".yaml", ".yml", ".xlsx"))
    except DomainError as exc:
        flash_error(request, exc)
        return RedirectResponse(back, status_code=303)

    def run():
        written, unchanged = S.import_definitions(session, actor=principal, filename=name, content=content)
        return RedirectResponse(back, status_code=303)

    return await attempt(request, session, run, back=back, done="指标定义已导入")
