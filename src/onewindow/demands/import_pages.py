"""The batch import page (诉求批量导入): the upload form and template, every error of a refused file by
row and column, and what a good file made — N 件已导入, each with its code, its suggested unit and a
link. Mounted before pages.py so /demands/import is not read as a demand's code."""

from __future__ import annotations

from fastapi import APIRouter, Request, UploadFile
from fastapi.responses import Response

from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.uploads import read_upload
from onewindow.common.web import render
from onewindow.demands import imports, views

router = APIRouter()


def _page(request, session, principal, **ctx):
    return render(request, "demands/import.html", {"columns": imports.COLUMNS, "sources": imports.SOURCES,
                                                   "units": views.unit_names(session), **ctx},
                  principal=principal, status_code=422 if ctx.get("errors") else 200)


@router.get("/demands/import")
def import_page(request: Request, session: DbSession, principal: PageUser):
    principal.require(*imports.IMPORTERS)
    return _page(request, session, principal)


@router.get("/demands/import/template.xlsx")
def template(principal: PageUser):
    principal.require(*imports.IMPORTERS)
    return Response(imports.template(), media_type=imports.XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{imports.TEMPLATE_NAME}"})


@router.post("/demands/import", dependencies=[CsrfChecked])
async def import_file(request: Request, session: DbSession, principal: PageUser, file: UploadFile):
    principal.require(*imports.IMPORTERS)
    try:
        filename, content = await read_upload(file, suffixes=(".xlsx", ".csv"))
        done = imports.import_demands(session, actor=principal, filename=filename, content=content)
    except ValidationFailed as exc:
        session.rollback()
        return _page(request, session, principal, errors=exc.details, error_title=exc.message,
                     filename=file.filename or "")
    return _page(request, session, principal, result=imports.outcome(session, done))
