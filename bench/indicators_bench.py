"""Indicators benchmark (issue 14 item 8): N cases, N/2 demands and ~N/5 ratings over 24 months, loaded
set-based into the migrated PostgreSQL schema (bench/indicators_load.py), then on the same run:
(a) every indicator with a registered source for 24 months + 9 quarters (`compute.compute`), (b) the
one-month incremental refresh, (c) the peer — the case, demand and rating measures as plain PostgreSQL
GROUP BY queries rolled up to the same units (bench/indicators_peer.py) — and (d) the dashboard's
service calls, p95 over 50 runs.

    createdb -h 127.0.0.1 -U postgres ow_ibench_big
    PYTHONPATH=src .venv/bin/python bench/indicators_bench.py --cases 10000000 \
        --url postgresql://postgres@127.0.0.1:5432/ow_ibench_big
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date

sys.path.insert(0, os.path.dirname(__file__))

from indicators_load import load  # noqa: E402
from indicators_peer import run as peer  # noqa: E402

from onewindow import migrate  # noqa: E402
from onewindow.common.measures import utc_bounds  # noqa: E402
from onewindow.db import make_engine, session_scope  # noqa: E402
from onewindow.indicators import compute, views  # noqa: E402
from onewindow.indicators import periods as P  # noqa: E402
from onewindow.indicators import service as S  # noqa: E402


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=200_000)
    ap.add_argument("--demands", type=int, default=None, help="default: half the cases")
    ap.add_argument("--no-load", action="store_true", help="reuse the rows of the previous run")
    ap.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/ow_ibench_big")
    args = ap.parse_args()
    engine = make_engine(args.url)
    migrate.upgrade(engine)
    months = P.months_back(date(2026, 11, 15), 24)
    quarters = sorted({P.quarter_of(P.bounds(m)[0]) for m in months})
    print(f"load average before: {loadavg()}", flush=True)
    if not args.no_load:
        t = time.perf_counter()
        counts = load(engine, cases=args.cases, demands=args.demands or args.cases // 2, recent="2026-11-10")
        print(f"loaded {counts} in {time.perf_counter() - t:.1f} s; load average {loadavg()}", flush=True)
    with session_scope(engine) as session:
        S.ensure_builtin(session)
        t = time.perf_counter()
        r = compute.compute(session, months + quarters)
        full = time.perf_counter() - t
        print(f"full: {full:.2f} s ({r.written:,} figures); load average {loadavg()}", flush=True)
        t = time.perf_counter()
        compute.compute(session, [months[-1]])
        one = time.perf_counter() - t
        print(f"one-month refresh: {one:.2f} s", flush=True)
        start, end = P.bounds(quarters[0])[0], P.bounds(quarters[-1])[1]
        t = time.perf_counter()
        rows = peer(session, start=start, end=end, lo=utc_bounds(start, end)[0], hi=utc_bounds(start, end)[1])
        peer_s = time.perf_counter() - t
        print(f"peer: {peer_s:.2f} s ({rows:,} unit × period rows); load average {loadavg()}", flush=True)
        session.commit()
        times = []
        for _ in range(50):
            t = time.perf_counter()
            views.dashboard(session, period=months[-1], code="ASBJ")
            times.append(time.perf_counter() - t)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"full: {full:.2f} s; one-month refresh: {one:.2f} s; peer: {peer_s:.2f} s; ratio full/peer "
              f"{full / peer_s:.2f}; refresh/peer {one / peer_s:.2f}; dashboard p95 {p95 * 1000:.0f} ms; "
              f"load average {loadavg()}")


if __name__ == "__main__":
    main()
