"""Signing in: the failed-login throttle, equal-time answers, and revoking what a user was issued.

Failures are rows in `login_failures`, counted per account name and per client address over the last
`login_lock_minutes`; when either count reaches its limit, further attempts are refused without checking
the password until the window has passed. Counting in the database (not in process memory) makes the
limit hold however many app processes answer. The name is throttled whether or not an account has it,
and a missing account costs one Argon2 verification like a wrong password, so neither the answer nor its
time tells an attacker which names exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from onewindow.accounts.credentials import hash_password, needs_rehash, verify_nobody, verify_password
from onewindow.accounts.models import ApiToken, LoginFailure, User
from onewindow.common import audit
from onewindow.common.errors import DomainError, TooManyRequests, Unauthenticated
from onewindow.common.security import SYSTEM, Principal
from onewindow.config import get_settings
from onewindow.db import utcnow

WRONG = "用户名或密码错误，或账号已停用"


@dataclass(frozen=True)
class SignIn:
    """The outcome of one attempt. Routes answer `error` without raising, so the failure row commits."""

    user: User | None = None
    error: DomainError | None = None


def _lock_message(minutes: int) -> str:
    return f"登录失败次数过多，已暂时锁定，请{minutes}分钟后再试"


def sign_in(session: Session, *, username: str, password: str, address: str) -> SignIn:
    settings = get_settings()
    username, address = (username or "")[:64], (address or "unknown")[:64]
    since = utcnow() - timedelta(minutes=settings.login_lock_minutes)
    by_name = session.scalar(select(func.count()).select_from(LoginFailure)
                             .where(LoginFailure.username == username, LoginFailure.at > since)) or 0
    by_address = session.scalar(select(func.count()).select_from(LoginFailure)
                                .where(LoginFailure.address == address, LoginFailure.at > since)) or 0
    if by_name >= settings.login_max_failures or by_address >= settings.login_max_failures_per_address:
        return SignIn(error=TooManyRequests(_lock_message(settings.login_lock_minutes)))

    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        ok = verify_nobody(password)
    else:
        ok = verify_password(user.password_hash, password)
    if ok:
        session.execute(delete(LoginFailure).where(LoginFailure.username == username))
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return SignIn(user=user)

    session.add(LoginFailure(username=username, address=address))
    # Audit the moment a limit is reached (once per lockout), not every failure.
    if by_name + 1 == settings.login_max_failures or by_address + 1 == settings.login_max_failures_per_address:
        which = "account" if by_name + 1 == settings.login_max_failures else "address"
        audit.record(session, actor=SYSTEM, action="login.lockout", entity_type="login", entity_id=username,
                     after={"username": username, "address": address, "scope": which,
                            "failures": by_name + 1 if which == "account" else by_address + 1,
                            "minutes": settings.login_lock_minutes})
    return SignIn(error=Unauthenticated(WRONG))


def revoke_sessions(session: Session, *, user_id: int, actor: Principal, reason: str) -> int:
    """End every web session and bearer token the user was issued up to now: the session generation
    moves on (cookies carry the old one) and unrevoked tokens are revoked. Returns the tokens revoked."""
    now = utcnow()
    session.execute(update(User).where(User.id == user_id)
                    .values(session_generation=User.session_generation + 1)
                    .execution_options(synchronize_session="fetch"))
    revoked = session.execute(update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None),
                                                     ApiToken.created_at <= now)
                              .values(revoked_at=now)).rowcount
    audit.record(session, actor=actor, action="session.revoke", entity_type="user", entity_id=user_id,
                 after={"reason": reason, "tokens": revoked})
    return revoked


def token_expiry(issued_at):
    return issued_at + timedelta(hours=get_settings().token_ttl_hours)


def purge_failures(session: Session) -> int:
    """Forget failures older than the window (they no longer count); a periodic job calls this."""
    before = utcnow() - timedelta(minutes=get_settings().login_lock_minutes)
    return session.execute(delete(LoginFailure).where(LoginFailure.at <= before)).rowcount
