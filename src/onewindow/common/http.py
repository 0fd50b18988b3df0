"""Request-scoped plumbing shared by every domain's api.py and pages.py: sessions, principals, CSRF."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Annotated, Protocol

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from onewindow.common import events
from onewindow.common.errors import Forbidden, Unauthenticated
from onewindow.common.security import Principal
from onewindow.db import for_writing, session_scope

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


def _session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent (scope="function"); then the
    handlers of the domain events it wrote run (a case completed → its award settles)."""
    factory, session = request.app.state.session_factory, None
    try:
        with session_scope(factory=factory) as session:
            if request.method not in SAFE_METHODS:
                for_writing(session)
            yield session
    except BaseException:
        if session is not None:
            events.discard_written(session)
        raise
    events.dispatch_written(session, getattr(request.app.state, "event_handlers", ()), factory=factory)


DbSession = Annotated[Session, Depends(_session, scope="function")]


class Authenticator(Protocol):
    """Who a bearer token or a session cookie stands for. `common` is below the accounts that answer this,
    so it only declares the question: a domain fills ``Domain.authenticator`` and the app keeps the one
    registered in ``app.state.authenticator``. None means "nobody" (unknown, revoked, expired, disabled)."""

    def principal_from_token(self, session: Session, token: str) -> Principal | None: ...

    def principal_from_user_id(self, session: Session, user_id: int, *,
                               generation: int | None = None) -> Principal | None: ...


def authenticator(request: Request) -> Authenticator:
    return request.app.state.authenticator


def csrf_token(request: Request) -> str:
    token = request.session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    expected = request.session.get("csrf")
    if not expected or not submitted or not secrets.compare_digest(expected, submitted):
        raise Forbidden("表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")


def client_address(request: Request) -> str:
    """The peer address (behind a proxy, run uvicorn with --proxy-headers so this is the client's)."""
    return request.client.host if request.client else "unknown"


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _principal(request: Request, session: Session, *, api: bool) -> Principal | None:
    accounts = authenticator(request)
    if token := _bearer(request):
        principal = accounts.principal_from_token(session, token)
        if principal is None:
            raise Unauthenticated("令牌无效、已过期或已吊销，请重新获取")
        return principal
    user_id = request.session.get("user_id")
    if user_id is None:
        return None
    principal = accounts.principal_from_user_id(session, int(user_id), generation=int(request.session.get("gen", 0)))
    if principal is None:
        request.session.clear()
        return None
    # Cookie-authenticated API writes come from our own pages: they must carry the CSRF header.
    # (Page routes check the form token themselves through CsrfChecked.)
    if api and request.method not in SAFE_METHODS:
        check_csrf(request, request.headers.get(CSRF_HEADER))
    return principal


def api_principal(request: Request, session: DbSession) -> Principal:
    principal = _principal(request, session, api=True)
    if principal is None:
        raise Unauthenticated("请先登录或提供 Bearer 令牌")
    return principal


def optional_principal(request: Request, session: DbSession) -> Principal | None:
    return _principal(request, session, api=request.url.path.startswith("/api/"))


CurrentUser = Annotated[Principal, Depends(api_principal)]
MaybeUser = Annotated[Principal | None, Depends(optional_principal)]


class LoginRequired(Exception):
    """Raised by page routes; the app answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str):
        self.next_url = next_url


def page_principal(request: Request, session: DbSession) -> Principal:
    principal = _principal(request, session, api=False)
    if principal is None:
        raise LoginRequired(str(request.url.path) + (f"?{request.url.query}" if request.url.query else ""))
    return principal


PageUser = Annotated[Principal, Depends(page_principal)]


async def csrf_form(request: Request) -> None:
    """Dependency for page POSTs: the form field or the htmx header must match the session token."""
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    check_csrf(request, submitted)


CsrfChecked = Depends(csrf_form)

