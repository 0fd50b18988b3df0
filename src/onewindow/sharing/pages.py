"""Shared-data pages: the log of reads from the registries (数据调用日志)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from onewindow.common.errors import ValidationFailed
from onewindow.common.http import DbSession, PageUser
from onewindow.common.schemas import MAX_ID
from onewindow.common.web import render
from onewindow.sharing import attributes, service

router = APIRouter(prefix="/sharing")


@router.get("/reads")
def reads_page(request: Request, session: DbSession, principal: PageUser,
               application_id: str = Query("", max_length=12), page: int = Query(1, ge=1, le=100000)):
    wanted = application_id.strip()
    if wanted and not (wanted.isdigit() and 1 <= int(wanted) <= MAX_ID):
        raise ValidationFailed.one("申请编号须为正整数", field="application_id")
    result = service.read_log(session, actor=principal, application_id=int(wanted) if wanted else None, page=page,
                              size=30)
    return render(request, "sharing/reads.html", {
        "page": result, "application_id": wanted, "registry_labels": attributes.REGISTRY_LABELS,
        "field_label": attributes.label,
    }, principal=principal)
