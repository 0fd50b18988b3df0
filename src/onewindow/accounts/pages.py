"""Signing in and out, one's own API tokens, and the users admin."""

from __future__ import annotations

import secrets
from urllib.parse import urlparse

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse

from onewindow.accounts import login as signin
from onewindow.accounts import service as accounts
from onewindow.common.errors import ValidationFailed
from onewindow.common.http import CsrfChecked, DbSession, MaybeUser, PageUser, client_address
from onewindow.common.roles import DEPARTMENT_ROLES
from onewindow.common.web import render

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only local paths, so the sign-in page cannot be used to send people elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or urlparse(target).netloc:
        return "/"
    return target


@router.get("/login")
def login_form(request: Request, principal: MaybeUser, next: str | None = Query(None, max_length=500)):
    return render(request, "login.html", {"next": _safe_next(next)}, principal=principal)


@router.post("/login", dependencies=[CsrfChecked])
def login(request: Request, session: DbSession, username: str = Form(max_length=64),
          password: str = Form(max_length=256), next: str = Form("/", max_length=500)):
    attempt = signin.sign_in(session, username=username.strip(), password=password, address=client_address(request))
    if attempt.user is None:  # answered, not raised: the failure row must commit for the throttle
        return render(request, "login.html", {"next": _safe_next(next), "username": username,
                                              "error": attempt.error.message},
                      status_code=attempt.error.status_code)
    user = attempt.user
    request.session.clear()  # a fresh session on sign-in: no fixation
    request.session.update(user_id=user.id, gen=user.session_generation, csrf=secrets.token_urlsafe(32))
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/logout", dependencies=[CsrfChecked])
def logout(request: Request, session: DbSession, principal: MaybeUser):
    if principal is not None and principal.user_id is not None:
        # Signing out ends this and every earlier session and token of the account, not just this cookie.
        signin.revoke_sessions(session, user_id=principal.user_id, actor=principal, reason="logout")
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/admin/users")
def users_page(request: Request, session: DbSession, principal: PageUser, q: str | None = Query(None, max_length=64),
               role: str | None = Query(None, max_length=32), page: int = Query(1, ge=1, le=100000)):
    result = accounts.list_users(session, actor=principal, q=q, role=role, page=page, per_page=30)
    return render(request, "users.html", {"page": result, "q": q or "", "role": role or "",
                                          "departments": accounts.department_choices(session),
                                          "department_roles": DEPARTMENT_ROLES}, principal=principal)


@router.post("/admin/users", dependencies=[CsrfChecked])
def create_user(request: Request, session: DbSession, principal: PageUser, username: str = Form(max_length=64),
                display_name: str = Form(max_length=64), role: str = Form(max_length=32),
                password: str = Form(max_length=256), department_id: str = Form("", max_length=12)):
    try:
        accounts.create_user(session, actor=principal, username=username.strip(), display_name=display_name,
                             role=role, password=password, department_id=_int_or_none(department_id))
    except ValidationFailed as exc:
        session.rollback()
        return _users_with_errors(request, session, principal, exc)
    return RedirectResponse(f"/admin/users?q={username.strip()}", status_code=303)


@router.post("/admin/users/{user_id}", dependencies=[CsrfChecked])
def update_user(request: Request, user_id: int, session: DbSession, principal: PageUser,
                role: str = Form(max_length=32), department_id: str = Form("", max_length=12),
                active: str = Form("1", max_length=1), password: str = Form("", max_length=256),
                version: int = Form()):
    dept = _int_or_none(department_id)
    try:
        accounts.update_user(session, actor=principal, user_id=user_id, expected_version=version, role=role,
                             department_id=dept, clear_department=dept is None, active=active == "1",
                             password=password or None)
    except ValidationFailed as exc:
        session.rollback()
        return _users_with_errors(request, session, principal, exc)
    return RedirectResponse("/admin/users", status_code=303)


def _int_or_none(value: str) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    if not value.isdigit():
        raise ValidationFailed.one("部门无效", field="department_id")
    return int(value)


def _users_with_errors(request: Request, session, principal, exc: ValidationFailed):
    result = accounts.list_users(session, actor=principal, page=1, per_page=30)
    return render(request, "users.html", {"page": result, "q": "", "role": "", "errors": exc.details,
                                          "departments": accounts.department_choices(session),
                                          "department_roles": DEPARTMENT_ROLES},
                  principal=principal, status_code=422)


@router.get("/account/tokens")
def tokens_page(request: Request, session: DbSession, principal: PageUser):
    """One's own API tokens: when each was issued, last used, expires; revoked ones marked."""
    return render(request, "tokens.html", {"rows": accounts.token_rows(session, actor=principal)},
                  principal=principal)
