"""Sessions and sign-in (#9.11): sign-out and a password reset end what was issued before, bearer tokens
expire, failed sign-ins are throttled per account and per address (in the database), and a wrong
password costs the same time whether or not the account exists."""

import statistics
import time
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from onewindow.accounts import login
from onewindow.accounts import service as accounts
from onewindow.accounts.models import ApiToken
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.common.security import SYSTEM
from onewindow.config import get_settings
from onewindow.db import utcnow
from tests.conftest import PASSWORD, csrf


def _sign_in(client, username, password=PASSWORD):
    return client.post("/login", data={"username": username, "password": password, "next": "/",
                                       "csrf_token": csrf(client.get("/login").text)}, follow_redirects=False)


def _token(client, username, password=PASSWORD):
    return client.post("/api/auth/tokens", json={"username": username, "password": password})


def test_9_11_logout_ends_copied_sessions_and_earlier_tokens(client, app, user_factory):
    user = user_factory(Role.supervisor)
    assert _sign_in(client, user.username).status_code == 303
    token = _token(client, user.username).json()["token"]
    thief = TestClient(app, cookies=dict(client.cookies))  # the same signed cookie, copied
    assert thief.get("/api/me").status_code == 200
    page = client.get("/audit").text
    assert client.post("/logout", data={"csrf_token": csrf(page)}, follow_redirects=False).status_code == 303
    assert thief.get("/api/me").status_code == 401
    assert thief.get("/audit", follow_redirects=False).headers["location"].startswith("/login")
    bearer = thief.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert bearer.status_code == 401 and "吊销" in bearer.json()["message"]
    # Signing in again works, with a new session.
    assert _sign_in(client, user.username).status_code == 303 and client.get("/api/me").status_code == 200


def test_9_11_password_reset_ends_sessions_and_tokens(client, session, user_factory):
    user = user_factory(Role.clerk)
    assert _sign_in(client, user.username).status_code == 303
    token = _token(client, user.username).json()["token"]
    accounts.update_user(session, actor=SYSTEM, user_id=user.id, password="Brandnew2026")
    session.commit()
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    actions = session.scalars(select(AuditRecord.action).where(AuditRecord.entity_id == str(user.id))).all()
    assert "session.revoke" in actions


def test_9_11_bearer_tokens_expire(client, session, user_factory, monkeypatch):
    user = user_factory(Role.clerk)
    body = _token(client, user.username).json()
    row = session.get(ApiToken, body["token_id"])
    ttl = timedelta(hours=get_settings().token_ttl_hours)
    assert abs(row.expires_at - row.created_at - ttl) < timedelta(seconds=1)
    headers = {"Authorization": f"Bearer {body['token']}"}
    assert client.get("/api/me", headers=headers).status_code == 200
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.commit()
    answer = client.get("/api/me", headers=headers)
    assert answer.status_code == 401 and "过期" in answer.json()["message"]
    # The lifetime is configuration.
    monkeypatch.setenv("ONEWINDOW_TOKEN_TTL_HOURS", "2")
    get_settings.cache_clear()
    try:
        fresh = session.get(ApiToken, _token(client, user.username).json()["token_id"])
        assert abs(fresh.expires_at - fresh.created_at - timedelta(hours=2)) < timedelta(seconds=1)
    finally:
        monkeypatch.delenv("ONEWINDOW_TOKEN_TTL_HOURS")
        get_settings.cache_clear()


def test_9_11_failed_logins_lock_the_account_across_processes(engine, session_factory, session, user_factory):
    from onewindow.app import create_app

    user = user_factory(Role.clerk)
    limit = get_settings().login_max_failures
    apps = []
    for _ in range(2):  # two app instances on one database stand for two worker processes
        application = create_app(engine)
        application.state.session_factory = session_factory
        apps.append(TestClient(application))
    for i in range(limit):
        assert _token(apps[i % 2], user.username, "Wrong2026pass").status_code == 401
    locked = _token(apps[0], user.username)  # even the right password
    assert locked.status_code == 429 and "锁定" in locked.json()["message"]
    page = _sign_in(apps[1], user.username)
    assert page.status_code == 429 and "登录失败次数过多" in page.text
    lockouts = session.scalars(select(AuditRecord).where(AuditRecord.action == "login.lockout")).all()
    assert len(lockouts) == 1 and user.username in lockouts[0].after
    # A name with no account is throttled the same way, so the answer does not tell which names exist.
    for _ in range(limit):
        assert _token(apps[0], "nobody_here", "Wrong2026pass").status_code == 401
    assert _token(apps[0], "nobody_here", "Wrong2026pass").status_code == 429


def test_9_11_failed_logins_are_throttled_per_address(client, user_factory, monkeypatch):
    monkeypatch.setenv("ONEWINDOW_LOGIN_MAX_FAILURES_PER_ADDRESS", "4")
    get_settings.cache_clear()
    try:
        user = user_factory(Role.clerk)
        for i in range(4):  # different names from one address, each below the per-account limit
            assert _token(client, f"guess{i}", "Wrong2026pass").status_code == 401
        assert _token(client, user.username).status_code == 429
    finally:
        monkeypatch.delenv("ONEWINDOW_LOGIN_MAX_FAILURES_PER_ADDRESS")
        get_settings.cache_clear()


def test_9_11_lockout_ends_after_the_window(session, user_factory):
    from onewindow.accounts.models import LoginFailure

    user = user_factory(Role.clerk)
    for _ in range(get_settings().login_max_failures):
        login.sign_in(session, username=user.username, password="Wrong2026pass", address="10.0.0.1")
    assert login.sign_in(session, username=user.username, password=PASSWORD, address="10.0.0.2").error.status_code == 429
    for row in session.scalars(select(LoginFailure)):
        row.at -= timedelta(minutes=get_settings().login_lock_minutes + 1)
    assert login.sign_in(session, username=user.username, password=PASSWORD, address="10.0.0.2").user.id == user.id
    assert session.scalar(select(func.count()).select_from(LoginFailure)) == 0  # success clears the name
    # The hourly job forgets rows past the window; recent ones stay counted.
    for name in ("old_guess", "new_guess"):
        login.sign_in(session, username=name, password="Wrong2026pass", address="10.0.0.3")
    session.scalars(select(LoginFailure).where(LoginFailure.username == "old_guess")).one().at -= timedelta(days=1)
    assert login.purge_failures(session) == 1
    assert session.scalars(select(LoginFailure.username)).all() == ["new_guess"]


def test_9_11_wrong_password_costs_the_same_for_missing_accounts(session, user_factory):
    user = user_factory(Role.clerk)

    def timed(name):
        runs = []
        for i in range(3):
            start = time.perf_counter()
            assert login.sign_in(session, username=name, password="Wrong2026pass", address=f"t{name}{i}").user is None
            runs.append(time.perf_counter() - start)
        session.rollback()  # forget the failures so the throttle never answers early
        return statistics.median(runs)

    existing, missing = timed(user.username), timed("no_such_user")
    # Without the dummy Argon2 verification a missing name answers in well under a tenth of the time.
    assert missing > existing * 0.5, (existing, missing)
