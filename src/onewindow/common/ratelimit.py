"""Rate limits — the one mechanism for every limited endpoint (码上监督 and tracking in demands, the QR rating
pages in ratings): at most `limit` requests per key in any `seconds`-long window, counted as rows of
`rate_limit_hits` in the database, so the limit holds across app processes and restarts, on SQLite and
PostgreSQL alike. The `common.rate_limits` periodic job purges the hits that no window counts any more.

A hit is written in the caller's transaction: a caller whose request may still fail after the check, and
whose hit must stand all the same (a look-up by a guessed code), commits right after `check` or answers its
error without raising. Two processes checking the same key at the same instant may both pass at the last
place: the limit can be exceeded by the number of processes, never more — these limits blunt floods from one
phone, script or code, and a lock per request would turn the flood into contention.

The sign-in throttle (accounts/login.py) counts only failures and audits a lockout: it is its own table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, select, true
from sqlalchemy.orm import Session

from onewindow.common.errors import TooManyRequests
from onewindow.common.models import RateLimitHit
from onewindow.db import for_writing, utcnow

MAX_KEY = 120
STALE = timedelta(days=1)  # hits of a scope no limit declares any more: purged after this


@dataclass(frozen=True)
class Window:
    """At most `limit` hits per key in any `seconds`-long window."""

    limit: int
    seconds: int

    @property
    def minutes(self) -> int:
        return max(1, round(self.seconds / 60))


REGISTERED: dict[str, Limits] = {}


@dataclass(frozen=True)
class Limits:
    """One named set of windows checked together, e.g. 扫码评价: per code and per client address.

    `name` prefixes the stored scope ("ratings.qr:token"), so two limits never count each other's hits;
    `what` names what is limited in the 429 people read ("扫码评价过于频繁，请 10 分钟后再试")."""

    name: str
    what: str
    windows: Mapping[str, Window] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.name in REGISTERED and REGISTERED[self.name] != self:
            raise ValueError(f"rate limit {self.name!r} declared twice")
        REGISTERED[self.name] = self

    def scope(self, scope: str) -> str:
        return f"{self.name}:{scope}"

    def check(self, session: Session, **keys: str) -> None:
        """Refuse with 429 (in Chinese) when any scope's key has used its window up; else count one hit under
        each. A refused request counts nothing, so a steady trickle under the limit is never locked out."""
        if not session.in_transaction():
            for_writing(session)  # SQLite: take the write lock at BEGIN, since this reads and then writes
        now = utcnow()
        hits = []
        for scope, key in keys.items():
            window = self.windows[scope]
            key = (key or "unknown")[:MAX_KEY]
            used = session.scalar(select(func.count()).select_from(RateLimitHit).where(
                RateLimitHit.scope == self.scope(scope), RateLimitHit.key == key,
                RateLimitHit.at > now - timedelta(seconds=window.seconds))) or 0
            if used >= window.limit:
                raise TooManyRequests(f"{self.what}过于频繁，请 {window.minutes} 分钟后再试")
            hits.append(RateLimitHit(scope=self.scope(scope), key=key, at=now))
        session.add_all(hits)
        session.flush()

    def reset(self, session: Session) -> None:
        """Forget every hit of these windows (an operator lifting a block; tests)."""
        session.execute(delete(RateLimitHit).where(RateLimitHit.scope.in_([self.scope(s) for s in self.windows])))


def purge(session: Session) -> int:
    """Delete the hits no window counts any more; the periodic job calls this. Returns how many."""
    now, n, known = utcnow(), 0, set()
    for limits in REGISTERED.values():
        for scope, window in limits.windows.items():
            known.add(limits.scope(scope))
            n += session.execute(delete(RateLimitHit).where(
                RateLimitHit.scope == limits.scope(scope),
                RateLimitHit.at <= now - timedelta(seconds=window.seconds))).rowcount or 0
    n += session.execute(delete(RateLimitHit).where(RateLimitHit.scope.not_in(known) if known else true(),
                                                    RateLimitHit.at <= now - STALE)).rowcount or 0
    return n
