"""An API token's last use is recorded (#9 defect): the first request a token authenticates stamps
`last_used_at`, later ones within a minute write nothing, and its owner sees the time in the token list
(API and page)."""

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select, update

from onewindow.accounts.models import ApiToken
from onewindow.accounts.service import TOUCH_EVERY
from onewindow.app import create_app
from onewindow.common.models import AuditRecord
from onewindow.common.roles import Role
from onewindow.db import session_scope, utcnow
from tests.conftest import PASSWORD, live_engine, make_user


def _issue(client, username):
    body = client.post("/api/auth/tokens", json={"username": username, "password": PASSWORD, "name": "对接系统"}).json()
    return body["token"], body["token_id"]


def _last_used(session, token_id):
    session.expire_all()
    return session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id))


def test_9_token_last_used_is_stamped_at_most_once_a_minute(client, session, user_factory):
    user = user_factory(Role.clerk)
    token, token_id = _issue(client, user.username)
    auth = {"Authorization": f"Bearer {token}"}
    assert _last_used(session, token_id) is None
    audited = session.scalar(select(AuditRecord.seq).order_by(AuditRecord.seq.desc()).limit(1))

    assert client.get("/api/me", headers=auth).status_code == 200  # a read request stamps it too
    first = _last_used(session, token_id)
    assert first is not None and utcnow() - first < timedelta(seconds=30)

    for _ in range(3):  # a busy client: no write on every request
        assert client.get("/api/me", headers=auth).status_code == 200
    assert _last_used(session, token_id) == first

    earlier = utcnow() - TOUCH_EVERY - timedelta(seconds=5)  # a minute on: the next request stamps again
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=earlier))
    session.commit()
    assert client.get("/api/me", headers=auth).status_code == 200
    assert _last_used(session, token_id) > earlier + timedelta(seconds=4)
    # Bookkeeping, not an audited change.
    assert session.scalar(select(AuditRecord.seq).order_by(AuditRecord.seq.desc()).limit(1)) == audited

    listed = client.get("/api/auth/tokens", headers=auth)
    assert listed.status_code == 200
    (item,) = listed.json()["items"]
    assert item["id"] == token_id and item["name"] == "对接系统" and item["last_used_at"] is not None
    assert "token" not in item and "token_hash" not in item


def test_9_token_list_is_ones_own_unless_admin(client, user_factory):
    owner, other = user_factory(Role.clerk, username="owner1"), user_factory(Role.clerk, username="other1")
    admin = user_factory(Role.admin)
    _, token_id = _issue(client, owner.username)
    other_token, _ = _issue(client, other.username)
    admin_token, _ = _issue(client, admin.username)
    peek = client.get(f"/api/auth/tokens?user_id={owner.id}", headers={"Authorization": f"Bearer {other_token}"})
    assert peek.status_code == 403
    seen = client.get(f"/api/auth/tokens?user_id={owner.id}", headers={"Authorization": f"Bearer {admin_token}"})
    assert [t["id"] for t in seen.json()["items"]] == [token_id]


def test_9_tokens_page_shows_last_use_in_chinese(browser_as, client, user_factory):
    page_client = browser_as(Role.clerk)
    me = page_client.get("/api/me").json()["username"]
    token, _ = _issue(client, me)
    html = page_client.get("/account/tokens").text
    assert "对接系统" in html and "从未使用" in html and "有效" in html
    assert client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    html = page_client.get("/account/tokens").text
    assert "从未使用" not in html and token not in html


def test_9_a_writing_request_stamps_its_token_too(worker_id, caplog):
    """On a database that really commits: a write request already holds SQLite's write lock, so the stamp
    must not wait for a second connection (it would time out and be lost)."""
    engine = live_engine(worker_id, "tokens")
    try:
        with session_scope(engine) as s:
            make_user(s, role=Role.clerk, username="live_token_user")
        client = TestClient(create_app(engine))
        token, token_id = _issue(client, "live_token_user")
        _, spare_id = _issue(client, "live_token_user")
        gone = client.delete(f"/api/auth/tokens/{spare_id}", headers={"Authorization": f"Bearer {token}"})
        assert gone.status_code == 204
        assert "last_used_at not updated" not in caplog.text
        with session_scope(engine) as s:
            assert s.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id)) is not None
            assert s.scalar(select(ApiToken.revoked_at).where(ApiToken.id == spare_id)) is not None
    finally:
        engine.dispose()
