"""Rectification ledger endpoints: the ledger by unit, items, progress, evidence, 销号 and return."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Query, UploadFile

from onewindow.common.api import ERRORS
from onewindow.common.http import CurrentUser, DbSession
from onewindow.common.schemas import MAX_ID
from onewindow.common.uploads import read_upload
from onewindow.rectification import service
from onewindow.rectification.schemas import DecisionIn, ItemOut, ItemPageOut, NoteOut, ReturnIn, UnitLineOut
from onewindow.rectification.states import ITEM, NOTE_KINDS

router = APIRouter(prefix="/rectification", tags=["整改台账"], responses=ERRORS)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".ofd", ".docx", ".xlsx")


def item_out(item, *, notes: bool = True) -> dict:
    return {"id": item.id, "source_kind": item.source_kind, "source_label": service.source_label(item.source_kind),
            "source_ref": item.source_ref, "title": item.title, "department_id": item.department_id,
            "status": item.status, "status_label": ITEM.label(item.status), "opened_on": item.opened_on,
            "deadline": item.deadline, "sla_state": item.sla_state, "return_reason": item.return_reason,
            "closed_on": item.closed_on, "version": item.version,
            "notes": [NoteOut(id=n.id, kind=n.kind, kind_label=NOTE_KINDS.get(n.kind, ""), text=n.text,
                              actor_name=n.actor_name, at=n.at, filename=n.filename) for n in item.notes]
            if notes else []}


@router.get("/ledger", response_model=list[UnitLineOut], summary="按责任单位汇总的整改台账")
def ledger(session: DbSession, principal: CurrentUser, source_kind: str | None = Query(None, max_length=20)):
    return [{**vars(u), "total": u.total} for u in service.ledger(session, actor=principal, source_kind=source_kind)]


@router.get("/items", response_model=ItemPageOut, summary="整改事项列表")
def items(session: DbSession, principal: CurrentUser, department_id: int | None = Query(None, ge=1, le=MAX_ID),
          source_kind: str | None = Query(None, max_length=20), status: str | None = Query(None, max_length=12),
          page: int = Query(1, ge=1, le=100000), per_page: int = Query(20, ge=1, le=200)):
    result = service.list_items(session, actor=principal, department_id=department_id, source_kind=source_kind,
                                status=status, page=page, per_page=per_page)
    return {"items": [item_out(i, notes=False) for i in result.items], "total": result.total, "page": result.page,
            "per_page": result.per_page}


@router.get("/items/{item_id}", response_model=ItemOut, summary="整改事项")
def item(item_id: Id, session: DbSession, principal: CurrentUser):
    return item_out(service.get_item(session, actor=principal, item_id=item_id))


async def _file(file: UploadFile | None):
    return await read_upload(file, suffixes=SUFFIXES) if file is not None and file.filename else None


@router.post("/items/{item_id}/progress", response_model=ItemOut, summary="记录整改进展（可附材料）")
async def progress(item_id: Id, session: DbSession, principal: CurrentUser,
                   text: Annotated[str, Form(max_length=2000)], file: Annotated[UploadFile | None, File()] = None):
    service.add_progress(session, actor=principal, item_id=item_id, text=text, file=await _file(file))
    return item_out(service.get_item(session, actor=principal, item_id=item_id))


@router.post("/items/{item_id}/evidence", response_model=ItemOut, summary="提交整改材料，申请验收")
async def evidence(item_id: Id, session: DbSession, principal: CurrentUser,
                   text: Annotated[str, Form(max_length=2000)], file: Annotated[UploadFile | None, File()] = None,
                   version: Annotated[int | None, Form(ge=1, le=2**31 - 1)] = None):
    return item_out(service.submit_evidence(session, actor=principal, item_id=item_id, text=text,
                                            file=await _file(file), version=version))


@router.post("/items/{item_id}/accept", response_model=ItemOut, summary="验收通过，销号")
def accept(item_id: Id, body: DecisionIn, session: DbSession, principal: CurrentUser):
    return item_out(service.accept(session, actor=principal, item_id=item_id, text=body.text, version=body.version))


@router.post("/items/{item_id}/return", response_model=ItemOut, summary="退回重新整改")
def return_(item_id: Id, body: ReturnIn, session: DbSession, principal: CurrentUser):
    return item_out(service.return_item(session, actor=principal, item_id=item_id, reason=body.reason,
                                        version=body.version))
