"""Sign-in for machine clients (API tokens), who am I, and the users admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from onewindow.accounts import login as signin
from onewindow.accounts import service as accounts
from onewindow.accounts.schemas import (
    MeOut,
    TokenList,
    TokenOut,
    TokenRequest,
    UserCreate,
    UserOut,
    UserPage,
    UserUpdate,
)
from onewindow.common.api import ERRORS
from onewindow.common.http import CurrentUser, DbSession, client_address
from onewindow.common.schemas import MAX_ID, ErrorOut

router = APIRouter(responses=ERRORS)


@router.post("/auth/tokens", response_model=TokenOut, tags=["认证"], summary="以用户名和密码换取 API 令牌",
             responses={429: {"model": ErrorOut, "description": "登录失败次数过多，暂时锁定"}})
def create_token(body: TokenRequest, request: Request, session: DbSession) -> TokenOut:
    attempt = signin.sign_in(session, username=body.username, password=body.password,
                             address=client_address(request))
    if attempt.user is None:  # answered, not raised: the failure row must commit for the throttle
        return JSONResponse(attempt.error.as_dict(), status_code=attempt.error.status_code)
    user = attempt.user
    principal = accounts.principal_for(user)
    token, row = accounts.issue_token(session, actor=principal, name=body.name)
    return TokenOut(token=token, token_id=row.id, username=user.username, role=principal.role)


@router.get("/auth/tokens", response_model=TokenList, tags=["认证"], summary="已签发的令牌（含最近使用时间）")
def list_tokens(session: DbSession, actor: CurrentUser,
                user_id: int | None = Query(None, ge=1, le=MAX_ID, description="管理员查看他人的令牌")) -> TokenList:
    return TokenList(items=accounts.list_tokens(session, actor=actor, user_id=user_id))


@router.delete("/auth/tokens/{token_id}", status_code=204, tags=["认证"], summary="吊销令牌")
def revoke_token(token_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession, actor: CurrentUser) -> None:
    accounts.revoke_token(session, actor=actor, token_id=token_id)


@router.get("/me", response_model=MeOut, tags=["认证"], summary="当前身份")
def me(actor: CurrentUser) -> MeOut:
    return MeOut(user_id=actor.user_id, username=actor.username, display_name=actor.display_name,
                 role=actor.role, role_label=actor.role_label, department_id=actor.department_id)


@router.get("/users", response_model=UserPage, tags=["用户"], summary="用户列表（管理员）")
def list_users(session: DbSession, actor: CurrentUser, q: str | None = Query(None, max_length=64),
               role: str | None = Query(None, max_length=32), page: int = Query(1, ge=1, le=100000),
               per_page: int = Query(50, ge=1, le=200)) -> UserPage:
    result = accounts.list_users(session, actor=actor, q=q, role=role, page=page, per_page=per_page)
    return UserPage(items=result.items, total=result.total, page=result.page, per_page=result.per_page)


@router.post("/users", response_model=UserOut, status_code=201, tags=["用户"], summary="新建用户（管理员）")
def create_user(body: UserCreate, session: DbSession, actor: CurrentUser) -> UserOut:
    return accounts.create_user(session, actor=actor, **body.model_dump())


@router.get("/users/{user_id}", response_model=UserOut, tags=["用户"], summary="用户详情")
def get_user(user_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession, actor: CurrentUser) -> UserOut:
    return accounts.get_user(session, actor=actor, user_id=user_id)


@router.patch("/users/{user_id}", response_model=UserOut, tags=["用户"], summary="修改用户（管理员）")
def update_user(user_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: UserUpdate, session: DbSession, actor: CurrentUser) -> UserOut:
    return accounts.update_user(session, actor=actor, user_id=user_id, **body.model_dump())
