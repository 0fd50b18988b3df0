"""The audit endpoints, and ERRORS: the error answers every domain's router declares."""

from __future__ import annotations

from fastapi import APIRouter, Query

from onewindow.common import audit, checkpoints
from onewindow.common.http import CurrentUser, DbSession
from onewindow.common.roles import AUDIT_READERS
from onewindow.common.schemas import AuditPage, ErrorOut, VerifyOut

ERRORS = {400: {"model": ErrorOut}, 401: {"model": ErrorOut}, 403: {"model": ErrorOut},
          404: {"model": ErrorOut}, 409: {"model": ErrorOut}, 422: {"model": ErrorOut}}
router = APIRouter(responses=ERRORS)


@router.get("/audit", response_model=AuditPage, tags=["审计"], summary="审计记录（督查、管理员）")
def list_audit(session: DbSession, actor: CurrentUser, q: str | None = Query(None, max_length=64),
               entity_type: str | None = Query(None, max_length=64), action: str | None = Query(None, max_length=64),
               page: int = Query(1, ge=1, le=100000), per_page: int = Query(50, ge=1, le=200)) -> AuditPage:
    result = audit.list_records(session, actor=actor, q=q, entity_type=entity_type, action=action,
                                page=page, per_page=per_page)
    return AuditPage(items=result.items, total=result.total, page=result.page, per_page=result.per_page)


@router.get("/audit/verify", response_model=VerifyOut, tags=["审计"], summary="校验审计哈希链")
def verify_audit(session: DbSession, actor: CurrentUser) -> VerifyOut:
    actor.require(*AUDIT_READERS)
    result = checkpoints.verify(session)
    return VerifyOut(ok=result.ok, checked=result.checked, first_bad_seq=result.first_bad_seq, reason=result.reason)
