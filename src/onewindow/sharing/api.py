"""Shared-data endpoints: the read log and the staff look-up of an enterprise's registration."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from onewindow.common.api import ERRORS
from onewindow.common.http import CurrentUser, DbSession
from onewindow.common.masking import mask_id_number
from onewindow.common.schemas import MAX_ID
from onewindow.sharing import service
from onewindow.sharing.schemas import EnterpriseOut, ReadPage

router = APIRouter(tags=["数据共享"], responses=ERRORS)


@router.get("/sharing/reads", response_model=ReadPage, summary="共享数据调用日志（督查、管理员）")
def reads(session: DbSession, actor: CurrentUser,
          application_id: int | None = Query(None, ge=1, le=MAX_ID, description="只看某一申请的调用"),
          page: int = Query(1, ge=1, le=100000), per_page: int = Query(50, ge=1, le=200)) -> dict:
    result = service.read_log(session, actor=actor, application_id=application_id, page=page, size=per_page)
    return {"items": result.items, "total": result.total, "page": result.page, "per_page": result.per_page}


@router.get("/sharing/enterprises/{uscc}", response_model=EnterpriseOut, summary="查询企业登记信息（工作人员）")
def enterprise(uscc: Annotated[str, Path(max_length=64, description="统一社会信用代码")], session: DbSession,
               actor: CurrentUser) -> dict:
    row = service.lookup_enterprise(session, actor=actor, uscc=uscc)
    out = EnterpriseOut.model_validate(row, from_attributes=True).model_dump()
    out["legal_person_id_number"] = mask_id_number(row.legal_person_id_number)
    return out
