"""Demands benchmark (a), issue 11 item 11: intake + dispatch throughput over HTTP on PostgreSQL.

The real app (`uvicorn onewindow.asgi:app --workers N`, N = 1 and 4) on a fresh migrated database with
the demo city loaded (`demo.loader.load_demo`: departments, routing rules, accounts, 3,000 demands).
The load generator signs in as the demo's 12345 agent through `POST /api/auth/tokens` (real password,
real bearer token), then each of its connections loops: `POST /api/demands` (a hotline call: type,
urgency, topic, region, place, caller, with an idempotency key) and `POST /api/demands/{code}/dispatch`
(the version the intake answered, a lead unit and sometimes a 协办 unit, as the dispatcher does). One
demand = both answered 2xx. Several load processes (asyncio + httpx each) run at once, for a fixed
duration after a warm-up; reported: sustained demands/s, p50/p95/p99 of each request, errors, the load
generator's own CPU and the machine's load average (the machine has 2 cores shared with other work).

    .venv/bin/python bench/demands_throughput.py --workers 1 4 --seconds 40 --procs 2 --concurrency 8
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/"
DB_NAME = "ow_dbench_http"
KINDS = ("consult", "help", "complaint", "report", "suggestion")
URGENCIES = ("general",) * 8 + ("urgent", "complex")


def prepare(pg: str) -> str:
    from benchlib import fresh_database

    from onewindow.db import make_engine, session_scope
    from onewindow.demo import loader

    url = fresh_database("postgresql", DB_NAME, pg, Path("/tmp"))
    engine = make_engine(url)
    with session_scope(engine) as session:
        loader.load_demo(session)
    engine.dispose()
    return url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn with N worker processes on a loopback port; stopped by its own pid."""

    def __init__(self, url: str, workers: int, instance: Path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = os.environ | {"ONEWINDOW_DATABASE_URL": url, "ONEWINDOW_INSTANCE_DIR": str(instance)}
        self.proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "onewindow.asgi:app", "--host", "127.0.0.1",
                                      "--port", str(self.port), "--workers", str(workers), "--log-level", "warning",
                                      "--no-access-log"], env=env)

    def wait_ready(self, timeout: float = 90) -> None:
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.base}/api/items?per_page=1", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"server on {self.base} not ready after {timeout}s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


def vocabulary(url: str) -> dict:
    """Subjects, regions and places from the demo's words; the units the routing rules name."""
    from sqlalchemy import text

    from onewindow.db import make_engine
    from onewindow.demo.demands import REGIONS
    from onewindow.demo.knowledge import TOPICS

    engine = make_engine(url)
    with engine.connect() as conn:
        units = [r[0] for r in conn.execute(text("SELECT DISTINCT department_id FROM demand_routes ORDER BY 1"))]
    engine.dispose()
    subjects = [(topic, s[0]) for topic, (_, subs) in TOPICS.items() for s in subs]
    places = [(region, street) for region, (_, _, streets) in REGIONS.items() for street in streets]
    return {"subjects": subjects, "places": places, "units": units}


async def _client(base: str, token: str, vocab: dict, seconds: float, warm: float, concurrency: int,
                  seed: int) -> dict:
    import httpx

    rng = random.Random(seed)
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    out = {"intake": [], "dispatch": [], "demands": 0, "errors": {}, "cpu": 0.0, "wall": 0.0}
    # The loops start at once; only what completes after the warm-up and before the end is counted.
    start = time.monotonic()
    measure_from, stop_at = start + warm, start + warm + seconds

    def error(key) -> None:
        if time.monotonic() >= measure_from:
            out["errors"][key] = out["errors"].get(key, 0) + 1

    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=60) as client:
        async def worker(w: int) -> None:
            n = 0
            while time.monotonic() < stop_at:
                n += 1
                topic, what = rng.choice(vocab["subjects"])
                region, street = rng.choice(vocab["places"])
                body = {"channel": "hotline", "kind": rng.choice(KINDS), "urgency": rng.choice(URGENCIES),
                        "subject": f"咨询{what}", "content": f"来电人反映在{street}办理{what}遇到困难，请求协助。",
                        "topic": topic, "region": region, "location": f"{street}{rng.randrange(1, 300)}号",
                        "filer_name": "王先生", "filer_phone": f"139{rng.randrange(10 ** 8):08d}",
                        "idempotency_key": f"bench-{seed}-{w}-{n}-{rng.randrange(10 ** 9)}"}
                t0 = time.perf_counter()
                try:
                    r = await client.post("/api/demands", json=body)
                except httpx.HTTPError as exc:
                    error(type(exc).__name__)
                    continue
                t1 = time.perf_counter()
                if r.status_code != 201:
                    error(f"intake {r.status_code}")
                    continue
                made = r.json()
                units = rng.sample(vocab["units"], 2)
                try:
                    d = await client.post(f"/api/demands/{made['code']}/dispatch",
                                          json={"version": made["version"], "lead_department_id": units[0],
                                                "assist_department_ids": units[1:] if rng.random() < .3 else []})
                except httpx.HTTPError as exc:
                    error(type(exc).__name__)
                    continue
                t2 = time.perf_counter()
                if d.status_code != 200:
                    error(f"dispatch {d.status_code}")
                    continue
                if measure_from <= time.monotonic() < stop_at:
                    out["intake"].append(t1 - t0)
                    out["dispatch"].append(t2 - t1)
                    out["demands"] += 1

        cpu = time.process_time()
        await asyncio.gather(*(worker(w) for w in range(concurrency)))
        out["cpu"] = time.process_time() - cpu
        out["wall"] = time.monotonic() - start
    return out


def _proc(args: tuple) -> dict:
    return asyncio.run(_client(*args))


def token_for(base: str) -> str:
    import httpx

    from onewindow.demo.loader import DEMO_PASSWORD

    r = httpx.post(f"{base}/api/auth/tokens", json={"username": "agent", "password": DEMO_PASSWORD,
                                                    "name": "demands-bench"}, timeout=30)
    r.raise_for_status()
    return r.json()["token"]


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))] * 1000 if values else float("nan")


def run(url: str, workers: int, a) -> dict:
    server = Server(url, workers, Path("/tmp/dbench-http-instance"))
    try:
        server.wait_ready()
        token = token_for(server.base)
        vocab = vocabulary(url)
        load_before = os.getloadavg()
        jobs = [(server.base, token, vocab, a.seconds, a.warm, a.concurrency, 1000 * workers + p)
                for p in range(a.procs)]
        with multiprocessing.get_context("spawn").Pool(a.procs) as pool:
            parts = pool.map(_proc, jobs)
        load_after = os.getloadavg()
    finally:
        server.stop()
    intake = [x for p in parts for x in p["intake"]]
    dispatch = [x for p in parts for x in p["dispatch"]]
    errors: dict = {}
    for p in parts:
        for k, v in p["errors"].items():
            errors[k] = errors.get(k, 0) + v
    demands = sum(p["demands"] for p in parts)
    return {"workers": workers, "demands": demands, "per_s": demands / a.seconds, "errors": errors,
            "intake": {q: pct(intake, v) for q, v in (("p50", .5), ("p95", .95), ("p99", .99))},
            "dispatch": {q: pct(dispatch, v) for q, v in (("p50", .5), ("p95", .95), ("p99", .99))},
            "client_cpu_pct": 100 * sum(p["cpu"] / p["wall"] for p in parts),
            "load_before": load_before, "load_after": load_after}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    ap.add_argument("--seconds", type=float, default=40, help="timed window per configuration")
    ap.add_argument("--warm", type=float, default=5, help="warm-up before the timed window")
    ap.add_argument("--procs", type=int, default=2, help="load-generator processes")
    ap.add_argument("--concurrency", type=int, default=8, help="connections per load-generator process")
    ap.add_argument("--pg", default=PG_DEFAULT)
    ap.add_argument("--reuse", action="store_true", help="use the database of the last run")
    a = ap.parse_args()
    url = a.pg + DB_NAME if a.reuse else prepare(a.pg)
    print(f"{os.cpu_count()} cores (shared with other work) · {a.procs} load processes × {a.concurrency} "
          f"connections · {a.seconds:.0f} s timed after {a.warm:.0f} s warm-up")
    for workers in a.workers:
        r = run(url, workers, a)
        i, d = r["intake"], r["dispatch"]
        print(f"workers={workers}: {r['demands']} demands in {a.seconds:.0f} s = {r['per_s']:.1f} demands/s · "
              f"intake p50/p95/p99 {i['p50']:.1f}/{i['p95']:.1f}/{i['p99']:.1f} ms · "
              f"dispatch p50/p95/p99 {d['p50']:.1f}/{d['p95']:.1f}/{d['p99']:.1f} ms · errors {r['errors'] or 0} · "
              f"load generator CPU {r['client_cpu_pct']:.0f}% of one core · "
              f"loadavg before {r['load_before'][0]:.2f} after {r['load_after'][0]:.2f}", flush=True)


if __name__ == "__main__":
    main()
