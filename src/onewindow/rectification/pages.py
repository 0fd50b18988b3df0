"""Rectification pages: the supervisor's ledger by unit (见人、见事、见结果), a unit's own list, and the
item page where the unit records progress and evidence and the supervisor closes or returns it."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from onewindow.calendar.clock import SLA_LABELS
from onewindow.common.http import CsrfChecked, DbSession, PageUser
from onewindow.common.roles import Role
from onewindow.common.uploads import file_response_headers, read_upload
from onewindow.common.web import attempt, render
from onewindow.rectification import service
from onewindow.rectification.api import SUFFIXES
from onewindow.rectification.states import ITEM, NOTE_KINDS

router = APIRouter()
LABELS = {"status": ITEM.labels, "sla": SLA_LABELS, "notes": NOTE_KINDS, "sources": service.SOURCE_LABELS}


@router.get("/rectification")
def ledger_page(request: Request, session: DbSession, principal: PageUser,
                department_id: int | None = Query(None, ge=1, le=2**31 - 1),
                source_kind: str | None = Query(None, max_length=20), status: str | None = Query(None, max_length=12),
                page: int = Query(1, ge=1, le=100000)):
    lines = service.ledger(session, actor=principal, source_kind=source_kind or None)
    result = service.list_items(session, actor=principal, department_id=department_id,
                                source_kind=source_kind or None, status=status or None, page=page)
    names = {u.department_id: u.department_name for u in lines}
    query = f"department_id={department_id or ''}&source_kind={source_kind or ''}&status={status or ''}"
    return render(request, "rectification/ledger.html", {
        "lines": lines, "page": result, "labels": LABELS, "names": names, "department_id": department_id,
        "source_kind": source_kind or "", "status": status or "", "query": query,
        "supervisor": principal.role in service.SUPERVISORS}, principal=principal)


@router.get("/rectification/{item_id}")
def item_page(request: Request, item_id: int, session: DbSession, principal: PageUser):
    item = service.get_item(session, actor=principal, item_id=item_id)
    unit = principal.role in service.UNIT_ROLES and principal.department_id == item.department_id
    return render(request, "rectification/item.html", {
        "item": item, "labels": LABELS, "unit": unit, "supervisor": principal.role in service.SUPERVISORS,
        "source_label": service.source_label(item.source_kind)}, principal=principal)


@router.get("/rectification/{item_id}/files/{note_id}")
def attachment(item_id: int, note_id: int, session: DbSession, principal: PageUser):
    note = service.attachment(session, actor=principal, item_id=item_id, note_id=note_id)
    media, headers = file_response_headers(note.content, note.filename)
    return Response(note.content, media_type=media, headers=headers)


@router.post("/rectification/{item_id}/{step}", dependencies=[CsrfChecked])
async def item_step(request: Request, item_id: int, step: str, session: DbSession, principal: PageUser):
    form = await request.form()
    data = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = form.get("file")
    back = f"/rectification/{item_id}"
    version = int(data["version"]) if data.get("version", "").isdigit() else None

    async def file():
        return await read_upload(upload, suffixes=SUFFIXES) if getattr(upload, "filename", None) else None

    try:
        attached = await file() if step in ("progress", "evidence") else None
    except Exception as exc:  # a bad file is a domain error shown on the page, like any other
        attached = exc

    def run():
        if isinstance(attached, Exception):
            raise attached
        if step == "progress":
            service.add_progress(session, actor=principal, item_id=item_id, text=data.get("text", ""), file=attached)
        elif step == "evidence":
            service.submit_evidence(session, actor=principal, item_id=item_id, text=data.get("text", ""),
                                    file=attached, version=version)
        elif step == "accept":
            service.accept(session, actor=principal, item_id=item_id, text=data.get("text", ""), version=version)
        elif step == "return":
            service.return_item(session, actor=principal, item_id=item_id, reason=data.get("reason", ""),
                                version=version)
        else:
            from onewindow.common.errors import NotFound

            raise NotFound("没有这项操作")
        return RedirectResponse(back, status_code=303)

    done = {"progress": "整改进展已记录", "evidence": "整改材料已提交，等待验收", "accept": "已验收销号",
            "return": "已退回重新整改"}.get(step)
    return await attempt(request, session, run, back=back, done=done)


ROLES = (Role.supervisor, Role.admin, *service.UNIT_ROLES)
