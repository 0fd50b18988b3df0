"""Accounts and API tokens. Every change is audited; only admins manage accounts."""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from sqlalchemy import column, or_, select, table, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from onewindow.accounts import login
from onewindow.accounts.credentials import (
    hash_password,
    needs_rehash,
    new_token,
    token_digest,
    verify_nobody,
    verify_password,
)
from onewindow.accounts.models import ApiToken, User
from onewindow.common import audit
from onewindow.common.errors import Conflict, ErrorCollector, NotFound
from onewindow.common.pagination import Page, paginate
from onewindow.common.roles import DEPARTMENT_ROLES, Role
from onewindow.common.security import Principal
from onewindow.db import WRITING, for_writing, utcnow

log = logging.getLogger(__name__)
TOUCH_EVERY = timedelta(minutes=1)  # how stale a token's last_used_at may get
USERNAME = re.compile(r"^[A-Za-z0-9_.\-]{3,64}$")
# The catalogue owns this table; accounts only read ids and names, so `accounts` (below it) need not import it.
_departments = table("departments", column("id"), column("code"), column("name"))


def principal_for(user: User) -> Principal:
    return Principal(user_id=user.id, username=user.username, display_name=user.display_name,
                     role=Role(user.role), department_id=user.department_id)


def _snapshot(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "role": user.role,
            "department_id": user.department_id, "active": user.active}


def _check_password(errors: ErrorCollector, password: str) -> None:
    if len(password) < 8 or not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        errors.add("密码至少8位，且须同时包含字母和数字", field="password")


def _check_role_department(session: Session, errors: ErrorCollector, role: str, department_id: int | None) -> None:
    if role not in set(Role):
        errors.add(f"未知角色“{role}”", field="role")
        return
    if Role(role) in DEPARTMENT_ROLES and department_id is None:
        errors.add("该角色须指定所属部门", field="department_id")
    if department_id is not None and session.execute(
        select(_departments.c.id).where(_departments.c.id == department_id)
    ).first() is None:
        errors.add(f"部门{department_id}不存在", field="department_id")


def create_user(session: Session, *, actor: Principal, username: str, display_name: str, role: str,
                password: str, department_id: int | None = None) -> User:
    actor.require(Role.admin)
    errors = ErrorCollector()
    if not USERNAME.match(username or ""):
        errors.add("用户名须为3–64位字母、数字、下划线、点或连字符", field="username")
    elif session.scalar(select(User.id).where(User.username == username)) is not None:
        errors.add(f"用户名“{username}”已存在", field="username")
    if not (display_name or "").strip():
        errors.add("姓名不能为空", field="display_name")
    _check_password(errors, password or "")
    _check_role_department(session, errors, role, department_id)
    errors.raise_if_any("账号信息有误")
    user = User(username=username, display_name=display_name.strip(), role=role,
                department_id=department_id, password_hash=hash_password(password), active=True)
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.create", entity_type="user", entity_id=user.id,
                 after=_snapshot(user))
    return user


def get_user(session: Session, *, actor: Principal, user_id: int) -> User:
    if actor.role != Role.admin and actor.user_id != user_id:
        actor.require(Role.admin)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"用户{user_id}不存在")
    return user


def update_user(session: Session, *, actor: Principal, user_id: int, expected_version: int | None = None,
                display_name: str | None = None, role: str | None = None, department_id: int | None = None,
                clear_department: bool = False, active: bool | None = None, password: str | None = None) -> User:
    actor.require(Role.admin)
    user = get_user(session, actor=actor, user_id=user_id)
    if expected_version is not None and user.version != expected_version:
        raise Conflict("该账号已被他人修改，请刷新后重试")
    before = _snapshot(user)
    new_role = role if role is not None else user.role
    new_dept = None if clear_department else (department_id if department_id is not None else user.department_id)
    errors = ErrorCollector()
    if display_name is not None and not display_name.strip():
        errors.add("姓名不能为空", field="display_name")
    if password is not None:
        _check_password(errors, password)
    _check_role_department(session, errors, new_role, new_dept)
    if active is False and user.id == actor.user_id:
        errors.add("不能停用自己的账号", field="active")
    errors.raise_if_any("账号信息有误")
    if display_name is not None:
        user.display_name = display_name.strip()
    user.role, user.department_id = new_role, new_dept
    if active is not None:
        user.active = active
    if password is not None:
        user.password_hash = hash_password(password)
    session.flush()
    after = _snapshot(user)
    if password is not None:
        after["password"] = "已重置"
    audit.record(session, actor=actor, action="user.update", entity_type="user", entity_id=user.id,
                 before=before, after=after)
    if password is not None or active is False:
        # A reset password or a disabled account ends what was issued under the old one.
        login.revoke_sessions(session, user_id=user.id, actor=actor,
                              reason="password_reset" if password is not None else "deactivated")
    return user


def list_users(session: Session, *, actor: Principal, q: str | None = None, role: str | None = None,
               page: int = 1, per_page: int = 50) -> Page:
    actor.require(Role.admin)
    stmt = select(User).order_by(User.id)
    if q:
        stmt = stmt.where(or_(User.username.like(f"%{q}%"), User.display_name.like(f"%{q}%")))
    if role:
        stmt = stmt.where(User.role == role)
    return paginate(session, stmt, page=page, per_page=per_page)


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    """The user when the password matches an active account; None otherwise (no hint which part failed)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        verify_nobody(password)  # the same cost as a wrong password
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def issue_token(session: Session, *, actor: Principal, name: str) -> tuple[str, ApiToken]:
    """A new bearer token for the actor's own account; the plain token is returned only here."""
    if actor.user_id is None:
        raise NotFound("系统身份不能签发令牌")
    token = new_token()
    now = utcnow()
    row = ApiToken(user_id=actor.user_id, name=(name or "api").strip()[:64] or "api", token_hash=token_digest(token),
                   created_at=now, expires_at=login.token_expiry(now))
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="token.issue", entity_type="api_token", entity_id=row.id,
                 after={"user_id": actor.user_id, "name": row.name})
    return token, row


def revoke_token(session: Session, *, actor: Principal, token_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is None or (row.user_id != actor.user_id and actor.role != Role.admin):
        raise NotFound(f"令牌{token_id}不存在")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(session, actor=actor, action="token.revoke", entity_type="api_token", entity_id=row.id)


def principal_from_token(session: Session, token: str) -> Principal | None:
    """The token's owner when it is live (common.http's Authenticator calls this for each bearer request)."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if (row.expires_at or login.token_expiry(row.created_at)) <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if row.last_used_at is None or row.last_used_at <= now - TOUCH_EVERY:
        _touch(session, token_id=row.id, now=now)
    return principal_for(user)


def _touch(session: Session, *, token_id: int, now) -> None:
    """Stamp `last_used_at`, at most once per TOUCH_EVERY per token, so a busy client does not write on
    every request. The stamp is bookkeeping and must never fail or hold up a request."""
    # The condition again in the UPDATE: of processes racing on one token, one writes per minute.
    stamp = update(ApiToken).where(ApiToken.id == token_id, or_(
        ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOUCH_EVERY)).values(last_used_at=now)
    connection = session.connection()
    if connection.dialect.name == "sqlite" and connection.get_execution_options().get(WRITING):
        # A writing request already holds SQLite's one write lock (BEGIN IMMEDIATE), which a second
        # connection would wait for in vain: the stamp commits with the request.
        session.execute(stamp, execution_options={"synchronize_session": False})
        return
    # Otherwise its own short unit of work: the request may be a read (on SQLite a read that turns into
    # a write fails when another writer came between), and on PostgreSQL the token's row stays unlocked
    # while the request runs.
    try:
        with Session(bind=session.get_bind(), join_transaction_mode="create_savepoint") as own:
            for_writing(own)
            own.execute(stamp, execution_options={"synchronize_session": False})
            own.commit()
    except OperationalError:  # the database is busy: the stamp waits for the next request
        log.warning("api token %s: last_used_at not updated (database busy)", token_id)


def list_tokens(session: Session, *, actor: Principal, user_id: int | None = None) -> list[ApiToken]:
    """The tokens issued to an account, newest first: one's own, or (admins) anyone's."""
    owner = actor.user_id if user_id is None else user_id
    if owner != actor.user_id:
        actor.require(Role.admin)
    if owner is None:
        return []
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == owner).order_by(ApiToken.id.desc())))


def token_rows(session: Session, *, actor: Principal) -> list[tuple[ApiToken, object, str]]:
    """(token, when it expires, its state in Chinese) for the actor's own tokens page."""
    now, rows = utcnow(), []
    for row in list_tokens(session, actor=actor):
        expires = row.expires_at or login.token_expiry(row.created_at)
        state = "已吊销" if row.revoked_at is not None else "已过期" if expires <= now else "有效"
        rows.append((row, expires, state))
    return rows


def duty_recipients(session: Session, *, department_id: int) -> list[int]:
    """Who a 督办 notice for `department_id` goes to: the unit's active staff in its 审批/承办/监管 roles and every
    supervisor (营商环境局/督查) — there is no "department head" role, so the unit's staff stand in for it."""
    unit = (User.department_id == department_id) & User.role.in_([str(r) for r in DEPARTMENT_ROLES])
    return list(session.scalars(select(User.id).where(User.active.is_(True), unit | (User.role == str(Role.supervisor)))
                                .order_by(User.id)).all())


def display_names(session: Session, user_ids) -> dict[int, str]:
    """id → display name, for the domains that show who did something (ratings' statistics)."""
    ids = {int(i) for i in user_ids}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).tuples().all())


def principal_from_user_id(session: Session, user_id: int, *, generation: int | None = None) -> Principal | None:
    """The signed-in user of a session cookie; None when the account is gone or disabled, or the cookie
    carries a session generation from before the user's last sign-out or password reset."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    if generation is not None and generation != user.session_generation:
        return None
    return principal_for(user)


def department_choices(session: Session) -> list:
    """(id, code, name) of every department, for assigning accounts."""
    return list(session.execute(select(_departments.c.id, _departments.c.code, _departments.c.name)
                                .order_by(_departments.c.code)))
