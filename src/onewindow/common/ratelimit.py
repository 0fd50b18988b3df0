"""Rate limits for anonymous endpoints (the QR rating page and the like): a sliding window counted per
key — per token and per client address — in this process's memory.

Why memory and not the database: these limits only blunt a flood from one phone or one script against
one QR code; they need no durability, and a second row per request would make the flood a write load.
Several app processes each count their own window, so the effective limit is at most N × the figure —
still bounded. The sign-in throttle (accounts/login.py) is different: it must hold across processes and
restarts, so it counts its failure rows in the database.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from onewindow.common.errors import TooManyRequests


@dataclass
class SlidingWindow:
    """At most `limit` hits per key in any `seconds`-long window."""

    limit: int
    seconds: float
    clock: Callable[[], float] = time.monotonic
    _hits: dict[str, deque[float]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _since_purge: int = 0

    def allow(self, key: str) -> bool:
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.seconds:
                hits.popleft()
            self._purge(now)
            if len(hits) >= self.limit:
                return False
            hits.append(now)
            return True

    def _purge(self, now: float) -> None:
        # Keys seen once and never again must not pile up: every 1000 hits, drop the idle ones.
        self._since_purge += 1
        if self._since_purge < 1000:
            return
        self._since_purge = 0
        for key in [k for k, h in self._hits.items() if not h or h[-1] <= now - self.seconds]:
            del self._hits[key]

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


@dataclass
class Limits:
    """One named set of windows (e.g. 扫码评价: per token and per address), checked together."""

    what: str  # what is limited, for the message: "扫码评价"
    windows: dict[str, SlidingWindow]  # scope ("token", "address") -> window

    def check(self, **keys: str) -> None:
        """Count one request under each scope's key; refuse with 429 and a message for people."""
        for scope, key in keys.items():
            window = self.windows[scope]
            if not window.allow(f"{scope}:{key}"):
                minutes = max(1, round(window.seconds / 60))
                raise TooManyRequests(f"{self.what}过于频繁，请 {minutes} 分钟后再试")

    def reset(self) -> None:
        for w in self.windows.values():
            w.reset()
