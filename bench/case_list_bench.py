"""Case list benchmark: 1,000,000 cases in PostgreSQL, the supervisor's filtered case list over HTTP.

Generation: a fresh migrated database with the demo catalogue (40 departments with items in force,
257 items, 12 bundles) imported through `transfer.import_catalog`, accounts created with Core inserts,
then applications, cases and tasks written with COPY (three connections streaming at once, foreign-key
triggers off for the load with `session_replication_role = replica`: every reference is valid by
construction), sequences set, and VACUUM ANALYZE — the state autovacuum reaches on a live server.
The data: 95% of cases completed, 5% running (no other case state exists); running cases 78% normal, 12% 预警 and
10% 超期; about 5 tasks per case (20% are real demo bundles, the rest 1–9 random items), so each of
the 40 departments has its items' share of the tasks. Seeded: the same arguments give the same rows.

Measurement: the real app under uvicorn (one worker, subprocess, 127.0.0.1). A supervisor calls
`GET /api/cases?...` with a bearer token; the page `GET /cases?...` with a cookie session (POST /login
with its CSRF token) when the app has that page. One client (service time without queueing) and N
concurrent httpx clients (throughput). EXPLAIN (ANALYZE, BUFFERS) of the statements the list runs
(`cases.queries.case_list` paginated by `common.pagination.paginate`: the COUNT, the page, and the
selectin load of the page's tasks), captured from a real `paginate` call.

    .venv/bin/python bench/case_list_bench.py --cases 1000000                 # generate + measure
    .venv/bin/python bench/case_list_bench.py --reuse                         # measure the existing database
    .venv/bin/python bench/case_list_bench.py --cases 1000000 --revision 0003 # generate without migration 0004
    .venv/bin/python bench/case_list_bench.py --reuse --upgrade               # then apply 0004 and re-measure
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import random
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from benchlib import run_load  # noqa: E402

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/"
DB_NAME = "onewindow_case_list_bench"
PASSWORD = "bench-Passw0rd"
SUPERVISOR = "bench_supervisor"
N_APPLICANTS = 5000
N_SUBJECTS = 50_000
TODAY = date(2026, 11, 23)  # fixed, so a seed always gives the same rows; deadlines are relative to it
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
# A real plan snapshot carries every merged form field and material (6.4 KB of UTF-8 on average here).
# To keep generation well inside its budget the items are complete and the merged fields and materials
# are cut to the first four of each (3.0 KB); the list reads the plan only for a page's rows.
PLAN_FIELDS = 4
PLAN_MATERIALS = 4


# ---- helpers for COPY text format ---------------------------------------------------------------------

def esc(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def jtext(value) -> str:
    return esc(json.dumps(value, ensure_ascii=False, separators=(",", ":")))


jdump = jtext  # catalogue fragments are escaped once; joining escaped fragments needs no further escaping


def ts(moment: datetime) -> str:
    return moment.isoformat(" ")  # whole seconds, UTC: '2026-11-23 02:00:00+00:00'; faster than strftime


N = "\\N"


# ---- generation ---------------------------------------------------------------------------------------

@dataclass
class ItemInfo:
    id: int
    code: str
    name: str
    department_id: int
    limit: int
    plan_item: str  # JSON text of the plan entry (escaped for COPY) without depends_on
    fields: list[tuple[str, str]]  # (key, JSON text)
    materials: list[tuple[str, str]]


def load_catalogue(engine) -> tuple[list[ItemInfo], list[list[int]], dict[int, str]]:
    from sqlalchemy import select

    from onewindow.catalog.models import Bundle, Department, ServiceItem
    from onewindow.db import session_scope

    items: list[ItemInfo] = []
    with session_scope(engine) as s:
        depts = {d.id: d for d in s.scalars(select(Department))}
        for it in s.scalars(select(ServiceItem).where(ServiceItem.status == "published").order_by(ServiceItem.id)):
            dep = depts[it.department_id]
            entry = {"code": it.code, "version": it.version, "item_id": it.id, "name": it.name,
                     "department_id": it.department_id, "department_code": dep.code, "department_name": dep.name,
                     "promised_limit_days": it.promised_limit_days, "commitment_allowed": it.commitment_allowed,
                     "result_type": it.result_type, "result_name": it.result_name}
            fields = [(f.key, jdump({"key": f.key, "label": f.label, "type": f.type, "required": f.required,
                                          "shared_source": f.shared_source, "options": list(f.options or []),
                                          "used_by": [it.code]}))
                      for f in it.form_fields]
            mats = [(m.code, jdump({"code": m.code, "name": m.name, "required": m.required,
                                         "pending_allowed": m.pending_allowed, "shared_source": m.shared_source,
                                         "used_by": [it.code]}))
                    for m in it.materials]
            items.append(ItemInfo(it.id, it.code, it.name, it.department_id, max(1, it.promised_limit_days),
                                  jdump(entry)[:-1], fields, mats))
        by_code = {i.code: n for n, i in enumerate(items)}
        bundles = []
        for b in s.scalars(select(Bundle).where(Bundle.status == "published")):
            idx = [by_code[bi.item_code] for bi in b.items if bi.item_code in by_code]
            if idx:
                bundles.append((b.code, b.name, idx))
        names = {d.id: d.name for d in depts.values()}
    return items, bundles, names


def id_number(rng: random.Random) -> str:
    from onewindow.common.ids import with_id_check

    born = date(1950, 1, 1) + timedelta(days=rng.randrange(20000))
    return with_id_check(f"{rng.choice(('110101', '310104', '440305', '330106', '510107'))}{born:%Y%m%d}"
                         f"{rng.randrange(1000):03d}")


def uscc(rng: random.Random) -> str:
    from onewindow.common.ids import USCC_CHARS, with_uscc_check

    body = "".join(rng.choice(USCC_CHARS[:10]) for _ in range(9))
    return with_uscc_check(f"91{rng.choice(('110101', '310104', '440305'))}{body}")


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
FIRMS = ["晨光", "锦程", "华信", "瑞丰", "宏达", "东方", "汇通", "鼎盛", "新康", "云帆"]
TRADES = ["商贸", "餐饮管理", "科技", "建筑工程", "物流", "医药", "文化传媒", "食品"]


def setup(engine, rng: random.Random) -> dict:
    """Catalogue (the demo's, through the ordinary import), and accounts written with one Core insert."""
    from sqlalchemy import insert, select

    from onewindow.accounts.credentials import hash_password
    from onewindow.accounts.models import User
    from onewindow.catalog import transfer
    from onewindow.catalog.models import Department, ServiceItem
    from onewindow.common.security import SYSTEM
    from onewindow.db import session_scope, utcnow

    path = Path(__file__).resolve().parent.parent / "src" / "onewindow" / "demo" / "data" / "catalog.yaml"
    with session_scope(engine) as s:
        transfer.import_catalog(s, actor=SYSTEM, filename=path.name, content=path.read_bytes())
    with session_scope(engine) as s:
        dept_ids = sorted(set(s.scalars(select(ServiceItem.department_id).where(ServiceItem.status == "published"))))
        all_depts = list(s.scalars(select(Department.id)))
    pw = hash_password(PASSWORD)
    now = utcnow()
    rows = [dict(username=SUPERVISOR, display_name="督查基准", role="supervisor", department_id=None),
            dict(username="bench_clerk", display_name="窗口基准", role="clerk", department_id=None)]
    rows += [dict(username=f"bench_approver_{d}", display_name=f"审批{d}", role="approver", department_id=d)
             for d in all_depts]
    rows += [dict(username=f"bench_app_{n:05d}", display_name=rng.choice(SURNAMES) + rng.choice(GIVEN) * 2,
                  role="applicant", department_id=None) for n in range(N_APPLICANTS)]
    for r in rows:
        r.update(password_hash=pw, active=True, created_at=now, updated_at=now, version=1)
    with engine.begin() as conn:
        conn.execute(insert(User.__table__), rows)
        users = {u.username: u for u in conn.execute(select(User.__table__.c.id, User.__table__.c.username,
                                                              User.__table__.c.department_id))}
    return {"dept_ids": dept_ids, "clerk": users["bench_clerk"].id,
            "approvers": {u.department_id: u.id for u in users.values() if u.username.startswith("bench_approver_")},
            "applicants": [u.id for u in users.values() if u.username.startswith("bench_app_")]}


APP_COLS = ("id, applicant_id, created_by_id, channel, authorisation, subject_kind, subject_key, subject_name, "
            "contact_phone, target_kind, target_code, title, plan, form_data, prefilled, checks, status, notice, "
            "refusal_reason, idempotency_key, created_at, submitted_at, returned_at, decided_at, updated_at, version")
CASE_COLS = ("id, code, application_id, title, lead_department_id, status, acceptance_mode, accepted_by_id, "
             "accepted_at, accepted_on, limit_days, deadline, deadline_estimated, sla_state, completed_at, "
             "issued_at, delivery_method, delivery_address, tracking_number, delivered_at, version")
TASK_COLS = ("id, case_id, position, item_id, item_code, item_name, department_id, depends_on, status, commitment, "
             "limit_days, started_on, deadline, deadline_estimated, sla_state, assignee_id, supplement_request, "
             "result_data, reason, activated_at, review_started_at, decided_at, version")


def cal_days(working: int) -> int:
    return working + 2 * (working // 5) + (2 if working % 5 else 0)


def generate_rows(n_cases: int, seed: int, items: list[ItemInfo], bundles, ids: dict):
    """Yield (applications chunk, cases chunk, tasks chunk) as COPY text, 5,000 cases at a time."""
    rng = random.Random(seed)
    subjects = []
    for k in range(N_SUBJECTS):
        if k % 3 == 0:
            subjects.append(("enterprise", uscc(rng), esc(f"云溪市{rng.choice(FIRMS)}{rng.choice(TRADES)}有限公司")))
        else:
            subjects.append(("person", id_number(rng), esc(rng.choice(SURNAMES) + rng.choice(GIVEN) * 2)))
    applicants, approvers, clerk = ids["applicants"], ids["approvers"], ids["clerk"]
    item_names = [esc(i.name) for i in items]
    item_codes = [esc(i.code) for i in items]
    task_id = 0
    chunk = 5000
    mask = "13800138000"
    for start in range(1, n_cases + 1, chunk):
        app_buf, case_buf, task_buf = [], [], []
        for cid in range(start, min(start + chunk, n_cases + 1)):
            # what is applied for
            if rng.random() < 0.20:
                bcode, bname, idx = rng.choice(bundles)
                target_kind, target_code, title = "bundle", bcode, esc(bname)
            else:
                k = 1 + sum(rng.random() < 0.43 for _ in range(8))
                idx = rng.sample(range(len(items)), k)
                target_kind, target_code = "item", item_codes[idx[0]]
                title = item_names[idx[0]] if k == 1 else f"{item_names[idx[0]]}等{k}项联办"
            its = [items[i] for i in idx]
            chained = len(its) > 2 and rng.random() < 0.3  # the others wait for the first (前置事项)
            limit = max(i.limit for i in its)
            # the case's state and clock
            r = rng.random()
            status = "completed" if r < 0.95 else "running"  # the states cases.states declares for a case
            if status == "running":
                r = rng.random()
                sla = "overdue" if r < 0.10 else ("warning" if r < 0.22 else "normal")
                deadline = TODAY + timedelta(days=-rng.randint(1, 30) if sla == "overdue" else
                                             (rng.randint(0, 2) if sla == "warning" else rng.randint(3, 30)))
                accepted_on = min(TODAY, deadline - timedelta(days=cal_days(limit)))
            else:
                accepted_on = TODAY - timedelta(days=rng.randint(20, 3 * 365))
                deadline = accepted_on + timedelta(days=cal_days(limit))
                sla = "overdue" if rng.random() < 0.04 else "normal"
            accepted_at = datetime(accepted_on.year, accepted_on.month, accepted_on.day, tzinfo=UTC) + \
                timedelta(seconds=rng.randint(0, 9 * 3600))  # 08:00–17:00 local
            submitted_at = accepted_at - timedelta(seconds=rng.randint(600, 3 * 86400))
            created_at = submitted_at - timedelta(seconds=rng.randint(60, 3600))
            if status == "running":
                completed_at = None
            else:
                span = (deadline - accepted_on).days * 86400
                span = span + rng.randint(86400, 10 * 86400) if sla == "overdue" else rng.randint(3600, max(span, 7200))
                completed_at = min(accepted_at + timedelta(seconds=span), NOW - timedelta(hours=1))
            # the application
            subj = subjects[rng.randrange(N_SUBJECTS)]
            ch = rng.random()
            channel = "online" if ch < 0.7 else ("window" if ch < 0.95 else "assisted")
            applicant = rng.choice(applicants) if channel == "online" or rng.random() < 0.5 else None
            creator = applicant if channel == "online" else clerk
            fields, mats, plan_items = {}, {}, []
            first = its[0].code
            for n, it in enumerate(its):
                dep = [first] if chained and n else []
                plan_items.append(f'{it.plan_item},"depends_on":{json.dumps(dep)}}}')
                for key, frag in it.fields:
                    fields.setdefault(key, frag)
                for key, frag in it.materials:
                    mats.setdefault(key, frag)
            plan = (f'{{"items":[{",".join(plan_items)}],"lead_department_id":{its[0].department_id},'
                       f'"limit_days":{limit},"fields":[{",".join(list(fields.values())[:PLAN_FIELDS])}],'
                    f'"materials":[{",".join(list(mats.values())[:PLAN_MATERIALS])}]}}')
            form = f'{{"contact_phone":"{mask}","applicant_name":"{subj[2]}"}}'
            decided = ts(accepted_at)
            app_buf.append(
                f"{cid}\t{applicant if applicant else N}\t{creator}\t{channel}\t"
                f"{N if channel != 'assisted' else jtext({'reference': f'SQ{cid:08d}', 'authoriser': subj[2]})}\t"
                f"{subj[0]}\t{subj[1]}\t{subj[2]}\t{mask}\t{target_kind}\t{target_code}\t{title}\t{plan}\t{form}\t"
                f'{{"fields":{{}},"materials":{{}}}}\t[]\taccepted\t{N}\t{N}\t'
                f"{f'web-{cid:010d}' if channel == 'online' else N}\t{ts(created_at)}\t{ts(submitted_at)}\t{N}\t"
                f"{decided}\t{decided}\t3\n")
            delivered = completed_at is not None and status == "completed" and rng.random() < 0.9
            mail = rng.random() < 0.2
            case_buf.append(
                f"{cid}\tBJ{accepted_on:%Y%m%d}{cid:08d}\t{cid}\t{title}\t{its[0].department_id}\t{status}\t"
                f"{'normal' if rng.random() < 0.9 else 'commitment'}\t{clerk}\t{ts(accepted_at)}\t{accepted_on}\t"
                f"{limit}\t{deadline}\tf\t{sla}\t{ts(completed_at) if completed_at else N}\t"
                f"{ts(completed_at) if completed_at and status == 'completed' else N}\t"
                f"{'mail' if mail else 'window'}\t{'云溪市东城区长安街1号' if mail else N}\t"
                f"{f'SF{cid:012d}' if mail and delivered else N}\t"
                f"{ts(completed_at + timedelta(hours=rng.randint(1, 72))) if delivered else N}\t{3 if completed_at else 2}\n")
            # the tasks
            overdue_left = sla == "overdue"
            for pos, it in enumerate(its, 1):
                task_id += 1
                waiting = chained and pos > 1
                if status == "running":
                    if waiting and rng.random() < 0.6:
                        t_status = "waiting"
                    else:
                        r = rng.random()
                        t_status = ("approved" if r < 0.35 else "in_review" if r < 0.60 else "pending" if r < 0.85
                                    else "supplement" if r < 0.95 else "suspended")
                else:
                    r = rng.random()
                    t_status = ("approved" if r < 0.97 else "refused" if r < 0.99 else "cancelled") \
                        if status == "completed" else "cancelled"
                started = None if t_status == "waiting" else accepted_on
                t_deadline = started + timedelta(days=cal_days(it.limit)) if started else None
                open_ = t_status in ("pending", "in_review", "supplement", "suspended")
                if open_ and overdue_left:
                    t_sla, overdue_left = "overdue", False
                    t_deadline = min(t_deadline, TODAY - timedelta(days=1))
                elif open_ and t_deadline is not None:
                    t_sla = "overdue" if t_deadline < TODAY else ("warning" if t_deadline <= TODAY + timedelta(days=2)
                                                                   else "normal")
                else:
                    t_sla = "normal"
                activated = ts(accepted_at) if started else N
                reviewed = ts(accepted_at + timedelta(hours=rng.randint(1, 48))) \
                    if t_status not in ("waiting", "pending") and t_status != "cancelled" else N
                decided_t = ts(completed_at or accepted_at) if t_status in ("approved", "refused", "cancelled") else N
                result = '{"result":"准予许可"}' if t_status == "approved" else N
                reason = "不符合法定条件" if t_status == "refused" else ("申请人撤回" if t_status == "cancelled" else N)
                task_buf.append(
                    f"{task_id}\t{cid}\t{pos}\t{it.id}\t{item_codes[idx[pos - 1]]}\t{item_names[idx[pos - 1]]}\t"
                    f"{it.department_id}\t{json.dumps([first]) if waiting else '[]'}\t{t_status}\tf\t{it.limit}\t"
                    f"{started if started else N}\t{t_deadline if t_deadline else N}\tf\t{t_sla}\t"
                    f"{approvers[it.department_id] if reviewed != N else N}\t"
                    f"{'请补正经营场所证明' if t_status == 'supplement' else N}\t{result}\t{reason}\t"
                    f"{activated}\t{reviewed}\t{decided_t}\t{1 + (reviewed != N) + (decided_t != N)}\n")
        yield "".join(app_buf), "".join(case_buf), "".join(task_buf)


def generate(url: str, n_cases: int, seed: int, revision: str) -> dict:
    from sqlalchemy import text

    from onewindow import migrate
    from onewindow.db import make_engine, recreate_postgres_database

    t0 = time.perf_counter()
    base, name = url.rsplit("/", 1)
    recreate_postgres_database(base + "/", name)
    engine = make_engine(url)
    migrate.upgrade(engine, revision)
    rng = random.Random(seed)
    ids = setup(engine, rng)
    items, bundles, dept_names = load_catalogue(engine)
    t_setup = time.perf_counter() - t0
    print(f"setup (migrate to {revision}, demo catalogue import, {len(ids['applicants']) + 42} accounts): "
          f"{t_setup:.1f}s; {len(items)} items in force in {len({i.department_id for i in items})} departments",
          flush=True)
    t1 = time.perf_counter()
    # Secondary indexes are dropped for the load and rebuilt from their own definitions afterwards (a
    # sorted build is far cheaper than a million random inserts); constraint indexes stay.
    with engine.begin() as conn:
        index_defs = conn.execute(text(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid IN ('applications'::regclass, 'cases'::regclass, 'tasks'::regclass) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)")).all()
        for name, _ in index_defs:
            conn.execute(text(f'DROP INDEX "{name}"'))
    counts = {"applications": 0, "cases": 0, "tasks": 0}
    conns = [engine.raw_connection() for _ in range(3)]
    try:
        with contextlib.ExitStack() as stack:
            copies = []
            for conn, (table, cols) in zip(conns, (("applications", APP_COLS), ("cases", CASE_COLS),
                                                   ("tasks", TASK_COLS)), strict=True):
                cur = conn.driver_connection.cursor()
                cur.execute("SET session_replication_role = replica")  # no FK triggers during the load
                copies.append((table, stack.enter_context(cur.copy(f"COPY {table} ({cols}) FROM STDIN"))))
            done = 0
            for bufs in generate_rows(n_cases, seed, items, bundles, ids):
                for (table, copy), buf in zip(copies, bufs, strict=True):
                    copy.write(buf.encode("utf-8"))
                    counts[table] += buf.count("\n")
                done = counts["cases"]
                if done % 100_000 == 0:
                    print(f"  {done:,} cases, {counts['tasks']:,} tasks  {time.perf_counter() - t1:.0f}s", flush=True)
        for conn in conns:
            conn.driver_connection.commit()
    finally:
        for conn in conns:
            conn.close()
    t_copy = time.perf_counter() - t1
    t2 = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("SET maintenance_work_mem = '512MB'")
        for _, ddl in index_defs:
            conn.exec_driver_sql(ddl)
    t_index = time.perf_counter() - t2
    print(f"  COPY {t_copy:.0f}s; {len(index_defs)} secondary indexes rebuilt in {t_index:.0f}s", flush=True)
    t2 = time.perf_counter()
    with engine.begin() as conn:
        for table in ("applications", "cases", "tasks", "users"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))
    vacuum(engine)
    t_vac = time.perf_counter() - t2
    engine.dispose()
    out = {"setup_s": t_setup, "copy_s": t_copy, "index_s": t_index, "vacuum_s": t_vac, "total_s": time.perf_counter() - t0, **counts}
    print(f"generated {counts['cases']:,} cases, {counts['applications']:,} applications, {counts['tasks']:,} "
          f"tasks: COPY {t_copy:.0f}s, indexes {t_index:.0f}s, VACUUM ANALYZE {t_vac:.0f}s, total {out['total_s']:.0f}s",
          flush=True)
    return out


def vacuum(engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in ("applications", "cases", "tasks", "users"):
            conn.exec_driver_sql(f"VACUUM (ANALYZE) {table}")


# ---- what the data holds ------------------------------------------------------------------------------

def profile(engine) -> dict:
    from sqlalchemy import text

    with engine.connect() as conn:
        q = lambda sql: conn.execute(text(sql)).all()  # noqa: E731
        out = {
            "cases_by_status": dict(q("SELECT status, count(*) FROM cases GROUP BY 1 ORDER BY 1")),
            "running_by_sla": dict(q("SELECT sla_state, count(*) FROM cases WHERE status='running' GROUP BY 1")),
            "tasks": q("SELECT count(*) FROM tasks")[0][0],
            "tasks_by_dept": q("SELECT t.department_id, d.name, count(*) AS n, count(DISTINCT case_id) AS c "
                               "FROM tasks t JOIN departments d ON d.id = t.department_id GROUP BY 1, 2 ORDER BY 3 DESC"),
            "sizes": dict(q("SELECT relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class "
                            "WHERE relname IN ('applications', 'cases', 'tasks')")),
        }
    return out


# ---- scenarios, EXPLAIN -------------------------------------------------------------------------------

@dataclass
class Scenario:
    name: str
    params: list[dict]  # one per request, cycled


def scenarios(depts: list[int], big: int, small: int, rng: random.Random, n: int) -> list[Scenario]:
    pick = lambda: rng.choice(depts)  # noqa: E731
    return [
        Scenario("running+dept+overdue", [{"status": "running", "department_id": pick(), "overdue": "true"}
                                          for _ in range(n)]),
        Scenario("running+BIG dept+overdue", [{"status": "running", "department_id": big, "overdue": "true"}] * n),
        Scenario("running+dept", [{"status": "running", "department_id": pick()} for _ in range(n)]),
        Scenario("running+overdue", [{"status": "running", "overdue": "true"}] * n),
        Scenario("dept (all statuses)", [{"department_id": pick()} for _ in range(n)]),
        Scenario("BIG dept (all statuses)", [{"department_id": big}] * n),
        Scenario("completed+SMALL dept", [{"status": "completed", "department_id": small}] * n),
        Scenario("no filter", [{}] * n),
    ]


def supervisor(engine):
    from sqlalchemy import select

    from onewindow.accounts import service as accounts
    from onewindow.accounts.models import User
    from onewindow.db import session_scope

    with session_scope(engine) as s:
        return accounts.principal_for(s.scalar(select(User).where(User.username == SUPERVISOR)))


def captured_statements(engine, actor, params: dict) -> list[tuple[str, object]]:
    """The SQL a real `paginate(case_list(...))` call sends, with its parameters, in order."""
    from sqlalchemy import event

    from onewindow.cases import service
    from onewindow.common.pagination import paginate
    from onewindow.db import session_scope

    seen: list[tuple[str, object]] = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        with session_scope(engine) as s:
            stmt = service.case_list(s, actor=actor, status=params.get("status"),
                                     department_id=params.get("department_id"),
                                     overdue=params.get("overdue") == "true" or None)
            page = paginate(s, stmt, page=1, per_page=20)
            _ = [c.tasks for c in page.items]
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    return [(sql, p) for sql, p in seen if "cases" in sql or "tasks" in sql]


def explain(engine, actor, params: dict) -> list[dict]:
    out = []
    stmts = captured_statements(engine, actor, params)
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        for sql, p in stmts:
            kind = "count" if sql.lstrip().upper().startswith("SELECT COUNT") else (
                "tasks (selectin)" if sql.lstrip().startswith("SELECT tasks") else "page")
            with raw.cursor() as cur:
                t = time.perf_counter()
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, p)
                plan = "\n".join(r[0] for r in cur.fetchall())
                wall = time.perf_counter() - t
            raw.rollback()
            out.append({"kind": kind, "sql": sql, "params": p if isinstance(p, dict) else list(p or ()),
                        "plan": plan, "wall_ms": wall * 1000,
                        "seq_scans": sorted(set(re.findall(r"Seq Scan on (\w+)", plan)))})
    return out


# ---- HTTP ---------------------------------------------------------------------------------------------

def bearer_token(url: str) -> str:
    from onewindow.accounts import service as accounts
    from onewindow.db import make_engine, session_scope

    engine = make_engine(url)
    with session_scope(engine) as s:
        token, _ = accounts.issue_token(s, actor=supervisor(engine), name="case-list-bench")
    engine.dispose()
    return token


def login_cookies(base: str) -> dict | None:
    import httpx

    with httpx.Client(base_url=base, timeout=30) as c:
        page = c.get("/login")
        m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        if not m:
            return None
        r = c.post("/login", data={"username": SUPERVISOR, "password": PASSWORD, "next": "/",
                                   "csrf_token": m.group(1)})
        if r.status_code not in (302, 303):
            return None
        return dict(c.cookies)


def measure_http(url: str, scens: list[Scenario], a) -> tuple[dict, bool]:
    import httpx
    from catalog_bench import Server

    token = bearer_token(url)
    server = Server(url, "ours")
    results: dict = {}
    page_exists = False
    try:
        server.wait_ready(timeout=120)
        cookies = login_cookies(server.base)
        if cookies:
            probe = httpx.get(f"{server.base}/cases?status=running", cookies=cookies, timeout=60,
                              headers={"Accept": "text/html"})
            page_exists = probe.status_code == 200
            print(f"page /cases: HTTP {probe.status_code}" + ("" if page_exists else " — not measured"), flush=True)
        api_h = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        for sc in scens:
            api = [f"/api/cases?{urlencode(p)}" for p in sc.params]
            kinds = [("api", api, api_h, None)]
            if page_exists:
                pages = [f"/cases?{urlencode({k: ('1' if v == 'true' else v) for k, v in p.items()})}"
                         for p in sc.params]
                kinds.append(("page", pages, {"Accept": "text/html"}, cookies))
            for kind, paths, headers, ck in kinds:
                load_before = os.getloadavg()[0]
                one = run_load(server.base, paths[: a.serial], 1, a.time_cap, headers, ck)
                many = run_load(server.base, paths[: a.requests], a.clients, a.time_cap, headers, ck)
                results[f"{kind} {sc.name}"] = {"serial": one, "concurrent": many, "loadavg": load_before}
                print(f"{kind:<5}{sc.name:<27} 1 client p50 {one['p50_ms']:7.1f} p95 {one['p95_ms']:7.1f} | "
                      f"{a.clients} clients p50 {many['p50_ms']:7.1f} p95 {many['p95_ms']:7.1f} "
                      f"{many['rps']:6.1f} req/s n={many['requests']} err={many['errors'] + one['errors']} "
                      f"load {load_before:.1f}"
                      f"{' (cap)' if many['capped'] else ''} {many['statuses']}", flush=True)
    finally:
        server.stop()
    return results, page_exists


# ---- driver -------------------------------------------------------------------------------------------

def current_revision(engine) -> str:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", type=int, default=1_000_000)
    p.add_argument("--reuse", action="store_true", help="measure the existing database, do not generate")
    p.add_argument("--revision", default="head", help="migrate the new database to this revision (e.g. 0003)")
    p.add_argument("--upgrade", action="store_true", help="with --reuse: migrate it to head first (adds 0004)")
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--requests", type=int, default=600, help="timed requests per scenario, concurrent clients")
    p.add_argument("--serial", type=int, default=40, help="timed requests per scenario, one client")
    p.add_argument("--time-cap", type=float, default=45.0, help="seconds per run, at most")
    p.add_argument("--no-http", action="store_true", help="EXPLAIN only")
    p.add_argument("--pg-url", default=PG_DEFAULT)
    p.add_argument("--db-name", default=DB_NAME, help="database on that server (recreated unless --reuse)")
    p.add_argument("--seed", type=int, default=12)
    a = p.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="ow-case-list-"))
    os.environ.setdefault("ONEWINDOW_INSTANCE_DIR", str(tmp / "instance"))
    os.environ.setdefault("ONEWINDOW_SECRET_KEY", "bench-only-secret-key")
    try:
        run(a)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(a) -> None:
    from onewindow import migrate
    from onewindow.db import make_engine

    started = time.perf_counter()
    url = a.pg_url.rstrip("/") + "/" + a.db_name
    gen = None
    if not a.reuse:
        import jieba

        jieba.initialize()
        gen = generate(url, a.cases, a.seed, a.revision)
    engine = make_engine(url)
    if a.upgrade:
        t = time.perf_counter()
        migrate.upgrade(engine)
        vacuum(engine)
        print(f"upgraded to {current_revision(engine)} (+ VACUUM ANALYZE) in {time.perf_counter() - t:.1f}s", flush=True)
    revision = current_revision(engine)
    prof = profile(engine)
    print(f"revision {revision}; cases {prof['cases_by_status']}; running {prof['running_by_sla']}; "
          f"tasks {prof['tasks']:,}; sizes {prof['sizes']}", flush=True)
    by_dept = prof["tasks_by_dept"]
    big, small = by_dept[0], by_dept[-1]
    print(f"largest department {big[0]} {big[1]}: {big[3]:,} cases; smallest {small[0]} {small[1]}: {small[3]:,} cases",
          flush=True)
    rng = random.Random(a.seed)
    scens = scenarios([r[0] for r in by_dept], big[0], small[0], rng, max(a.requests, a.serial))
    actor = supervisor(engine)
    plans = {}
    for sc in scens:
        plans[sc.name] = explain(engine, actor, sc.params[0])
        print(f"\n--- EXPLAIN {sc.name}: {sc.params[0]}", flush=True)
        for st in plans[sc.name]:
            print(f"[{st['kind']}] {st['wall_ms']:.1f} ms wall; seq scans: {st['seq_scans'] or 'none'}\n{st['plan']}")
    engine.dispose()
    http, page_exists = ({}, False) if a.no_http else measure_http(url, scens, a)
    text = report(a, revision, prof, gen, plans, http, page_exists)
    print("\n" + text)
    print(f"\ntotal {time.perf_counter() - started:.0f}s")
    (HERE / "out").mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    (HERE / "out" / f"case-list-{revision}-{stamp}.json").write_text(json.dumps(
        {"args": vars(a), "revision": revision, "profile": prof, "generation": gen, "explain": plans, "http": http,
         "machine": {"nproc": os.cpu_count(), "python": platform.python_version()}},
        ensure_ascii=False, indent=2, default=str))


def report(a, revision, prof, gen, plans, http, page_exists) -> str:
    lines = [f"revision {revision}: {sum(prof['cases_by_status'].values()):,} cases {prof['cases_by_status']}, "
             f"running by SLA {prof['running_by_sla']}, {prof['tasks']:,} tasks"]
    if gen:
        lines.append(f"generation: setup {gen['setup_s']:.0f}s, COPY {gen['copy_s']:.0f}s, indexes "
                     f"{gen['index_s']:.0f}s, VACUUM ANALYZE "
                     f"{gen['vacuum_s']:.0f}s, total {gen['total_s']:.0f}s")
    lines += ["", "EXPLAIN ANALYZE (first request of each scenario): execution time, sequential scans",
              f"{'scenario':<27}{'count ms':>10}{'page ms':>10}{'tasks ms':>10}  seq scans"]
    for name, sts in plans.items():
        ms = {}
        for st in sts:
            m = re.search(r"Execution Time: ([\d.]+) ms", st["plan"])
            ms[st["kind"]] = float(m.group(1)) if m else math.nan
        scans = sorted({s for st in sts for s in st["seq_scans"]})
        lines.append(f"{name:<27}{ms.get('count', math.nan):>10.1f}{ms.get('page', math.nan):>10.1f}"
                     f"{ms.get('tasks (selectin)', math.nan):>10.1f}  {', '.join(scans) or 'none'}")
    if http:
        lines += ["", f"HTTP (one uvicorn worker; 1 client: {a.serial} requests; {a.clients} clients: {a.requests})",
                  f"{'request':<33}{'1c p50':>8}{'1c p95':>8}{'Nc p50':>9}{'Nc p95':>9}{'req/s':>8}{'err':>5}{'load':>6}"]
        for name, r in http.items():
            o, m = r["serial"], r["concurrent"]
            lines.append(f"{name:<33}{o['p50_ms']:>8.1f}{o['p95_ms']:>8.1f}{m['p50_ms']:>9.1f}{m['p95_ms']:>9.1f}"
                         f"{m['rps']:>8.1f}{o['errors'] + m['errors']:>5}{r.get('loadavg', math.nan):>6.1f}"
                         f"{'  capped' if m['capped'] else ''}")
        if not page_exists:
            lines.append("page GET /cases: not measured (the app has no such page yet)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
