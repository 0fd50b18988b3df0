"""create_app(): the JSON API under /api, the web pages, vendored static assets, error answers."""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from onewindow import __version__
from onewindow.common import headers
from onewindow.common.errors import Conflict, DomainError
from onewindow.common.http import LoginRequired, authenticator
from onewindow.common.web import WEB_DIR, render
from onewindow.config import get_settings
from onewindow.db import get_engine, session_factory, session_scope
from onewindow.domains import registry

log = logging.getLogger("onewindow")

FIELD_NAMES = {"body": "请求体", "query": "查询参数", "path": "路径参数", "header": "请求头"}


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith(("/api/", "/open311/")) and "text/html" in request.headers.get("accept", "")


def _signed_in(request: Request):
    """The principal for an error page's header, read in a session of its own (the request's failed)."""
    user_id = request.session.get("user_id") if "session" in request.scope else None
    if user_id is None:
        return None
    with session_scope(factory=request.app.state.session_factory) as session:
        return authenticator(request).principal_from_user_id(session, int(user_id), generation=int(request.session.get("gen", 0)))


def _error_response(request: Request, status: int, payload: dict):
    if _wants_html(request):
        return render(request, "error.html", {"status": status, "error": payload}, status_code=status,
                      principal=_signed_in(request))
    return JSONResponse(payload, status_code=status)


def create_app(engine: Engine | None = None) -> FastAPI:
    settings = get_settings()
    app = FastAPI(
        title="一窗通 OneWindow API", version=__version__,
        description="优化营商环境一体化平台的 JSON 接口。认证：`Authorization: Bearer <令牌>`（POST /api/auth/tokens 获取）。",
        openapi_url="/api/openapi.json", docs_url="/api/docs", redoc_url=None,
    )
    app.state.session_factory = session_factory(engine or get_engine())
    app.add_middleware(SessionMiddleware, secret_key=settings.secret_key, session_cookie="onewindow_session",
                       same_site="lax", https_only=settings.secure_cookies, max_age=8 * 3600)
    @app.middleware("http")
    async def limit_body(request: Request, call_next):
        # Refuse oversized bodies before the multipart parser spools them; read_upload checks again.
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > settings.max_upload_bytes + 64 * 1024:
            limit = settings.max_upload_bytes // (1024 * 1024)
            return _error_response(request, 413, {"code": "too_large", "message": f"请求超过 {limit} MB 上限",
                                                  "errors": [{"field": "file", "message": f"文件超过 {limit} MB 上限"}]})
        return await call_next(request)

    @app.middleware("http")
    async def hygiene(request: Request, call_next):
        response = await call_next(request)
        headers.apply(response.headers, request.url.path)
        return response

    app.mount("/static", StaticFiles(directory=str(WEB_DIR / "static")), name="static")
    domains = registry()
    app.state.event_handlers = tuple(domains.event_handlers())
    app.state.authenticator = domains.authenticator()  # who a request is: accounts answer (common.http)
    app.state.audit_vocabulary = domains.audit_vocabulary()  # how the audit page names actions and fields
    for router in domains.api_routers():
        app.include_router(router, prefix="/api")
    for router in domains.page_routers():
        app.include_router(router, include_in_schema=False)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError):
        return _error_response(request, exc.status_code, exc.as_dict())

    @app.exception_handler(StaleDataError)
    async def stale(request: Request, exc: StaleDataError):
        return _error_response(request, 409, Conflict("记录已被他人修改，请刷新后重试").as_dict())

    @app.exception_handler(IntegrityError)
    async def integrity(request: Request, exc: IntegrityError):
        log.info("integrity error: %s", exc.orig)
        return _error_response(request, 409, Conflict("与已有数据冲突（编码重复或引用不存在），请检查后重试").as_dict())

    @app.exception_handler(DataError)
    async def bad_data(request: Request, exc: DataError):
        # The database refused a value the validators let through (e.g. a NUL character in text).
        log.info("data error: %s", exc.orig)
        return _error_response(request, 422, {"code": "validation_failed", "message": "输入包含数据库无法保存的字符或数值",
                                               "errors": []})

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        errors = []
        for err in exc.errors():
            loc = [str(p) for p in err.get("loc", ())]
            where = FIELD_NAMES.get(loc[0], loc[0]) if loc else ""
            errors.append({"field": ".".join(loc[1:]) or where, "message": err.get("msg", "无效")})
        return _error_response(request, 422, {"code": "validation_failed", "message": "请求参数有误", "errors": errors})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = {404: "页面或资源不存在", 405: "不支持该请求方法"}.get(exc.status_code, str(exc.detail))
        response = _error_response(request, exc.status_code, {"code": "http_error", "message": message, "errors": []})
        if exc.status_code == 405:
            response.headers["Allow"] = headers.allowed_methods(request.app, request.scope)
        return response

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired):
        if request.headers.get("hx-request"):
            return JSONResponse({"code": "unauthenticated", "message": "请先登录"}, status_code=401,
                                headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={quote(exc.next_url)}", status_code=303)

    return app
