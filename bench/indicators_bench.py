"""Indicators benchmark (issue 14 item 8, reduced scale): N synthetic cases with ratings over 24 months
on PostgreSQL, then (a) every indicator for 24 months + 8 quarters, (b) the one-month incremental
refresh, against (c) the same case measures as one plain PostgreSQL GROUP BY (the peer), and (d) the
dashboard's p95 over 50 requests of the service calls it makes.

    PYTHONPATH=src .venv/bin/python bench/indicators_bench.py --cases 200000 \
        --url postgresql://postgres@127.0.0.1:5432/ow_ind_bench
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import insert, text

from onewindow import migrate
from onewindow.accounts.models import User
from onewindow.cases.models import Application, Case
from onewindow.catalog.models import Department, ServiceItem
from onewindow.db import make_engine, session_scope
from onewindow.indicators import compute, views
from onewindow.indicators import periods as P
from onewindow.indicators import service as S
from onewindow.ratings.models import Rating, RatingMatter


def load(session, n: int, months: list[str]) -> None:
    rng = random.Random(14)
    session.execute(text("truncate ratings, rating_matters, cases, applications, service_items, users, departments "
                         "restart identity cascade"))
    city = Department(code="SZF", name="市政府", level="市")
    session.add(city)
    session.flush()
    depts = []
    for c in range(10):
        county = Department(code=f"X{c}", name=f"县{c}", level="县", parent_id=city.id)
        session.add(county)
        session.flush()
        for k in range(6):
            d = Department(code=f"X{c}-{k}", name=f"县{c}局{k}", level="县", parent_id=county.id)
            session.add(d)
            session.flush()
            depts.append(d.id)
    for k in range(30):
        d = Department(code=f"S{k}", name=f"市局{k}", level="市", parent_id=city.id)
        session.add(d)
        session.flush()
        depts.append(d.id)
    items = []
    for i in range(300):
        code = f"I{i:04d}"
        session.add(ServiceItem(code=code, version=1, status="published", basic_code=f"{i:012d}", name=f"事项{i}",
                                item_type="行政许可", department_id=rng.choice(depts), level="市",
                                statutory_limit_days=20, promised_limit_days=rng.choice((0, 1, 3, 5, 10)), steps=4,
                                visits=1, online_depth=rng.choice(("不可网办", "网上可办", "全程网办")),
                                result_type="证照"))
        items.append(code)
    user = User(username="bench", display_name="bench", role="applicant", password_hash="x")
    session.add(user)
    session.flush()
    starts = [P.bounds(m)[0] for m in months]
    batch = 20000
    for lo in range(0, n, batch):
        apps, cases, matters, ratings = [], [], [], []
        for j in range(lo, min(n, lo + batch)):
            acc = starts[j % len(starts)] + timedelta(days=j % 27)
            apps.append({"id": j + 1, "created_by_id": user.id, "channel": rng.choice(("online", "window")),
                         "subject_kind": "enterprise", "subject_key": "x", "subject_name": "x", "target_kind": "item",
                         "target_code": items[j % 300], "title": "x", "plan": {}, "form_data": {}, "prefilled": {},
                         "checks": [], "status": "accepted", "created_at": datetime(2025, 1, 1, tzinfo=UTC),
                         "updated_at": datetime(2025, 1, 1, tzinfo=UTC), "version": 1})
            done = datetime.combine(acc + timedelta(days=j % 6), datetime.min.time(), UTC) + timedelta(hours=3)
            cases.append({"id": j + 1, "code": f"B{j}", "application_id": j + 1, "title": "x",
                          "lead_department_id": depts[j % len(depts)], "status": "completed", "acceptance_mode": "normal",
                          "accepted_at": done, "accepted_on": acc, "limit_days": j % 4, "deadline_estimated": False,
                          "sla_state": "overdue" if j % 17 == 0 else "normal", "completed_at": done,
                          "delivery_method": "mail" if j % 3 else "window", "version": 1})
            if j % 5 == 0:
                matters.append({"id": j + 1, "kind": "case", "ref": f"B{j}", "title": "x",
                                "department_id": depts[j % len(depts)], "item_code": items[j % 300], "staff_ids": [],
                                "completed_on": done.date(), "default_due_on": done.date(), "rated": True,
                                "created_at": done})
                ratings.append({"matter_id": j + 1, "rater_name": "", "level": "unsatisfied" if j % 50 == 0 else "satisfied",
                                "reasons": [], "comment": "", "is_default": False, "real_name": j % 50 == 0,
                                "excluded": False, "rated_on": done.date(), "created_at": done, "version": 1})
        session.execute(insert(Application), apps)
        session.execute(insert(Case), cases)
        if matters:
            session.execute(insert(RatingMatter), matters)
            session.execute(insert(Rating), ratings)
    session.execute(text("analyze"))


PEER = """select c.lead_department_id, a.target_code, count(*), sum(case when i.online_depth in ('网上可办','全程网办')
 then 1 else 0 end), sum(case when c.sla_state = 'overdue' then 1 else 0 end), sum(case when c.limit_days = 0 then 1
 else 0 end) from cases c join applications a on a.id = c.application_id left join service_items i on
 i.code = a.target_code and i.status = 'published' where c.accepted_on between :s and :e group by 1, 2"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=200_000)
    ap.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/ow_ind_bench")
    args = ap.parse_args()
    engine = make_engine(args.url)
    migrate.upgrade(engine)
    months = P.months_back(date(2026, 11, 15), 24)
    quarters = sorted({P.quarter_of(P.bounds(m)[0]) for m in months})
    with session_scope(engine) as session:
        t = time.perf_counter()
        load(session, args.cases, months)
        print(f"loaded {args.cases:,} cases, {args.cases // 5:,} ratings in {time.perf_counter() - t:.1f} s")
    with session_scope(engine) as session:
        S.ensure_builtin(session)
        t = time.perf_counter()
        r = compute.compute(session, months + quarters)
        full = time.perf_counter() - t
        t = time.perf_counter()
        compute.compute(session, [months[-1]])
        one = time.perf_counter() - t
        t = time.perf_counter()
        for m in months + quarters:
            s, e = P.bounds(m)
            session.execute(text(PEER), {"s": s, "e": e}).all()
        peer = time.perf_counter() - t
        times = []
        for _ in range(50):
            t = time.perf_counter()
            views.dashboard(session, period=months[-1], code="ASBJ")
            times.append(time.perf_counter() - t)
        p95 = statistics.quantiles(times, n=20)[-1]
        print(f"full: {full:.2f} s ({r.written:,} figures, {len(months)} months + {len(quarters)} quarters); "
              f"one-month refresh: {one:.2f} s; peer (case measures only, plain GROUP BY): {peer:.2f} s; "
              f"ratio full/peer {full / peer:.1f}; dashboard p95 {p95 * 1000:.0f} ms")
        session.rollback()


if __name__ == "__main__":
    main()
