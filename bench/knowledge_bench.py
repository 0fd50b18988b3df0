"""Knowledge-base benchmark (#11.2, #11.11c): suggestions while an agent types, over 100,000 articles on
PostgreSQL — the p95 latency of `knowledge.service.suggest` (goal ≤ 30 ms) against PostgreSQL pg_trgm
similarity on the same data as the peer.

Data: `demo.knowledge.generate_articles(N)` (fixed seed) bulk-inserted with the same `search_text`
the service writes (jieba), into a fresh migrated database; then ANALYZE. The peer gets the usual
pg_trgm set-up: `CREATE EXTENSION pg_trgm` and a GIN `gin_trgm_ops` index on the title, queried with
`title % :text ORDER BY similarity(title, :text) DESC LIMIT 5` under the same in-force filter
(pg_trgm.similarity_threshold lowered to 0.1, since a caller's sentence shares few trigrams with a
short title and the default 0.3 finds almost nothing).

Typing: caller problems (a subject and a way of asking, wrapped in the words callers use) are typed
two characters at a time; every prefix is one suggestion request, as the desk's htmx partial sends
them. Both sides run in this process on one connection each, alternating per query, so load on the
shared machine hits both alike. Also reported: how often the top suggestion for the whole sentence is
on the caller's subject (a check that the fast answer is also a useful one).

    .venv/bin/python bench/knowledge_bench.py --articles 100000 --phrases 120
"""

import argparse
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchlib import fresh_database  # noqa: E402

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/"
PEER_SQL = """
SELECT id, title FROM knowledge_articles
WHERE title % :text AND status = 'published' AND valid_from <= :today
  AND (valid_to IS NULL OR valid_to >= :today)
ORDER BY similarity(title, :text) DESC LIMIT 5
"""
OPENERS = ("您好，我想问一下", "请问", "你好，我咨询个事，", "麻烦问下", "我想了解", "")
CLOSERS = ("", "，谢谢", "啊", "，急", "，我该找哪个部门")


def load(url: str, count: int) -> float:
    from sqlalchemy import insert, text

    from onewindow.catalog import service as catalog
    from onewindow.common.search import segment
    from onewindow.common.security import SYSTEM
    from onewindow.db import make_engine, session_scope, utcnow
    from onewindow.demo.knowledge import generate_articles
    from onewindow.demo.loader import DATA
    from onewindow.knowledge.models import Article

    engine = make_engine(url)
    t = time.perf_counter()
    with session_scope(engine) as session:
        path = DATA / "catalog.yaml"
        catalog.import_catalog(session, actor=SYSTEM, filename=path.name, content=path.read_bytes())
    with session_scope(engine) as session:
        ids = {code: i for i, code in catalog.department_codes(session).items()}
        names = {d.id: d.name for d in catalog.departments_by_id(session, ids=set(ids.values())).values()}
    now, batch = utcnow(), []
    with engine.begin() as conn:
        for n, row in enumerate(generate_articles(count), start=1):
            dept = ids[row.pop("department")]
            row.update(department_id=dept, created_at=now, updated_at=now,
                       published_at=now if row["status"] != "draft" else None,
                       search_text=segment(row["title"], " ".join(row["keywords"]), row["topic"], names[dept],
                                           row["body"]))
            batch.append(row)
            if len(batch) == 5000:
                conn.execute(insert(Article.__table__), batch)
                batch = []
                print(f"  loaded {n:,}", file=sys.stderr, flush=True)
        if batch:
            conn.execute(insert(Article.__table__), batch)
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(text("CREATE INDEX ix_knowledge_articles_title_trgm ON knowledge_articles "
                          "USING gin (title gin_trgm_ops)"))
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE knowledge_articles"))
    engine.dispose()
    return time.perf_counter() - t


def phrases(count: int, seed: int) -> list[tuple[str, str]]:
    """(what the caller says, the subject it is about)."""
    from onewindow.demo.knowledge import ASPECTS, TOPICS

    rng = random.Random(seed)
    subjects = [s for _, subs in TOPICS.values() for s in subs]
    out = []
    for _ in range(count):
        subject, _, _ = rng.choice(subjects)
        aspect, _ = rng.choice(ASPECTS)
        out.append((f"{rng.choice(OPENERS)}{subject}{aspect}{rng.choice(CLOSERS)}", subject))
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def run(url: str, count: int, n_phrases: int, seed: int) -> dict:
    from sqlalchemy import text

    from onewindow.common import time as beijing
    from onewindow.db import make_engine
    from onewindow.knowledge import service as knowledge

    engine = make_engine(url)
    ours_s, peer_s = engine.connect(), engine.connect()
    from sqlalchemy.orm import Session

    session = Session(bind=ours_s)
    peer_s.execute(text("SET pg_trgm.similarity_threshold = 0.1"))
    today = beijing.today()
    typed = phrases(n_phrases, seed)
    queries = [(said[:k], subject, k >= len(said)) for said, subject in typed
               for k in list(range(2, len(said), 2)) + [len(said)]]
    for q, _, _ in queries[:50]:  # warm both caches
        knowledge.suggest(session, text=q)
        peer_s.execute(text(PEER_SQL), {"text": q, "today": today}).all()
    ours, peer, hits = [], [], {"ours": 0, "peer": 0}
    for q, subject, whole in queries:
        t = time.perf_counter()
        got = knowledge.suggest(session, text=q)
        ours.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        other = peer_s.execute(text(PEER_SQL), {"text": q, "today": today}).all()
        peer.append((time.perf_counter() - t) * 1000)
        if whole:
            hits["ours"] += bool(got and subject in got[0].title)
            hits["peer"] += bool(other and subject in other[0].title)
    plan = "\n".join(r[0] for r in peer_s.execute(text("EXPLAIN " + PEER_SQL.replace(":text", "'公积金提取'")
                                                        .replace(":today", f"'{today}'"))))
    session.close()
    ours_s.close()
    peer_s.close()
    engine.dispose()
    return {"queries": len(queries), "ours": ours, "peer": peer, "hits": hits, "phrases": len(typed), "plan": plan}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", type=int, default=100_000)
    ap.add_argument("--phrases", type=int, default=120)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--pg", default=PG_DEFAULT)
    ap.add_argument("--reuse", action="store_true", help="query the database of the last run without reloading")
    args = ap.parse_args()
    name = "ow_bench_knowledge"
    if args.reuse:
        url = args.pg + name
    else:
        url = fresh_database("postgresql", name, args.pg, Path(tempfile.gettempdir()))
        print(f"loading {args.articles:,} articles …", file=sys.stderr)
        print(f"load (generate + jieba + insert + trgm index + analyze): {load(url, args.articles):.1f} s")
    r = run(url, args.articles, args.phrases, args.seed)
    o, p = r["ours"], r["peer"]
    print(f"{platform.node()} · {platform.python_version()} · {r['queries']} suggestion requests "
          f"({r['phrases']} caller sentences typed two characters at a time) over {args.articles:,} articles")
    print(f"{'':22}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'mean':>8}   top-1 on subject")
    for label, v, h in (("ours: suggest()", o, r["hits"]["ours"]), ("peer: pg_trgm", p, r["hits"]["peer"])):
        print(f"{label:22}{pct(v, .5):8.2f}{pct(v, .95):8.2f}{pct(v, .99):8.2f}{statistics.mean(v):8.2f}"
              f"   {h}/{r['phrases']}")
    print(f"p95 ratio peer/ours: {pct(p, .95) / pct(o, .95):.2f}×  (goal: ours p95 ≤ 30 ms)")
    print("peer plan:\n" + r["plan"])


if __name__ == "__main__":
    main()
