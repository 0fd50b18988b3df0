"""Catalogue benchmark: xlsx import, and search/list latency under concurrent clients, on SQLite and PostgreSQL.

(a) import: `transfer.import_catalog` of the generated xlsx into a fresh migrated database, against a bare
    loader (openpyxl + SQLAlchemy Core executemany, no validation, no segmentation, no audit) on the
    same file and the same kind of database.
(b) latency: the real app under uvicorn on 127.0.0.1, N concurrent httpx clients; search
    (GET /api/items?q=), list (GET /api/items?page=) and the HTML page (GET /catalog?q=). The search
    peer is the same app in its own uvicorn process with one extra route that answers the same
    queries with `name LIKE '%q%'` instead of full-text search (everything else identical).

    .venv/bin/python bench/catalog_bench.py --items 5000 --bundles 500 --clients 50 --requests 2000 --db both
"""

import argparse
import json
import os
import platform
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchlib import fresh_database, run_load  # noqa: E402

_TMP = Path(tempfile.gettempdir())  # replaced by a private folder in main(); SQLite files live there

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/"
LIKE_PATH = "/bench/like-items"


# ---- (a) import ------------------------------------------------------------------------------------

def import_ours(url: str, filename: str, content: bytes) -> tuple[float, dict]:
    from onewindow.catalog import transfer
    from onewindow.common.security import SYSTEM
    from onewindow.db import make_engine, session_scope

    engine = make_engine(url)
    t = time.perf_counter()
    with session_scope(engine) as session:
        transfer.import_catalog(session, actor=SYSTEM, filename=filename, content=content)
    elapsed = time.perf_counter() - t
    counts = table_counts(engine)
    engine.dispose()
    return elapsed, counts


def import_peer(url: str, content: bytes) -> tuple[float, dict]:
    """The floor: read the sheets with openpyxl and executemany Core inserts; no checks, no jieba, no audit.

    It converts only what the database needs to accept the values (是/否, dates, lists) and assigns
    primary keys itself so that children need no round trip to learn their parent's id.
    """
    import io

    from openpyxl import load_workbook
    from sqlalchemy import insert

    from onewindow.catalog.documents import SHEETS
    from onewindow.catalog.models import Bundle, BundleItem, Department, FormField, Material, ServiceItem
    from onewindow.db import make_engine, utcnow

    engine = make_engine(url)
    t = time.perf_counter()
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheets: dict[str, list[dict]] = {}
    for sheet in SHEETS:
        by_label = {c.label: c for c in sheet.cols}
        rows = book[sheet.title].iter_rows(values_only=True)
        header = [by_label.get(h) for h in next(rows)]
        out = []
        for values in rows:
            row = {}
            for col, v in zip(header, values, strict=False):
                if col is None:
                    continue
                if col.kind == "bool":
                    v = v == "是"
                elif col.kind == "date":
                    v = date.fromisoformat(v) if v else None
                elif col.kind == "list":
                    v = [p for p in (v or "").split("；") if p]
                elif v is None and col.default is not None:
                    v = col.default
                row[col.key] = v
            out.append(row)
        sheets[sheet.key] = out
    now = utcnow()
    dept_id = {d["code"]: n for n, d in enumerate(sheets["departments"], start=1)}
    depts = [{"id": dept_id[d["code"]], "code": d["code"], "name": d["name"], "level": d["level"],
              "parent_id": dept_id.get(d["parent"]), "created_at": now} for d in sheets["departments"]]
    item_id: dict[tuple, int] = {}
    items = []
    for n, r in enumerate(sheets["items"], start=1):
        item_id[(r["code"], r["version"])] = n
        dept = r.pop("department")
        items.append({**r, "id": n, "department_id": dept_id[dept], "search_text": "", "created_at": now,
                      "published_at": now if r["status"] == "published" else None})
    positions: dict[tuple, int] = {}

    def children(key: str) -> list[dict]:
        out = []
        for r in sheets[key]:
            parent = (key, r.pop("item"), r.pop("version"))
            positions[parent] = positions.get(parent, -1) + 1
            out.append({**r, "item_id": item_id[parent[1:]], "position": positions[parent]})
        return out

    materials, fields = children("materials"), children("form_fields")
    bundle_id = {b["code"]: n for n, b in enumerate(sheets["bundles"], start=1)}
    bundles = [{**b, "id": bundle_id[b["code"]], "created_at": now, "updated_at": now, "version": 1}
               for b in sheets["bundles"]]
    bundle_items = []
    for r in sheets["bundle_items"]:
        parent = ("bundle", r["bundle"])
        positions[parent] = positions.get(parent, -1) + 1
        bundle_items.append({"bundle_id": bundle_id[r["bundle"]], "item_code": r["item"],
                             "depends_on": r["depends_on"], "position": positions[parent]})
    with engine.begin() as conn:
        for table, rows in ((Department, depts), (ServiceItem, items), (Material, materials),
                            (FormField, fields), (Bundle, bundles), (BundleItem, bundle_items)):
            conn.execute(insert(table.__table__), rows)
    elapsed = time.perf_counter() - t
    counts = table_counts(engine)
    engine.dispose()
    return elapsed, counts


def table_counts(engine) -> dict:
    from sqlalchemy import text

    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("departments", "service_items", "materials", "form_fields", "bundles", "bundle_items")}


# ---- (b) servers ---------------------------------------------------------------------------------------

def build_app(url: str, kind: str):
    from onewindow.app import create_app
    from onewindow.db import make_engine

    app = create_app(make_engine(url))
    if kind == "peer":
        from fastapi import Query
        from sqlalchemy import select

        from onewindow.catalog.api import item_out
        from onewindow.catalog.models import ServiceItem
        from onewindow.catalog.service import current_clause
        from onewindow.common.http import DbSession, MaybeUser
        from onewindow.common.pagination import paginate

        @app.get(LIKE_PATH)
        def like_items(session: DbSession, actor: MaybeUser, q: str = Query("", max_length=100),
                       page: int = Query(1, ge=1, le=100000), per_page: int = Query(20, ge=1, le=200)) -> dict:
            # /api/items with the full-text clause replaced by a substring scan of the name.
            stmt = (select(ServiceItem).join(ServiceItem.department).where(current_clause())
                    .where(ServiceItem.name.like(f"%{q.strip()}%")).order_by(ServiceItem.code, ServiceItem.version))
            result = paginate(session, stmt, page=page, per_page=per_page)
            return {"items": [item_out(i) for i in result.items], "total": result.total, "page": result.page,
                    "per_page": result.per_page}
    return app


def serve(url: str, kind: str, port: int) -> None:
    import uvicorn

    uvicorn.run(build_app(url, kind), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One uvicorn process (one worker) on a loopback port; stopped by its own pid."""

    def __init__(self, url: str, kind: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, __file__, "--serve", kind, "--url", url,
                                      "--port", str(self.port)], env=os.environ.copy())

    def wait_ready(self, timeout: float = 60) -> None:
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
            time.sleep(0.2)
        raise RuntimeError(f"server on {self.base} not ready after {timeout}s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


# ---- (b) load -------------------------------------------------------------------------------------------

def hits(base: str, path: str, queries: list[str]) -> float:
    """Mean `total` over the query pool: how many items each kind of search finds."""
    import httpx

    totals = []
    with httpx.Client(base_url=base, timeout=30) as c:
        for q in queries:
            totals.append(c.get(path, params={"q": q, "per_page": 1}).json()["total"])
    return sum(totals) / len(totals)


# ---- driver ---------------------------------------------------------------------------------------------

def bench_db(kind: str, a, content: bytes, filename: str, rows: int, results: list) -> None:
    from urllib.parse import quote

    from generate import QUERIES

    print(f"\n=== {kind} ===", flush=True)
    res: dict = {"db": kind}
    results.append(res)  # partial results are still reported if a later step fails
    ours_url = fresh_database(kind, "onewindow_bench", a.pg_url, _TMP)
    res["loadavg_before_import"] = os.getloadavg()[0]
    print(f"load average before import: {res['loadavg_before_import']:.1f}", flush=True)
    secs, counts = import_ours(ours_url, filename, content)
    res["import_ours_s"], res["import_counts"] = secs, counts
    print(f"import (ours): {secs:.2f}s  {rows / secs:,.0f} rows/s  {counts}", flush=True)
    peer_url = fresh_database(kind, "onewindow_bench_peer", a.pg_url, _TMP)
    psecs, pcounts = import_peer(peer_url, content)
    res["import_peer_s"], res["import_peer_counts"] = psecs, pcounts
    print(f"import (peer): {psecs:.2f}s  {rows / psecs:,.0f} rows/s  {pcounts}", flush=True)
    if pcounts != counts:
        print("  WARNING: the peer wrote different row counts", flush=True)
    # No VACUUM here: the import itself leaves PostgreSQL ready (fresh statistics, and a search index
    # without a pending list — migration 0002), so this measures what an operator gets right after it.

    rng = random.Random(a.seed)
    n = a.requests
    qs = [rng.choice(QUERIES) for _ in range(n)]
    ours, peer = Server(ours_url, "ours"), Server(ours_url, "peer")  # both over the database we imported
    try:
        ours.wait_ready()
        peer.wait_ready()
        import httpx

        total = httpx.get(f"{ours.base}/api/items", params={"per_page": 20}, timeout=30).json()["total"]
        pages = max(1, -(-total // 20))
        scenarios = [
            ("search  /api/items?q=", ours.base, [f"/api/items?q={quote(q)}" for q in qs], False),
            ("peer    LIKE '%q%'", peer.base, [f"{LIKE_PATH}?q={quote(q)}" for q in qs], False),
            ("list    /api/items?page=", ours.base, [f"/api/items?page={rng.randint(1, pages)}" for _ in range(n)],
             False),
            ("html    /catalog?q=", ours.base, [f"/catalog?q={quote(q)}" for q in qs], True),
        ]
        res["scenarios"] = {}
        for name, base, paths, html in scenarios:
            r = run_load(base, paths, a.clients, a.time_cap, {"Accept": "text/html" if html else "application/json"})
            res["scenarios"][name] = r
            print(f"{name:<26} n={r['requests']:>5} err={r['errors']} p50={r['p50_ms']:8.1f}ms "
                  f"p95={r['p95_ms']:8.1f}ms p99={r['p99_ms']:8.1f}ms {r['rps']:7.1f} req/s "
                  f"client cpu {r['client_cpu_pct']:.0f}% load {r['loadavg_after']:.1f} {'(time cap hit)' if r['capped'] else ''} "
                  f"statuses={r['statuses']}", flush=True)
        res["mean_hits_fts"] = hits(ours.base, "/api/items", QUERIES)
        res["mean_hits_like"] = hits(peer.base, LIKE_PATH, QUERIES)
        res["current_items"] = total
    finally:
        ours.stop()
        peer.stop()


def versions(pg_url: str) -> dict:
    out = {"nproc": os.cpu_count(), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
           "platform": platform.platform()}
    try:
        from sqlalchemy import create_engine, text

        eng = create_engine(pg_url.rstrip("/").replace("postgresql://", "postgresql+psycopg://") + "/postgres")
        with eng.connect() as conn:
            out["postgresql"] = conn.execute(text("SHOW server_version")).scalar_one()
        eng.dispose()
    except Exception as exc:  # report, do not fail: the SQLite half still runs
        out["postgresql"] = f"unavailable ({type(exc).__name__})"
    return out


def table(results: list[dict], rows: int, a) -> str:
    lines = [f"items={a.items} bundles={a.bundles} rows={rows} clients={a.clients} requests/scenario={a.requests}",
             "",
             "IMPORT (xlsx → fresh migrated DB, wall time incl. commit)",
             f"{'db':<11}{'ours s':>9}{'ours rows/s':>13}{'peer s':>9}{'peer rows/s':>13}{'ours/peer':>11}"]
    for r in results:
        if "import_peer_s" not in r:
            lines.append(f"{r['db']:<11}not measured")
            continue
        lines.append(f"{r['db']:<11}{r['import_ours_s']:>9.2f}{rows / r['import_ours_s']:>13,.0f}"
                     f"{r['import_peer_s']:>9.2f}{rows / r['import_peer_s']:>13,.0f}"
                     f"{r['import_ours_s'] / r['import_peer_s']:>10.1f}x")
    lines += ["", f"LATENCY ({a.clients} concurrent clients, one uvicorn worker per server)",
              f"{'db':<11}{'scenario':<27}{'n':>6}{'err':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'req/s':>8}"]
    for r in results:
        for name, s in r.get("scenarios", {}).items():
            lines.append(f"{r['db']:<11}{name:<27}{s['requests']:>6}{s['errors']:>5}{s['p50_ms']:>9.1f}"
                         f"{s['p95_ms']:>9.1f}{s['p99_ms']:>9.1f}{s['rps']:>8.1f}{'  capped' if s['capped'] else ''}")
    lines += ["", "SEARCH: full-text (ours) vs name LIKE scan (peer), same queries, same load",
              f"{'db':<11}{'p50 ratio':>10}{'p95 ratio':>10}{'req/s ratio':>12}{'hits fts':>10}{'hits like':>10}"]
    for r in results:
        sc = r.get("scenarios", {})
        if "mean_hits_like" not in r or len(sc) < 2:
            lines.append(f"{r['db']:<11}not measured")
            continue
        o, p = sc["search  /api/items?q="], sc["peer    LIKE '%q%'"]
        lines.append(f"{r['db']:<11}{o['p50_ms'] / p['p50_ms']:>9.2f}x{o['p95_ms'] / p['p95_ms']:>9.2f}x"
                     f"{o['rps'] / p['rps']:>11.2f}x{r['mean_hits_fts']:>10.1f}{r['mean_hits_like']:>10.1f}")
    lines.append("(ratios are ours / peer: above 1 means ours is slower; hits = mean matching items per query)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--items", type=int, default=5000)
    p.add_argument("--bundles", type=int, default=500)
    p.add_argument("--departments", type=int, default=60)
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--requests", type=int, default=2000, help="timed requests per scenario")
    p.add_argument("--time-cap", type=float, default=60.0, help="seconds per scenario, at most")
    p.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--pg-url", default=PG_DEFAULT, help="server URL; databases onewindow_bench[_peer] are recreated")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--serve", choices=("ours", "peer"), help=argparse.SUPPRESS)
    p.add_argument("--url", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.serve:
        return serve(a.url, a.serve, a.port)

    global _TMP
    _TMP = Path(tempfile.mkdtemp(prefix="ow-bench-"))
    # The app reads settings from the environment: keep its instance folder (secret key) out of the repository.
    os.environ.setdefault("ONEWINDOW_INSTANCE_DIR", str(_TMP / "instance"))
    os.environ.setdefault("ONEWINDOW_SECRET_KEY", "bench-only-secret-key")
    try:
        run(a)
    finally:
        shutil.rmtree(_TMP, ignore_errors=True)


def run(a) -> None:
    import generate

    from onewindow.catalog.documents import write_xlsx

    started = time.perf_counter()
    spec = generate.Spec(a.departments, a.items, a.bundles)
    data = generate.build(spec)
    content = write_xlsx(data)
    rows = generate.row_count(data)
    filename = f"catalog_{a.items}_{a.bundles}.xlsx"
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / filename).write_bytes(content)
    print(f"generated {filename}: {len(content) / 1e6:.1f} MB, {rows} rows ({time.perf_counter() - started:.1f}s)")
    import jieba  # load the dictionary before timing: a running server has it loaded already
    jieba.initialize()

    machine = versions(a.pg_url)
    print(json.dumps(machine, ensure_ascii=False))
    kinds = ["sqlite", "postgresql"] if a.db == "both" else [a.db]
    results = []
    for kind in kinds:
        try:
            bench_db(kind, a, content, filename, rows, results)
        except Exception as exc:
            print(f"{kind}: could not be measured: {type(exc).__name__}: {exc}", flush=True)
    report = table(results, rows, a)
    print("\n" + report)
    print(f"\ntotal {time.perf_counter() - started:.0f}s")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (HERE / "out" / f"results-{stamp}.json").write_text(json.dumps(
        {"args": vars(a), "machine": machine, "rows": rows, "results": results}, ensure_ascii=False, indent=2,
        default=str))


if __name__ == "__main__":
    main()
