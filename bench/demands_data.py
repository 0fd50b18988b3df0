"""5,000,000 demands for bench/demands_bench.py, written by SQL (INSERT … SELECT generate_series) into a
database that already holds the demo city (`onewindow demo --load-only`: 47 departments, the routing
rules, the accounts, 10,200 enterprises, 3,000 demo demands), so every reference is a real row.

Shaped as the service writes rows (demands.service.file_demand, handling.dispatch/sign/reply/…) and with
the demo's own vocabulary (demo.demands: kinds, urgencies, channels, texts, regions and streets, the
topic → unit routing at three levels, 15% to 住建局), spread over two years. Open demands are recent:
97% of the rows are 办结, 3% open (待派单 0.2%, 待签收 0.4%, 办理中 1.6%, 已退单 0.15%, 已答复待回访 0.6%),
their clocks and 预警/超期 computed against the fixed NOW as the sweep would. 1.5 million distinct
caller numbers; 12% of demands name one of the enterprises. One lead assignment (主办) per dispatched
demand, a 协办 for 30% (for a local topic: the county), and 3% carry an earlier inactive 改派 row.
The words of duplicate candidates (demand_terms, what service.file_demand writes at intake) for the
demands of the last TERM_DAYS days: cut once per distinct text by the service's own segmentation
(demands.service.duplicate_terms) and joined back onto the demands by SQL.
Not generated (no measured statement reads them): the timeline, callbacks, audit rows and outbox.
Seeded with setseed per chunk: the same arguments give the same rows.
"""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

NOW = datetime(2026, 12, 7, 6, 0, tzinfo=UTC)  # 14:00 in Beijing, a Monday; deadlines are relative to it
CHUNK = 500_000
CALLERS = 1_500_000
TERM_DAYS = 90  # the candidates' window is 30 days; older rows only make the index deeper, as in service
OPEN = (("received", 0.002), ("dispatched", 0.004), ("handling", 0.016), ("returned", 0.0015), ("replied", 0.006))

DEMANDS_SQL = """
WITH r AS MATERIALIZED (
  SELECT nextval('demands_id_seq') AS id, random() AS rs, random() AS rk, random() AS ru, random() AS rc,
         random() AS rsub, random() AS rreg, random() AS rpl, random() AS rage, random() AS rcall,
         random() AS rent, random() AS ra, random() AS rb, random() AS rd, random() AS rx
  FROM generate_series(1, :n)
), s AS (
  SELECT r.*,
    CASE WHEN rs < :c1 THEN 'received' WHEN rs < :c2 THEN 'dispatched' WHEN rs < :c3 THEN 'handling'
         WHEN rs < :c4 THEN 'returned' WHEN rs < :c5 THEN 'replied' ELSE 'closed' END AS status,
    CASE WHEN rk < .40 THEN 'consult' WHEN rk < .55 THEN 'help' WHEN rk < .80 THEN 'complaint'
         WHEN rk < .88 THEN 'report' ELSE 'suggestion' END AS kind,
    CASE WHEN ru < .80 THEN 'general' WHEN ru < .88 THEN 'urgent' ELSE 'complex' END AS urgency,
    CASE WHEN rc < .70 THEN 'hotline' WHEN rc < .80 THEN 'web' WHEN rc < .88 THEN 'mobile'
         WHEN rc < .93 THEN 'window' ELSE 'scan' END AS channel,
    floor(rsub * :n_subjects)::int AS sk, floor(rreg * 3)::int AS gk, floor(rcall * :callers)::int AS caller
  FROM r
), t AS (
  SELECT s.*, sub.topic, sub.subject AS what, g.region, g.county_id, g.town_id,
    (SELECT p.place FROM bench_places p WHERE p.gk = s.gk AND p.j = floor(s.rpl * g.n_places)::int) AS place,
    -- age in days: open demands are recent (cubes skew them younger), closed ones spread over two years
    CASE s.status WHEN 'received' THEN .1 * rage * rage WHEN 'dispatched' THEN 4 * rage ^ 3
         WHEN 'handling' THEN 14 * rage ^ 3 WHEN 'returned' THEN 6 * rage ^ 3 WHEN 'replied' THEN 3 + 10 * rage
         ELSE 730 * rage END AS age,
    CASE s.urgency WHEN 'urgent' THEN 1 WHEN 'complex' THEN 15 ELSE 7 END AS days,
    s.status = 'closed' AND s.kind = 'consult' AND s.rd < .6 AS direct,
    s.channel = 'scan' AND s.rx < .4 AS anonymous
  FROM s JOIN bench_subjects sub ON sub.k = s.sk JOIN bench_regions g ON g.k = s.gk
), u AS (
  SELECT t.*, :now - age * interval '1 day' AS received,
    CASE WHEN status = 'received' OR direct THEN NULL
         WHEN county_id IS NOT NULL AND topic IN ('城管', '供水供电', '交通') THEN town_id
         WHEN rb < .15 THEN :zjj ELSE (SELECT lead_id FROM bench_topics bt WHERE bt.topic = t.topic) END AS lead,
    t.status = 'closed' AND NOT t.direct AND t.rx < .015 AS merged,
    t.rent < .12 AS about_firm
  FROM t
), v AS (
  SELECT u.*, received + (10 + floor(ra * 80)) * interval '1 minute' AS dispatched,
         received + (10 + floor(ra * 80)) * interval '1 minute' + (1 + floor(rb * 7)) * interval '1 hour' AS signed,
         e.name AS ent_name, e.uscc AS ent_uscc
  FROM u LEFT JOIN bench_firms e ON u.about_firm AND e.k = floor(u.rent / .12 * :n_firms)::int
), w AS (
  SELECT v.*,
    CASE WHEN status = 'replied' THEN greatest(signed + interval '1 hour', :now - rd * 3 * interval '1 day')
         WHEN status = 'closed' AND NOT direct THEN
           signed + (1 + floor(ra * days) + CASE WHEN rx < .07 THEN days ELSE 0 END) * interval '1 day'
         WHEN direct THEN received + interval '8 minutes' END AS replied,
    -- working days ≈ calendar days × 7/5 (the sweep recomputes on the real calendar)
    ((received AT TIME ZONE 'Asia/Shanghai')::date + ceil(days * 1.4)::int) AS reply_due_on,
    dispatched + interval '2 hours' AS reply_due_at
  FROM v
)
INSERT INTO demands (id, code, idempotency_key, channel, kind, urgency, topic, region, subject, content, location,
  filer_name, filer_phone, filer_id_number, filer_user_id, anonymous, confidential, enterprise_name, enterprise_uscc,
  window_department_id, item_code, case_code, taken_by_id, received_at, status, due_stage, due_unit, due_amount,
  due_at, due_on, due_note, sla_state, overdue_ever, lead_department_id, dispatched_at, signed_at, replied_at,
  reply, article_id, direct, reopened, satisfaction, resolved, closed_at, closed_how, merged_into_id, version)
SELECT id,
  '12345-' || to_char(received AT TIME ZONE 'Asia/Shanghai', 'YYYYMMDD') || '-' || CASE WHEN id < 100000 THEN lpad(id::text, 6, '0') ELSE id::text END,  -- {id:06d}
  NULL, channel, kind, urgency, topic, region,
  CASE kind WHEN 'consult' THEN '咨询' || what WHEN 'help' THEN what || '求助'
       WHEN 'complaint' THEN '投诉' || what || '办理拖延'
       WHEN 'report' THEN '举报' || place || (ARRAY['占道经营','夜间施工噪音','违规收费','无证经营','油烟扰民','乱倒建筑垃圾'])[1 + floor(ra * 6)::int]
       ELSE '建议优化' || what || '流程' END,
  CASE kind WHEN 'consult' THEN '来电人咨询' || what || '需要哪些材料、在哪里办理、多长时间办结。'
       WHEN 'help' THEN '来电人反映办理' || what || '时遇到困难，多次咨询未果，请求有关部门协助。'
       WHEN 'complaint' THEN '来电人反映在' || place || '办理' || what || '，多次往返仍未办结，工作人员答复不清，要求尽快处理。'
       WHEN 'report' THEN '来电人举报' || place || '附近长期存在' || (ARRAY['占道经营','夜间施工噪音','违规收费','无证经营','油烟扰民','乱倒建筑垃圾'])[1 + floor(ra * 6)::int] || '问题，影响周边居民生活，请求查处。'
       ELSE '来电人建议' || what || '进一步精简材料、推行网上办理，减少群众跑腿。' END,
  place || (1 + caller % 300) || '号',
  CASE WHEN anonymous THEN '' ELSE substr('王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗', 1 + caller % 20, 1)
       || (ARRAY['伟','芳','娜','秀英','敏','静','丽','强','磊','军','洋','勇','艳','杰','涛','明','超','霞'])[1 + (caller / 20) % 18] END,
  CASE WHEN anonymous THEN '' ELSE '1' || substr('3578', 1 + caller % 4, 1) || lpad(((caller::bigint * 7919) % 999999937)::text, 9, '0') END,
  '', NULL, anonymous, kind = 'report' OR rx > .97, coalesce(ent_name, ''), coalesce(ent_uscc, ''),
  CASE WHEN channel IN ('window', 'scan') THEN :zwfwj END, '', '',
  CASE WHEN channel = 'hotline' THEN :agent END, received, status,
  CASE WHEN status IN ('received', 'returned') THEN 'dispatch' WHEN status IN ('dispatched', 'handling') THEN 'reply'
       WHEN status = 'replied' THEN 'callback' END,
  CASE WHEN status IN ('received', 'returned') OR (status IN ('dispatched', 'handling') AND urgency = 'urgent') THEN 'working_hours'
       WHEN status IN ('dispatched', 'handling', 'replied') THEN 'working_days' END,
  CASE WHEN status IN ('received', 'returned') OR (status IN ('dispatched', 'handling') AND urgency = 'urgent') THEN 120
       WHEN status IN ('dispatched', 'handling') THEN days WHEN status = 'replied' THEN 2 END,
  CASE WHEN status = 'received' THEN received + interval '2 hours' WHEN status = 'returned' THEN dispatched + interval '1 day'
       WHEN status IN ('dispatched', 'handling') AND urgency = 'urgent' THEN reply_due_at END,
  CASE WHEN status IN ('dispatched', 'handling') AND urgency <> 'urgent' THEN reply_due_on
       WHEN status = 'replied' THEN (replied AT TIME ZONE 'Asia/Shanghai')::date + 3 END,
  '',
  CASE WHEN status = 'received' THEN CASE WHEN received + interval '2 hours' < :now THEN 'overdue' ELSE 'normal' END
       WHEN status = 'returned' THEN CASE WHEN dispatched + interval '1 day' < :now THEN 'overdue' ELSE 'normal' END
       WHEN status IN ('dispatched', 'handling') AND urgency = 'urgent' THEN
         CASE WHEN reply_due_at < :now THEN 'overdue' WHEN reply_due_at < :now + interval '30 minutes' THEN 'warning' ELSE 'normal' END
       WHEN status IN ('dispatched', 'handling') THEN
         CASE WHEN reply_due_on < :today THEN 'overdue' WHEN reply_due_on <= :today + 1 THEN 'warning' ELSE 'normal' END
       ELSE 'normal' END,
  (status IN ('dispatched', 'handling') AND reply_due_on < :today AND urgency <> 'urgent') OR (status = 'closed' AND NOT direct AND rx < .07),
  lead, CASE WHEN lead IS NOT NULL THEN dispatched END,
  CASE WHEN lead IS NOT NULL AND status NOT IN ('dispatched', 'returned') THEN signed END,
  CASE WHEN status IN ('replied', 'closed') THEN least(replied, :now) END,
  CASE WHEN direct THEN '已依据知识库答复口径当场答复来电人。'
       WHEN status IN ('replied', 'closed') THEN (ARRAY['经核实，已按政策为来电人办理，并电话告知办理结果。','已安排工作人员现场处理，问题已解决。','经调查，反映情况属实，已责令整改并将持续跟踪。','已向来电人解释相关政策，来电人表示理解。'])[1 + floor(rd * 4)::int]
       ELSE '' END,
  NULL, direct, CASE WHEN status = 'closed' AND NOT direct AND rd > .96 THEN 1 ELSE 0 END,
  CASE WHEN status = 'closed' AND NOT direct AND NOT merged AND rb >= .08 THEN
    CASE WHEN rd < .76 THEN 'satisfied' WHEN rd < .92 THEN 'basic' ELSE 'unsatisfied' END END,
  CASE WHEN status = 'closed' AND NOT direct AND NOT merged AND rb >= .08 THEN rd < .92 OR rx < .3 END,
  CASE WHEN status = 'closed' THEN least(:now, coalesce(replied, received) + (1 + floor(ra * 2)) * interval '1 day') END,
  CASE WHEN status <> 'closed' THEN NULL WHEN direct THEN 'direct' WHEN merged THEN 'merged'
       WHEN rb < .08 THEN 'timeout' ELSE 'callback' END,
  CASE WHEN merged THEN greatest(:first_id, id - 1 - floor(rd * 50)::bigint) END,
  CASE status WHEN 'received' THEN 1 WHEN 'dispatched' THEN 2 WHEN 'returned' THEN 3 WHEN 'handling' THEN 3
       WHEN 'replied' THEN 4 ELSE 5 END
FROM w
"""

# 主办 for every dispatched demand; 协办 for 30% (a local topic: the county); 3% an earlier 改派 row, inactive.
ASSIGNMENTS_SQL = """
INSERT INTO demand_assignments (demand_id, department_id, role, status, active, dispatched_by_id, dispatched_at,
                                signed_at, returned_reason, opinion, demand_open)
SELECT d.id, x.dept, x.role, x.status, x.active, :agent, d.dispatched_at - x.earlier, x.signed, x.reason, '',
       d.status <> 'closed'
FROM demands d
JOIN bench_topics bt ON bt.topic = d.topic
JOIN bench_regions g ON g.region = d.region
CROSS JOIN LATERAL (VALUES
  ('lead', d.lead_department_id,
   CASE d.status WHEN 'dispatched' THEN 'pending' WHEN 'handling' THEN 'signed' WHEN 'returned' THEN 'returned'
        WHEN 'replied' THEN 'done' ELSE CASE WHEN d.closed_how = 'merged' THEN 'merged' ELSE 'done' END END,
   d.closed_how IS DISTINCT FROM 'merged', d.signed_at, interval '0',
   CASE WHEN d.status = 'returned' THEN '不属于本单位职责，建议转市场监管部门' ELSE '' END),
  ('assist', CASE WHEN g.county_id IS NOT NULL AND d.topic IN ('城管', '供水供电', '交通') THEN g.county_id
                  WHEN (d.id::bigint * 2654435761) % 100 < 30 THEN bt.assist_id END,
   CASE WHEN d.status = 'dispatched' THEN 'pending' ELSE 'signed' END,
   d.closed_how IS DISTINCT FROM 'merged', d.signed_at, interval '0', ''),
  ('lead', CASE WHEN (d.id::bigint * 40503) % 100 < 3 THEN CASE WHEN d.lead_department_id = :zjj THEN bt.lead_id ELSE :zjj END END,
   'replaced', false, NULL::timestamptz, interval '3 hours', '')
) AS x(role, dept, status, active, signed, earlier, reason)
WHERE d.id BETWEEN :lo AND :hi AND d.lead_department_id IS NOT NULL AND x.dept IS NOT NULL
  AND (x.status <> 'replaced' AND x.role = 'lead' OR x.dept <> d.lead_department_id)
"""


def _vocabulary(conn) -> dict:
    """The demo's words as small tables the generator joins on."""
    from onewindow.demo.demands import REGIONS
    from onewindow.demo.knowledge import TOPICS

    depts = dict(conn.execute(text("SELECT code, id FROM departments")).tuples().all())
    for ddl in ("CREATE TABLE bench_topics (topic text PRIMARY KEY, lead_id int, assist_id int)",
                "CREATE TABLE bench_subjects (k int PRIMARY KEY, topic text, subject text)",
                "CREATE TABLE bench_regions (k int PRIMARY KEY, region text, county_id int, town_id int, n_places int)",
                "CREATE TABLE bench_places (gk int, j int, place text, PRIMARY KEY (gk, j))",
                "CREATE TABLE bench_firms (k int PRIMARY KEY, name text, uscc text)"):
        conn.execute(text(ddl.replace("CREATE TABLE ", "DROP TABLE IF EXISTS ").split(" (")[0]))
        conn.execute(text(ddl))
    subjects = []
    for topic, (codes, subs) in TOPICS.items():
        conn.execute(text("INSERT INTO bench_topics VALUES (:t, :l, :a)"),
                     {"t": topic, "l": depts[codes[0]], "a": depts[codes[1]] if len(codes) > 1 else None})
        subjects += [(topic, s[0]) for s in subs]
    conn.execute(text("INSERT INTO bench_subjects VALUES (:k, :t, :s)"),
                 [{"k": k, "t": t, "s": s} for k, (t, s) in enumerate(subjects)])
    for k, (region, (county, towns, streets)) in enumerate(REGIONS.items()):
        conn.execute(text("INSERT INTO bench_regions VALUES (:k, :r, :c, :t, :n)"),
                     {"k": k, "r": region, "c": depts.get(county), "t": depts[towns[0]] if towns else None,
                      "n": len(streets)})
        conn.execute(text("INSERT INTO bench_places VALUES (:g, :j, :p)"),
                     [{"g": k, "j": j, "p": p} for j, p in enumerate(streets)])
    conn.execute(text("INSERT INTO bench_firms SELECT row_number() OVER (ORDER BY id) - 1, name, uscc FROM enterprises"))
    firms = conn.scalar(text("SELECT count(*) FROM bench_firms"))
    agent = conn.scalar(text("SELECT id FROM users WHERE username = 'agent'"))
    return {"n_subjects": len(subjects), "n_firms": firms, "zjj": depts["ZJJ"], "zwfwj": depts["ZWFWJ"], "agent": agent}


def generate(engine, count: int, seed: float = 0.42) -> dict:
    """Add `count` demands and their assignments; secondary indexes are dropped for the load and
    rebuilt after it (the same definitions the migrations made), then VACUUM ANALYZE."""
    from onewindow.common.time import local_date

    timings = {}
    cuts, acc = {}, 0.0
    for i, (_, share) in enumerate(OPEN, start=1):
        acc += share
        cuts[f"c{i}"] = acc
    with engine.begin() as conn:
        vocab = _vocabulary(conn)
        indexes = conn.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('demands', 'demand_assignments') "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)")).all()
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # FK triggers off: refs valid by construction
        conn.execute(text("SET LOCAL jit = off"))  # compiling the generator costs more than it saves per chunk
        first = conn.scalar(text("SELECT last_value + 1 FROM demands_id_seq"))
        t = time.perf_counter()
        done = 0
        while done < count:
            n = min(CHUNK, count - done)
            conn.execute(text("SELECT setseed(:s)"), {"s": (seed + done / count) % 1})
            conn.execute(text(DEMANDS_SQL), {"n": n, "callers": CALLERS, "now": NOW, "today": local_date(NOW),
                                             "first_id": first, **cuts, **vocab})
            done += n
            print(f"  demands {done:,} ({time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
        timings["demands_s"] = time.perf_counter() - t
    with engine.begin() as conn:  # its own transaction: a failure here keeps the demands
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text("SET LOCAL jit = off"))
        t = time.perf_counter()
        last = conn.scalar(text("SELECT max(id) FROM demands"))
        for lo in range(first, last + 1, CHUNK):
            conn.execute(text(ASSIGNMENTS_SQL), {"lo": lo, "hi": lo + CHUNK - 1, "zjj": vocab["zjj"],
                                                 "agent": vocab["agent"]})
        timings["assignments_s"] = time.perf_counter() - t
    t = time.perf_counter()
    timings["terms"] = add_terms(engine, since_id=first)
    timings["terms_s"] = time.perf_counter() - t
    with engine.begin() as conn:
        t = time.perf_counter()
        for _, ddl in indexes:
            conn.execute(text(ddl))
        timings["indexes_s"] = time.perf_counter() - t
    t = time.perf_counter()
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="AUTOCOMMIT")
        conn.execute(text("VACUUM ANALYZE demands"))
        conn.execute(text("VACUUM ANALYZE demand_assignments"))
        conn.execute(text("VACUUM ANALYZE demand_terms"))
    timings["vacuum_s"] = time.perf_counter() - t
    return timings


def add_terms(engine, *, since_id: int, days: int = TERM_DAYS) -> int:
    """demand_terms of the generated demands received in the last `days`: the service's rows for each
    distinct subject + content ("t") and each distinct place ("l"), joined back by SQL; their (term,
    part, received_at) index is dropped for the load and rebuilt. The number of rows written."""
    from onewindow.demands import service

    since = {"since": NOW - timedelta(days=days), "first": since_id}
    window = "FROM demands WHERE id >= :first AND received_at >= :since"
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        index = conn.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_demand_terms_recent'"))
        conn.execute(text("DROP INDEX IF EXISTS ix_demand_terms_recent"))
        for ddl in ("CREATE TEMP TABLE bench_text_terms (subject text, content text, term text, weight int)",
                    "CREATE TEMP TABLE bench_place_terms (location text, term text)"):
            conn.execute(text(ddl))
        texts = [dict(subject=s, content=c, term=r["term"], weight=r["weight"])
                 for s, c in conn.execute(text(f"SELECT DISTINCT subject, content {window}"), since)
                 for r in service.duplicate_terms(demand_id=0, received_at=NOW, subject=s, content=c, location="")]
        places = [dict(location=loc, term=r["term"])
                  for (loc,) in conn.execute(text(f"SELECT DISTINCT location {window}"), since)
                  for r in service.duplicate_terms(demand_id=0, received_at=NOW, subject="", content="", location=loc)]
        conn.execute(text("INSERT INTO bench_text_terms VALUES (:subject, :content, :term, :weight)"), texts)
        conn.execute(text("INSERT INTO bench_place_terms VALUES (:location, :term)"), places)
        conn.execute(text("ANALYZE bench_text_terms; ANALYZE bench_place_terms"))
        written = conn.execute(text(
            "INSERT INTO demand_terms (demand_id, term, part, received_at, weight) "
            "SELECT d.id, x.term, 't', d.received_at, x.weight FROM demands d "
            "JOIN bench_text_terms x ON x.subject = d.subject AND x.content = d.content "
            "WHERE d.id >= :first AND d.received_at >= :since "
            "UNION ALL SELECT d.id, x.term, 'l', d.received_at, 2 FROM demands d "
            "JOIN bench_place_terms x ON x.location = d.location WHERE d.id >= :first AND d.received_at >= :since"),
            since).rowcount
        if index:
            conn.execute(text(index))
    print(f"  terms {written:,} rows ({len(texts):,} text and {len(places):,} place words)", file=sys.stderr)
    return written
