"""The one rate-limit mechanism (common/ratelimit.py, #12 item 4): counted in the database, so two app
processes — here two engines with their own connection pools on one database — share one limit; a 429 in
Chinese; hits age out of the window; the periodic job purges what no window counts any more."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from onewindow.common import jobs
from onewindow.common.errors import TooManyRequests
from onewindow.common.models import RateLimitHit
from onewindow.common.ratelimit import REGISTERED, Limits, Window, purge
from onewindow.db import make_engine, session_scope, utcnow
from onewindow.domains import registry
from tests.conftest import live_engine

LIMIT = Limits("test.ratelimit", "测试提交", {"client": Window(limit=3, seconds=600),
                                              "code": Window(limit=5, seconds=120)})


def _hits(session, scope="test.ratelimit:client"):
    return session.scalar(select(func.count()).select_from(RateLimitHit).where(RateLimitHit.scope == scope))


def test_a_window_counts_per_key_refuses_in_chinese_and_forgets_aged_hits(session):
    for _ in range(3):
        LIMIT.check(session, client="ip:1.2.3.4")
    with pytest.raises(TooManyRequests) as refused:
        LIMIT.check(session, client="ip:1.2.3.4")
    assert refused.value.status_code == 429 and refused.value.message == "测试提交过于频繁，请 10 分钟后再试"
    assert _hits(session) == 3  # the refused request counted nothing
    LIMIT.check(session, client="ip:5.6.7.8")  # another key has its own count
    # The window slides: once the first hit is older than 600 s, one more request passes.
    first = session.scalars(select(RateLimitHit).where(RateLimitHit.key == "ip:1.2.3.4")
                            .order_by(RateLimitHit.id)).first()
    first.at = utcnow() - timedelta(seconds=601)
    session.flush()
    LIMIT.check(session, client="ip:1.2.3.4")
    with pytest.raises(TooManyRequests):
        LIMIT.check(session, client="ip:1.2.3.4")
    # Two scopes checked together: the tighter one refuses; its minutes are in the message.
    for _ in range(5):
        LIMIT.check(session, code="c1")
    with pytest.raises(TooManyRequests, match="测试提交过于频繁，请 2 分钟后再试"):
        LIMIT.check(session, code="c1")
    LIMIT.reset(session)
    assert _hits(session) == 0


def test_a_name_is_declared_once():
    import onewindow.demands.service  # noqa: F401 — where demands declares its limits
    import onewindow.ratings.api  # noqa: F401

    assert REGISTERED["test.ratelimit"] == LIMIT and {"demands.scan", "demands.track", "ratings.qr"} <= set(REGISTERED)
    with pytest.raises(ValueError):
        Limits("test.ratelimit", "别的", {"client": Window(limit=9, seconds=60)})


def test_two_processes_share_one_limit(worker_id):
    """Two engines are two processes' pools: what one counted and committed, the other sees."""
    engine_a = live_engine(worker_id, "ratelimit")
    engine_b = make_engine(engine_a.url.render_as_string(hide_password=False))
    try:
        for _ in range(2):
            with session_scope(engine_a) as s:
                LIMIT.check(s, client="device:abc")
        with session_scope(engine_b) as s:
            LIMIT.check(s, client="device:abc")  # the third, in the other process
        for engine in (engine_a, engine_b):
            with pytest.raises(TooManyRequests, match="测试提交过于频繁"), session_scope(engine) as s:
                LIMIT.check(s, client="device:abc")
        with session_scope(engine_a) as s:
            assert _hits(s) == 3
    finally:
        engine_b.dispose()
        engine_a.dispose()


def test_the_periodic_job_purges_only_what_no_window_counts(worker_id):
    engine = live_engine(worker_id, "ratelimit_purge")
    try:
        now = utcnow()
        with session_scope(engine) as s:
            s.add_all([RateLimitHit(scope="test.ratelimit:client", key="k", at=now - timedelta(seconds=601)),
                       RateLimitHit(scope="test.ratelimit:client", key="k", at=now - timedelta(seconds=30)),
                       RateLimitHit(scope="test.ratelimit:code", key="k", at=now - timedelta(seconds=121)),
                       RateLimitHit(scope="gone.limit:client", key="k", at=now - timedelta(days=2)),
                       RateLimitHit(scope="gone.limit:client", key="k", at=now - timedelta(hours=1))])
        job = next(j for j in registry().jobs() if j.name == "common.rate_limits")
        result = jobs.run_job(job, registry(), holder="test", engine=engine)
        assert result.status == "ran" and result.summary == "清理过期的限流记录 3 条"
        with session_scope(engine) as s:
            left = s.execute(select(RateLimitHit.scope, RateLimitHit.at).order_by(RateLimitHit.id)).all()
            assert [scope for scope, _ in left] == ["test.ratelimit:client", "gone.limit:client"]
            assert purge(s) == 0
    finally:
        engine.dispose()
