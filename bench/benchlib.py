"""What every benchmark here shares: a fresh migrated database, and timed concurrent HTTP load."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path


def fresh_database(kind: str, name: str, pg_base: str, tmp: Path) -> str:
    """URL of a new, empty, migrated database: a SQLite file under `tmp`, or a PostgreSQL database."""
    from onewindow import migrate
    from onewindow.db import make_engine, recreate_postgres_database

    if kind == "sqlite":
        path = tmp / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = recreate_postgres_database(pg_base, name)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    return url


async def _load(base: str, paths: list[str], clients: int, cap_s: float, headers: dict,
                cookies: dict | None) -> dict:
    import httpx

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    latencies: list[float] = []
    statuses: dict[int | str, int] = {}
    errors = 0
    nxt = 0
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60, headers=headers,
                                 cookies=cookies) as client:
        warm = paths[: min(len(paths), 2 * clients)]  # open the connections and warm the caches
        await asyncio.wait_for(asyncio.gather(*(client.get(p) for p in warm)), timeout=cap_s)
        deadline = time.monotonic() + cap_s
        started = time.perf_counter()
        cpu = time.process_time()

        async def worker() -> None:
            nonlocal nxt, errors
            while nxt < len(paths) and time.monotonic() < deadline:
                path = paths[nxt]
                nxt += 1
                t = time.perf_counter()
                try:
                    r = await client.get(path)
                except httpx.HTTPError as exc:
                    errors += 1
                    statuses[type(exc).__name__] = statuses.get(type(exc).__name__, 0) + 1
                    continue
                statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
                if r.status_code != 200:
                    errors += 1
                    continue
                latencies.append(time.perf_counter() - t)

        await asyncio.gather(*(worker() for _ in range(clients)))
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else float("nan")

    return {"requests": len(latencies), "errors": errors, "statuses": statuses, "wall_s": wall,
            "rps": len(latencies) / wall if wall else 0.0, "p50_ms": pct(0.50), "p95_ms": pct(0.95),
            "p99_ms": pct(0.99), "capped": len(latencies) + errors < len(paths),
            "client_cpu_pct": 100 * cpu / wall if wall else 0.0, "loadavg_after": os.getloadavg()[0]}


def run_load(base: str, paths: list[str], clients: int, cap_s: float, headers: dict,
             cookies: dict | None = None) -> dict:
    """GET `paths` with `clients` concurrent connections for at most `cap_s` seconds; latency percentiles."""
    return asyncio.run(_load(base, paths, clients, cap_s, headers, cookies))
