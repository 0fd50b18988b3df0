"""Demands benchmark (b) and (d), issue 11 item 11, over 5,000,000 demands on PostgreSQL.

(b) the handling unit's inbox (`/demands/inbox`: views.listing with Filters(open_only=True), soonest
    deadline first, 20 a page, as a 承办单位 handler) and the supervisor's overdue list
    (`/demands/supervision`: Filters(sla_state="overdue", open_only=True), soonest deadline first, as
    the supervisor) — the real service calls the pages make, each in its own Session as a request has,
    including the page's COUNT and the selectin load of the page's assignments;
(d) duplicate candidates on intake (demands.duplicates.candidates as the agent's desk calls it: caller
    number, enterprise, subject, content and place of the call being taken, the last 30 days).

Peers: for (b) the same calls on the schema before migration 0019 (its open-work indexes); for (d)
the straightforward PostgreSQL answer to "similar text and place", pg_trgm `similarity()` over the same
30-day window with the same caller/enterprise conditions (no trigram index: on 5M rows a GIN trigram
index on Chinese text would not be selective for two-character words anyway).

Data: bench/demands_data.py (INSERT … SELECT generate_series into the demo city). Plans: EXPLAIN
(ANALYZE, BUFFERS) of the statements a real call ran, captured from SQLAlchemy's cursor events.

    .venv/bin/python bench/demands_bench.py --generate 5000000     # demo city + 5M demands (≈ 5 min)
    .venv/bin/python bench/demands_bench.py --runs 300             # measure (b) and (d) on the current schema
    .venv/bin/python bench/demands_bench.py --runs 300 --plans     # … and print the plans
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/"
DB_NAME = "ow_dbench_big"
PEER_DUPLICATES = """
SELECT id, code, (CASE WHEN filer_phone = :phone THEN 10 ELSE 0 END + CASE WHEN enterprise_uscc = :uscc THEN 8 ELSE 0 END
                  + similarity(subject, :subject) * 4 + similarity(location, :location) * 2) AS score
FROM demands
WHERE received_at >= :since AND merged_into_id IS NULL
  AND (filer_phone = :phone OR enterprise_uscc = :uscc OR similarity(subject, :subject) > 0.3
       OR similarity(location, :location) > 0.3)
ORDER BY score DESC, received_at DESC, id DESC LIMIT 10
"""


def generate(url: str, count: int) -> None:
    from benchlib import fresh_database
    from demands_data import generate as add_demands

    from onewindow.db import make_engine, session_scope
    from onewindow.demo import loader

    name = url.rsplit("/", 1)[1]
    t = time.perf_counter()
    url = fresh_database("postgresql", name, url.rsplit("/", 1)[0] + "/", Path("/tmp"))
    engine = make_engine(url)
    with session_scope(engine) as session:
        loader.load_demo(session)
    print(f"demo city: {time.perf_counter() - t:.0f} s", flush=True)
    print(add_demands(engine, count), flush=True)
    engine.dispose()


def percentiles(values: list[float]) -> dict:
    values = sorted(values)

    def at(p: float) -> float:
        return values[min(len(values) - 1, int(p * len(values)))]

    return {"n": len(values), "p50": at(.5), "p95": at(.95), "p99": at(.99), "max": values[-1]}


class Capture:
    """The statements (and parameters) a call sends, for EXPLAIN afterwards."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.engine, self.statements, self.on = engine, [], False
        event.listen(engine, "before_cursor_execute", self._hook)

    def _hook(self, conn, cursor, statement, parameters, context, executemany):
        if self.on:
            self.statements.append((statement, parameters))

    def explain(self) -> list[str]:
        out = []
        with self.engine.connect() as conn:
            raw = conn.connection.driver_connection
            for sql, params in self.statements:
                with raw.cursor() as cur:
                    cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                    out.append(" ".join(sql.split())[:400] + "\n" + "\n".join(r[0] for r in cur.fetchall()))
                raw.rollback()
        return out


def principals(engine):
    from sqlalchemy import text

    from onewindow.common.roles import Role
    from onewindow.common.security import Principal

    with engine.connect() as conn:
        users = {name: i for name, i in conn.execute(text("SELECT username, id FROM users"))}
        # every unit with work in its inbox, busiest first
        units = conn.execute(text(
            "SELECT a.department_id, count(*) FROM demand_assignments a JOIN demands d ON d.id = a.demand_id "
            "WHERE a.active AND d.status <> 'closed' GROUP BY 1 ORDER BY 2 DESC")).all()
    handlers = [(Principal(user_id=users["handler"], username="handler", display_name="承办", role=Role.handler,
                           department_id=dept), n) for dept, n in units]
    supervisor = Principal(user_id=users["supervisor"], username="supervisor", display_name="李督查",
                           role=Role.supervisor)
    agent = Principal(user_id=users["agent"], username="agent", display_name="郑坐席", role=Role.agent)
    return handlers, supervisor, agent


def calls(engine, runs: int, seed: int) -> dict[str, list]:
    """The calls each scenario makes, drawn once so every schema sees the same ones."""
    from demands_data import NOW
    from sqlalchemy import text

    from onewindow.demands import views
    from onewindow.demo.demands import REGIONS
    from onewindow.demo.knowledge import TOPICS

    rng = random.Random(seed)
    handlers, supervisor, agent = principals(engine)
    busiest = handlers[:12]
    inbox = [("inbox", rng.choice(busiest)[0], views.Filters(open_only=True), rng.choice((1, 1, 1, 2, 3)))
             for _ in range(runs)]
    overdue = [("overdue", supervisor, views.Filters(sla_state="overdue", open_only=True), rng.choice((1, 1, 2, 3, 5)))
               for _ in range(runs)]
    with engine.connect() as conn:
        recent = conn.execute(text(
            "SELECT filer_phone, enterprise_uscc FROM demands WHERE received_at >= :now - interval '30 days' "
            "AND filer_phone <> '' ORDER BY md5(id::text) LIMIT :n"), {"n": runs, "now": NOW}).all()
        firms = [r[0] for r in conn.execute(text("SELECT uscc FROM enterprises ORDER BY id LIMIT 500"))]
    subjects = [s[0] for _, (_, subs) in TOPICS.items() for s in subs]
    streets = [s for _, (_, _, ss) in REGIONS.items() for s in ss]
    dup = []
    for i in range(runs):
        what, street = rng.choice(subjects), rng.choice(streets)
        repeat = rng.random() < .5 and i < len(recent)
        dup.append(("duplicates", agent, {
            "phone": recent[i][0] if repeat else f"139{rng.randrange(10 ** 8):08d}",
            "enterprise_uscc": (recent[i][1] if repeat else "") or (rng.choice(firms) if rng.random() < .12 else ""),
            "subject": f"投诉{what}办理拖延", "content": f"来电人反映在{street}办理{what}，多次往返仍未办结，要求尽快处理。",
            "location": f"{street}{rng.randrange(1, 300)}号"}))
    return {"inbox": inbox, "overdue": overdue, "duplicates": dup}


def run_one(session, call) -> int:
    from onewindow.demands import duplicates, views

    if call[0] == "duplicates":
        return len(duplicates.candidates(session, actor=call[1], days=30, **call[2]))
    _, actor, filters, page = call
    result = views.listing(session, actor=actor, filters=filters, page=page, per_page=20, due_first=True)
    for d in result.items:
        _ = d.assignments  # loaded with the page (selectin), as the page's rows read them
    return result.total


def peer_one(conn, call) -> int:
    from datetime import timedelta

    from sqlalchemy import text

    from onewindow.db import utcnow

    args = call[2]
    rows = conn.execute(text(PEER_DUPLICATES), {"phone": args["phone"], "uscc": args["enterprise_uscc"] or "\x01",
                                                "subject": args["subject"], "location": args["location"],
                                                "since": utcnow() - timedelta(days=30)}).all()
    return len(rows)


def measure(url: str, runs: int, seed: int, plans: bool, peer: bool, only: tuple[str, ...] = ()) -> dict:
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from onewindow.db import make_engine

    engine = make_engine(url)
    plan = calls(engine, runs, seed)
    capture = Capture(engine)
    results, sizes, plan_text = {}, {}, {}
    for name, todo in plan.items():
        if only and name not in only:
            continue
        for call in todo[:10]:  # warm the caches and the pool
            with Session(engine) as s:
                run_one(s, call)
        times, found = [], []
        load = os.getloadavg()[0]
        for call in todo:
            with Session(engine) as s:
                t = time.perf_counter()
                found.append(run_one(s, call))
                times.append((time.perf_counter() - t) * 1000)
        results[name] = percentiles(times) | {"loadavg": load}
        sizes[name] = (min(found), sum(found) / len(found), max(found))
        if plans:
            capture.statements, capture.on = [], True
            with Session(engine) as s:
                run_one(s, todo[0])
            capture.on = False
            plan_text[name] = capture.explain()
    if peer:
        with engine.connect() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            conn.commit()
            for call in plan["duplicates"][:10]:
                peer_one(conn, call)
            times = []
            for call in plan["duplicates"]:
                t = time.perf_counter()
                peer_one(conn, call)
                times.append((time.perf_counter() - t) * 1000)
            results["duplicates peer (pg_trgm similarity)"] = percentiles(times) | {"loadavg": os.getloadavg()[0]}
    engine.dispose()
    return {"results": results, "sizes": sizes, "plans": plan_text}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--generate", type=int, default=0, help="make the database: demo city + this many demands")
    ap.add_argument("--runs", type=int, default=300, help="timed calls per scenario")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--plans", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of each scenario")
    ap.add_argument("--no-peer", action="store_true", help="skip the pg_trgm peer of (d)")
    ap.add_argument("--only", default="", help="comma-separated scenarios: inbox,overdue,duplicates")
    ap.add_argument("--pg", default=PG_DEFAULT)
    a = ap.parse_args()
    url = a.pg + DB_NAME
    if a.generate:
        generate(url, a.generate)
    from sqlalchemy import text

    from onewindow.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.scalar(text("SELECT count(*) FROM demands"))
        rev = conn.scalar(text("SELECT version_num FROM alembic_version"))
        size = conn.scalar(text("SELECT pg_size_pretty(pg_total_relation_size('demands'))"))
    engine.dispose()
    only = tuple(x for x in a.only.split(",") if x)
    r = measure(url, a.runs, a.seed, a.plans, not a.no_peer, only)
    print(f"{n:,} demands ({size} with indexes) · schema {rev} · {os.cpu_count()} shared cores · "
          f"{a.runs} calls per scenario, one at a time")
    print(f"{'':40}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max':>9}  load  rows found (min/mean/max)")
    for name, v in r["results"].items():
        found = r["sizes"].get(name)
        extra = f"{found[0]}/{found[1]:.0f}/{found[2]}" if found else ""
        print(f"{name:40}{v['p50']:9.2f}{v['p95']:9.2f}{v['p99']:9.2f}{v['max']:9.1f}  {v['loadavg']:4.1f}  {extra}")
    for name, plans in r["plans"].items():
        print(f"\n=== {name}")
        for p in plans:
            print(p + "\n")


if __name__ == "__main__":
    main()
