"""诉求 batch import from other channels (12315, 电子邮件, 包联走访) over the API: the xlsx template, and the
upload (multipart), checked in full first — any error answers 422 with every row and column, and
writes nothing. Mounted before api.py so /demands/import is not read as a demand's code."""

from __future__ import annotations

from fastapi import APIRouter, Response, UploadFile

from onewindow.common.api import ERRORS
from onewindow.common.http import CurrentUser, DbSession
from onewindow.common.uploads import read_upload
from onewindow.demands import imports
from onewindow.demands.schemas import DemandImportOut

router = APIRouter(prefix="/demands", tags=["诉求"], responses=ERRORS)


@router.get("/import/template.xlsx", response_class=Response, summary="下载诉求批量导入模板（xlsx）",
            responses={200: {"content": {imports.XLSX: {}}}})
def template(actor: CurrentUser) -> Response:
    actor.require(*imports.IMPORTERS)
    return Response(imports.template(), media_type=imports.XLSX,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{imports.TEMPLATE_NAME}"})


@router.post("/import", response_model=DemandImportOut, status_code=201,
             summary="批量导入其他渠道的诉求（xlsx 或 csv；有错则全部不写入；重复导入不重复生成）")
async def import_demands(file: UploadFile, session: DbSession, actor: CurrentUser) -> dict:
    actor.require(*imports.IMPORTERS)
    filename, content = await read_upload(file, suffixes=(".xlsx", ".csv"))
    return imports.outcome(session, imports.import_demands(session, actor=actor, filename=filename, content=content))
