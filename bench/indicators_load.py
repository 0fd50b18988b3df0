"""Set-based loader for the indicators benchmark: the city (91 departments, 300 items) through the ORM,
then cases, applications, demands, rating matters and ratings as `INSERT … SELECT generate_series(…)`
into the real tables (after alembic upgrade), shaped like the rows the services write.

Distributions (deterministic: setseed per table):
- volume grows over the 24 months (acceptance day = 730·sqrt(u) days after 2024-12-01), weekdays only
  shifted to the following Monday; items skewed (item = 300·u², so a few items carry most cases);
- applications 72% online; an item's 网办深度 30% 全程网办, 50% 网上可办, 20% 不可网办; 3% of
  applications are 一件事 bundles (no item facts); 40% of online cases mailed (零跑动);
- a case's promised limit is its item's; handling takes 0…1.3× the limit, 4% overdue; cases accepted in
  the last 20 days are 35% still running;
- demands: 12345 channels, 85% closed, 20% 直办, 6% overdue at some point, 80% of closed ones called
  back (满意 70%, 基本满意 20%, 不满意 10%), 88% resolved, 1% merged into an earlier demand;
- rating matters for every fifth case (kind 'case', ref = its code), one rating each: very satisfied
  55%, satisfied 30%, basic 10%, unsatisfied 4%, very unsatisfied 1%; real-name 30%; 0.2% excluded.

Secondary indexes are dropped for the bulk insert and rebuilt after it, and FK triggers are skipped
(session_replication_role = replica): the rows are consistent by construction, and the end state is
the migrated schema exactly.
"""

from __future__ import annotations

import random

from sqlalchemy import text

from onewindow.accounts.models import User
from onewindow.catalog.models import Department, ServiceItem

BIG = ("applications", "cases", "demands", "rating_matters", "ratings")
START = "2024-12-01"  # the first of the 24 months up to 2026-11


def city(session) -> tuple[int, list[int]]:
    """91 departments (市政府, 10 counties × 6 bureaus, 30 municipal bureaus) and 300 published items."""
    rng = random.Random(14)
    session.execute(text("truncate indicator_figures, indicator_periods, indicator_discrepancies, ratings, "
                         "rating_matters, demands, cases, applications, service_items, users, departments "
                         "restart identity cascade"))
    top = Department(code="SZF", name="市政府", level="市")
    session.add(top)
    session.flush()
    depts = []
    for c in range(10):
        county = Department(code=f"X{c}", name=f"县{c}", level="县", parent_id=top.id)
        session.add(county)
        session.flush()
        for k in range(6):
            d = Department(code=f"X{c}-{k}", name=f"县{c}局{k}", level="县", parent_id=county.id)
            session.add(d)
            session.flush()
            depts.append(d.id)
    for k in range(30):
        d = Department(code=f"S{k}", name=f"市局{k}", level="市", parent_id=top.id)
        session.add(d)
        session.flush()
        depts.append(d.id)
    for i in range(300):
        depth = rng.choices(("全程网办", "网上可办", "不可网办"), (30, 50, 20))[0]
        statutory = rng.choice((10, 15, 20, 30, 60))
        session.add(ServiceItem(code=f"I{i:04d}", version=1, status="published", basic_code=f"{i:012d}",
                                name=f"事项{i}", item_type="行政许可", department_id=depts[i % len(depts)],
                                level="市", statutory_limit_days=statutory,
                                promised_limit_days=rng.choice((0, 1, 3, 5, statutory // 2)), steps=4, visits=1,
                                online_depth=depth, result_type="证照"))
    user = User(username="bench", display_name="基准测试", role="window_clerk", password_hash="x")
    session.add(user)
    session.flush()
    return user.id, depts


def _indexes(session) -> list[str]:
    rows = session.execute(text(
        "select i.indexname, i.indexdef from pg_indexes i where i.tablename = any(:t) and not exists "
        "(select 1 from pg_constraint c where c.conname = i.indexname)"), {"t": list(BIG)}).all()
    for name, _ in rows:
        session.execute(text(f'drop index "{name}"'))
    return [d for _, d in rows]


APPLICATIONS = """
insert into applications (id, created_by_id, channel, subject_kind, subject_key, subject_name, contact_phone,
  target_kind, target_code, title, plan, form_data, prefilled, checks, status, created_at, submitted_at,
  decided_at, updated_at, version)
select g, :uid, ch, sk, lpad((g % 900000)::text, 18, '9'), case when sk = 'enterprise' then '某某企业' || (g % 5000)
  else '张' || (g % 977) end, '138' || lpad((g % 100000000)::text, 8, '0'),
  case when b then 'bundle' else 'item' end, case when b then 'BD0' || (g % 5) else 'I' || lpad(it::text, 4, '0') end,
  case when b then '一件事联办' else '事项' || it end, '{}', '{"说明":"基准测试"}', '{}', '[]', 'accepted',
  ts - interval '40 minutes', ts - interval '30 minutes', ts, ts, 2
from (select g, case when random() < 0.72 then 'online' else 'window' end ch,
        case when random() < 0.6 then 'enterprise' else 'person' end sk, random() < 0.03 b,
        least(299, floor(300 * random() ^ 2))::int it,
        (cast(:start as date) + floor(730 * sqrt(random()))::int)::timestamp at time zone 'Asia/Shanghai'
          + interval '9 hours' + random() * interval '8 hours' ts
      from generate_series(:lo, :hi) g) s
"""

CASES = """
insert into cases (id, code, application_id, title, lead_department_id, status, acceptance_mode, accepted_by_id,
  accepted_at, accepted_on, limit_days, deadline, deadline_estimated, sla_state, completed_at, issued_at,
  delivery_method, version)
select a.id, 'BJ' || to_char(a.on_, 'YYYYMMDD') || lpad(a.id::text, 8, '0'), a.id, a.title, a.dept,
  case when a.running then 'running' else 'completed' end, 'normal', :uid, a.decided_at, a.on_, a.lim,
  a.on_ + (a.lim * 7 / 5), false, case when a.late then 'overdue' else 'normal' end,
  case when a.running then null else a.decided_at + a.took end,
  case when a.running then null else a.decided_at + a.took end,
  case when a.channel = 'online' and random() < 0.4 then 'mail' else 'window' end, 3
from (select ap.id, ap.title, ap.channel, ap.decided_at, (ap.decided_at at time zone 'Asia/Shanghai')::date on_,
        coalesce(i.department_id, :bundle_dept) dept, coalesce(i.promised_limit_days, 5) lim,
        (ap.decided_at at time zone 'Asia/Shanghai')::date > cast(:recent as date) and random() < 0.35 running,
        r < 0.04 late,
        case when r < 0.04 then (coalesce(i.promised_limit_days, 5) * 1.4 + 1) * interval '1 day'
             else random() * (coalesce(i.promised_limit_days, 5) + 0.3) * interval '1 day' end took
      from (select *, random() r from applications where id between :lo and :hi) ap
      left join service_items i on ap.target_kind = 'item' and i.code = ap.target_code) a
"""

DEMANDS = """
insert into demands (id, code, channel, kind, urgency, topic, region, subject, content, location, filer_name,
  filer_phone, filer_id_number, anonymous, confidential, enterprise_name, enterprise_uscc, item_code, case_code,
  received_at, status, due_note, sla_state, overdue_ever, lead_department_id, dispatched_at, signed_at, replied_at,
  reply, direct, reopened, satisfaction, resolved, closed_at, closed_how, version, merged_into_id)
select g, '12345-' || to_char(ts at time zone 'Asia/Shanghai', 'YYYYMMDD') || '-' || lpad(g::text, 7, '0'),
  (array['hotline','hotline','hotline','web','mobile','window','scan'])[1 + g % 7],
  (array['consult','help','complaint','report','suggestion'])[1 + (g / 7) % 5], 'general', '营商环境',
  '县' || (g % 10), '诉求' || g, '基准测试诉求内容', '', '李' || (g % 991), '139' || lpad((g % 100000000)::text, 8, '0'),
  '', false, false, '', '', case when random() < 0.3 then 'I' || lpad(least(299, floor(300 * random() ^ 2))::int::text,
  4, '0') else '' end, '', ts,
  case when closed then 'closed' else 'handling' end, '', case when late and not closed then 'overdue' else 'normal' end,
  late, (cast(:depts as int[]))[1 + least(89, floor(90 * random() ^ 1.5))::int], case when dir then null else ts + interval '2 hours' end,
  case when dir then null else ts + interval '5 hours' end,
  case when closed and not dir then ts + interval '3 days' end, case when closed then '已答复' else '' end, dir, 0,
  case when called then (array['satisfied','satisfied','satisfied','satisfied','satisfied','satisfied','satisfied',
  'basic','basic','unsatisfied'])[1 + floor(10 * random())::int] end,
  case when called then random() < 0.88 end, case when closed then ts + interval '4 days' end,
  case when merged then 'merged' when dir then 'direct' when called then 'callback' when closed then 'timeout' end,
  2, case when merged then g - 1 end
from (select g, ts, closed, random() < 0.2 dir, random() < 0.06 late, closed and random() < 0.8 called,
        g > 1 and random() < 0.01 merged
      from (select g, (cast(:start as date) + floor(730 * sqrt(random()))::int)::timestamp at time zone 'Asia/Shanghai'
              + interval '8 hours' + random() * interval '12 hours' ts, random() < 0.85 closed
            from generate_series(:lo, :hi) g) t) s
"""

MATTERS = """
insert into rating_matters (id, kind, ref, title, department_id, item_code, clerk_id, staff_ids, completed_on,
  default_due_on, rated, created_at)
select c.id / 5, 'case', c.code, c.title, c.lead_department_id, nullif(a.target_code, '') , :uid, '[]',
  (c.completed_at at time zone 'Asia/Shanghai')::date, (c.completed_at at time zone 'Asia/Shanghai')::date + 7, true,
  c.completed_at
from cases c join applications a on a.id = c.application_id
where c.id between :lo and :hi and c.id % 5 = 0 and c.completed_at is not null and a.target_kind = 'item'
"""

RATINGS = """
insert into ratings (id, matter_id, rater_name, level, reasons, comment, is_default, real_name, excluded, rated_on,
  created_at, version)
select m.id, m.id, case when rn then '王' || (m.id % 89) else '' end,
  case when r < 0.55 then 'very_satisfied' when r < 0.85 then 'satisfied' when r < 0.95 then 'basic'
       when r < 0.99 then 'unsatisfied' else 'very_unsatisfied' end,
  (case when r >= 0.95 then '["办理超时"]' else '[]' end)::json, '', false, rn, random() < 0.002,
  m.completed_on + d, m.created_at + d * interval '1 day', 1
from (select m.*, random() r, random() < 0.3 rn, floor(3 * random())::int d from rating_matters m
      where m.id between :lo and :hi) m
"""


def load(engine, *, cases: int, demands: int, recent: str, log=print) -> dict[str, int]:
    """Everything after `city`, in batches of 1,000,000; returns the row counts."""
    import time

    from onewindow.db import session_scope

    with session_scope(engine) as session:
        uid, depts = city(session)
    with engine.begin() as conn:
        conn.execute(text("set session_replication_role = replica"))
        defs = _indexes(conn)
        step = 1_000_000
        params = {"uid": uid, "start": START, "recent": recent, "bundle_dept": depts[-1], "depts": depts}
        for name, sql, n in (("applications", APPLICATIONS, cases), ("cases", CASES, cases),
                             ("demands", DEMANDS, demands), ("rating_matters", MATTERS, cases),
                             ("ratings", RATINGS, cases // 5)):
            t = time.perf_counter()
            conn.execute(text("select setseed(0.14)"))
            for lo in range(1, n + 1, step):
                conn.execute(text(sql), {**params, "lo": lo, "hi": min(n, lo + step - 1)})
            log(f"  {name}: {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        for d in defs:
            conn.execute(text(d))
        for name in BIG:
            conn.execute(text(f"select setval(pg_get_serial_sequence('{name}', 'id'), "
                              f"(select coalesce(max(id), 1) from {name}))"))
        conn.execute(text("set session_replication_role = origin"))
        log(f"  indexes rebuilt: {time.perf_counter() - t:.1f} s")
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("vacuum analyze"))
        return {name: conn.scalar(text(f"select count(*) from {name}")) for name in BIG}
