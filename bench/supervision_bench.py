"""双随机 draw over a province's pool of 2,000,000 enterprises (grades, 5% excluded as already inspected,
200 inspectors with ties), the platform's draw (supervision.draw) against a straightforward NumPy
peer of the same draw (same hashes, same result, checked), and the grade recomputation of all 2,000,000
with the published rules.

    PYTHONPATH=src .venv/bin/python bench/supervision_bench.py [--n 2000000]
    PYTHONPATH=src .venv/bin/python bench/supervision_bench.py --pool-from-db 2000000 [--db sqlite|postgresql]

The second form loads N enterprises with grades into a fresh migrated database (bulk INSERTs, not timed) and
times `plans.build_pool` — the pool read from the registries in keyset batches (plans.POOL_BATCH) — and the
announcement's canonical JSON + hash of that pool.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import time
from datetime import date

import numpy as np

from onewindow.supervision import draw as D
from onewindow.supervision import rules as R


def pool(n: int) -> dict:
    rng = random.Random(7)
    grades = rng.choices("ABCD", weights=(30, 55, 12, 3), k=n)
    usccs = [f"9114{i:014d}" for i in range(n)]
    keep = [[u, g] for u, g in zip(usccs, grades, strict=True) if rng.random() >= 0.05]
    inspectors = [[f"B{j:04d}", sorted(rng.sample(usccs, 5))] for j in range(200)]
    return {"ratios_ppm": {"A": 5_000, "B": 20_000, "C": 100_000, "D": 500_000}, "team_size": 2,
            "visit_days": [f"2027-03-{d}" for d in range(22, 32)], "entities": keep, "inspectors": inspectors,
            "previous_pairs": [[f"B{j:04d}", usccs[j]] for j in range(200)]}


def peer(p: dict, seed: str) -> list[tuple]:
    """NumPy (pandas is not installed here): the same SHAKE-256 stream read as a big-endian uint64 array,
    per-grade thresholds by lookup, a boolean mask and a lexsort — the straightforward array version."""
    usccs = np.array([e[0] for e in p["entities"]])
    codes = np.array(["ABCD".index(e[1]) for e in p["entities"]], dtype=np.int8)
    raw = hashlib.shake_256(f"{seed}|E".encode()).digest(8 * len(usccs))
    u = np.frombuffer(raw, dtype=">u8").astype(np.uint64)
    limits = np.array([D.thresholds(p["ratios_ppm"])[g] for g in "ABCD"], dtype=np.uint64)
    mask = u < limits[codes]
    order = np.lexsort((usccs[mask], u[mask]))
    return [(int(x), str(k), "ABCD"[c]) for x, k, c in zip(u[mask][order], usccs[mask][order], codes[mask][order],
                                                          strict=True)]


def pool_from_db(n: int, kind: str, pg_base: str) -> None:
    import tempfile
    from pathlib import Path

    from benchlib import fresh_database
    from sqlalchemy import insert, select

    from onewindow.catalog.models import Department
    from onewindow.common.security import SYSTEM
    from onewindow.db import make_engine, session_scope
    from onewindow.sharing.models import Enterprise
    from onewindow.supervision import plans
    from onewindow.supervision.models import CreditGrade

    url = fresh_database(kind, "ow_bench_sup_pool", pg_base, Path(tempfile.mkdtemp(prefix="ow-sup-")))
    engine = make_engine(url)
    rng = random.Random(7)
    t0 = time.perf_counter()
    with session_scope(engine) as s:
        s.add(Department(code="SCJGJ", name="市场监督管理局", level="市"))
        s.flush()
        dept = s.scalar(select(Department.id))
        for lo in range(0, n, 50_000):
            rows = [{"id": i + 1, "uscc": f"9114{i:014d}", "name": f"企业{i}", "entity_type": "有限责任公司",
                     "industry_code": "F5212", "established_on": date(2020, 1, 1), "region_code": "140105",
                     "legal_person_name": "法人", "legal_person_id_number": f"{i:018d}",
                     "status": "存续" if rng.random() >= 0.02 else "注销"} for i in range(lo, min(n, lo + 50_000))]
            s.execute(insert(Enterprise), rows)
            s.execute(insert(CreditGrade), [{"enterprise_id": r["id"], "grade": rng.choice("AABBBBCD"), "score": 80,
                                             "rules_version": "1", "computed_on": date(2026, 12, 1)}
                                            for r in rows if rng.random() < 0.95])
        plans.save_matter(s, actor=SYSTEM, department_id=dept, code="SC-01", name="检查", qualification="执法")
        plans.save_inspector(s, actor=SYSTEM, department_id=dept, badge="B0001", name="执法一",
                             qualifications=["执法"])
        plan = plans.create_plan(s, actor=SYSTEM, department_id=dept, title="全省抽查", period_start=date(2027, 3, 1),
                                 period_end=date(2027, 3, 31), matter_codes=["SC-01"], ratios={"A": 0.005})
        plan_id = plan.id
    load = time.perf_counter() - t0
    with session_scope(engine) as s:
        plan = plans.get_plan(s, plan_id=plan_id)
        t0 = time.perf_counter()
        doc = plans.build_pool(s, plan)
        t_pool = time.perf_counter() - t0
        t0 = time.perf_counter()
        D.pool_hash(D.canonical(doc))
        t_hash = time.perf_counter() - t0
    engine.dispose()
    print(f"{kind}: {n:,} enterprises loaded in {load:.1f} s (not timed below); pool {len(doc['entities']):,}")
    print(f"build_pool from the registries, batches of {plans.POOL_BATCH:,}: {t_pool:.2f} s; "
          f"canonical JSON + SHA-256: {t_hash:.2f} s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2_000_000)
    ap.add_argument("--pool-from-db", type=int, default=0)
    ap.add_argument("--batch", type=int, default=0, help="override plans.POOL_BATCH")
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432", help="server URL; database ow_bench_sup_pool")
    args = ap.parse_args()
    if args.batch:
        from onewindow.supervision import plans

        plans.POOL_BATCH = args.batch
    if args.pool_from_db:
        return pool_from_db(args.pool_from_db, args.db, args.pg)
    n = args.n
    p = pool(n)
    t0 = time.perf_counter()
    seed = D.seed_of("bench", D.pool_hash(D.canonical(p)))  # announcing: the canonical pool document and its hash
    t_pub = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = D.draw(p, seed)
    t_draw = time.perf_counter() - t0
    t0 = time.perf_counter()
    mine = D.draw_entities(seed, p["entities"], p["ratios_ppm"])
    t_ent = time.perf_counter() - t0
    t0 = time.perf_counter()
    theirs = peer(p, seed)
    t_peer = time.perf_counter() - t0
    assert [(int(a), b, c) for a, b, c in theirs] == mine
    rules, on = R.in_force(date(2026, 12, 15)), date(2026, 12, 15)
    rng = random.Random(3)
    recs = [[("general", date(2026, 6, 1), False)] if rng.random() < 0.05 else [] for _ in range(n)]
    tax = rng.choices("ABMCD", k=n)
    t0 = time.perf_counter()
    for t, r in zip(tax, recs, strict=True):
        R.grade(rules, tax=t, records=r, on=on)
    t_grade = time.perf_counter() - t0
    print(f"pool {len(p['entities']):,} (of {n:,}), drawn {len(result):,}")
    print(f"publishing the pool (canonical JSON + SHA-256): {t_pub:.2f} s")
    print(f"draw end to end (entities + teams + days): {t_draw:.2f} s")
    print(f"entity step: platform {t_ent:.2f} s, NumPy peer {t_peer:.2f} s, ratio {t_peer / t_ent:.2f}")
    print(f"grade recomputation (pure rules, {n:,} enterprises): {t_grade:.2f} s")


if __name__ == "__main__":
    main()
